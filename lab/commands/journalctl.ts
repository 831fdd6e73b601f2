import { bootSeparator, formatEntry, OUTPUT_MODES, type OutputMode } from '../journal/format';
import type { JournalBoot } from '../journal/journal';
import { selectEntries, type JournalFilter } from '../journal/query';
import { parseTimestamp } from '../journal/timeSpec';
import { fail, ok, type LabCommand } from './types';

type Arity = 'none' | 'required' | 'optional';

/** journalctl's options the twin knows: short letter (or '' for long-only) and whether they take a value. */
const LONG: Record<string, [string, Arity]> = {
  unit: ['u', 'required'],
  identifier: ['t', 'required'],
  since: ['S', 'required'],
  until: ['U', 'required'],
  output: ['o', 'required'],
  priority: ['p', 'required'],
  grep: ['g', 'required'],
  lines: ['n', 'optional'],
  boot: ['b', 'optional'],
  quiet: ['q', 'none'],
  reverse: ['r', 'none'],
  dmesg: ['k', 'none'],
  all: ['a', 'none'],
  full: ['l', 'none'],
  merge: ['m', 'none'],
  catalog: ['x', 'none'],
  'pager-end': ['e', 'none'],
  follow: ['f', 'none'],
  'no-pager': ['', 'none'],
  'no-full': ['', 'none'],
  'no-hostname': ['', 'none'],
  'no-tail': ['', 'none'],
  utc: ['', 'none'],
  system: ['', 'none'],
};
const SHORT = new Map(Object.values(LONG).filter(([s]) => s).map(([s, arity]) => [s, arity]));
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

interface Options {
  filter: JournalFilter;
  output: OutputMode;
  /** -1: all. */
  lines: number;
  reverse: boolean;
  quiet: boolean;
  noHostname: boolean;
  merge: boolean;
  /** `-b` as given: undefined (all boots), an offset, or an id with an offset. */
  boot?: { id?: string; offset: number };
}

class UsageError extends Error {}

function level(text: string): number {
  const n = /^[0-7]$/.test(text) ? Number(text) : LEVELS.indexOf(text);
  if (n < 0) throw new UsageError(`Unknown log level ${text}`);
  return n;
}

function parseBoot(text: string): { id?: string; offset: number } | undefined {
  if (text === 'all') return undefined;
  const m = /^([0-9a-f]{32})?([+-]?\d+)?$/.exec(text);
  if (!m || (!m[1] && m[2] === undefined)) throw new UsageError(`Failed to parse boot descriptor '${text}'`);
  return { id: m[1], offset: Number(m[2] ?? 0) };
}

const looksLikeBoot = (s: string | undefined) => s !== undefined && /^(all|[0-9a-f]{32}([+-]\d+)?|[+-]?\d+)$/.test(s);
const looksLikeLines = (s: string | undefined) => s !== undefined && /^(all|\d+)$/.test(s);

/** Applies one option; returns how many following arguments it consumed. */
function apply(o: Options, opt: string, value: string | undefined, next: string | undefined, nowUsec: number): number {
  const f = o.filter;
  switch (opt) {
    case 'u':
      f.units.push(UNIT_SUFFIX.test(value as string) ? (value as string) : `${value}.service`);
      return 0;
    case 't':
      f.idents.push(value as string);
      return 0;
    case 'S':
    case 'U': {
      const usec = parseTimestamp(value as string, nowUsec);
      if (usec === undefined) throw new UsageError(`Failed to parse timestamp: ${value}`);
      if (opt === 'S') f.since = usec;
      else f.until = usec;
      return 0;
    }
    case 'o':
      if (!(OUTPUT_MODES as readonly string[]).includes(value as string)) throw new UsageError(`Unknown output format '${value}'.`);
      o.output = value as OutputMode;
      return 0;
    case 'p': {
      const [from, to] = (value as string).split('..');
      const range: [number, number] = to === undefined ? [0, level(from as string)] : [level(from as string), level(to)];
      f.priority = [Math.min(...range), Math.max(...range)];
      return 0;
    }
    case 'g':
      // journalctl is case-insensitive unless the pattern has an upper-case letter.
      f.grep = new RegExp(value as string, /[A-Z]/.test(value as string) ? '' : 'i');
      return 0;
    case 'n': {
      const text = value ?? (looksLikeLines(next) ? next : undefined);
      if (text === undefined) o.lines = 10;
      else if (text === 'all') o.lines = -1;
      else if (/^\d+$/.test(text)) o.lines = Number(text);
      else throw new UsageError(`Failed to parse lines '${text}'`);
      return value === undefined && text !== undefined ? 1 : 0;
    }
    case 'b': {
      const text = value ?? (looksLikeBoot(next) ? next : undefined);
      o.boot = text === undefined ? { offset: 0 } : parseBoot(text);
      return value === undefined && text !== undefined ? 1 : 0;
    }
    case 'k':
      f.kernel = true;
      o.boot = { offset: 0 };
      return 0;
    case 'q':
      o.quiet = true;
      return 0;
    case 'r':
      o.reverse = true;
      return 0;
    case 'm':
      o.merge = true;
      return 0;
    case 'e':
      if (o.lines === -1) o.lines = 1000;
      return 0;
    case 'f':
      throw new UsageError('journalctl: --follow is not simulated by the lab twin');
    case 'no-hostname':
      o.noHostname = true;
      return 0;
    default:
      return 0;
  }
}

