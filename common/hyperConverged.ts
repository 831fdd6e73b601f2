import { contains, formatIp, parseIp, parsePrefixed } from './cidr';
import type { CephSection, DisksSection, HaSection, NetworkSection, NodeDisks, NodePrivate } from './inventory';

/**
 * The hyper-converged phases (private network, Ceph, HA) read the inventory through these pure
 * helpers, so workflows, activities and the loader's checks agree on every default. No Node
 * module and no zod at run time: workflows import this file.
 */

export const CEPH_REPOSITORIES = ['enterprise', 'no-subscription', 'test', 'manual'] as const;
export const CEPH_VERSIONS = ['quincy', 'reef', 'squid', 'tentacle'] as const;
export const AUTOSCALE_MODES = ['on', 'warn', 'off'] as const;

/** The reference deployment: what an empty section (`ceph: {}`) means. */
export const NETWORK_DEFAULTS = { nic: 'enp1s0f1', bridge: 'vmbr1', mtu: 9000 } as const;
export const MTU_RANGE = { min: 1280, max: 65520 } as const;
export const DISK_DEFAULTS = {
  raidMembers: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'],
  array: '/dev/md0',
  db: '/dev/nvme1n1',
  volumeGroup: 'ceph-raid',
  logicalVolume: 'osd-block',
  dbMinPercent: 1,
} as const;
export const CEPH_DEFAULTS = {
  repository: 'no-subscription',
  version: 'squid',
  pool: { name: 'Stockage-HA', size: 3, minSize: 2, autoscale: 'on', addStorage: true },
} as const;
/** pveceph's own limits on size and min_size. */
export const POOL_REPLICAS = { min: 1, max: 7 } as const;
export const HA_DEFAULTS = {
  name: 'Cluster-Prod',
  strict: false,
  testVm: { id: 100, name: 'ha-test', memoryMiB: 512, cores: 1, diskGiB: 4 },
} as const;
/** pve-common's pve-vmid: 100 to 999999999. */
export const VMID_RANGE = { min: 100, max: 999_999_999 } as const;

/** What the helpers read: both `Inventory` and `RunbookInventory` fit. */
export interface HyperConvergedNode {
  name: string;
  host: string;
  link0?: string;
  private?: NodePrivate;
  disks?: NodeDisks;
}
export interface HyperConvergedInventory {
  nodes: readonly HyperConvergedNode[];
  network?: NetworkSection;
  disks?: DisksSection;
  ceph?: CephSection;
  ha?: HaSection;
}
/** A node of the inventory, or its name. */
export type NodeRef = string | { name: string };

export interface NodeNetwork {
  nic: string;
  bridge: string;
  /** The node's IP on the private network, canonical text. */
  address: string;
  prefix: number;
  /** `address/prefix`, as /etc/network/interfaces writes it. */
  cidr: string;
  mtu: number;
}

export interface NodeDiskLayout {
  raidMembers: string[];
  array: string;
  db: string;
  volumeGroup: string;
  logicalVolume: string;
  dbMinPercent: number;
}

export interface CephSettings {
  repository: (typeof CEPH_REPOSITORIES)[number];
  version: (typeof CEPH_VERSIONS)[number];
  publicNetwork: string;
  clusterNetwork: string;
  monitors: string[];
  managers: string[];
  /** Every node gets one OSD (RAID5 array + DB device): the failure domain is the host. */
  osdNodes: string[];
  pool: { name: string; size: number; minSize: number; autoscale: (typeof AUTOSCALE_MODES)[number]; addStorage: boolean };
}

export interface HaTestVm {
  id: number;
  name: string;
  memoryMiB: number;
  cores: number;
  diskGiB: number;
  storage: string;
}

export interface HaSettings {
  /** The HA group (PVE 8) or node-affinity rule (PVE 9). */
  name: string;
  nodes: string[];
  strict: boolean;
  /** Every VM to protect, the test VM's included, each once. */
  vms: number[];
  testVm?: HaTestVm;
}

/** An array's kernel name as /proc/mdstat lists it: `/dev/md0` and `/dev/md/0` are `md0`... `0`. */
export function mdName(array: string): string {
  return array.replace(/^\/dev\/(md\/)?/, '');
}

export function hyperConvergedPhases(inv: HyperConvergedInventory): { network: boolean; ceph: boolean; ha: boolean } {
  return { network: inv.network !== undefined, ceph: inv.ceph !== undefined, ha: inv.ha !== undefined };
}

