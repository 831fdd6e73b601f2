import { z } from 'zod';
import { formatPrefixed, isNetwork, networkOf, parseIp, parsePrefixed } from './cidr';
import {
  AUTOSCALE_MODES,
  CEPH_DEFAULTS,
  CEPH_REPOSITORIES,
  CEPH_VERSIONS,
  DISK_DEFAULTS,
  HA_DEFAULTS,
  MTU_RANGE,
  NETWORK_DEFAULTS,
  POOL_REPLICAS,
  VMID_RANGE,
} from './hyperConverged';
import { Secret, SecretRef } from './secrets';

/**
 * The inventory after loading and normalization, whatever its source format (YAML or Ansible INI).
 * This is the single source of truth for inventory types. Workflows import the types only.
 */

/** PVE cluster names: 1–15 characters, letters, digits and dashes (pve-cluster's own rule). */
export const CLUSTER_NAME_RE = /^[A-Za-z0-9-]{1,15}$/;
/** PVE node names are DNS labels: letters, digits, dashes; not starting or ending with a dash. */
export const NODE_NAME_RE = /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export const sshDefaults = { port: 22, user: 'root', connectTimeoutSeconds: 15, commandTimeoutSeconds: 300 };
/** Node's timers hold at most 2^31-1 ms; a longer SSH timeout would fire at once, failing every command. */
export const SSH_TIMEOUT_MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

const IP_ADDRESS = z.union([z.ipv4(), z.ipv6()]);

/** Corosync binds links to addresses, not names: `pvecm create/add --link0` needs an IP. */
export function isIpAddress(value: string): boolean {
  return IP_ADDRESS.safeParse(value).success;
}

/** What is wrong with a value and what to write instead; the loader shows both. */
interface Diagnosis {
  message: string;
  fix: string;
}

/** A text field with a rule of its own: the issue carries the diagnosis, never zod's wording. */
function checkedText(diagnose: (value: string) => Diagnosis | undefined) {
  return z.string().superRefine((value, ctx) => {
    const d = diagnose(value);
    if (d) ctx.addIssue({ code: 'custom', message: d.message, params: { fix: d.fix } });
  });
}

function listOf(chars: string): string {
  return [...new Set(chars)].map((c) => (c === ' ' ? 'a space' : c === '\t' ? 'a tab' : `\`${c}\``)).join(', ');
}

/**
 * Device paths reach mdadm, wipefs and ceph-volume command lines: only characters that need no
 * quoting, and no `.`/`..` components that would point elsewhere than they seem to.
 */
function diagnoseDevicePath(value: string): Diagnosis | undefined {
  const example = '/dev/sdb';
  if (value === '') return { message: 'the device path is empty', fix: `write a device such as \`${example}\`` };
  if (!value.startsWith('/dev/')) {
    const bare = /^[A-Za-z0-9][A-Za-z0-9._:+-]*$/.test(value);
    return { message: `\`${value}\` is not a device path: devices are written in full, under /dev`, fix: bare ? `write \`/dev/${value}\`` : `write a device such as \`${example}\`` };
  }
  const bad = value.replace(/[A-Za-z0-9._:+/-]/g, '');
  if (bad !== '') {
    return {
      message: `device path \`${value}\` contains ${listOf(bad)}; device paths may hold only letters, digits and . _ : + - /`,
      fix: `write the device's plain path, e.g. \`${example}\`, or its /dev/disk/by-id/ link`,
    };
  }
  if (value.split('/').slice(1).some((seg) => seg === '' || seg === '.' || seg === '..')) {
    return { message: `device path \`${value}\` has an empty, \`.\` or \`..\` component`, fix: `write the device's own path, e.g. \`${example}\`` };
  }
  return undefined;
}

const MD_ARRAY_RE = /^\/dev\/(md\d+|md\/[A-Za-z0-9_.-]+)$/;

