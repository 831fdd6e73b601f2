import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { type Ip, type Prefixed, contains, formatIp, isReservedInNetwork, parseIp, parsePrefixed } from '../../common/cidr';
import { CEPH_DEFAULTS, DISK_DEFAULTS, type HyperConvergedNode, privateAddress } from '../../common/hyperConverged';
import { CephSection, DisksSection, HaSection, NetworkSection, NodeDisks, NodePrivate } from '../../common/inventory';
import { type Dialect, type FieldPath, mention } from './dialect';
import type { Finding } from './problem';
import { nearest } from './suggest';
import { draftNodes, isPlainObject, textAt, valueAt } from './values';

/**
 * Rules of the hyper-converged sections that span fields, sections and nodes. The schema reports
 * each invalid value; these rules read around it (a section keeps its valid fields) and stay
 * silent about what depends on it rather than guess, so one run reports everything once.
 */
export function checkHyperConverged(draft: unknown, d: Dialect): { errors: Finding[]; warnings: Finding[] } {
  const view = readView(draft);
  const r = new Report(d);
  presence(view, r);
  if (view.network) network(view, view.network, r);
  if (view.ceph) ceph(view, view.ceph, r);
  if (view.ha) ha(view, view.ha, r);
  return { errors: r.errors, warnings: r.warnings };
}

interface ViewNode {
  index: number;
  /** Only for nodes whose name, host and link0 can be read. */
  node?: HyperConvergedNode;
}

interface View {
  present: Record<'network' | 'disks' | 'ceph' | 'ha', boolean>;
  /** Each section with its invalid values left out (so defaulted); absent when not written or unusable. */
  network?: NetworkSection;
  disks?: DisksSection;
  ceph?: CephSection;
  ha?: HaSection;
  nodes: ViewNode[];
  names: string[];
  /** The value at this path (or around it) is invalid: rules that read it stay silent. */
  broken(path: FieldPath): boolean;
  /** Not written, so its default applies. */
  defaulted(path: FieldPath): boolean;
  /** A list as written, for rules on its items (duplicates, unknown names) that hold whatever the items' own problems. */
  written(path: FieldPath): readonly unknown[] | undefined;
}

/**
 * A section parsed around its invalid values: each one is removed (a list as a whole) and
 * remembered as broken, until what is left parses. A required value that is wrong leaves nothing.
 */
function salvage<T>(schema: z.ZodType<T>, at: FieldPath, raw: unknown, broken: Set<string>): T | undefined {
  if (raw === undefined) return undefined;
  let current: unknown = structuredClone(raw);
  for (;;) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return parsed.data;
    let progressed = false;
    for (const issue of parsed.error.issues) {
      const cut = issue.path.slice(0, firstIndex(issue.path));
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...cut, k]) : [cut];
      for (const key of keys) {
        if (key.length > 0 && removeAt(current, key)) {
          if (issue.code !== 'unrecognized_keys') broken.add([...at, ...key].join('.'));
          progressed = true;
        }
      }
    }
    if (!progressed) {
      broken.add(at.join('.'));
      return undefined;
    }
  }
}

function firstIndex(path: readonly PropertyKey[]): number {
  const i = path.findIndex((seg) => typeof seg === 'number');
  return i < 0 ? path.length : i;
}

function removeAt(root: unknown, path: readonly PropertyKey[]): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (!isPlainObject(parent) || typeof key !== 'string' || !(key in parent)) return false;
  delete parent[key];
  return true;
}

