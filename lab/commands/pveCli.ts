import type { ExecResult } from 'just-bash';
import { fail, type NodeContext } from './types';

/** A parameter of a PVE API method as its JSON schema declares it. */
export interface ParamSpec {
  type: 'string' | 'integer' | 'boolean';
  minimum?: number;
  maxLength?: number;
  /** A format check: the error text (after "invalid format - ") or undefined when valid. */
  format?: (value: string) => string | undefined;
}

export type Params = Record<string, string | number | boolean>;

/**
 * PVE::JSONSchema::get_options and parameter verification as `pvecm`, `qm`, `pvesh`... run them:
 * Getopt::Long over `--name value`, `--name=value` and `-name value`, booleans with an optional
 * value, positional arguments in order, then the schema checks, reported as PVE::Exception does.
 */
export function parseParams(usage: string, args: string[], positional: string[], options: Record<string, ParamSpec>): Params | ExecResult {
  const params: Params = {};
  const rest: string[] = [];
  const bad = (msg: string) => fail(`${msg}\n${usage}\n`, 255);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      rest.push(...args.slice(i + 1));
      break;
    }
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (!m) {
      rest.push(arg);
      continue;
    }
    const name = m[1] as string;
    const spec = options[name];
    if (!spec) return fail(`Unknown option: ${name}\n400 unable to parse option\n${usage}\n`, 255);
    let value = m[2];
    if (value === undefined && spec.type === 'boolean') {
      // Getopt's ":s": a following word that is not an option is the value.
      const next = args[i + 1];
      value = next !== undefined && /^(0|1|yes|no|on|off|true|false)$/i.test(next) ? (i++, next) : '1';
    }
    if (value === undefined) {
      const next = args[i + 1];
      if (next === undefined) return fail(`Option ${name} requires an argument\n400 unable to parse option\n${usage}\n`, 255);
      value = next;
      i++;
    }
    params[name] = value;
  }
  if (rest.length > positional.length) return bad('400 too many arguments');
  if (rest.length < positional.length) return bad('400 not enough arguments');
  positional.forEach((name, i) => (params[name] = rest[i] as string));

  const errors: string[] = [];
  for (const [name, raw] of Object.entries(params)) {
    const spec = options[name] ?? { type: 'string' };
    const value = String(raw);
    if (spec.type === 'boolean') {
      if (/^(1|yes|on|true)$/i.test(value)) params[name] = true;
      else if (/^(0|no|off|false)$/i.test(value)) params[name] = false;
      else errors.push(`${name}: type check ('boolean') failed - got '${value}'`);
    } else if (spec.type === 'integer') {
      if (!/^-?\d+$/.test(value)) errors.push(`${name}: type check ('integer') failed - got '${value}'`);
      else if (spec.minimum !== undefined && Number(value) < spec.minimum) errors.push(`${name}: value must have a minimum value of ${spec.minimum}`);
      else params[name] = Number(value);
    } else {
      const problem = spec.format?.(value);
      if (problem) errors.push(`${name}: invalid format - ${problem}`);
      else if (spec.maxLength !== undefined && value.length > spec.maxLength) errors.push(`${name}: value may only be ${spec.maxLength} characters long`);
    }
  }
  if (errors.length) return fail(`400 Parameter verification failed.\n${errors.sort().join('\n')}\n\n${usage}\n`, 255);
  return params;
}

export function isResult(value: Params | ExecResult): value is ExecResult {
  return typeof (value as ExecResult).exitCode === 'number' && typeof (value as ExecResult).stderr === 'string';
}

/** pve-node: a host name label. */
export function nodeNameFormat(value: string): string | undefined {
  return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(value) ? undefined : 'value does not look like a valid node name';
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIp(value: string): boolean {
  return IPV4.test(value) || (/^[0-9a-fA-F:]+$/.test(value) && value.includes(':'));
}

export interface CorosyncLink {
  address: string;
  priority?: number;
}

/** The corosync-link property string: `[address=]<IP>[,priority=<integer>]`. */
export function parseLink(value: string): CorosyncLink | string {
  const link: Partial<CorosyncLink> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.includes('=') ? (part.split('=', 2) as [string, string]) : ['address', part];
    if (k === 'address') link.address = v;
    else if (k === 'priority' && /^\d+$/.test(v) && Number(v) <= 255) link.priority = Number(v);
    else if (k === 'priority') return `invalid format - format error\npriority: value must have a maximum value of 255`;
    else return `invalid format - format error\n${k}: property is not defined in schema and the schema does not allow additional properties`;
  }
  if (!link.address) return 'invalid format - format error\naddress: property is missing and it is not optional';
  if (!isIp(link.address) && !/^[a-zA-Z0-9.-]+$/.test(link.address)) return `invalid format - format error\naddress: invalid format - value does not look like a valid address: ${link.address}`;
  return link as CorosyncLink;
}

/**
 * PVE's perl tools load the cluster's access control list from pmxcfs when they start; with
 * pve-cluster stopped, the IPC to it is refused three times and they give up (ECONNREFUSED).
 */
export function pmxcfsDown(node: NodeContext): ExecResult | undefined {
  if (node.cluster.pmxcfsProcess(node.name) !== 'none') return undefined;
  return fail(
    'ipcc_send_rec[1] failed: Connection refused\nipcc_send_rec[2] failed: Connection refused\nipcc_send_rec[3] failed: Connection refused\nUnable to load access control list: Connection refused\n',
    111,
  );
}

/** A task run by a CLI in the foreground (RPCEnvironment::fork_worker, sync): output on stdout, the error alone on stderr. */
export class TaskOutput {
  stdout = '';
  print(text: string): void {
    this.stdout += text;
  }
  ok(): ExecResult {
    return { stdout: this.stdout, stderr: '', exitCode: 0 };
  }
  error(message: string): ExecResult {
    return { stdout: this.stdout, stderr: `${message.replace(/\n+$/, '').replace(/\n/g, ' ')}\n`, exitCode: 255 };
  }
}

/** A die in a task, carrying its message as perl would print it. */
export class TaskError extends Error {}
