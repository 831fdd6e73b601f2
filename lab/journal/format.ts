import { createHash } from 'node:crypto';
import { strftime } from '../commands/strftime';
import type { JournalBoot, JournalEntry } from './journal';

export const OUTPUT_MODES = ['short', 'short-precise', 'short-iso', 'short-iso-precise', 'short-full', 'short-unix', 'cat', 'json', 'json-pretty'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface EntryContext {
  hostname: string;
  machineId: string;
  boot: JournalBoot | undefined;
  /** The entry's position in the journal, from 1 (its seqnum). */
  seqnum: number;
  noHostname: boolean;
}

/** __REALTIME_TIMESTAMP: µs since the epoch. */
export const usecOf = (e: JournalEntry) => Math.floor(e.at * 1000);

const at = (usec: number) => ({ ms: Math.floor(usec / 1_000_000) * 1000, nanosWithinMs: 0 });
const micros = (usec: number) => String(usec % 1_000_000).padStart(6, '0');

/** logs-show.c's output_timestamp_realtime; the node's zone is UTC. */
function timestamp(usec: number, mode: OutputMode): string {
  switch (mode) {
    case 'short-iso':
      return strftime('%Y-%m-%dT%H:%M:%S+00:00', at(usec));
    case 'short-iso-precise':
      return `${strftime('%Y-%m-%dT%H:%M:%S', at(usec))}.${micros(usec)}+00:00`;
    case 'short-precise':
      return `${strftime('%b %d %H:%M:%S', at(usec))}.${micros(usec)}`;
    case 'short-full':
      return strftime('%a %Y-%m-%d %H:%M:%S UTC', at(usec));
    case 'short-unix':
      return `${Math.floor(usec / 1_000_000)}.${micros(usec)}`;
    default:
      return strftime('%b %d %H:%M:%S', at(usec));
  }
}

/** One entry as `journalctl -o MODE` prints it (a trailing newline included). */
export function formatEntry(e: JournalEntry, mode: OutputMode, ctx: EntryContext): string {
  if (mode === 'cat') return `${e.message}\n`;
  if (mode === 'json' || mode === 'json-pretty') {
    const fields = jsonFields(e, ctx);
    if (mode === 'json') return `${JSON.stringify(fields)}\n`;
    const body = Object.entries(fields).map(([k, v]) => `\t"${k}" : ${JSON.stringify(v)}`);
    return `{\n${body.join(',\n')}\n}\n`;
  }
  const host = ctx.noHostname ? '' : ` ${ctx.hostname}`;
  const pid = e.pid ? `[${e.pid}]` : '';
  // Continuation lines of a multi-line message are indented under the first.
  const head = `${timestamp(usecOf(e), mode)}${host} ${e.ident}${pid}: `;
  return `${head}${e.message.split('\n').join(`\n${' '.repeat(head.length)}`)}\n`;
}

/** The fields `-o json` shows (every value a string, as journald stores them). */
function jsonFields(e: JournalEntry, ctx: EntryContext): Record<string, string> {
  const usec = usecOf(e);
  const mono = Math.max(0, usec - Math.floor((ctx.boot?.at ?? e.at) * 1000));
  const xor = createHash('sha256').update(`${e.bootId}${usec}${ctx.seqnum}`).digest('hex').slice(0, 16);
  const kernel = e.ident === 'kernel';
  const fields: Record<string, string> = {
    __CURSOR: `s=${ctx.machineId};i=${ctx.seqnum.toString(16)};b=${e.bootId};m=${mono.toString(16)};t=${usec.toString(16)};x=${xor}`,
    __REALTIME_TIMESTAMP: String(usec),
    __MONOTONIC_TIMESTAMP: String(mono),
    _BOOT_ID: e.bootId,
    _MACHINE_ID: ctx.machineId,
    _HOSTNAME: ctx.hostname,
    _TRANSPORT: kernel ? 'kernel' : e.ident === 'systemd' ? 'journal' : 'syslog',
    PRIORITY: String(e.priority),
    SYSLOG_FACILITY: kernel ? '0' : '3',
    SYSLOG_IDENTIFIER: e.ident,
  };
  if (e.pid) Object.assign(fields, { _PID: String(e.pid), _UID: '0', _GID: '0' });
  if (e.ident === 'systemd') Object.assign(fields, { _SYSTEMD_UNIT: 'init.scope', ...(e.unit ? { UNIT: e.unit } : {}) });
  else if (e.unit) Object.assign(fields, { _SYSTEMD_UNIT: e.unit, _SYSTEMD_SLICE: 'system.slice', _SYSTEMD_CGROUP: `/system.slice/${e.unit}` });
  fields['MESSAGE'] = e.message;
  return fields;
}

/** A field of the entry by journal name, for `FIELD=VALUE` matches. */
export function fieldOf(e: JournalEntry, ctx: EntryContext, field: string): string | undefined {
  return jsonFields(e, ctx)[field];
}

/** journalctl's separator before the first entry of another boot. */
export function bootSeparator(bootId: string): string {
  return `-- Boot ${bootId} --\n`;
}