function diagnoseMdArray(value: string): Diagnosis | undefined {
  const path = diagnoseDevicePath(value);
  if (path) return { message: path.message, fix: `write the md array as \`${DISK_DEFAULTS.array}\` or /dev/md/NAME` };
  if (!MD_ARRAY_RE.test(value)) {
    return { message: `\`${value}\` is not an md array: mdadm arrays are /dev/mdN or /dev/md/NAME`, fix: `write \`${DISK_DEFAULTS.array}\`` };
  }
  return undefined;
}

/** Linux interface names: at most 15 characters (IFNAMSIZ), a word ifupdown2 reads as it is. */
function diagnoseInterfaceName(value: string, what: 'NIC' | 'bridge'): Diagnosis | undefined {
  const example = what === 'NIC' ? NETWORK_DEFAULTS.nic : NETWORK_DEFAULTS.bridge;
  if (value === '') return { message: `the ${what} name is empty`, fix: `write the ${what}'s name, e.g. \`${example}\`` };
  const bad = value.replace(/[A-Za-z0-9_.-]/g, '');
  if (bad !== '') return { message: `${what} name \`${value}\` contains ${listOf(bad)}; interface names hold letters, digits and _ . -`, fix: `write the name \`ip link\` shows, e.g. \`${example}\`` };
  if (!/^[A-Za-z]/.test(value)) return { message: `${what} name \`${value}\` does not start with a letter`, fix: `write the name \`ip link\` shows, e.g. \`${example}\`` };
  if (value.length > 15) return { message: `${what} name \`${value}\` is ${value.length} characters long; Linux interface names hold at most 15`, fix: `write the name \`ip link\` shows, e.g. \`${example}\`` };
  return undefined;
}

/** pve-common's CIDRv4/CIDRv6 take prefixes from /8; a network is written with its host bits zero. */
function diagnoseNetworkCidr(value: string): Diagnosis | undefined {
  const p = parsePrefixed(value);
  if (!p) {
    const ip = parseIp(value);
    if (ip) return { message: `\`${value}\` has no prefix length`, fix: `write the network in CIDR form, e.g. \`${ip.family === 4 ? '10.0.0.0/24' : 'fd00:10::/64'}\`` };
    return { message: `\`${value}\` is not a network in CIDR form`, fix: 'write it as ADDRESS/PREFIX, e.g. `10.0.0.0/24` or `fd00:10::/64`' };
  }
  if (p.prefix < 8) return { message: `\`${value}\` is a /${p.prefix}; PVE takes networks from /8 to /${p.ip.family === 4 ? 32 : 128}`, fix: 'write the network the nodes share, e.g. `10.0.0.0/24`' };
  if (!isNetwork(p)) {
    const net = formatPrefixed(networkOf(p));
    return { message: `\`${value}\` has host bits set: it is an address in the network ${net}`, fix: `write the network itself: \`${net}\`` };
  }
  return undefined;
}

/** A node's own address on the private bridge, with its prefix length as ifupdown2 writes it. */
function diagnoseInterfaceAddress(value: string): Diagnosis | undefined {
  if (parsePrefixed(value)) return undefined;
  const ip = parseIp(value);
  if (ip) return { message: `\`${value}\` has no prefix length: the bridge takes the address in CIDR form`, fix: `write \`${value}/${ip.family === 4 ? 24 : 64}\` (with the prefix length of network.cidr)` };
  return { message: `\`${value}\` is not an IP address in CIDR form`, fix: 'write the address with its prefix length, e.g. `10.0.0.11/24`' };
}

/** lvm2's validate_name, and for LVs its reserved names (lib/misc/lvm-string.c). */
const LV_RESERVED_PREFIXES = ['snapshot', 'pvmove'];
const LV_RESERVED_PARTS = ['_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_wcorig', '_mimage', '_mlog', '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_imeta', '_iorig', '_pmspare', '_vorigin'];

