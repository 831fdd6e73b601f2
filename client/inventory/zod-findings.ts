import type { z } from 'zod';
import { CEPH_DEFAULTS, DISK_DEFAULTS, HA_DEFAULTS, MTU_RANGE, NETWORK_DEFAULTS, POOL_REPLICAS, VMID_RANGE } from '../../common/hyperConverged';
import { SSH_TIMEOUT_MAX_SECONDS, sshDefaults } from '../../common/inventory';
import type { Dialect, FieldPath } from './dialect';
import type { InventoryFormat } from './format';
import { diagnoseClusterName, diagnoseNodeName } from './names';
import type { Finding } from './problem';
import { YAML_ALIASES, YAML_TOP_ALIASES } from './ini-vars';
import { DEFAULTABLE_KEYS, keysAt } from './schema';
import { unknownKeyFix } from './suggest';
import { describeKind, describeShape, valueAt } from './values';

/**
 * Zod knows what failed; these turn its issues into sentences about the file. No zod wording
 * reaches the engineer: every issue code the inventory schema can raise has its own text.
 */
export function findingsFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown, schema: z.ZodType, d: Dialect): Finding[] {
  return issues.flatMap((issue) => fromIssue(issue, input, schema, d));
}

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  string: 'text',
  object: 'a mapping (indented `key: value` lines)',
  array: 'a list (lines starting with `- `)',
};

/** What to write, by key, or by `parent.key` where one key means different things. Lists are written per format. */
const EXAMPLES: Readonly<Record<string, string | readonly string[]>> = {
  name: 'pve1',
  host: '10.0.0.1',
  port: String(sshDefaults.port),
  user: sshDefaults.user,
  hostname: 'pve1.example.com',
  password: '${PVE_ROOT_PASSWORD}',
  privateKeyFile: '~/.ssh/id_ed25519',
  primary: 'true',
  link0: '10.10.10.1',
  connectTimeoutSeconds: String(sshDefaults.connectTimeoutSeconds),
  commandTimeoutSeconds: String(sshDefaults.commandTimeoutSeconds),
  nic: NETWORK_DEFAULTS.nic,
  bridge: NETWORK_DEFAULTS.bridge,
  cidr: '10.0.0.0/24',
  mtu: String(NETWORK_DEFAULTS.mtu),
  address: '10.0.0.11/24',
  raidMembers: DISK_DEFAULTS.raidMembers,
  array: DISK_DEFAULTS.array,
  db: DISK_DEFAULTS.db,
  volumeGroup: DISK_DEFAULTS.volumeGroup,
  logicalVolume: DISK_DEFAULTS.logicalVolume,
  dbMinPercent: String(DISK_DEFAULTS.dbMinPercent),
  repository: CEPH_DEFAULTS.repository,
  version: CEPH_DEFAULTS.version,
  publicNetwork: '10.0.0.0/24',
  clusterNetwork: '10.0.0.0/24',
  monitors: ['pve1', 'pve2', 'pve3'],
  managers: ['pve1', 'pve2', 'pve3'],
  'pool.name': CEPH_DEFAULTS.pool.name,
  size: String(CEPH_DEFAULTS.pool.size),
  minSize: String(CEPH_DEFAULTS.pool.minSize),
  autoscale: CEPH_DEFAULTS.pool.autoscale,
  addStorage: String(CEPH_DEFAULTS.pool.addStorage),
  'ha.name': HA_DEFAULTS.name,
  'ha.nodes': ['pve1', 'pve2', 'pve3'],
  strict: String(HA_DEFAULTS.strict),
  vms: [String(HA_DEFAULTS.testVm.id)],
  id: String(HA_DEFAULTS.testVm.id),
  'testVm.name': HA_DEFAULTS.testVm.name,
  memoryMiB: String(HA_DEFAULTS.testVm.memoryMiB),
  cores: String(HA_DEFAULTS.testVm.cores),
  diskGiB: String(HA_DEFAULTS.testVm.diskGiB),
  storage: CEPH_DEFAULTS.pool.name,
};

