import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { type InventoryFormat, type LoadResult, Problem, loadInventory, parseInventoryText } from '../../client/inventory';
import { clusterVarFor, iniVarFor } from '../../client/inventory/ini-vars';
import { toRunbookInventory } from '../../client/startWorkflow';
import { DISK_DEFAULTS, cephSettings, haSettings, mdName, nodeDisks, nodeNetwork } from '../../common/hyperConverged';
import { type Inventory, RunbookInventory, type RunbookNode } from '../../common/inventory';
import { createActivities } from '../../activities';
import type { SshDeps } from '../../activities/ssh/remote';
import type { ExecOptions, ExecResult, SshPool, SshTarget } from '../../activities/ssh/pool';
import { cmd, quoteArg } from '../../activities/ssh/quote';
import { knownHostsLine, type Peer } from '../../activities/cluster/trust';
import { renderInterfaces } from '../../activities/network/interfaces';
import { jumboPayload, writeInterfacesCommand } from '../../activities/network/privateNetwork';
import { link0Of } from '../../workflows/cluster/plan';

/**
 * Issue 6, item 7: generated malformed and hostile inventories, in both formats, go through the
 * loader the CLI uses. Each one is refused with problems that say where and how to fix, or
 * accepted; an accepted one is turned into the command lines the real activities send (over a
 * recording SSH pool), which bash must parse, and whose every inventory-carrying command must
 * evaluate, with printf in place of the program, to exactly the intended argv.
 */

/** Fixed so runs are reproducible; HOSTILE_SEED explores other corners (and replays a reported failure). */
const SEED = Number(process.env.HOSTILE_SEED ?? 20260607);
const RUNS_PER_FORMAT = 1_000;

// ---------------------------------------------------------------------------------------------
// The inventory as a document: maps keep their entries in order and may hold a key twice, so
// duplicate keys (YAML) and variables set twice (INI) can be written.

type Scalar = string | number | boolean | null;
type Style = 'quoted' | 'plain' | 'single';
/** A string and how the file writes it: quoted (always valid syntax), or raw, which may break the file. */
class Styled {
  constructor(
    readonly text: string,
    readonly style: Style,
  ) {}
}
type Doc = Scalar | Styled | Doc[] | MapDoc;
class MapDoc {
  constructor(readonly entries: [string, Doc][] = []) {}
  get(key: string): Doc | undefined {
    return this.entries.find(([k]) => k === key)?.[1];
  }
  set(key: string, value: Doc): void {
    const e = this.entries.find(([k]) => k === key);
    if (e) e[1] = value;
    else this.entries.push([key, value]);
  }
  delete(key: string): void {
    const i = this.entries.findIndex(([k]) => k === key);
    if (i >= 0) this.entries.splice(i, 1);
  }
}
const map = (o: Record<string, Doc>) => new MapDoc(Object.entries(o));

function clone(d: Doc): Doc {
  if (d instanceof MapDoc) return new MapDoc(d.entries.map(([k, v]) => [k, clone(v)]));
  if (Array.isArray(d)) return d.map(clone);
  return d;
}

type Seg = string | number;
type Mutation =
  | { op: 'set'; path: Seg[]; value: Doc }
  | { op: 'delete'; path: Seg[] }
  /** A key the schema does not know, or one already there (a duplicate). */
  | { op: 'add'; path: Seg[]; key: string; value: Doc }
  | { op: 'duplicateNode'; index: number }
  /** A hostile host with no link0: the host is then the node's corosync address, on pvecm and known_hosts lines. */
  | { op: 'hostOnly'; index: number; host: Doc }
  | { op: 'shape'; what: string };

interface Case {
  format: InventoryFormat;
  doc: MapDoc;
  shapes: string[];
}

interface BaseSpec {
  nodes: number;
  hyper: boolean;
  hostByName: boolean;
  auth: 'env' | 'inline' | 'file' | 'key';
  viaDefaults: boolean;
  hostnames: boolean;
}

function baseDoc(b: BaseSpec): MapDoc {
  const auth = (): [string, Doc][] => {
    switch (b.auth) {
      case 'env':
        return [['password', '${PVE_ROOT_PASSWORD}']];
      case 'inline':
        return [['password', 's3cret']];
      case 'file':
        return [['password', map({ file: '/etc/pve-runbooks/root.pass' })]];
      case 'key':
        return [['privateKeyFile', '~/.ssh/id_ed25519']];
    }
  };
  const nodes = Array.from({ length: b.nodes }, (_, i) => {
    const n = i + 1;
    const entries: [string, Doc][] = [
      ['name', `pve${n}`],
      ['host', b.hostByName ? `pve${n}.example.com` : `10.0.0.${10 + n}`],
    ];
    if (b.hostByName || b.hyper) entries.push(['link0', `10.0.0.${10 + n}`]);
    if (b.hostnames) entries.push(['hostname', `pve${n}.example.com`]);
    if (i === 0) entries.push(['primary', true]);
    if (!b.viaDefaults) entries.push(...auth());
    return new MapDoc(entries);
  });
  const doc = map({ cluster: map({ name: 'lab' }) });
  if (b.viaDefaults) doc.set('defaults', new MapDoc(auth()));
  if (b.hyper) {
    doc.set('network', map({ cidr: '10.0.0.0/24' }));
    doc.set('ceph', map({ pool: map({ size: Math.min(3, b.nodes), minSize: Math.min(2, b.nodes) }) }));
    doc.set('ha', map({ testVm: map({ id: 100 }) }));
  }
  doc.set('nodes', nodes);
  return doc;
}

/** A container created on the way to a leaf starts with what the inventory would default to. */
function freshContainer(key: Seg, next: Seg, doc: MapDoc): Doc {
  if (typeof next !== 'number') return new MapDoc();
  if (key === 'raidMembers') return [...DISK_DEFAULTS.raidMembers];
  if (key === 'vms') return [100];
  const nodes = doc.get('nodes');
  return Array.isArray(nodes) ? nodes.map((n) => (n instanceof MapDoc ? (n.get('name') ?? 'pve1') : 'pve1')) : ['pve1'];
}