function diagnoseLvmName(value: string, what: 'volume group' | 'logical volume'): Diagnosis | undefined {
  const example = what === 'volume group' ? DISK_DEFAULTS.volumeGroup : DISK_DEFAULTS.logicalVolume;
  const fix = `write a name of letters, digits and + _ . -, e.g. \`${example}\``;
  if (value === '') return { message: `the ${what} name is empty`, fix };
  const bad = value.replace(/[A-Za-z0-9+_.-]/g, '');
  if (bad !== '') return { message: `${what} name \`${value}\` contains ${listOf(bad)}; LVM names hold letters, digits and + _ . -`, fix };
  if (value.startsWith('-')) return { message: `${what} name \`${value}\` starts with a dash, which LVM refuses`, fix };
  if (value === '.' || value === '..') return { message: `\`${value}\` is not a valid ${what} name`, fix };
  if (value.length > 127) return { message: `${what} name is ${value.length} characters long; LVM names hold at most 127`, fix };
  if (what === 'logical volume') {
    const prefix = LV_RESERVED_PREFIXES.find((r) => value.startsWith(r));
    if (prefix) return { message: `LVM reserves names starting with \`${prefix}\``, fix };
    const part = LV_RESERVED_PARTS.find((r) => value.includes(r));
    if (part) return { message: `LVM reserves names containing \`${part}\` for its internal volumes`, fix };
  }
  return undefined;
}

/** pve-common's pve-storage-id (parse_id): the pool becomes a PVE storage of the same name. */
const STORAGE_ID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
/** pve-common's pve-configid ($CONFIGID_RE), the format of HA group and rule ids. */
const CONFIG_ID_RE = /^[a-z][a-z0-9_-]+$/i;

/**
 * PVE sets no length to these IDs, but each one travels on command lines that must fit in one SSH
 * exec request (about 32 KiB), and the pool's storage ID becomes a file name (its keyring).
 */
const ID_MAX = 255;

