import { createHash } from 'node:crypto';
import { textTable } from '../ha/cliTable';
import { groupsMigrated, readGroups, readResources, readRules, ruleRows } from '../ha/haConfig';
import { haStatusRows } from '../ha/status';
import { certFingerprint } from '../pve/setup';
import { pmxcfsDown } from './pveCli';
import { fail, ok, type LabCommand, type NodeContext } from './types';

type Row = Record<string, string | number>;

interface Members {
  nodename: string;
  cluster?: { name: string; version: number; nodes: number; quorate: number };
  nodelist?: Record<string, { id: number; online: number; ip?: string }>;
}

async function members(node: NodeContext): Promise<Members> {
  return JSON.parse(await node.fs.readFile('/etc/pve/.members')) as Members;
}

/** GET /cluster/status: the cluster entry (when clustered) and one entry per node, from pmxcfs. */
async function clusterStatus(node: NodeContext): Promise<Row[]> {
  const m = await members(node);
  if (!m.cluster || !m.nodelist) {
    return [{ id: `node/${node.name}`, ip: node.address, level: '', local: 1, name: node.name, nodeid: 0, online: 1, type: 'node' }];
  }
  const rows: Row[] = [{ id: 'cluster', name: m.cluster.name, nodes: m.cluster.nodes, quorate: m.cluster.quorate, type: 'cluster', version: m.cluster.version }];
  for (const [name, n] of Object.entries(m.nodelist)) {
    rows.push({ id: `node/${name}`, ...(n.ip ? { ip: n.ip } : {}), level: '', local: name === node.name ? 1 : 0, name, nodeid: n.id, online: n.online, type: 'node' });
  }
  return rows;
}

/** A stable pseudo-random figure per node, so usage numbers look real and do not jump. */
function figure(name: string, salt: string, max: number): number {
  return createHash('sha256').update(`${name}/${salt}`).digest().readUInt32BE(0) % max;
}

/** GET /nodes: every node pmxcfs lists, with usage figures for those online. */
async function nodes(node: NodeContext): Promise<Row[]> {
  const m = await members(node);
  const list = m.nodelist ? Object.entries(m.nodelist).map(([name, n]) => ({ name, online: n.online === 1 })) : [{ name: node.name, online: true }];
  const rows: Row[] = [];
  for (const n of list) {
    const pem = await node.fs.readFile(`/etc/pve/nodes/${n.name}/pve-ssl.pem`).catch(() => '');
    const fp = certFingerprint(pem);
    const base: Row = { id: `node/${n.name}`, node: n.name, status: n.online ? 'online' : 'offline', type: 'node', ...(fp ? { ssl_fingerprint: fp } : {}) };
    if (!n.online) {
      rows.push(base);
      continue;
    }
    const host = node.cluster.host(n.name);
    const uptime = host ? Math.max(0, Math.floor((node.clock.now() - host.bootedAt) / 1000)) : 0;
    const maxmem = 33_564_733_440;
    rows.push({
      ...base,
      cpu: Number((0.002 + figure(n.name, 'cpu', 200) / 10_000).toFixed(17)),
      disk: 3_221_225_472 + figure(n.name, 'disk', 1_000_000_000),
      level: '',
      maxcpu: 8,
      maxdisk: 100_861_726_720,
      maxmem,
      mem: 2_147_483_648 + figure(n.name, 'mem', 2_000_000_000),
      uptime,
    });
  }
  return rows.sort((a, b) => String(a['node']).localeCompare(String(b['node'])));
}

function sortKeys(row: Row): Row {
  return Object.fromEntries(Object.keys(row).sort().map((k) => [k, row[k] as string | number]));
}

/** A die in an API handler: pvesh prints the message and exits 255. */
class ApiError extends Error {}

/** GET /cluster/ha/resources: every resource as configured (no defaults), with the file's digest. */
async function haResources(node: NodeContext): Promise<Row[]> {
  const cfg = await readResources(node.fs);
  return cfg.sections.map((s) => ({ sid: `${s.type}:${s.id}`, type: s.type, digest: cfg.digest, ...Object.fromEntries(Object.entries(s.props).map(([k, v]) => [k, /^(max_restart|max_relocate|failback)$/.test(k) ? Number(v) : v])) }));
}

/** GET /cluster/ha/groups; PVE 9 refuses it once groups have become rules. */
async function haGroups(node: NodeContext): Promise<Row[]> {
  const cfg = await readGroups(node.fs);
  if (node.release.major === 9 && groupsMigrated(cfg)) throw new ApiError('cannot index groups: ha groups have been migrated to rules');
  return cfg.sections.map((g) => ({ group: g.id, type: 'group', digest: cfg.digest, ...Object.fromEntries(Object.entries(g.props).map(([k, v]) => [k, /^(restricted|nofailback)$/.test(k) ? Number(v) : v])) }));
}

const HANDLERS: Record<string, (node: NodeContext) => Promise<Row[]>> = {
  '/cluster/status': clusterStatus,
  '/nodes': nodes,
  '/cluster/ha/status/current': haStatusRows,
  '/cluster/ha/resources': haResources,
  '/cluster/ha/groups': haGroups,
};

/** pvesh get for the cluster paths the runbooks read: /cluster/status, /nodes and the HA state. */
export const pvesh: LabCommand = {
  name: 'pvesh',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const [verb, path, ...rest] = args;
    if (verb === undefined) return fail('ERROR: no command specified\n', 255);
    const down = pmxcfsDown(node);
    if (down) return down;
    let format = 'text';
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i] as string;
      const m = /^--output-format(?:=(.*))?$/.exec(a);
      if (m) format = m[1] ?? rest[++i] ?? '';
      else if (a !== '--noborder' && a !== '--noheader' && a !== '--human-readable') return fail(`Unknown option: ${a.replace(/^-+/, '')}\n400 unable to parse option\npvesh get <api_path> [OPTIONS] [FORMAT_OPTIONS]\n`, 255);
    }
    if (!['json', 'json-pretty', 'text', 'yaml'].includes(format)) return fail(`400 Parameter verification failed.\noutput-format: value '${format}' does not have a value in the enumeration 'text, json, json-pretty, yaml'\n\npvesh get <api_path> [OPTIONS] [FORMAT_OPTIONS]\n`, 255);
    if (verb !== 'get') return fail(`pvesh ${verb}: not simulated by the lab twin (pvesh get is)\n`, 255);
    const clean = (path ?? '').replace(/\/+$/, '') || '/';
    const handler = HANDLERS[clean] ?? (clean === '/cluster/ha/rules' && node.release.major === 9 ? async (n: NodeContext) => ruleRows(await readRules(n.fs)) : undefined);
    if (!handler) return fail(`No 'get' handler defined for '${clean}'\n`, 255);
    let rows: Row[];
    try {
      rows = await handler(node);
    } catch (err) {
      if (err instanceof ApiError) return fail(`${err.message}\n`, 255);
      throw err;
    }
    const sorted = rows.map(sortKeys);
    if (format === 'json') return ok(`${JSON.stringify(sorted)}\n`);
    if (format === 'json-pretty') return ok(`${JSON.stringify(sorted, null, 3)}\n`);
    if (format === 'yaml') return ok(sorted.map((r) => Object.entries(r).map(([k, v], i) => `${i ? '  ' : '- '}${k}: ${v}\n`).join('')).join(''));
    return ok(textTable(sorted, [...new Set(sorted.flatMap((r) => Object.keys(r)))].sort()));
  },
};