/** The numbers with a range of their own: how to say it, and why it is the range. */
const NUMBERS: Readonly<Record<string, { label: string; wanted: string; range: string }>> = {
  port: { label: 'port', wanted: 'a whole number from 1 to 65535', range: 'SSH ports are 1 to 65535' },
  mtu: { label: 'MTU', wanted: `a whole number from ${MTU_RANGE.min} to ${MTU_RANGE.max}`, range: `MTUs are ${MTU_RANGE.min} (the IPv6 minimum) to ${MTU_RANGE.max}` },
  size: { label: 'pool size', wanted: `a whole number from ${POOL_REPLICAS.min} to ${POOL_REPLICAS.max}`, range: `pveceph takes ${POOL_REPLICAS.min} to ${POOL_REPLICAS.max} replicas` },
  minSize: { label: 'pool minSize', wanted: `a whole number from ${POOL_REPLICAS.min} to ${POOL_REPLICAS.max}`, range: `pveceph takes ${POOL_REPLICAS.min} to ${POOL_REPLICAS.max} replicas` },
  dbMinPercent: { label: 'dbMinPercent', wanted: 'a percentage from 0 to 100', range: 'it is a percentage of the array, 0 to 100' },
  vms: { label: 'VM ID', wanted: `a whole number from ${VMID_RANGE.min} to ${VMID_RANGE.max}`, range: `PVE VM IDs are ${VMID_RANGE.min} to ${VMID_RANGE.max}` },
  id: { label: 'VM ID', wanted: `a whole number from ${VMID_RANGE.min} to ${VMID_RANGE.max}`, range: `PVE VM IDs are ${VMID_RANGE.min} to ${VMID_RANGE.max}` },
  memoryMiB: { label: 'memoryMiB', wanted: 'a whole number of MiB, at least 16', range: 'qm create takes at least 16 MiB' },
  cores: { label: 'cores', wanted: 'a whole number, at least 1', range: 'a VM has at least one core' },
  diskGiB: { label: 'diskGiB', wanted: 'a whole number of GiB, at least 1', range: 'the disk is at least 1 GiB' },
};

/** Optional top-level sections: an empty one (`ceph:`) most likely meant "all defaults". */
const SECTIONS: readonly string[] = ['network', 'disks', 'ceph', 'ha'];

const WHY_REQUIRED: Readonly<Record<string, string>> = {
  name: "every node needs its PVE node name (the node's short hostname)",
  host: 'the controller needs an address to reach the node over SSH',
  cidr: 'the private network needs its range, which every node\'s address lies in',
};

function fromIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType, d: Dialect): Finding[] {
  const path = issue.path;
  const value = valueAt(input, path);
  const at = (p: FieldPath, message: string, fix: string): Finding => ({ ...d.locate(p), message, fix });
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => at([...path, k], `unknown key \`${k}\``, unknownKeyAdvice(path, k, keysAt(schema, path))));
    case 'invalid_type':
      return [value === undefined ? missing(path, d) : wrongType(path, issue.expected, value, d)];
    case 'too_small':
    case 'too_big':
      return [outOfRange(path, value, d)];
    case 'invalid_value': {
      const options = issue.values.map(String);
      return [at(path, `\`${String(value)}\` is not one of ${options.join(', ')}`, d.howToSet(path, example(path, d.format)))];
    }
    case 'invalid_format': {
      const diagnosis = isClusterName(path) ? diagnoseClusterName(String(value)) : diagnoseNodeName(String(value));
      return [at(path, diagnosis.message, diagnosis.fix)];
    }
    case 'custom': {
      if (lastKey(path) === 'link0') {
        return [at(path, `\`${String(value)}\` is not an IP address: corosync links must be IP addresses`, d.howToSet(path, example(path, d.format)))];
      }
      const fix = issue.params?.fix;
      return [at(path, issue.message, typeof fix === 'string' ? fix : d.howToSet(path, example(path, d.format)))];
    }
    default:
      return [at(path, `has a value that is not accepted: ${describeKind(value)}`, d.howToSet(path, example(path, d.format)))];
  }
}

function unknownKeyAdvice(parent: FieldPath, key: string, allowed: string[]): string {
  const inDefaults = parent.length === 1 && parent[0] === 'defaults';
  if (inDefaults && !DEFAULTABLE_KEYS.includes(key) && Object.hasOwn(EXAMPLES, key)) {
    return `\`${key}\` differs from node to node, so it cannot be a default: set it on each node (defaults may hold ${DEFAULTABLE_KEYS.join(', ')})`;
  }
  const aliases = parent.length === 0 ? YAML_TOP_ALIASES : YAML_ALIASES;
  return unknownKeyFix(key, allowed, aliases);
}

function missing(path: FieldPath, d: Dialect): Finding {
  const key = lastKey(path);
  if (path.length === 1 && key === 'nodes') return { ...d.locate(path), message: 'no nodes are listed', fix: d.hints.noNodes };
  if (path.length === 1 && key === 'cluster') {
    return { ...d.locate(path), message: 'the cluster is not named', fix: d.howToSet(['cluster', 'name'], 'lab') };
  }
  const why = isClusterName(path) ? 'the cluster needs a name' : WHY_REQUIRED[key];
  return { ...d.locate(path), message: why ? `is missing: ${why}` : 'is missing', fix: d.howToSet(path, example(path, d.format)) };
}