function diagnoseId(value: string, what: string, re: RegExp, allowed: string, chars: RegExp, example: string): Diagnosis | undefined {
  if (value.length > ID_MAX) return { message: `${what} is ${value.length} characters long; at most ${ID_MAX}`, fix: `write e.g. \`${example}\`` };
  if (re.test(value)) return undefined;
  const suggestion = value.replace(new RegExp(`[^${chars.source}]+`, 'g'), '-').replace(/^[^A-Za-z]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  const fix = `write e.g. \`${suggestion.length >= 2 && re.test(suggestion) ? suggestion : example}\``;
  if (value === '') return { message: `the ${what} is empty`, fix };
  const bad = value.replace(new RegExp(`[${chars.source}]`, 'g'), '');
  if (bad !== '') return { message: `${what} \`${value}\` contains ${listOf(bad)}; ${allowed}`, fix };
  if (!/^[A-Za-z]/.test(value)) return { message: `${what} \`${value}\` does not start with a letter; ${allowed}`, fix };
  if (value.length < 2) return { message: `${what} \`${value}\` is one character long; it needs at least two`, fix };
  return { message: `${what} \`${value}\` must end with a letter or a digit; ${allowed}`, fix };
}

function diagnoseStorageId(value: string, what: string): Diagnosis | undefined {
  return diagnoseId(value, what, STORAGE_ID_RE, 'PVE storage IDs hold letters, digits and - _ . and start with a letter', /A-Za-z0-9_.\-/, CEPH_DEFAULTS.pool.name);
}

function diagnoseConfigId(value: string, what: string): Diagnosis | undefined {
  return diagnoseId(value, what, CONFIG_ID_RE, 'PVE HA group and rule IDs hold letters, digits, _ and - and start with a letter', /A-Za-z0-9_\-/, HA_DEFAULTS.name);
}

/** `qm create --name` takes a DNS name (pve-common's dns-name format). */
function diagnoseVmName(value: string): Diagnosis | undefined {
  if (value.length <= 253 && value.split('.').every((label) => NODE_NAME_RE.test(label))) return undefined;
  return { message: `VM name \`${value}\` is not a DNS name; PVE VM names are letters, digits and dashes, with dots between labels`, fix: `write e.g. \`${HA_DEFAULTS.testVm.name}\`` };
}

const devicePath = checkedText(diagnoseDevicePath);
const mdArray = checkedText(diagnoseMdArray);
const networkCidr = checkedText(diagnoseNetworkCidr);
const nic = checkedText((v) => diagnoseInterfaceName(v, 'NIC'));
const bridge = checkedText((v) => diagnoseInterfaceName(v, 'bridge'));
const mtu = z.number().int().min(MTU_RANGE.min).max(MTU_RANGE.max);
const vmid = z.number().int().min(VMID_RANGE.min).max(VMID_RANGE.max);
const replicas = z.number().int().min(POOL_REPLICAS.min).max(POOL_REPLICAS.max);
const nodeList = z.array(z.string());

/** Phase 7. Present means "build the private network"; only `cidr` has no default. */
export const NetworkSection = z
  .object({
    nic: nic.default(NETWORK_DEFAULTS.nic),
    bridge: bridge.default(NETWORK_DEFAULTS.bridge),
    cidr: networkCidr,
    mtu: mtu.default(NETWORK_DEFAULTS.mtu),
  })
  .strict();
export type NetworkSection = z.infer<typeof NetworkSection>;

/** The OSD's disks on every node; read only when Ceph is built, which applies these defaults when it is absent. */
export const DisksSection = z
  .object({
    raidMembers: z.array(devicePath).default(() => [...DISK_DEFAULTS.raidMembers]),
    array: mdArray.default(DISK_DEFAULTS.array),
    db: devicePath.default(DISK_DEFAULTS.db),
    volumeGroup: checkedText((v) => diagnoseLvmName(v, 'volume group')).default(DISK_DEFAULTS.volumeGroup),
    logicalVolume: checkedText((v) => diagnoseLvmName(v, 'logical volume')).default(DISK_DEFAULTS.logicalVolume),
    /** The DB device must hold at least this share of the array's size (checked at preflight). */
    dbMinPercent: z.number().min(0).max(100).default(DISK_DEFAULTS.dbMinPercent),
  })
  .strict();
export type DisksSection = z.infer<typeof DisksSection>;

const PoolSettings = z
  .object({
    name: checkedText((v) => diagnoseStorageId(v, 'pool name')).default(CEPH_DEFAULTS.pool.name),
    size: replicas.default(CEPH_DEFAULTS.pool.size),
    minSize: replicas.default(CEPH_DEFAULTS.pool.minSize),
    autoscale: z.enum(AUTOSCALE_MODES).default(CEPH_DEFAULTS.pool.autoscale),
    addStorage: z.boolean().default(CEPH_DEFAULTS.pool.addStorage),
  })
  .strict();

/** Phase 8. Monitors and managers default to every node; which versions a PVE major takes is checked at preflight. */
export const CephSection = z
  .object({
    repository: z.enum(CEPH_REPOSITORIES).default(CEPH_DEFAULTS.repository),
    version: z.enum(CEPH_VERSIONS).default(CEPH_DEFAULTS.version),
    publicNetwork: networkCidr.optional(),
    clusterNetwork: networkCidr.optional(),
    monitors: nodeList.optional(),
    managers: nodeList.optional(),
    pool: PoolSettings.default(() => ({ ...CEPH_DEFAULTS.pool })),
  })
  .strict();
export type CephSection = z.infer<typeof CephSection>;

const TestVm = z
  .object({
    id: vmid.default(HA_DEFAULTS.testVm.id),
    name: checkedText(diagnoseVmName).default(HA_DEFAULTS.testVm.name),
    memoryMiB: z.number().int().min(16).default(HA_DEFAULTS.testVm.memoryMiB),
    cores: z.number().int().min(1).default(HA_DEFAULTS.testVm.cores),
    diskGiB: z.number().int().min(1).default(HA_DEFAULTS.testVm.diskGiB),
    /** Defaults to the Ceph pool's storage when Ceph is built. */
    storage: checkedText((v) => diagnoseStorageId(v, 'storage ID')).optional(),
  })
  .strict();

/** Phase 9. A group on PVE 8, a node-affinity rule on PVE 9, both named `name`. */
export const HaSection = z
  .object({
    name: checkedText((v) => diagnoseConfigId(v, 'HA name')).default(HA_DEFAULTS.name),
    nodes: nodeList.optional(),
    strict: z.boolean().default(HA_DEFAULTS.strict),
    vms: z.array(vmid).default(() => []),
    testVm: TestVm.optional(),
  })
  .strict();
export type HaSection = z.infer<typeof HaSection>;

/** A node's own private-network settings; each one overrides the `network` section. */
export const NodePrivate = z
  .object({
    nic: nic.optional(),
    bridge: bridge.optional(),
    /** ADDRESS/PREFIX; defaults to link0 (or host) when that lies inside network.cidr. */
    address: checkedText(diagnoseInterfaceAddress).optional(),
    mtu: mtu.optional(),
  })
  .strict();
export type NodePrivate = z.infer<typeof NodePrivate>;

/** A node's own disks; each one overrides the `disks` section. */
export const NodeDisks = z.object({ raidMembers: z.array(devicePath).optional(), array: mdArray.optional(), db: devicePath.optional() }).strict();
export type NodeDisks = z.infer<typeof NodeDisks>;

function nodeSchema<S extends z.ZodTypeAny>(secret: S) {
  return z
    .object({
      /** PVE node name (short hostname), as in /etc/pve/nodes/NAME. */
      name: z.string().regex(NODE_NAME_RE),
      /** Address the controller reaches over SSH (IP or DNS name). */
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(sshDefaults.port),
      user: z.string().min(1).default(sshDefaults.user),
      /** FQDN the node should report (`hostname=` in the Ansible flow). */
      hostname: z.string().optional(),
      password: secret.optional(),
      /** Path of a private key on the worker's machine. */
      privateKeyFile: z.string().min(1).optional(),
      primary: z.boolean().default(false),
      /** Corosync link0 address of this node; defaults to `host` when that is an IP. */
      link0: z.string().refine(isIpAddress, 'corosync links must be IP addresses').optional(),
      private: NodePrivate.optional(),
      disks: NodeDisks.optional(),
    })
    .strict();
}

/**
 * Exported so a loader can plug in its own secret syntax and still share every other rule.
 * Sections left out are phases not run. Parsing is idempotent (defaults only, no transforms): the
 * inventory travels to workflows as JSON and is parsed again there.
 */
export function inventorySchema<S extends z.ZodTypeAny>(secret: S) {
  return z
    .object({
      cluster: z.object({ name: z.string().regex(CLUSTER_NAME_RE) }).strict(),
      ssh: z
        .object({
          connectTimeoutSeconds: z.number().positive().max(SSH_TIMEOUT_MAX_SECONDS).default(sshDefaults.connectTimeoutSeconds),
          commandTimeoutSeconds: z.number().positive().max(SSH_TIMEOUT_MAX_SECONDS).default(sshDefaults.commandTimeoutSeconds),
        })
        .strict()
        .default({
          connectTimeoutSeconds: sshDefaults.connectTimeoutSeconds,
          commandTimeoutSeconds: sshDefaults.commandTimeoutSeconds,
        }),
      network: NetworkSection.optional(),
      disks: DisksSection.optional(),
      ceph: CephSection.optional(),
      ha: HaSection.optional(),
      nodes: z.array(nodeSchema(secret)).min(1),
    })
    .strict();
}

/** What the client holds: secrets may still be inline. */
export const Inventory = inventorySchema(Secret);
export type Inventory = z.infer<typeof Inventory>;
export type InventoryNode = Inventory['nodes'][number];

/** What travels to workflows and activities: no secret in clear. */
export const RunbookInventory = inventorySchema(SecretRef);
export type RunbookInventory = z.infer<typeof RunbookInventory>;
export type RunbookNode = RunbookInventory['nodes'][number];