/** The container at `path` (created as needed), or undefined when something in the way is not one. */
function containerAt(doc: MapDoc, path: Seg[]): MapDoc | Doc[] | undefined {
  let cur: Doc = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] as Seg;
    const next = path[i + 1];
    let child: Doc | undefined;
    if (cur instanceof MapDoc && typeof seg === 'string') {
      child = cur.get(seg);
      if (child === undefined && next !== undefined) cur.set(seg, (child = freshContainer(seg, next, doc)));
    } else if (Array.isArray(cur) && typeof seg === 'number') {
      if (cur.length === 0) return undefined;
      child = cur[seg % cur.length];
    } else return undefined;
    if (child === undefined) return undefined;
    cur = child;
  }
  return cur instanceof MapDoc || Array.isArray(cur) ? cur : undefined;
}

function applyMutation(c: Case, m: Mutation): void {
  const { doc } = c;
  switch (m.op) {
    case 'set':
    case 'delete': {
      const parent = containerAt(doc, m.path.slice(0, -1));
      const last = m.path[m.path.length - 1] as Seg;
      const nextKey = m.path[m.path.length - 2] ?? '';
      if (parent instanceof MapDoc && typeof last === 'string') {
        if (m.op === 'delete') parent.delete(last);
        else parent.set(last, m.value);
      } else if (Array.isArray(parent) && typeof last === 'number') {
        if (parent.length === 0) parent.push(...(freshContainer(nextKey, 0, doc) as Doc[]));
        const i = last % parent.length;
        if (m.op === 'delete') parent.splice(i, 1);
        else parent[i] = m.value;
      }
      return;
    }
    case 'add': {
      const target = containerAt(doc, m.path);
      if (target instanceof MapDoc) target.entries.push([m.key, m.value]);
      return;
    }
    case 'duplicateNode': {
      const nodes = doc.get('nodes');
      if (Array.isArray(nodes) && nodes.length > 0) nodes.push(clone(nodes[m.index % nodes.length] as Doc));
      return;
    }
    case 'hostOnly': {
      const nodes = doc.get('nodes');
      const node = Array.isArray(nodes) && nodes.length > 0 ? nodes[m.index % nodes.length] : undefined;
      if (node instanceof MapDoc) {
        node.set('host', m.host);
        node.delete('link0');
      }
      return;
    }
    case 'shape':
      c.shapes.push(m.what);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing the document as YAML or as the Ansible INI inventory.

function yamlScalar(v: Scalar | Styled): string {
  if (v instanceof Styled) {
    if (v.style === 'plain') return v.text;
    if (v.style === 'single') return `'${v.text.replace(/'/g, "''")}'`;
    return JSON.stringify(v.text);
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf';
    return String(v);
  }
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

const yamlKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k));

function yamlFlow(d: Doc): string {
  if (d instanceof MapDoc) return `{${d.entries.map(([k, v]) => `${yamlKey(k)}: ${yamlFlow(v)}`).join(', ')}}`;
  if (Array.isArray(d)) return `[${d.map(yamlFlow).join(', ')}]`;
  return yamlScalar(d);
}

const YAML_SHAPES: Record<string, (text: string) => string> = {
  'top-is-a-list': (t) => `- ${t.split('\n').join('\n  ')}`,
  'top-is-a-scalar': () => 'just some text\n',
  'two-documents': (t) => `${t}---\n${t}`,
  'tab-indentation': (t) => t.replace(/\n {2}- /, '\n\t- '),
  'alias-without-anchor': (t) => `${t}extra: *nowhere\n`,
  'alias-bomb': (t) => `${t}${['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n')}\n`,
  'cut-in-the-middle': (t) => t.slice(0, Math.floor(t.length / 2)),
  'null-sections': (t) => `${t}network:\nceph:\n`,
  bom: (t) => `\uFEFF${t}`,
  'crlf-lines': (t) => t.replace(/\n/g, '\r\n'),
};

function renderYaml(c: Case): string {
  const lines: string[] = [];
  for (const [k, v] of c.doc.entries) {
    if (k === 'nodes' && Array.isArray(v)) {
      lines.push('nodes:', ...v.map((n) => `  - ${yamlFlow(n)}`));
    } else lines.push(`${yamlKey(k)}: ${yamlFlow(v)}`);
  }
  let text = `${lines.join('\n')}\n`;
  for (const s of c.shapes) text = YAML_SHAPES[s]?.(text) ?? text;
  return text;
}

function iniScalar(v: Scalar | Styled): string {
  if (v instanceof Styled) {
    if (v.style === 'plain') return v.text;
    if (v.style === 'single') return `'${v.text}'`;
    return `"${v.text.replace(/["\\$`]/g, '\\$&')}"`;
  }
  if (v === null) return '';
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : String(v);
  if (typeof v !== 'string') return String(v);
  return /^[^\s"'#\\]+$/.test(v) && !v.startsWith('{{') ? v : iniScalar(new Styled(v, 'quoted'));
}

/** Lists are comma-separated; a password mapping is written the way the INI dialect spells it. */
function iniValue(d: Doc): string {
  if (Array.isArray(d)) return d.map((x) => (x instanceof MapDoc || Array.isArray(x) ? yamlFlow(x) : x instanceof Styled ? x.text : String(x))).join(',');
  if (d instanceof MapDoc) {
    const env = d.get('env');
    const file = d.get('file');
    if (d.entries.length === 1 && typeof env === 'string') return `\${${env}}`;
    if (d.entries.length === 1 && typeof file === 'string') return `"{{ lookup('file', '${file}') }}"`;
    return iniScalar(yamlFlow(d));
  }
  return iniScalar(d);
}

/** A node's entries as `var=value` pairs; keys without an INI variable are written as they are. */
function iniPairs(node: MapDoc, prefix: string[] = []): string[] {
  return node.entries.flatMap(([k, v]) => {
    if (prefix.length === 0 && (k === 'name' || k === 'primary')) return [];
    const setting = [...prefix, k].join('.');
    if (v instanceof MapDoc && prefix.length === 0 && (k === 'private' || k === 'disks')) return iniPairs(v, [k]);
    return [`${iniVarFor(setting) ?? setting.replace(/\./g, '_')}=${iniValue(v)}`];
  });
}

/** Cluster settings of a top-level section, as [proxmox_cluster:vars] lines. */
function iniClusterVars(section: string, d: Doc, prefix: string[] = [section]): string[] {
  if (!(d instanceof MapDoc)) return [`${section}=${iniValue(d)}`];
  if (d.entries.length === 0 && prefix.length === 1) {
    const first: Record<string, string> = { ceph: 'ceph_repository=no-subscription', ha: 'ha_name=Cluster-Prod', disks: 'lvm_volume_group=ceph-raid' };
    return first[section] ? [first[section] as string] : [];
  }
  return d.entries.flatMap(([k, v]) => {
    const p = [...prefix, k];
    if (v instanceof MapDoc && (k === 'pool' || k === 'testVm')) return iniClusterVars(section, v, p);
    const variable = section === 'defaults' || (section === 'disks' && ['raidMembers', 'array', 'db'].includes(k)) ? iniVarFor(section === 'defaults' ? k : `disks.${k}`) : clusterVarFor(p);
    return [`${variable ?? p.join('_')}=${iniValue(v)}`];
  });
}