function readView(draft: unknown): View {
  const broken = new Set<string>();
  const nodes = draftNodes(draft).map(({ index, node }): ViewNode => {
    const name = textAt(node, 'name');
    const host = textAt(node, 'host');
    const link0 = node.link0 === undefined ? undefined : textAt(node, 'link0');
    const priv = salvage(NodePrivate, ['nodes', index, 'private'], node.private, broken);
    const disks = salvage(NodeDisks, ['nodes', index, 'disks'], node.disks, broken);
    const readable = name !== undefined && host !== undefined && (node.link0 === undefined || (link0 !== undefined && parseIp(link0) !== undefined));
    if (!readable) return { index };
    return { index, node: { name, host, ...(link0 === undefined ? {} : { link0 }), ...(priv ? { private: priv } : {}), ...(disks ? { disks } : {}) } };
  });
  const read = <T>(schema: z.ZodType<T>, key: string) => salvage(schema, [key], valueAt(draft, [key]), broken);
  const network = read(NetworkSection, 'network');
  const disks = read(DisksSection, 'disks');
  const ceph = read(CephSection, 'ceph');
  const ha = read(HaSection, 'ha');
  const present = (key: string) => valueAt(draft, [key]) !== undefined;
  return {
    present: { network: present('network'), disks: present('disks'), ceph: present('ceph'), ha: present('ha') },
    ...(network ? { network } : {}),
    ...(disks ? { disks } : {}),
    ...(ceph ? { ceph } : {}),
    ...(ha ? { ha } : {}),
    nodes,
    names: draftNodes(draft).flatMap(({ node }) => {
      const name = textAt(node, 'name');
      return name === undefined ? [] : [name];
    }),
    broken: (path) => path.some((_, i) => broken.has(path.slice(0, i + 1).join('.'))),
    defaulted: (path) => valueAt(draft, path) === undefined,
    written: (path) => {
      const v = valueAt(draft, path);
      return Array.isArray(v) ? v : undefined;
    },
  };
}

class Report {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  constructor(readonly d: Dialect) {}
  error(path: FieldPath, message: string, fix: string): void {
    this.errors.push({ ...this.d.locate(path), message, fix });
  }
  warn(path: FieldPath, message: string, fix: string): void {
    this.warnings.push({ ...this.d.locate(path), message, fix });
  }
  set(path: FieldPath, example: string): string {
    return this.d.howToSet(path, example);
  }
  list(items: readonly string[]): string {
    return this.d.format === 'yaml' ? `[${items.join(', ')}]` : items.join(',');
  }
  /** How to turn a phase on, in this file's syntax. */
  addSection(name: 'network' | 'ceph'): string {
    if (name === 'network') return this.d.format === 'yaml' ? 'add a `network:` section with its `cidr`' : 'set network_cidr=10.0.0.0/24 in [proxmox_cluster:vars]';
    return this.d.format === 'yaml' ? 'add a `ceph:` section (`ceph: {}` takes every default)' : `set ceph_repository=${CEPH_DEFAULTS.repository} in [proxmox_cluster:vars]`;
  }
}

function presence(view: View, r: Report): void {
  if (view.present.disks && !view.present.ceph) {
    r.warn(['disks'], 'is ignored: the disks are only used when Ceph is built', `${r.addSection('ceph')}, or remove the disk settings`);
  }
  for (const n of view.nodes) {
    if (!view.defaulted(['nodes', n.index, 'private']) && !view.present.network) {
      r.warn(['nodes', n.index, 'private'], 'is ignored: there is no private network to build', `${r.addSection('network')}, or remove the node's private settings`);
    }
    if (!view.defaulted(['nodes', n.index, 'disks']) && !view.present.ceph) {
      r.warn(['nodes', n.index, 'disks'], 'is ignored: the disks are only used when Ceph is built', `${r.addSection('ceph')}, or remove the node's disk settings`);
    }
  }
  if (view.present.ceph && !view.broken(['ceph']) && !view.present.network && view.defaulted(['ceph', 'publicNetwork'])) {
    r.error(
      ['ceph', 'publicNetwork'],
      'is missing: Ceph needs a public network, and there is no private network section to take it from',
      `${r.set(['ceph', 'publicNetwork'], '10.0.0.0/24')}, or ${r.addSection('network')} (its cidr becomes the public network)`,
    );
  }
}

/** An address for a fix: host part 11 + index, as in the reference deployment, when it fits. */
function addressExample(net: Prefixed, index: number): string {
  const candidate: Ip = { family: net.ip.family, bits: net.ip.bits + BigInt(11 + index) };
  const ip = contains(net, candidate) && !isReservedInNetwork(net, candidate) ? candidate : { family: net.ip.family, bits: net.ip.bits + 1n };
  return `${formatIp(ip)}/${net.prefix}`;
}

function derivedFrom(source: 'private.address' | 'link0' | 'host'): string {
  return source === 'private.address' ? '' : ` (taken from ${source})`;
}

/** The node's private address for the rules, unless something it depends on is invalid. */
function addressOf(view: View, net: NetworkSection, n: ViewNode): ReturnType<typeof privateAddress> | 'unknown' {
  if (!n.node || view.broken(['nodes', n.index, 'private', 'address'])) return 'unknown';
  return privateAddress(net, n.node);
}

