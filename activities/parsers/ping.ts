import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const Ping = z.object({
  /** The host as given (`pve2`, `10.0.0.12`); null when the output names none. */
  target: z.string().nullable(),
  /** The address pinged, from the PING line. */
  address: z.string().nullable(),
  transmitted: z.number().int(),
  received: z.number().int(),
  /** `+3 errors`: local errors and ICMP errors (unreachable, fragmentation needed). */
  errors: z.number().int(),
  /** `+1 duplicates` */
  duplicates: z.number().int(),
  lossPercent: z.number(),
  /** The first local error as printed after `local error: `, e.g. `message too long, mtu=1500`. */
  localError: z.string().nullable(),
  /**
   * The smallest MTU any error reported: `mtu=1500` of a local error (the packet does not fit
   * the outgoing interface) or `Frag needed and DF set (mtu = 1492)` from a router on the path.
   */
  mtu: z.number().int().nullable(),
  /** Echo replies printed, duplicates not counted. */
  replies: z.number().int(),
  /** The ICMP errors, as printed after `icmp_seq=N`: `Destination Host Unreachable`, `Frag needed and DF set (mtu = 1492)`. */
  icmpErrors: z.array(z.string()),
  /** Round-trip times in ms; null when no reply came. */
  rttMs: z.object({ min: z.number(), avg: z.number(), max: z.number(), mdev: z.number().optional() }).nullable(),
});
export type Ping = z.infer<typeof Ping>;

/** `-D` prefixes every line with `[1595102903.313934]`. */
const STAMP = String.raw`(?:\[\d+(?:\.\d+)?\]\s*)?`;
const PING_LINE = /^PING\s+(\S+?)\s*\(([^)]+)\)/;
const REPLY = new RegExp(`^${STAMP}\\d+ bytes from .*\\b(?:icmp_seq|seq)=\\d+`);
const ICMP_ERROR = new RegExp(`^${STAMP}From \\S+(?: \\([^)]*\\))?:? icmp_seq=\\d+ (.+)$`);
const LOCAL_ERROR = new RegExp(`^${STAMP}(?:ping6?: )?(?:local error|sendto): (.+)$`, 'i');
const STATS_HEADER = /^--- (\S+) ping statistics ---$/;
/** iputils appends `, pipe N` and, when flooding, `, ipg/ewma A/B ms`. */
const RTT = /^(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms(?:, pipe \d+)?(?:, ipg\/ewma [\d.]+\/[\d.]+ ms)?$/;
/** Progress, advice and `-p` pattern lines: nothing the result reports. */
const NOISE = new RegExp(`^(?:${STAMP}no answer yet for icmp_seq=\\d+|Request timeout for icmp_seq \\d+|(?:ping6?: )?warning: .*|PATTERN: 0x[0-9a-f]+|\\^C|,? ?pipe \\d+)$`, 'i');

/** iputils `ping` (s20121221 to 20240905, with `-D`, `-M do`, `-I`) and BusyBox ping. */
export function parsePing(text: string): Ping {
  const kind = 'ping';
  let target: string | null = null;
  let address: string | null = null;
  let localError: string | null = null;
  let stats: { transmitted: number; received: number; errors: number; duplicates: number; lossPercent: number } | undefined;
  let rttMs: Ping['rttMs'] = null;
  let replies = 0;
  const mtus: number[] = [];
  const icmpErrors: string[] = [];
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    let m: RegExpExecArray | null;
    if ((m = PING_LINE.exec(s))) {
      target = m[1]!;
      address = m[2]!;
    } else if (REPLY.test(s)) {
      if (!s.includes('(DUP!)')) replies++;
    } else if ((m = ICMP_ERROR.exec(s))) {
      icmpErrors.push(m[1]!);
      const mtu = /\bmtu = (\d+)/.exec(m[1]!);
      if (mtu) mtus.push(Number(mtu[1]));
    } else if ((m = LOCAL_ERROR.exec(s))) {
      localError ??= m[1]!;
      const mtu = /\bmtu=(\d+)/.exec(m[1]!);
      if (mtu) mtus.push(Number(mtu[1]));
    } else if ((m = STATS_HEADER.exec(s))) {
      target ??= m[1]!;
    } else if (/^\d+ packets transmitted\b/.test(s)) {
      stats = readStats(kind, line.no, s);
    } else if ((m = RTT.exec(s))) {
      rttMs = { min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]), ...(m[4] ? { mdev: Number(m[4]) } : {}) };
    } else if (!NOISE.test(s)) {
      throw new ParseError(kind, `cannot read ${quote(s)}`, line.no);
    }
  }
  if (!stats) throw new ParseError(kind, 'no "N packets transmitted" statistics line (is the output cut short?)');
  return result(kind, Ping, {
    target,
    address,
    ...stats,
    localError,
    mtu: mtus.length > 0 ? Math.min(...mtus) : null,
    replies,
    icmpErrors,
    rttMs,
  });
}

/** `3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2014ms` (BusyBox: `3 packets received`). */
function readStats(kind: string, lineNo: number, s: string) {
  const stats = { transmitted: 0, received: 0, errors: 0, duplicates: 0, lossPercent: NaN };
  for (const part of s.split(/,\s*/)) {
    let m: RegExpExecArray | null;
    if ((m = /^(\d+) packets transmitted$/.exec(part))) stats.transmitted = Number(m[1]);
    else if ((m = /^(\d+) (?:packets )?received$/.exec(part))) stats.received = Number(m[1]);
    else if ((m = /^\+(\d+) errors?$/.exec(part))) stats.errors = Number(m[1]);
    else if ((m = /^\+(\d+) duplicates?$/.exec(part))) stats.duplicates = Number(m[1]);
    else if ((m = /^(\d+(?:\.\d+)?)% packet loss$/.exec(part))) stats.lossPercent = Number(m[1]);
    else if (!/^(?:\+\d+ corrupted|time \d+ms|pipe \d+)$/.test(part)) {
      throw new ParseError(kind, `cannot read ${quote(part)} in the statistics line`, lineNo);
    }
  }
  if (Number.isNaN(stats.lossPercent)) throw new ParseError(kind, 'the statistics line has no "% packet loss"', lineNo);
  return stats;
}
