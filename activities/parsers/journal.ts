import { z } from 'zod';
import { ParseError } from './errors';
import { result } from './result';
import { contentLines, Line, quote } from './text';

export { haEvents } from './haJournal';
export type { HaEvent, HaEventSource } from './haJournal';

export const JournalEntry = z.object({
  /** Epoch milliseconds; the microseconds of -o short-iso-precise / short-precise are the fraction. */
  at: z.number(),
  /** The timestamp as printed: `2026-11-22T10:02:40.123456+00:00`, `Nov 22 10:02:40`. */
  iso: z.string(),
  host: z.string(),
  /** SYSLOG_IDENTIFIER (else the command name): `pve-ha-crm`, `corosync`, `kernel`. */
  ident: z.string(),
  pid: z.number().int().optional(),
  /**
   * Everything after the `: ` that ends the prefix, inner and leading blanks kept (corosync's
   * `  [TOTEM ] ...`); the lines of a multi-line message joined with `\n`, without their indent.
   */
  message: z.string(),
  /** 1-based input line where the entry starts. */
  line: z.number().int(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const Journal = z.object({ entries: z.array(JournalEntry) });
export type Journal = z.infer<typeof Journal>;

export interface JournalShortOptions {
  /**
   * The year of the first entry, normally the year of `--since`: `-o short` prints none. Entries
   * after a December one that are in January count as the next year.
   */
  year: number;
  /** The printing node's UTC offset in minutes east (120 for CEST): `-o short` prints local time without a zone. Default 0. */
  utcOffsetMinutes?: number;
}

export type JournalOptions = Partial<JournalShortOptions>;

const KIND_ISO = 'journal-short-iso';
const KIND_SHORT = 'journal-short';

/** `-o short-iso` / `short-iso-precise`: older systemd prints the offset with strftime's `%z` (`+0000`), 250 and later `+00:00`. */
const ISO_TS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;
/** `-o short` / `short-precise` (strftime `%b %d %H:%M:%S`, C locale) and classic syslog (`%b %e`: `Nov  2`). */
const SHORT_TS = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ( \d|\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?= )/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `HOST IDENT[PID]: MESSAGE` after the timestamp. The identifier may hold brackets and blanks
 * (`sssd[nss][1235]:`) but no colon; the shortest one followed by `[PID]:` or `:` wins.
 */
const REST = /^(\S*[^\s:]) ([^\s:][^:]*?)(?<!\s)(?:\[(\d+)\])?:(?: (.*))?$/;

/**
 * What journalctl prints besides entries: `-- No entries --` (no match, without -q), the boot
 * separators (`-- Reboot --` from older systemd, `-- Boot <id> --` from newer) and the old headers.
 */
const MARKER = /^-- (?:No entries|Reboot|Boot [0-9a-f]{32}|Logs begin at .*|Journal begins at .*) --$/;

/**
 * Reads journalctl's short output: `-o short-iso-precise` (what the crash drill runs), `-o
 * short-iso`, and, given `{ year }`, `-o short` / `short-precise` or a classic syslog file, the
 * format being told by the first entry. `-o short` prints local time without year or zone: the
 * caller passes the year of `--since` (and the node's UTC offset unless it runs in UTC).
 *
 * Empty output is no entries (what `-q` prints when nothing matched), as is `-- No entries --`.
 */
export function parseJournal(text: string, options: JournalOptions = {}): Journal {
  const first = contentLinesOrNone(text).find((l) => !MARKER.test(l.text.trim()));
  if (first && SHORT_TS.test(first.text)) {
    if (options.year === undefined) {
      throw new ParseError(KIND_SHORT, 'the short format prints no year: pass { year } (the year of --since)');
    }
    return parseJournalShort(text, { year: options.year, utcOffsetMinutes: options.utcOffsetMinutes });
  }
  return parseJournalShortIso(text);
}

/** `journalctl -o short-iso-precise` or `-o short-iso`, any UTC offset. */
export function parseJournalShortIso(text: string): Journal {
  return read(KIND_ISO, text, (line) => {
    const space = line.text.indexOf(' ');
    const iso = line.text.slice(0, space);
    const m = space < 0 ? null : ISO_TS.exec(iso);
    if (!m) return undefined;
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const at = utcMillis(KIND_ISO, line, +y!, +mo!, +d!, +h!, +mi!, +s!, frac) - zoneMinutes(KIND_ISO, line, zone!) * 60_000;
    return { iso, at, rest: line.text.slice(space + 1) };
  });
}

/**
 * `journalctl -o short` / `-o short-precise`, or a syslog file: `Nov 22 10:02:40 host ident[pid]: msg`.
 * See {@link JournalShortOptions} for the year and zone it cannot print.
 */
export function parseJournalShort(text: string, options: JournalShortOptions): Journal {
  if (!Number.isInteger(options.year) || options.year < 1970 || options.year > 9999) {
    throw new ParseError(KIND_SHORT, `year must be a whole number from 1970, not ${options.year}`);
  }
  let year = options.year;
  let lastMonth = 0;
  const offset = options.utcOffsetMinutes ?? 0;
  return read(KIND_SHORT, text, (line) => {
    const m = SHORT_TS.exec(line.text);
    if (!m) return undefined;
    const month = MONTHS.indexOf(m[1]!) + 1;
    if (lastMonth === 12 && month === 1) year++;
    lastMonth = month;
    const at = utcMillis(KIND_SHORT, line, year, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, m[6]) - offset * 60_000;
    return { iso: m[0], at, rest: line.text.slice(m[0].length + 1) };
  });
}

interface Stamp {
  iso: string;
  at: number;
  rest: string;
}

function read(kind: string, text: string, stamp: (line: Line) => Stamp | undefined): Journal {
  const entries: (JournalEntry & { indent: number })[] = [];
  for (const line of contentLinesOrNone(text)) {
    if (MARKER.test(line.text.trim())) continue;
    const last = entries[entries.length - 1];
    if (/^\s/.test(line.text) && last) {
      // A multi-line message: journalctl indents the lines after the first to where the message began.
      const blank = /^\s*/.exec(line.text)![0].length;
      last.message += `\n${line.text.slice(Math.min(blank, last.indent))}`;
      continue;
    }
    const expected = kind === KIND_ISO ? 'TIMESTAMP HOST IDENT[PID]: MESSAGE (-o short-iso)' : 'MMM DD HH:MM:SS HOST IDENT[PID]: MESSAGE (-o short)';
    const s = stamp(line);
    const rest = s && REST.exec(s.rest);
    if (!s || !rest) throw new ParseError(kind, `cannot read ${quote(line.text)} as "${expected}"`, line.no);
    const message = rest[4] ?? '';
    entries.push({
      at: s.at,
      iso: s.iso,
      host: rest[1]!,
      ident: rest[2]!,
      ...(rest[3] === undefined ? {} : { pid: Number(rest[3]) }),
      message,
      line: line.no,
      indent: line.text.length - message.length,
    });
  }
  return result(kind, Journal, { entries: entries.map(({ indent: _, ...e }) => e) });
}

/** Journal output may be empty: `-q` prints nothing at all when no entry matched. */
function contentLinesOrNone(text: string): Line[] {
  try {
    return contentLines(KIND_ISO, text);
  } catch (e) {
    if (e instanceof ParseError) return [];
    throw e;
  }
}

function utcMillis(kind: string, line: Line, y: number, mo: number, d: number, h: number, mi: number, s: number, frac?: string): number {
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 59) {
    throw new ParseError(kind, `no such time: ${quote(line.text.slice(0, 32))}`, line.no);
  }
  const base = Date.UTC(y, mo - 1, d, h, mi, s);
  return frac ? base + Number(frac.padEnd(9, '0')) / 1e6 : base;
}

/** `+01:00`, `-0330`, `Z` → minutes east of UTC. */
function zoneMinutes(kind: string, line: Line, zone: string): number {
  if (zone === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(-2));
  if (hours > 23 || minutes > 59) throw new ParseError(kind, `no such UTC offset: ${zone}`, line.no);
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
