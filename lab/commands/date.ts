import { strftime, type Instant } from './strftime';
import { fail, ok, type LabCommand } from './types';

const ISO: Record<string, string> = {
  date: '%Y-%m-%d',
  hours: '%Y-%m-%dT%H%:z',
  minutes: '%Y-%m-%dT%H:%M%:z',
  seconds: '%Y-%m-%dT%H:%M:%S%:z',
  ns: '%Y-%m-%dT%H:%M:%S,%N%:z',
};
const RFC3339: Record<string, string> = {
  date: '%Y-%m-%d',
  seconds: '%Y-%m-%d %H:%M:%S%:z',
  ns: '%Y-%m-%d %H:%M:%S.%N%:z',
};
const HINT = "Try 'date --help' for more information.\n";

/** A spec's unique prefix, as GNU date accepts (`-Is` for seconds). */
function spec(table: Record<string, string>, value: string): string | undefined {
  const keys = Object.keys(table).filter((k) => k.startsWith(value));
  return keys.length === 1 ? table[keys[0] as string] : table[value];
}

/** GNU date reading the lab clock; nodes run on Etc/UTC, so -u changes nothing. */
export const date: LabCommand = {
  name: 'date',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const labNow = node.clock.now();
    let at: Instant = { ms: labNow, nanosWithinMs: Math.floor((labNow % 1) * 1_000_000) };
    let format = '%a %b %e %H:%M:%S %Z %Y';
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (arg === '-u' || arg === '--utc' || arg === '--universal') continue;
      if (arg.startsWith('+')) {
        format = arg.slice(1);
      } else if (arg === '-R' || arg === '--rfc-email') {
        format = '%a, %d %b %Y %H:%M:%S %z';
      } else if (arg === '-I' || arg === '--iso-8601' || arg.startsWith('-I') || arg.startsWith('--iso-8601=')) {
        const value = arg.startsWith('--') ? (arg.split('=')[1] ?? 'date') : arg.slice(2) || 'date';
        const chosen = spec(ISO, value);
        if (!chosen) return fail(`date: invalid argument ‘${value}’ for ‘--iso-8601’\n${HINT}`);
        format = chosen;
      } else if (arg.startsWith('--rfc-3339=')) {
        const value = arg.slice('--rfc-3339='.length);
        const chosen = spec(RFC3339, value);
        if (!chosen) return fail(`date: invalid argument ‘${value}’ for ‘--rfc-3339’\n${HINT}`);
        format = chosen;
      } else if (arg === '-d' || arg.startsWith('--date=') || (arg.startsWith('-d') && arg.length > 2)) {
        const value = arg === '-d' ? args[++i] : arg.startsWith('--date=') ? arg.slice(7) : arg.slice(2);
        if (value === undefined) return fail(`date: option requires an argument -- 'd'\n${HINT}`);
        const parsed = parseDate(value, labNow);
        if (parsed === undefined) return fail(`date: invalid date ‘${value}’\n`);
        at = { ms: parsed, nanosWithinMs: 0 };
      } else {
        return fail(`date: invalid option -- '${arg.replace(/^-+/, '')}'\n${HINT}`);
      }
    }
    return ok(`${strftime(format, at)}\n`);
  },
};

/** The forms of `date -d` scripts use on nodes: `@EPOCH`, `now`, ISO timestamps. */
function parseDate(value: string, now: number): number | undefined {
  const text = value.trim();
  if (text === '' || text === 'now') return now;
  const epoch = /^@(-?\d+(?:\.\d+)?)$/.exec(text);
  if (epoch) return Number(epoch[1]) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return undefined;
  const iso = text.replace(' ', 'T');
  const ms = Date.parse(/T/.test(iso) && !/(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? `${iso}Z` : iso);
  return Number.isNaN(ms) ? undefined : ms;
}