const INI_SHAPES: Record<string, string> = {
  'host-outside-groups': 'pve0 ansible_host=10.0.0.9\n',
  'malformed-header': '[proxmox_cluster_nodes\n',
  'unknown-group': '[webservers]\nweb1 ansible_host=10.0.0.99\n',
  'unclosed-quote': '[proxmox_cluster_nodes]\npve8 ansible_host=10.0.0.18 ansible_password="abc\n',
  'host-range': '[proxmox_cluster_nodes]\npve[5:7] ansible_user=root\n',
  'jinja-cut': "[proxmox_cluster_nodes]\npve9 ansible_password={{ lookup('env', 'X') }}\n",
  'bare-word': '[proxmox_cluster_nodes]\npve7 ansible_host=10.0.0.17 oops\n',
  'children-of-a-host-group': '[proxmox_cluster_nodes:children]\nfoo\n',
  'unknown-child': '[proxmox_cluster:children]\nproxmox_cluster_nodez\n',
  'host-in-parent-group': '[proxmox_cluster]\npve6 ansible_host=10.0.0.16\n',
  'odd-section-kind': '[proxmox_cluster:hosts]\n',
  'vars-with-spaces': '[proxmox_cluster:vars]\nnetwork_nic=a b\n',
};

function renderIni(c: Case): string {
  const nodes = c.doc.get('nodes');
  const primary: string[] = [];
  const others: string[] = [];
  for (const n of Array.isArray(nodes) ? nodes : []) {
    if (!(n instanceof MapDoc)) {
      others.push(iniValue(n));
      continue;
    }
    const name = n.get('name');
    const line = [name === undefined ? '' : iniValue(name), ...iniPairs(n)].join(' ');
    (n.get('primary') === true ? primary : others).push(line);
  }
  const vars = c.doc.entries.flatMap(([k, v]) => (k === 'nodes' ? [] : iniClusterVars(k, v)));
  const shapes = c.shapes.map((s) => INI_SHAPES[s] ?? '').join('');
  return `[proxmox_cluster_primary]\n${primary.map((l) => `${l}\n`).join('')}[proxmox_cluster_nodes]\n${others.map((l) => `${l}\n`).join('')}[proxmox_cluster:vars]\n${vars.map((l) => `${l}\n`).join('')}${shapes}`;
}

// ---------------------------------------------------------------------------------------------
// What goes into the inventories.

const LOOKALIKES = ['рve1', 'pve１', 'pvе1', 'ρve1', 'pve1\u200b', 'pve\u20101', 'p\u0301ve1', 'ＰＶＥ', '\u202epve1', '\ufeffpve1', 'pve1\u00a0', 'ӏab'];
const PAYLOADS = [
  '$(id)', '`id`', ';id', '&&id', '||id', '|id', '&', "'", '"', '\\', "\\'", '$HOME', '${IFS}', '$((1+1))', "$'\\x41'", '!!', '!x', '*', '?', '[a]',
  '{a,b}', '~', '~root', '#', ' #c', '>x', '<x', '2>&1', '<(id)', '\n', '\r', '\t', '\r\n', '\0', '\x01', '\x07', '\x1b[31m', '\x7f', '\u0085',
  '\u2028', '\ud800', '😀', '-', '--', '-oProxyCommand=id', '%s', '%n', '=', ',', ':', '@', '/', '..', ' ', '{{', '}}', '${', '[', ']', 'é',
];
const WORDS = ['pve1', 'a', 'id', '10.0.0.11', 'root', '/dev/sda', 'lab', 'x.example.com', '/dev/disk/by-id/nvme-a:1+b', 'vg_data.1'];

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PAYLOADS, ...LOOKALIKES) },
  { weight: 5, arbitrary: fc.array(fc.constantFrom(...PAYLOADS, ...LOOKALIKES, ...WORDS), { minLength: 2, maxLength: 5 }).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '$', "'", 'é', '-', '9', '\\'), fc.constantFrom(64, 254, 255, 4096, 70_000)).map(([ch, n]) => ch.repeat(n)) },
);
/** Hostile text with what the host rules refuse taken out, so that many such hosts are accepted. */
const hostileHost: fc.Arbitrary<Doc> = hostileText.map((t) => new Styled(t.replace(/[\s\u0000-\u001f\u007f-\u009f@]|:\/\/|:\d+$/g, '') || '$(id)', 'quoted'));
const hostile: fc.Arbitrary<Doc> = fc
  .tuple(hostileText, fc.constantFrom<Style>('quoted', 'quoted', 'quoted', 'quoted', 'plain', 'single'))
  .map(([text, style]) => new Styled(text, style));

function nested(depth: number, kind: 'list' | 'map'): Doc {
  let d: Doc = 'x';
  for (let i = 0; i < depth; i++) d = kind === 'list' ? [d] : map({ a: d });
  return d;
}
const YAML_ODDITIES = ['.nan', '.inf', '-.inf', '0x1F', '0o17', '1_000', '12:30:00', '~', 'yes', 'no', 'off', '!!binary aGVsbG8=', '!!str 5', '2001-12-14', '&anchor x', '!custom x', '<<', '?', '- a', '@x', '%x'];

const wrongValue: fc.Arbitrary<Doc> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, -0, 0.5, 1e21, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 2_147_484, 9_999_999_999),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }).map((o) => map(o)),
  fc.tuple(fc.constantFrom(10, 200, 1000), fc.constantFrom('list' as const, 'map' as const)).map(([depth, kind]) => nested(depth, kind)),
  fc.constantFrom(...YAML_ODDITIES).map((t) => new Styled(t, 'plain')),
);

const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'ansible_host', 'ansible_password', 'hots', 'nаme', '', ' ', 'a b', '<<', 'name ', '$(id)', 'x\ny', 'port.', 'ssh', 'nodes', 'cluster_name'];