function network(view: View, net: NetworkSection, r: Report): void {
  const cidr = parsePrefixed(net.cidr);
  if (!cidr) return;
  const claimed = new Map<string, { index: number; written: boolean }>();
  for (const n of view.nodes) {
    const addr = addressOf(view, net, n);
    if (addr === 'unknown' || !n.node) continue;
    const path: FieldPath = ['nodes', n.index, 'private', 'address'];
    const example = addressExample(cidr, n.index);
    const written = n.node.private?.address;
    if (!addr) {
      r.error(path, `is missing: ${whyNoAddress(n.node, net.cidr)}`, r.set(path, example));
      continue;
    }
    const ip = parseIp(addr.address);
    if (!ip) continue;
    if (!contains(cidr, ip)) {
      r.error(path, `private address ${addr.address}/${addr.prefix} is not inside network.cidr ${net.cidr}`, r.set(path, example));
      continue;
    }
    if (addr.prefix !== cidr.prefix) {
      r.error(path, `private address ${addr.address}/${addr.prefix} has prefix /${addr.prefix}, but network.cidr ${net.cidr} is a /${cidr.prefix}`, r.set(path, `${addr.address}/${cidr.prefix}`));
      continue;
    }
    if (isReservedInNetwork(cidr, ip)) {
      const what = ip.bits === cidr.ip.bits ? 'the network address' : 'the broadcast address';
      r.error(path, `private address ${addr.address}${derivedFrom(addr.source)} is ${what} of ${net.cidr}, which no node can hold`, r.set(path, example));
      continue;
    }
    const isWritten = written !== undefined;
    const first = claimed.get(addr.address);
    // Two addresses both taken from link0 or host are already reported as a duplicate link0.
    if (first && (isWritten || first.written)) {
      r.error(path, `private address ${addr.address}${derivedFrom(addr.source)} is already used by ${mention(r.d.locate(['nodes', first.index]))}`, r.set(path, example));
    } else if (!first) claimed.set(addr.address, { index: n.index, written: isWritten });
  }
  for (const n of view.nodes) {
    const own = n.node?.private;
    if (!n.node || view.broken(['network', 'nic']) || view.broken(['network', 'bridge']) || view.broken(['nodes', n.index, 'private'])) continue;
    const nic = own?.nic ?? net.nic;
    const bridge = own?.bridge ?? net.bridge;
    if (nic === bridge) {
      const path: FieldPath = own?.bridge !== undefined ? ['nodes', n.index, 'private', 'bridge'] : ['network', 'bridge'];
      r.error(path, `bridge \`${bridge}\` has the NIC's own name; the bridge is a new interface on top of the NIC`, r.set(path, nic === 'vmbr1' ? 'vmbr2' : 'vmbr1'));
    }
  }
}

function whyNoAddress(node: HyperConvergedNode, cidr: string): string {
  const lead = 'the node has no address on the private network:';
  if (node.link0 !== undefined) return `${lead} its link0 ${node.link0} is not inside network.cidr ${cidr}`;
  if (parseIp(node.host) === undefined) return `${lead} its host \`${node.host}\` is a name, and link0 is not set`;
  return `${lead} its host ${node.host} is not inside network.cidr ${cidr}, and link0 is not set`;
}

function ceph(view: View, c: CephSection, r: Report): void {
  const net = view.network;
  const unknownPublic = view.broken(['ceph', 'publicNetwork']) || (c.publicNetwork === undefined && view.present.network && !net);
  const publicNetwork = c.publicNetwork ?? net?.cidr;
  const pub = unknownPublic || publicNetwork === undefined ? undefined : parsePrefixed(publicNetwork);
  const cluster = c.clusterNetwork === undefined ? undefined : parsePrefixed(c.clusterNetwork);
  if (pub && cluster && pub.ip.family !== cluster.ip.family) {
    r.error(['ceph', 'clusterNetwork'], `is IPv${cluster.ip.family} while the public network ${publicNetwork} is IPv${pub.ip.family}; Ceph binds both in one family`, r.set(['ceph', 'clusterNetwork'], publicNetwork ?? '10.0.0.0/24'));
  }
  if (pub && net && c.publicNetwork !== undefined) publicNetworkHoldsNodes(view, net, c.publicNetwork, pub, r);
  nodeList(view, ['ceph', 'monitors'], 'Ceph needs at least one monitor', 'leave it out to run one on every node', r);
  nodeList(view, ['ceph', 'managers'], 'Ceph needs at least one manager', 'leave it out to run one on every node', r);
  if (view.defaulted(['ceph', 'monitors']) && view.names.length > 5) {
    r.warn(['ceph', 'monitors'], `defaults to a monitor on each of the ${view.names.length} nodes; Ceph recommends 3 or 5 monitors`, r.set(['ceph', 'monitors'], r.list(view.names.slice(0, 5))));
  }
  pool(view, c, r);
  if (!(view.present.disks && !view.disks)) disks(view, view.disks ?? DISK_DEFAULTS, r);
}