/** Where a node's private address comes from, when it can be known. */
export interface PrivateAddress {
  address: string;
  prefix: number;
  source: 'private.address' | 'link0' | 'host';
}

/**
 * The node's address on the private network: `private.address` as written, else its corosync
 * address (link0, or host when host is an IP) with the network's prefix when it lies inside
 * network.cidr, as in the reference deployment where corosync already runs on the private NIC.
 * Undefined when neither applies or the values do not parse (the loader reports those).
 */
export function privateAddress(network: Pick<NetworkSection, 'cidr'>, node: HyperConvergedNode): PrivateAddress | undefined {
  const written = node.private?.address;
  if (written !== undefined) {
    const p = parsePrefixed(written);
    return p ? { address: formatIp(p.ip), prefix: p.prefix, source: 'private.address' } : undefined;
  }
  const net = parsePrefixed(network.cidr);
  const source = node.link0 !== undefined ? 'link0' : 'host';
  const ip = parseIp(node.link0 ?? node.host);
  if (!net || !ip || !contains(net, ip)) return undefined;
  return { address: formatIp(ip), prefix: net.prefix, source };
}

export function nodeNetwork(inv: HyperConvergedInventory, ref: NodeRef): NodeNetwork | undefined {
  const network = inv.network;
  if (!network) return undefined;
  const node = findNode(inv, ref);
  const addr = privateAddress(network, node);
  if (!addr) throw new Error(`node ${node.name} has no address on the private network ${network.cidr}; the inventory was not validated (set nodes[].private.address)`);
  return {
    nic: node.private?.nic ?? network.nic,
    bridge: node.private?.bridge ?? network.bridge,
    address: addr.address,
    prefix: addr.prefix,
    cidr: `${addr.address}/${addr.prefix}`,
    mtu: node.private?.mtu ?? network.mtu,
  };
}

/** Defined when Ceph is built: the top-level `disks` (or their defaults) with the node's overrides. */
export function nodeDisks(inv: HyperConvergedInventory, ref: NodeRef): NodeDiskLayout | undefined {
  if (!inv.ceph) return undefined;
  const node = findNode(inv, ref);
  const base = inv.disks ?? DISK_DEFAULTS;
  return {
    raidMembers: [...(node.disks?.raidMembers ?? base.raidMembers)],
    array: node.disks?.array ?? base.array,
    db: node.disks?.db ?? base.db,
    volumeGroup: base.volumeGroup,
    logicalVolume: base.logicalVolume,
    dbMinPercent: base.dbMinPercent,
  };
}

export function cephSettings(inv: HyperConvergedInventory): CephSettings | undefined {
  const ceph = inv.ceph;
  if (!ceph) return undefined;
  const publicNetwork = ceph.publicNetwork ?? inv.network?.cidr;
  if (publicNetwork === undefined) throw new Error('ceph has no public network: set ceph.publicNetwork or a network section; the inventory was not validated');
  const all = inv.nodes.map((n) => n.name);
  return {
    repository: ceph.repository,
    version: ceph.version,
    publicNetwork,
    clusterNetwork: ceph.clusterNetwork ?? publicNetwork,
    monitors: [...(ceph.monitors ?? all)],
    managers: [...(ceph.managers ?? all)],
    osdNodes: all,
    pool: { ...ceph.pool },
  };
}

export function haSettings(inv: HyperConvergedInventory): HaSettings | undefined {
  const ha = inv.ha;
  if (!ha) return undefined;
  const testVm = ha.testVm;
  const out: HaSettings = {
    name: ha.name,
    nodes: [...(ha.nodes ?? inv.nodes.map((n) => n.name))],
    strict: ha.strict,
    vms: [...new Set([...ha.vms, ...(testVm ? [testVm.id] : [])])],
  };
  if (!testVm) return out;
  const storage = testVm.storage ?? inv.ceph?.pool.name;
  if (storage === undefined) throw new Error('ha.testVm has no storage and there is no ceph pool to default to; the inventory was not validated');
  return { ...out, testVm: { id: testVm.id, name: testVm.name, memoryMiB: testVm.memoryMiB, cores: testVm.cores, diskGiB: testVm.diskGiB, storage } };
}

function findNode(inv: HyperConvergedInventory, ref: NodeRef): HyperConvergedNode {
  const name = typeof ref === 'string' ? ref : ref.name;
  const node = inv.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`node ${name} is not in the inventory`);
  return node;
}