const NODE_TEXT: Seg[][] = [['host'], ['host'], ['host'], ['host'], ['user'], ['user'], ['password'], ['password'], ['privateKeyFile'], ['privateKeyFile'], ['name'], ['hostname'], ['link0'], ['private', 'address'], ['private', 'nic'], ['private', 'bridge'], ['disks', 'raidMembers', 0], ['disks', 'array'], ['disks', 'db']];
const TOP_TEXT: Seg[][] = [
  ['cluster', 'name'], ['network', 'cidr'], ['network', 'nic'], ['network', 'bridge'], ['disks', 'raidMembers', 2], ['disks', 'array'], ['disks', 'db'], ['disks', 'volumeGroup'], ['disks', 'logicalVolume'],
  ['ceph', 'repository'], ['ceph', 'version'], ['ceph', 'publicNetwork'], ['ceph', 'clusterNetwork'], ['ceph', 'monitors', 0], ['ceph', 'managers', 1], ['ceph', 'pool', 'name'], ['ceph', 'pool', 'autoscale'],
  ['ha', 'name'], ['ha', 'nodes', 0], ['ha', 'testVm', 'name'], ['ha', 'testVm', 'storage'], ['defaults', 'user'], ['defaults', 'password'], ['defaults', 'privateKeyFile'],
];
const NODE_NUMBER: Seg[][] = [['port'], ['private', 'mtu'], ['primary']];
const TOP_NUMBER: Seg[][] = [
  ['ssh', 'connectTimeoutSeconds'], ['ssh', 'commandTimeoutSeconds'], ['network', 'mtu'], ['disks', 'dbMinPercent'], ['ceph', 'pool', 'size'], ['ceph', 'pool', 'minSize'], ['ceph', 'pool', 'addStorage'],
  ['ha', 'vms', 0], ['ha', 'testVm', 'id'], ['ha', 'testVm', 'memoryMiB'], ['ha', 'testVm', 'cores'], ['ha', 'testVm', 'diskGiB'], ['ha', 'strict'], ['defaults', 'port'],
];
const NODE_MAPS: Seg[][] = [[], ['private'], ['disks'], ['password']];
const TOP_MAPS: Seg[][] = [[], ['cluster'], ['ssh'], ['defaults'], ['network'], ['disks'], ['ceph'], ['ceph', 'pool'], ['ha'], ['ha', 'testVm']];
const REQUIRED: Seg[][] = [['cluster'], ['cluster', 'name'], ['nodes'], ['network', 'cidr']];
const NODE_REQUIRED: Seg[][] = [['name'], ['host'], ['password'], ['primary']];

const nodePath = (paths: Seg[][]) => fc.tuple(fc.nat(3), fc.constantFrom(...paths)).map(([i, p]): Seg[] => ['nodes', i, ...p]);
const textPath = fc.oneof({ weight: 3, arbitrary: nodePath(NODE_TEXT) }, { weight: 2, arbitrary: fc.constantFrom(...TOP_TEXT) });
const anyPath = fc.oneof(textPath, nodePath(NODE_NUMBER), fc.constantFrom(...TOP_NUMBER), nodePath(NODE_MAPS.filter((p) => p.length > 0)), fc.constantFrom(...TOP_MAPS.filter((p) => p.length > 0)));
const mapPath = fc.oneof(nodePath(NODE_MAPS), fc.constantFrom(...TOP_MAPS));

function mutation(shapes: readonly string[]): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ op: fc.constant('set' as const), path: textPath, value: hostile }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), path: anyPath, value: wrongValue }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), path: fc.oneof(fc.constantFrom(...REQUIRED), nodePath(NODE_REQUIRED)) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), path: mapPath, key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })), value: fc.oneof(hostile, wrongValue) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('add' as const),
        path: mapPath,
        key: fc.constantFrom('name', 'host', 'cluster', 'nodes', 'password', 'ceph', 'port', 'cidr', 'user'),
        value: fc.oneof(hostile, fc.constantFrom<Doc>('pve1', '10.0.0.11', 'lab', 22)),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicateNode' as const), index: fc.nat(3) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('hostOnly' as const), index: fc.nat(3), host: hostileHost }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('shape' as const), what: fc.constantFrom(...shapes) }) },
  );
}

function caseOf(format: InventoryFormat): fc.Arbitrary<Case> {
  const base = fc.record({
    nodes: fc.integer({ min: 1, max: 4 }),
    hyper: fc.boolean(),
    hostByName: fc.boolean(),
    auth: fc.constantFrom('env' as const, 'inline' as const, 'file' as const, 'key' as const),
    viaDefaults: fc.boolean(),
    hostnames: fc.boolean(),
  });
  const shapes = Object.keys(format === 'yaml' ? YAML_SHAPES : INI_SHAPES);
  return fc.tuple(base, fc.array(mutation(shapes), { minLength: 1, maxLength: 3 })).map(([b, ms]) => {
    const c: Case = { format, doc: baseDoc(b), shapes: [] };
    for (const m of ms) applyMutation(c, m);
    return c;
  });
}

// ---------------------------------------------------------------------------------------------
// The loader's answer.

/** Problems that only a field-less, line-less answer could carry; every other one points somewhere. */
const GENERIC_FIELDS = new Set(['file', 'yaml', 'ini', 'inventory']);

