const UNITS: [RegExp, number][] = [
  [/^(us|usec|µs)$/, 1],
  [/^(ms|msec)$/, 1_000],
  [/^(s|sec|second|seconds)$/, 1_000_000],
  [/^(m|min|minute|minutes)$/, 60_000_000],
  [/^(h|hr|hour|hours)$/, 3_600_000_000],
  [/^(d|day|days)$/, 86_400_000_000],
  [/^(w|week|weeks)$/, 604_800_000_000],
];

/** systemd's time span (`5min`, `1h 30min`, `90`: seconds), in µs. */
function parseSpan(text: string): number | undefined {
  const parts = text.trim().match(/\d+(?:\.\d+)?\s*[a-zµ]*/g);
  if (!parts || parts.join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) return undefined;
  let total = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-zµ]*)$/.exec(part.trim());
    if (!m) return undefined;
    const factor = m[2] ? UNITS.find(([re]) => re.test(m[2] as string))?.[1] : 1_000_000;
    if (factor === undefined) return undefined;
    total += Number(m[1]) * factor;
  }
  return Math.round(total);
}

const DAY = 86_400_000_000;
const DAYS: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };
const startOfDay = (usec: number) => Math.floor(usec / DAY) * DAY;

/**
 * systemd's parse_timestamp for journalctl's --since/--until on a UTC node, in µs since the epoch:
 * `@EPOCH[.frac]`, `YYYY-MM-DD [HH:MM[:SS[.frac]]]`, `HH:MM[:SS]` (today), `now`, `today`,
 * `yesterday`, `tomorrow`, `+SPAN`, `-SPAN`, `SPAN ago`; an optional trailing ` UTC`.
 */
export function parseTimestamp(input: string, nowUsec: number): number | undefined {
  const text = input.trim().replace(/\s+UTC$/, '');
  const epoch = /^@(\d+)(?:\.(\d{1,6})\d*)?$/.exec(text);
  if (epoch) return Number(epoch[1]) * 1_000_000 + Number((epoch[2] ?? '').padEnd(6, '0'));
  if (text === 'now') return nowUsec;
  const day = DAYS[text];
  if (day !== undefined) return startOfDay(nowUsec) + day * DAY;
  if (text.startsWith('+') || text.startsWith('-')) {
    const span = parseSpan(text.slice(1));
    return span === undefined ? undefined : nowUsec + (text.startsWith('+') ? span : -span);
  }
  const ago = /^(.+)\s+ago$/.exec(text);
  if (ago) {
    const span = parseSpan(ago[1] as string);
    return span === undefined ? undefined : nowUsec - span;
  }
  const full = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?$/.exec(text);
  const clock = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?$/.exec(text);
  if (!full && !clock) return undefined;
  const [y, mo, d, h, mi, s, frac] = full
    ? [Number(full[1]), Number(full[2]), Number(full[3]), Number(full[4] ?? 0), Number(full[5] ?? 0), Number(full[6] ?? 0), full[7]]
    : [...dateOf(nowUsec), Number(clock?.[1]), Number(clock?.[2]), Number(clock?.[3] ?? 0), clock?.[4]];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) return undefined;
  return ms * 1000 + Number((frac ?? '').padEnd(6, '0'));
}

function dateOf(usec: number): [number, number, number] {
  const d = new Date(Math.floor(usec / 1000));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}