function parseArgs(args: string[], nowUsec: number): Options {
  const o: Options = {
    filter: { units: [], idents: [], kernel: false, matches: [] },
    output: 'short',
    lines: -1,
    reverse: false,
    quiet: false,
    noHostname: false,
    merge: false,
  };
  let group = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (arg.startsWith('--') && arg.length > 2) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const spec = LONG[name];
      if (!spec) throw new UsageError(`journalctl: unrecognized option '${arg}'`);
      const [short, arity] = spec;
      if (arity === 'none' && inline !== undefined) throw new UsageError(`journalctl: option '--${name}' doesn't allow an argument`);
      if (arity === 'required' && inline === undefined) {
        if (next === undefined) throw new UsageError(`journalctl: option '--${name}' requires an argument`);
        i += 1 + apply(o, short, next, undefined, nowUsec);
        continue;
      }
      i += apply(o, short || name, inline, arity === 'optional' ? next : undefined, nowUsec);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] as string;
        const arity = SHORT.get(c);
        if (arity === undefined) throw new UsageError(`journalctl: invalid option -- '${c}'`);
        if (arity === 'none') {
          apply(o, c, undefined, undefined, nowUsec);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest) apply(o, c, rest, undefined, nowUsec);
        else if (arity === 'required') {
          if (next === undefined) throw new UsageError(`journalctl: option requires an argument -- '${c}'`);
          i += 1 + apply(o, c, next, undefined, nowUsec);
        } else i += apply(o, c, undefined, next, nowUsec);
        break;
      }
    } else if (arg === '+') {
      if (group.size) o.filter.matches.push(group);
      group = new Map();
    } else {
      const m = /^([A-Z0-9_]+)=(.*)$/s.exec(arg);
      if (!m) throw new UsageError(`Failed to add match '${arg}': Invalid argument`);
      group.set(m[1] as string, [...(group.get(m[1] as string) ?? []), m[2] as string]);
    }
  }
  if (group.size) o.filter.matches.push(group);
  const { since, until } = o.filter;
  if (since !== undefined && until !== undefined && since > until) throw new UsageError('--since= must be before --until=.');
  return o;
}

/** The boot `-b` names, counting back from the current one (0, -1...) or forward from the first (1, 2...). */
function resolveBoot(boots: readonly JournalBoot[], want: { id?: string; offset: number }): JournalBoot | undefined {
  let index: number;
  if (want.id) {
    const at = boots.findIndex((b) => b.id === want.id);
    if (at < 0) return undefined;
    index = at + want.offset;
  } else index = want.offset > 0 ? want.offset - 1 : boots.length - 1 + want.offset;
  return boots[index];
}

/** systemd 252's journalctl over the node's persistent journal. */
export const journalctl: LabCommand = {
  name: 'journalctl',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    // Membership lines are written when the model catches up with lab time; a reader must see every line due by now.
    await node.cluster.settle();
    const journal = node.cluster.host(node.name)?.journal;
    if (!journal) return fail('Failed to open journal: No such file or directory\n');
    let o: Options;
    try {
      o = parseArgs(args, Math.floor(node.clock.now() * 1000));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      return fail(`${err.message}\n`);
    }
    if (o.boot) {
      const boot = resolveBoot(journal.boots(), o.boot);
      if (!boot) {
        const which = o.boot.id ?? `${o.boot.offset >= 0 ? '+' : ''}${o.boot.offset}`;
        return fail(`Data from the specified boot (${which}) is not available: No such boot ID in journal\n`);
      }
      o.filter.bootId = boot.id;
    }
    let shown = selectEntries(journal.entries(), journal.boots(), { hostname: journal.hostname, machineId: journal.machineId, noHostname: o.noHostname }, o.filter);
    if (o.lines >= 0) shown = o.lines === 0 ? [] : shown.slice(-o.lines);
    if (o.reverse) shown.reverse();
    let stdout = '';
    let previousBoot: string | undefined;
    for (const { entry, ctx } of shown) {
      if (!o.merge && !o.quiet && previousBoot !== undefined && entry.bootId !== previousBoot) stdout += bootSeparator(entry.bootId);
      previousBoot = entry.bootId;
      stdout += formatEntry(entry, o.output, ctx);
    }
    if (shown.length === 0 && !o.quiet) stdout += '-- No entries --\n';
    // Like grep: a pattern that matched nothing fails.
    return o.filter.grep && shown.length === 0 ? fail('', 1, stdout) : ok(stdout);
  },
};