function checkAnswer(r: LoadResult, text: string): void {
  const list = r.ok ? r.warnings : r.problems;
  for (const p of list) {
    assert.ok(Problem.safeParse(p).success, `a problem of the wrong shape: ${JSON.stringify(p)}`);
    assert.ok(p.field.trim() !== '', `a problem without a field: ${JSON.stringify(p)}`);
    assert.ok(p.message.trim() !== '', `a problem without a message: ${JSON.stringify(p)}`);
    assert.ok(p.fix.trim() !== '' && p.fix !== p.message, `a problem without a fix: ${JSON.stringify(p)}`);
  }
  if (r.ok) return;
  assert.ok(r.problems.length > 0, `refused without a problem:\n${text}`);
  assert.ok(
    r.problems.some((p) => p.line !== undefined || !GENERIC_FIELDS.has(p.field)),
    `no problem says where: ${JSON.stringify(r.problems)}\n--- inventory ---\n${text.slice(0, 2000)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The commands the activities send for an accepted inventory, over a pool that records them.

/** Just enough of each node's answers for the activities to reach the commands that carry inventory values. */
function cannedReply(command: string): Pick<ExecResult, 'stdout' | 'exitCode'> {
  if (command.startsWith('[ -x /usr/bin/ceph-mon ]')) return { stdout: '', exitCode: 1 };
  if (command.includes('echo @pools;')) return { stdout: '@pools\n[]\n@storages\n\n@cfg\n', exitCode: 0 };
  if (command.includes('echo @dbsig;')) {
    return { stdout: '@list\n{}\n@dump\n{"epoch":1,"flags":"","osds":[],"pools":[]}\n@lvs\n{"report":[{"lv":[]}]}\n@pvs\n{"report":[{"pv":[]}]}\n@dbsig\n', exitCode: 0 };
  }
  return { stdout: '', exitCode: 0 };
}

/** Node's timers hold at most 2^31-1 ms: a longer delay fires at once. */
const TIMER_MAX_MS = 2 ** 31 - 1;
/** What one SSH exec request carries (trust.ts batches its peers to stay under it). */
const SSH_EXEC_MAX_BYTES = 32 * 1024;

class RecordingPool {
  sent: string[] = [];
  async exec(t: SshTarget, command: string, opts: ExecOptions): Promise<ExecResult> {
    for (const [what, ms] of [['command timeout', opts.timeoutMs], ['connect timeout', t.connectTimeoutMs]] as const) {
      assert.ok(ms >= 1 && ms <= TIMER_MAX_MS, `${t.name}: a ${what} of ${ms} ms does not fit a timer`);
    }
    const bytes = Buffer.byteLength(command);
    assert.ok(bytes <= SSH_EXEC_MAX_BYTES, `${t.name}: a ${bytes}-byte command does not fit in one SSH exec request: ${command.slice(0, 300)}`);
    this.sent.push(command);
    return { ...cannedReply(command), stderr: '', durationMs: 0 };
  }
}

/** What must appear in the commands: a simple command with exactly this argv, or one value as a word between fixed text. */
type Expected = { argv: string[] } | { before: string; word: string; after: string };

const ROOT_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileRootKeyForTheTest root@node';
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileHostKeyForTheTest';
const CURRENT_INTERFACES = 'auto lo\niface lo inet loopback\n\nauto vmbr0\niface vmbr0 inet static\n\taddress 192.168.100.11/24\n';

async function settle(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    // The canned answers make some activities fail after their command was sent; any other error is a crash.
    if (!(err instanceof ApplicationFailure)) throw err;
  }
}

/** Runs the activities of createCluster, destroyCluster and the hyper-converged phases for `inv`, as the workflows call them. */
async function activityCommands(inv: Inventory, env: NodeJS.ProcessEnv): Promise<{ sent: string[]; expected: Expected[] }> {
  const travelled = RunbookInventory.parse(JSON.parse(JSON.stringify(toRunbookInventory(inv, env))));
  assert.deepEqual(RunbookInventory.parse(travelled), travelled, 'the worker reads the inventory it was sent as it was sent');
  // Passwords and key files reach SSH authentication only, never a command line: no secret is resolved here.
  const rb: RunbookInventory = { ...travelled, nodes: travelled.nodes.map(({ password: _p, privateKeyFile: _k, ...n }): RunbookNode => n) };
  const pool = new RecordingPool();
  const deps: SshDeps = { pool: pool as unknown as SshPool, controllerKey: { privateKey: 'unused', publicKey: ROOT_KEY }, env: {} };
  const acts = createActivities(deps);
  const task = (n: RunbookNode) => ({ node: n, ssh: rb.ssh });
  const expected: Expected[] = [];
  const expect = (...argv: string[]) => expected.push({ argv });
  const nodes = rb.nodes;
  const primary = nodes.find((n) => n.primary) ?? (nodes[0] as RunbookNode);
  const others = nodes.filter((n) => n !== primary);
  const name = rb.cluster.name;

  await settle(acts.createClusterOnPrimary(task(primary), name, link0Of(primary)));
  expect('pvecm', 'create', name, '--link0', link0Of(primary));
  for (const n of others) {
    await settle(acts.joinCluster(task(n), name, link0Of(primary), link0Of(n)));
    expect('pvecm', 'add', link0Of(primary), '--link0', link0Of(n), '--use_ssh');
  }
  const peers: Peer[] = nodes.map((n) => ({
    name: n.name,
    aliases: [n.name, ...(n.hostname ? [n.hostname] : []), `${n.name}.lab.internal`, link0Of(n)].filter((a, i, all) => a && all.indexOf(a) === i),
    rootKey: ROOT_KEY,
    hostKeys: [HOST_KEY],
  }));
  for (const n of nodes) {
    const theirs = peers.filter((p) => p.name !== n.name);
    await settle(acts.trustPeers(task(n), theirs, true));
    for (const p of theirs) {
      expect('printf', '%s\\n', knownHostsLine(p, HOST_KEY));
      expect('grep', '-qxF', '--', knownHostsLine(p, HOST_KEY), '/root/.ssh/known_hosts');
    }
  }
  for (const n of others) {
    const via = link0Of(primary);
    await settle(acts.checkPeerSsh(task(n), [via]));
    expect('ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${via}`, 'true');
    expect('echo', 'ok', via);
    expect('echo', 'fail', via);
    await settle(acts.deleteNode(task(primary), n.name, nodes.length - 1));
    expect('pvecm', 'delnode', n.name);
    expect('grep', '-q', `"${n.name}"`, '/etc/pve/.members');
    expect('grep', '-qE', `^\\s*name:\\s*${n.name}\\s*$`, '/etc/pve/corosync.conf');
    expect('rm', '-rf', `/etc/pve/nodes/${n.name}`);
  }
  for (const n of nodes) {
    await settle(acts.separateNode(task(n)));
    expected.push({ before: '" = ', word: n.name, after: ' ]' });
  }

  if (rb.network) {
    for (const n of nodes) {
      const p = nodeNetwork(rb, n);
      if (!p) continue;
      // configurePrivateBridge sends this once `ip -j` answers describe the NIC; the builders it uses stand in for it.
      const content = renderInterfaces(CURRENT_INTERFACES, p);
      pool.sent.push(writeInterfacesCommand(content));
      expected.push({ before: "printf '%s' ", word: content, after: ' > ' });
      const targets = others.map((o) => ({ name: o.name, address: nodeNetwork(rb, o)?.address ?? '' })).filter((t) => t.address);
      await settle(acts.jumboPing(task(n), targets, p.mtu));
      for (const t of targets) expect('ping', '-M', 'do', '-s', String(jumboPayload(p.mtu)), '-c', '3', '-i', '0.2', '-W', '2', t.address);
    }
  }
  const ceph = cephSettings(rb);
  if (ceph) {
    for (const n of nodes) {
      const d = nodeDisks(rb, n);
      if (!d) continue;
      const vglv = `${d.volumeGroup}/${d.logicalVolume}`;
      await settle(acts.ensureRaidArray(task(n), d));
      expect('mdadm', '--create', d.array, '--run', '--level=5', `--raid-devices=${d.raidMembers.length}`, ...d.raidMembers);
      expect('grep', '-q', `^${mdName(d.array)} : active`, '/proc/mdstat');
      await settle(acts.persistRaidArray(task(n), d));
      expected.push({ before: ' -v a=', word: d.array, after: ' -v b=' }, { before: ' -v b=', word: `/dev/md/${mdName(d.array)}`, after: " '" });
      await settle(acts.ensureOsdVolume(task(n), d));
      expect('lvs', vglv);
      expect('pvcreate', '-y', d.array);
      expect('vgcreate', d.volumeGroup, d.array);
      expect('lvcreate', '-y', '-l', '100%FREE', '-n', d.logicalVolume, d.volumeGroup);
      await settle(acts.installCeph(task(n), ceph.repository, ceph.version));
      expect('pveceph', 'install', '--repository', ceph.repository, '--version', ceph.version);
      await settle(acts.ensureOsd(task(n), d));
      expect('wipefs', '-n', d.db);
      expect('ceph-volume', 'lvm', 'create', '--data', vglv, '--block.db', d.db);
    }
    await settle(acts.initCeph(task(primary), ceph.publicNetwork, ceph.clusterNetwork));
    expect('pveceph', 'init', '--network', ceph.publicNetwork, ...(ceph.clusterNetwork !== ceph.publicNetwork ? ['--cluster-network', ceph.clusterNetwork] : []));
    await settle(acts.ensurePool(task(primary), ceph.pool));
    const p = ceph.pool;
    expect('pveceph', 'pool', 'create', p.name, '--size', String(p.size), '--min_size', String(p.minSize), '--pg_autoscale_mode', p.autoscale, '--add_storages', p.addStorage ? '1' : '0');
  }
  const ha = haSettings(rb);
  if (ha) {
    if (ha.testVm) {
      const vm = ha.testVm;
      await settle(acts.ensureTestVm(task(primary), vm));
      expect('qm', 'create', String(vm.id), '--name', vm.name, '--memory', String(vm.memoryMiB), '--cores', String(vm.cores), '--net0', 'virtio,bridge=vmbr0', '--scsihw', 'virtio-scsi-single', '--scsi0', `${vm.storage}:${vm.diskGiB}`);
    }
    await settle(acts.ensureHaGroup(task(primary), ha));
    expect('ha-manager', 'groupadd', ha.name, '--nodes', ha.nodes.join(','), ...(ha.strict ? ['--restricted', '1'] : []));
    await settle(acts.ensureHaRule(task(primary), ha));
    expect('ha-manager', 'rules', 'add', 'node-affinity', ha.name, '--resources', ha.vms.map((v) => `vm:${v}`).join(','), '--nodes', ha.nodes.join(','), ...(ha.strict ? ['--strict', '1'] : []));
    await settle(acts.ensureHaResources(task(primary), ha, 8));
    for (const v of ha.vms) expect('ha-manager', 'add', `vm:${v}`, '--state', 'started', '--group', ha.name);
  }
  return { sent: pool.sent, expected };
}