function wrongType(path: FieldPath, expected: string, value: unknown, d: Dialect): Finding {
  const key = lastKey(path);
  const loc = d.locate(path);
  if (path.length === 0) {
    return {
      ...loc,
      message: `the inventory must be a mapping with \`cluster\` and \`nodes\` (and optionally \`ssh\`, \`defaults\`, \`network\`, \`disks\`, \`ceph\`, \`ha\`), got ${describeShape(value)}`,
      fix: 'start the file with `cluster:` and `nodes:`; see the example inventories',
    };
  }
  if (key === 'nodes' && path.length === 1) return { ...loc, message: `must be ${EXPECTED.array}, got ${describeShape(value)}`, fix: d.hints.noNodes };
  if (key === 'cluster' && path.length === 1) return { ...loc, message: `must be ${EXPECTED.object}, got ${describeShape(value)}`, fix: 'write the name under it: `cluster: {name: lab}`' };
  if (path.length === 1 && SECTIONS.includes(key) && value === null && d.format === 'yaml') {
    return { ...loc, message: `must be ${EXPECTED.object}, got ${describeShape(value)}`, fix: `write \`${key}: {}\` to take every default, or its settings under it` };
  }
  if (path.length === 2 && path[0] === 'nodes') {
    return {
      ...loc,
      message: `each node must be a mapping of its settings, got ${describeShape(value)}`,
      fix: 'write `- name: pve1` and indent the node\'s other settings (`host: ...`) under it',
    };
  }
  const numeric = expected === 'number' || expected === 'int';
  const wanted = (numeric ? NUMBERS[key]?.wanted : undefined) ?? EXPECTED[expected] ?? expected;
  return { ...loc, message: `must be ${wanted}, got ${describeShape(value)}`, fix: typeFix(path, expected, value, d) };
}

/** The usual YAML slips: a quoted number, and YAML 1.1 booleans that YAML 1.2 reads as text. */
function typeFix(path: FieldPath, expected: string, value: unknown, d: Dialect): string {
  const key = lastKey(path);
  if (d.format !== 'yaml') return d.howToSet(path, example(path, d.format));
  if (typeof value === 'string' && (expected === 'number' || expected === 'int') && /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return `remove the quotes: \`${key}: ${value.trim()}\``;
  }
  if (typeof value === 'string' && expected === 'boolean' && /^(y|yes|n|no|on|off|true|false)$/i.test(value)) {
    const truthy = /^(y|yes|on|true)$/i.test(value);
    return `write \`${key}: ${truthy}\` without quotes; YAML reads \`${value}\` as text, not as true or false`;
  }
  return d.howToSet(path, example(path, d.format));
}

function outOfRange(path: FieldPath, value: unknown, d: Dialect): Finding {
  const key = lastKey(path);
  const loc = d.locate(path);
  if (key === 'nodes' && path.length === 1) return { ...loc, message: 'no nodes are listed', fix: d.hints.noNodes };
  const fix = d.howToSet(path, example(path, d.format));
  const number = NUMBERS[key];
  if (number) return { ...loc, message: `${number.label} ${String(value)} is out of range: ${number.range}`, fix };
  if (typeof value === 'string') return { ...loc, message: 'is empty', fix };
  if (typeof value === 'number' && value > 0) {
    return { ...loc, message: `must be at most ${SSH_TIMEOUT_MAX_SECONDS} seconds (about 24 days, the longest timer the worker can set), got ${String(value)}`, fix };
  }
  return { ...loc, message: `must be a number of seconds above 0, got ${String(value)}`, fix };
}

function isClusterName(path: FieldPath): boolean {
  return path.length === 2 && path[0] === 'cluster' && path[1] === 'name';
}

function lastKey(path: FieldPath): string {
  const key = [...path].reverse().find((seg) => typeof seg === 'string');
  return key === undefined ? '' : String(key);
}

function example(path: FieldPath, format: InventoryFormat): string {
  if (isClusterName(path)) return 'lab';
  const keys = path.filter((seg): seg is string => typeof seg === 'string');
  const key = keys[keys.length - 1] ?? '';
  const listItem = typeof path[path.length - 1] === 'number';
  const found = EXAMPLES[`${keys[keys.length - 2] ?? ''}.${key}`] ?? EXAMPLES[key];
  if (found === undefined) return '...';
  if (typeof found === 'string') return found;
  if (listItem) return found[0] ?? '...';
  return format === 'yaml' ? `[${found.join(', ')}]` : found.join(',');
}
