import type { z } from 'zod';
import { sshDefaults } from '../../common/inventory';
import type { Dialect, FieldPath } from './dialect';
import { diagnoseClusterName, diagnoseNodeName } from './names';
import type { Finding } from './problem';
import { YAML_ALIASES } from './ini-vars';
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

const EXAMPLES: Readonly<Record<string, string>> = {
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
};

const WHY_REQUIRED: Readonly<Record<string, string>> = {
  name: "every node needs its PVE node name (the node's short hostname)",
  host: 'the controller needs an address to reach the node over SSH',
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
    case 'invalid_format': {
      const diagnosis = isClusterName(path) ? diagnoseClusterName(String(value)) : diagnoseNodeName(String(value));
      return [at(path, diagnosis.message, diagnosis.fix)];
    }
    case 'custom': {
      if (lastKey(path) === 'link0') {
        return [at(path, `\`${String(value)}\` is not an IP address: corosync links must be IP addresses`, d.howToSet(path, example(path)))];
      }
      const fix = issue.params?.fix;
      return [at(path, issue.message, typeof fix === 'string' ? fix : d.howToSet(path, example(path)))];
    }
    default:
      return [at(path, `has a value that is not accepted: ${describeKind(value)}`, d.howToSet(path, example(path)))];
  }
}

function unknownKeyAdvice(parent: FieldPath, key: string, allowed: string[]): string {
  const inDefaults = parent.length === 1 && parent[0] === 'defaults';
  if (inDefaults && !DEFAULTABLE_KEYS.includes(key) && key in EXAMPLES) {
    return `\`${key}\` differs from node to node, so it cannot be a default: set it on each node (defaults may hold ${DEFAULTABLE_KEYS.join(', ')})`;
  }
  const atTop = parent.length === 0;
  const aliases: Record<string, string> = atTop ? { cluster_name: 'cluster: {name: ...}' } : YAML_ALIASES;
  return unknownKeyFix(key, allowed, aliases);
}

function missing(path: FieldPath, d: Dialect): Finding {
  const key = lastKey(path);
  if (path.length === 1 && key === 'nodes') return { ...d.locate(path), message: 'no nodes are listed', fix: d.hints.noNodes };
  if (path.length === 1 && key === 'cluster') {
    return { ...d.locate(path), message: 'the cluster is not named', fix: d.howToSet(['cluster', 'name'], 'lab') };
  }
  const why = isClusterName(path) ? 'the cluster needs a name' : WHY_REQUIRED[key];
  return { ...d.locate(path), message: why ? `is missing: ${why}` : 'is missing', fix: d.howToSet(path, example(path)) };
}

function wrongType(path: FieldPath, expected: string, value: unknown, d: Dialect): Finding {
  const key = lastKey(path);
  const loc = d.locate(path);
  if (path.length === 0) {
    return {
      ...loc,
      message: `the inventory must be a mapping with \`cluster\` and \`nodes\` (and optionally \`ssh\`, \`defaults\`), got ${describeShape(value)}`,
      fix: 'start the file with `cluster:` and `nodes:`; see the example inventories',
    };
  }
  if (key === 'nodes' && path.length === 1) return { ...loc, message: `must be ${EXPECTED.array}, got ${describeShape(value)}`, fix: d.hints.noNodes };
  if (key === 'cluster' && path.length === 1) return { ...loc, message: `must be ${EXPECTED.object}, got ${describeShape(value)}`, fix: 'write the name under it: `cluster: {name: lab}`' };
  if (path.length === 2 && path[0] === 'nodes') {
    return {
      ...loc,
      message: `each node must be a mapping of its settings, got ${describeShape(value)}`,
      fix: 'write `- name: pve1` and indent the node\'s other settings (`host: ...`) under it',
    };
  }
  const wanted = key === 'port' ? 'a whole number from 1 to 65535' : (EXPECTED[expected] ?? expected);
  return { ...loc, message: `must be ${wanted}, got ${describeShape(value)}`, fix: typeFix(path, expected, value, d) };
}

/** The usual YAML slips: a quoted number, and YAML 1.1 booleans that YAML 1.2 reads as text. */
function typeFix(path: FieldPath, expected: string, value: unknown, d: Dialect): string {
  const key = lastKey(path);
  if (d.format !== 'yaml') return d.howToSet(path, example(path));
  if (typeof value === 'string' && (expected === 'number' || expected === 'int') && /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    return `remove the quotes: \`${key}: ${value.trim()}\``;
  }
  if (typeof value === 'string' && expected === 'boolean' && /^(y|yes|n|no|on|off|true|false)$/i.test(value)) {
    const truthy = /^(y|yes|on|true)$/i.test(value);
    return `write \`${key}: ${truthy}\` without quotes; YAML reads \`${value}\` as text, not as true or false`;
  }
  return d.howToSet(path, example(path));
}

function outOfRange(path: FieldPath, value: unknown, d: Dialect): Finding {
  const key = lastKey(path);
  const loc = d.locate(path);
  if (key === 'nodes' && path.length === 1) return { ...loc, message: 'no nodes are listed', fix: d.hints.noNodes };
  if (key === 'port') return { ...loc, message: `port ${String(value)} is out of range: SSH ports are 1 to 65535`, fix: d.howToSet(path, example(path)) };
  if (typeof value === 'string') return { ...loc, message: 'is empty', fix: d.howToSet(path, example(path)) };
  return { ...loc, message: `must be a number of seconds above 0, got ${String(value)}`, fix: d.howToSet(path, example(path)) };
}

function isClusterName(path: FieldPath): boolean {
  return path.length === 2 && path[0] === 'cluster' && path[1] === 'name';
}

function lastKey(path: FieldPath): string {
  const key = [...path].reverse().find((seg) => typeof seg === 'string');
  return key === undefined ? '' : String(key);
}

function example(path: FieldPath): string {
  return isClusterName(path) ? 'lab' : (EXAMPLES[lastKey(path)] ?? '...');
}