// ---------------------------------------------------------------------------------------------
// bash: `bash -n` on every command line, and printf in place of the program for every expected argv.

/**
 * Where a simple command may start: after an operator, a keyword, an environment assignment, or
 * `systemd-run [OPTIONS] --`, which runs the rest as a command of its own (the detached destructive steps).
 */
const COMMAND_START = /(?:^|[;\n|&({!]|\b(?:then|else|do|if|elif)|(?:^|\s)[A-Za-z_]\w*=[^\s'"]*|\bsystemd-run(?:[ \t]+--?[\w=.-]+)*[ \t]+--)[ \t]*$/;
/** What may follow a simple command's last word: the end, an operator or a redirection. */
const COMMAND_END = /^(?:$|[ \t]*(?:[;\n|&)<>]|\d+[<>]))/;

/** The shell words of an expected value as the command lines must carry them, and the printf that evaluates them. */
function locate(sent: readonly string[], e: Expected): { found: boolean; printf: string; want: string[]; what: string } {
  if ('argv' in e) {
    const [program = '', ...args] = e.argv;
    const words = cmd(...e.argv);
    const found = sent.some((s) => {
      for (let i = s.indexOf(words); i >= 0; i = s.indexOf(words, i + 1)) {
        if (COMMAND_START.test(s.slice(0, i)) && COMMAND_END.test(s.slice(i + words.length))) return true;
      }
      return false;
    });
    // The program word of `words` is `program` quoted; the rest is exactly what the command line carries.
    return { found, printf: `printf '%s\\0' ${words.slice(quoteArg(program).length + 1)}`, want: args, what: JSON.stringify(e.argv) };
  }
  const quoted = quoteArg(e.word);
  const found = sent.some((s) => s.includes(`${e.before}${quoted}${e.after}`));
  return { found, printf: `printf '%s\\0' ${quoted}`, want: [e.word], what: `${e.before}${JSON.stringify(e.word)}${e.after}` };
}

/**
 * One bash per inventory with anything new to check. Syntax checks run `bash -n` (which executes
 * nothing) per command line; the printf evaluations then run with no PATH, the builtins that could
 * reach outside disabled, and restricted mode on (no output redirection, no exec), so even a value
 * that escaped its quoting could only print: anything it tried to run is reported instead of run.
 */
const DRIVER = [
  'evals=()',
  "while IFS= read -r -d '' kind && IFS= read -r -d '' text; do",
  '  if [ "$kind" = n ]; then',
  `    if err=$(bash -n 2>&1 <<<"$text"); then printf 'ok\\0'; else printf 'bad %s\\0' "$err"; fi`,
  '  else evals+=("$text"); fi',
  'done',
  'PATH=/nonexistent',
  "command_not_found_handle() { printf '\\001ran %s\\001' \"$1\"; return 127; }",
  'enable -n kill suspend trap ulimit umask wait read mapfile readarray fc history source exec 2>/dev/null',
  'set -r',
  `for text in "\${evals[@]}"; do eval "$text"; printf '\\001\\n'; done`,
].join('\n');

const checkedScripts = new Set<string>();
const checkedEvals = new Set<string>();

function bashCheck(scripts: string[], evals: { printf: string; want: string[]; what: string }[], cwd: string): void {
  const newScripts = [...new Set(scripts)].filter((s) => !checkedScripts.has(s));
  const newEvals = evals.filter((e, i) => !checkedEvals.has(e.printf) && evals.findIndex((x) => x.printf === e.printf) === i);
  if (newScripts.length === 0 && newEvals.length === 0) return;
  const records = [...newScripts.flatMap((s) => ['n', s]), ...newEvals.flatMap((e) => ['e', e.printf])];
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', DRIVER], {
    input: Buffer.from(records.map((x) => `${x}\0`).join(''), 'utf8'),
    env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
    cwd,
    timeout: 60_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  assert.equal(r.error, undefined, `bash could not run: ${r.error}`);
  const out = r.stdout;
  let at = 0;
  for (const s of newScripts) {
    const end = out.indexOf(0, at);
    const verdict = out.subarray(at, end).toString('utf8');
    assert.equal(verdict, 'ok', `bash -n refuses a command line the activities send:\n${s.slice(0, 3000)}\n${verdict}`);
    at = end + 1;
  }
  for (const e of newEvals) {
    const want = Buffer.from(`${e.want.map((w) => `${w}\0`).join('')}\x01\n`, 'utf8');
    const got = out.subarray(at, at + want.length);
    if (!got.equals(want)) {
      const shown = (b: Buffer) => JSON.stringify(b.toString('utf8').slice(0, 400));
      assert.fail(`a value escaped its quoting in ${e.what.slice(0, 400)}:\n  evaluated: ${e.printf.slice(0, 400)}\n  want ${shown(want)}\n  got  ${shown(out.subarray(at, at + want.length + 200))}`);
    }
    at += want.length;
  }
  assert.equal(at, out.length, `bash printed more than expected: ${JSON.stringify(out.subarray(at).toString('utf8').slice(0, 400))}`);
  for (const s of newScripts) checkedScripts.add(s);
  for (const e of newEvals) checkedEvals.add(e.printf);
}

// ---------------------------------------------------------------------------------------------

/** A value a DNS name, IP, path or secret would never hold: what makes an accepted inventory hostile. */
const UNUSUAL = /[^A-Za-z0-9._:/@+=,%~-]/;

interface Tally {
  cases: number;
  accepted: number;
  acceptedUnusual: number;
  /** Accepted with an unusual host that is also its corosync address: it reaches pvecm and known_hosts lines. */
  unusualOnCommandLines: number;
  refused: number;
  commands: number;
  argvChecked: number;
}

describe('hostile inventories: refused clearly, or carried safely quoted', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-hostile-'));
    env = { HOME: dir, PVE_ROOT_PASSWORD: 'pw', PVE_RUNBOOKS_SECRET_KEY: randomBytes(32).toString('base64') };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the bash check catches a value that escapes its quoting, and a command bash cannot parse', () => {
    for (const unquoted of ['$(id)', 'a;id', '`id`']) {
      assert.throws(() => bashCheck([], [{ printf: `printf '%s\\0' ${unquoted}`, want: [unquoted], what: unquoted }], dir), /escaped its quoting/);
    }
    assert.throws(() => bashCheck(['if true; then echo'], [], dir), /bash -n refuses/);
  });

  for (const format of ['yaml', 'ini'] as const) {
    test(`${RUNS_PER_FORMAT} generated ${format === 'yaml' ? 'YAML' : 'Ansible INI'} inventories (seed ${SEED})`, async (t) => {
      const file = path.join(dir, format === 'yaml' ? 'inventory.yaml' : 'hosts.ini');
      const tally: Tally = { cases: 0, accepted: 0, acceptedUnusual: 0, unusualOnCommandLines: 0, refused: 0, commands: 0, argvChecked: 0 };
      const property = fc.asyncProperty(caseOf(format), async (c) => {
        tally.cases++;
        const text = format === 'yaml' ? renderYaml(c) : renderIni(c);
        fs.writeFileSync(file, text);
        let run: LoadResult;
        let checked: LoadResult;
        try {
          // As `start-workflow` reads it, then as `inventory check` does (files and environment checked).
          run = loadInventory(file, { checkFiles: false, checkEnv: false });
          checked = loadInventory(file, { env });
        } catch (err) {
          assert.fail(`the loader threw ${(err as Error).stack}\n--- inventory ---\n${text.slice(0, 2000)}`);
        }
        checkAnswer(run, text);
        checkAnswer(checked, text);
        if (!run.ok) {
          tally.refused++;
          return;
        }
        tally.accepted++;
        const carried = run.inventory.nodes.flatMap((n) => [n.host, n.user, n.privateKeyFile ?? '', n.password && 'inline' in n.password ? n.password.inline : '']);
        if (carried.some((v) => UNUSUAL.test(v))) tally.acceptedUnusual++;
        if (run.inventory.nodes.some((n) => n.link0 === undefined && UNUSUAL.test(n.host))) tally.unusualOnCommandLines++;
        const { sent: commands, expected } = await activityCommands(run.inventory, env);
        const located = expected.map((e) => locate(commands, e));
        for (const l of located) assert.ok(l.found, `no command carries ${l.what}; sent:\n${commands.join('\n---\n').slice(0, 4000)}`);
        bashCheck(commands, located, dir);
        tally.commands += commands.length;
        tally.argvChecked += located.length;
      });
      // fast-check's own report prints the counterexample, which may be nested thousands deep: the
      // failing inventory's text is in the assertion message instead.
      const details = await fc.check(property, { seed: SEED, numRuns: RUNS_PER_FORMAT });
      if (details.failed) {
        const cause = details.errorInstance;
        assert.fail(`replay with HOSTILE_SEED=${SEED} (fast-check path ${details.counterexamplePath}, ${details.numShrinks} shrinks)\n${cause instanceof Error ? cause.message : String(cause)}`);
      }
      t.diagnostic(JSON.stringify(tally));
      assert.equal(tally.cases, RUNS_PER_FORMAT);
      // The generator is only useful if both outcomes are common.
      assert.ok(tally.accepted >= RUNS_PER_FORMAT / 10 && tally.refused >= RUNS_PER_FORMAT / 3, JSON.stringify(tally));
      assert.ok(tally.acceptedUnusual >= RUNS_PER_FORMAT / 10 && tally.unusualOnCommandLines >= RUNS_PER_FORMAT / 20, `too few accepted inventories carry unusual values: ${JSON.stringify(tally)}`);
    });
  }
});