function publicNetworkHoldsNodes(view: View, net: NetworkSection, written: string, pub: Prefixed, r: Report): void {
  const placed = view.nodes.flatMap((n) => {
    const addr = addressOf(view, net, n);
    const ip = addr && addr !== 'unknown' ? parseIp(addr.address) : undefined;
    return addr && addr !== 'unknown' && ip ? [{ n, addr, inside: contains(pub, ip) }] : [];
  });
  const outside = placed.filter((p) => !p.inside);
  if (outside.length === 0) return;
  if (outside.length === placed.length) {
    r.error(['ceph', 'publicNetwork'], `${written} holds none of the nodes' private addresses (they are in network.cidr ${net.cidr}): the monitors would have no address to bind`, `${r.set(['ceph', 'publicNetwork'], net.cidr)}, or leave it out: it defaults to network.cidr`);
    return;
  }
  for (const { n, addr } of outside) {
    const path: FieldPath = ['nodes', n.index, 'private', 'address'];
    r.error(path, `private address ${addr.address}${derivedFrom(addr.source)} is not inside ceph.publicNetwork ${written}: Ceph on this node would have no address in the public network`, r.set(path, addressExample(pub, n.index)));
  }
}

/** A list of node names as written: each one known, each once, at least one. */
function nodeList(view: View, path: FieldPath, needsOne: string, orElse: string, r: Report): void {
  const names = view.written(path);
  if (names === undefined) return;
  if (names.length === 0) {
    r.error(path, `lists no node: ${needsOne}`, `list the nodes by name, or ${orElse}`);
    return;
  }
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    if (typeof name !== 'string') return;
    const at: FieldPath = [...path, k];
    if (!view.names.includes(name)) {
      // pve4 is as close to pve1 as to pve3: a suggestion only when one name stands out.
      const near = nearest(name, view.names);
      const unique = near !== undefined && view.names.filter((other) => distance(other.toLowerCase(), name.toLowerCase()) === distance(near.toLowerCase(), name.toLowerCase())).length === 1;
      r.error(at, `\`${name}\` is not a node of the inventory`, unique ? `did you mean \`${near}\`?` : `name one of the inventory's nodes: ${view.names.join(', ')}`);
    }
    const first = seen.get(name);
    if (first !== undefined) r.error(at, `\`${name}\` is listed twice (first as item ${first + 1})`, 'list each node once');
    else seen.set(name, k);
  });
}

function pool(view: View, c: CephSection, r: Report): void {
  const base: FieldPath = ['ceph', 'pool'];
  const sizeOk = !view.broken([...base, 'size']);
  const minSizeOk = !view.broken([...base, 'minSize']);
  const { size, minSize } = c.pool;
  const hosts = view.names.length;
  if (sizeOk && minSizeOk && minSize > size) {
    r.error([...base, 'minSize'], `minSize ${minSize} is more than size ${size}: the pool would never have enough copies to accept writes`, r.set([...base, 'minSize'], String(Math.max(1, size - 1))));
  }
  if (sizeOk && size > hosts) {
    const note = view.defaulted([...base, 'size']) ? ' (the default)' : '';
    r.error(
      [...base, 'size'],
      `size ${size}${note} needs ${size} nodes with an OSD, and the inventory has ${hosts}: with one OSD per node (failure domain host) the extra replicas cannot be placed`,
      r.set([...base, 'size'], String(hosts)),
    );
  }
  if (sizeOk && minSizeOk && minSize === 1 && size > 1) {
    r.warn([...base, 'minSize'], 'minSize 1 lets the pool accept writes with a single copy left: one more failure loses them', r.set([...base, 'minSize'], '2'));
  }
}

/** The same disk, or one is a partition of the other: sda and sda1, nvme1n1 and nvme1n1p1. */
function overlap(a: string, b: string): boolean {
  return a === b || isPartitionOf(a, b) || isPartitionOf(b, a);
}

function isPartitionOf(part: string, disk: string): boolean {
  if (!part.startsWith(disk)) return false;
  const rest = part.slice(disk.length);
  return /\d$/.test(disk) ? /^p\d+$/.test(rest) : /^\d+$/.test(rest);
}

function overlapWords(a: string, b: string): string {
  return isPartitionOf(a, b) ? `${a} is a partition of ${b}` : `${b} is a partition of ${a}`;
}

type Layout = { raidMembers: readonly string[]; array: string; db: string };

/** Each node's disks: its own values, else the section's (or the defaults), each checked where it is written. */
function disks(view: View, top: Layout, r: Report): void {
  for (const n of view.nodes) {
    const own = n.node?.disks;
    const from = (key: keyof Layout): FieldPath => (view.defaulted(['nodes', n.index, 'disks', key]) ? ['disks', key] : ['nodes', n.index, 'disks', key]);
    const usable = (key: keyof Layout) => !view.broken(['nodes', n.index, 'disks']) && !view.broken(from(key));
    const note = (path: FieldPath) => (view.defaulted(path) ? ' (the default)' : '');
    const membersAt = from('raidMembers');
    const written = view.written(membersAt);
    const members = (written ?? (own?.raidMembers ?? top.raidMembers)).filter((m): m is string => typeof m === 'string');
    if (!view.broken(['nodes', n.index, 'disks']) && (written !== undefined || view.defaulted(membersAt))) {
      if (members.length < 3) r.error(membersAt, `RAID5 needs at least 3 members, got ${members.length}`, r.set(membersAt, r.list(DISK_DEFAULTS.raidMembers)));
      members.forEach((m, k) => {
        const earlier = members.find((other, i) => i < k && overlap(m, other));
        if (earlier === undefined) return;
        const what = m === earlier ? `\`${m}\` is listed twice` : `\`${m}\` overlaps \`${earlier}\` (${overlapWords(m, earlier)})`;
        r.error([...membersAt, k], `${what} in the RAID members`, 'list each disk once, whole disks only');
      });
    }
    const db = own?.db ?? top.db;
    const dbAt = from('db');
    const clash = usable('db') ? members.find((m) => overlap(db, m)) : undefined;
    if (clash !== undefined) {
      const what = db === clash ? 'is also a RAID member' : `overlaps the RAID member ${clash} (${overlapWords(db, clash)})`;
      r.error(dbAt, `the DB device ${db}${note(dbAt)} ${what}`, `${r.set(dbAt, db === DISK_DEFAULTS.db ? '/dev/nvme2n1' : DISK_DEFAULTS.db)}: a separate fast device, not one of the array's disks`);
    }
    const array = own?.array ?? top.array;
    if (usable('array') && (members.includes(array) || (usable('db') && array === db))) {
      const arrayAt = from('array');
      r.error(arrayAt, `the md array ${array} is also ${array === db ? 'the DB device' : 'one of its own members'}`, r.set(arrayAt, DISK_DEFAULTS.array));
    }
  }
}

function ha(view: View, h: HaSection, r: Report): void {
  nodeList(view, ['ha', 'nodes'], 'the HA group needs at least one node', 'leave it out to use every node', r);
  const seen = new Map<number, number>();
  view.written(['ha', 'vms'])?.forEach((id, k) => {
    if (typeof id !== 'number') return;
    const first = seen.get(id);
    if (first !== undefined) r.error(['ha', 'vms', k], `VM ${id} is listed twice (first as item ${first + 1})`, 'list each VM once');
    else seen.set(id, k);
  });
  if (h.testVm && view.defaulted(['ha', 'testVm', 'storage']) && !view.present.ceph) {
    const path: FieldPath = ['ha', 'testVm', 'storage'];
    r.error(path, "is missing: without a ceph section there is no pool to put the test VM's disk on", `${r.set(path, 'STORAGE')}, a storage every HA node shares, so the VM can restart elsewhere`);
  }
}