/** Each of these once crashed the loader, was accepted and broke a command, or was reported without a usable field or fix. */
describe('what the generated inventories found', () => {
  const yaml = (text: string) => parseInventoryText(text, { file: 'inventory.yaml', checkFiles: false, checkEnv: false });
  const ini = (text: string) => parseInventoryText(text, { file: 'hosts.ini', checkFiles: false, checkEnv: false });
  const node = (extra: string) => `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.11, primary: true, password: x${extra}}\n`;
  const hyper = (sections: string) =>
    `cluster: {name: lab}\ndefaults: {password: x}\nnetwork: {cidr: 10.0.0.0/24}\n${sections}\nnodes:\n  - {name: pve1, host: 10.0.0.11, primary: true}\n  - {name: pve2, host: 10.0.0.12}\n  - {name: pve3, host: 10.0.0.13}\n`;
  const problems = (r: LoadResult) => (r.ok ? assert.fail(`accepted: ${JSON.stringify(r.inventory)}`) : r.problems);
  const iniWith = (hostLine: string, vars = '') => `[proxmox_cluster_primary]\n${hostLine}\n[proxmox_cluster:vars]\ncluster_name=lab\n${vars}`;

  test('an INI variable named like a member of every JavaScript object is an unknown variable, not a crash', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const onLine = problems(ini(iniWith(`pve1 ansible_password=x ${name}=1 stray`)));
      assert.ok(onLine.some((p) => p.field === `pve1.${name}` && /unknown variable/.test(p.message)), JSON.stringify(onLine));
      const inVars = problems(ini(iniWith('pve1 ansible_password=x', `${name}=a b\n`)));
      assert.ok(inVars.some((p) => p.field === `proxmox_cluster:vars.${name}`), JSON.stringify(inVars));
    }
  });

  test("a YAML key named like an object member gets a real suggestion, and an empty key a field", () => {
    for (const text of [node(', constructor: 1'), `__proto__: 1\n${node('')}`, `defaults: {toString: 1}\n${node('')}`]) {
      for (const p of problems(yaml(text))) assert.doesNotMatch(p.fix, /\[object Object\]|function|native code/, JSON.stringify(p));
    }
    const empty = problems(yaml(`"": 1\n${node('')}`));
    assert.deepEqual(empty.map((p) => [p.field, p.line]), [['[""]', 1]]);
    assert.match(empty[0]?.fix ?? '', /remove it/);
  });

  test('a quoted empty or blank host name in INI is reported under its group', () => {
    for (const [name, what] of [['""', 'an empty'], ['"\t"', 'a blank']]) {
      const p = problems(ini(iniWith(`${name} ansible_host=10.0.0.11 ansible_password=x`)));
      assert.ok(p.some((x) => x.field === '[proxmox_cluster_primary]' && x.message === `a host line starts with ${what} name` && x.line === 2), JSON.stringify(p));
    }
  });

  test('a host with control characters, or longer than a DNS name, is refused (a NUL cannot even be quoted)', () => {
    for (const host of ['"10.0.0.11\\0"', '"a\\x01b"', '"pve1\\u0085"']) {
      const p = problems(yaml(`cluster: {name: lab}\nnodes:\n  - {name: pve1, host: ${host}, primary: true, password: x}\n`));
      assert.ok(p.some((x) => x.field === 'nodes[0].host' && /contains control characters \(U\+00(00|01|85)\)/.test(x.message)), JSON.stringify(p));
    }
    const nul = problems(ini(iniWith('pve1 ansible_host=a\0b ansible_password=x')));
    assert.ok(nul.some((x) => x.field === 'pve1.ansible_host' && /U\+0000/.test(x.message) && /ansible_host=ab/.test(x.fix)), JSON.stringify(nul));
    const long = problems(yaml(node(`, link0: 10.0.0.11`).replace('host: 10.0.0.11', `host: ${'a'.repeat(254)}`)));
    assert.ok(long.some((x) => x.field === 'nodes[0].host' && /254 characters long; a DNS name holds at most 253/.test(x.message)), JSON.stringify(long));
  });

  test('SSH timeouts a timer cannot hold are refused; the longest one is accepted', () => {
    const p = problems(yaml(`ssh: {commandTimeoutSeconds: 1e300, connectTimeoutSeconds: 2147484}\n${node('')}`));
    assert.deepEqual(p.map((x) => x.field).sort(), ['ssh.commandTimeoutSeconds', 'ssh.connectTimeoutSeconds']);
    for (const x of p) assert.match(x.message, /must be at most 2147483 seconds/);
    assert.equal(yaml(`ssh: {commandTimeoutSeconds: 2147483}\n${node('')}`).ok, true);
  });

  test('IDs and the test VM name too long for a command line are refused', () => {
    const long = 'a'.repeat(256);
    const label = 'a'.repeat(63);
    for (const [sections, field] of [
      [`ceph: {pool: {name: ${long}}}\nha: {}`, 'ceph.pool.name'],
      [`ceph: {}\nha: {name: ${long}}`, 'ha.name'],
      [`ceph: {}\nha: {testVm: {storage: ${long}}}`, 'ha.testVm.storage'],
      [`ceph: {}\nha: {testVm: {name: ${[label, label, label, label].join('.')}}}`, 'ha.testVm.name'],
    ] as const) {
      const p = problems(yaml(hyper(sections)));
      assert.ok(p.some((x) => x.field === field), `${field}: ${JSON.stringify(p)}`);
    }
    assert.equal(yaml(hyper(`ceph: {pool: {name: ${'a'.repeat(255)}}}\nha: {}`)).ok, true);
  });

  test('YAML 1.1 tags are read as the text or mapping written, not as a Buffer or a Set', () => {
    const p = problems(yaml(hyper('ceph: {pool: !!binary aGVsbG8=}\nha: {}')));
    assert.deepEqual(p.map((x) => [x.field, x.message]), [['ceph.pool', 'must be a mapping (indented `key: value` lines), got the text "aGVsbG8="']]);
    const set = problems(yaml(`cluster: !!set {lab}\n${node('').split('\n').slice(1).join('\n')}`));
    assert.deepEqual(set.map((x) => x.field), ['cluster.name', 'cluster.lab']);
  });

  test('an alias that cannot be resolved is reported at its line', () => {
    const p = problems(yaml(`${node('')}extra: *nowhere\n`));
    assert.deepEqual(p.map((x) => [x.field, x.line]), [['yaml', 4]]);
  });
});
