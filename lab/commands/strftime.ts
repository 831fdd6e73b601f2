const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A lab instant: epoch milliseconds plus the sub-millisecond part `%N` needs. */
export interface Instant {
  ms: number;
  nanosWithinMs: number;
}

const pad = (n: number, width: number, fill = '0') => String(n).padStart(width, fill);

/**
 * GNU date's conversions in UTC (nodes run on Etc/UTC), including the `-`, `_` and `0` padding
 * flags and `%:z`.
 */
export function strftime(format: string, at: Instant): string {
  const d = new Date(Math.floor(at.ms));
  const Y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  const H = d.getUTCHours();
  const M = d.getUTCMinutes();
  const S = d.getUTCSeconds();
  const w = d.getUTCDay();
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  const nanos = (Math.floor(at.ms) - Math.floor(at.ms / 1000) * 1000) * 1_000_000 + at.nanosWithinMs;
  const h12 = H % 12 === 0 ? 12 : H % 12;

  const numeric: Record<string, [number, number, string]> = {
    C: [Math.floor(Y / 100), 2, '0'],
    d: [day, 2, '0'],
    e: [day, 2, ' '],
    H: [H, 2, '0'],
    I: [h12, 2, '0'],
    j: [yday, 3, '0'],
    k: [H, 2, ' '],
    l: [h12, 2, ' '],
    m: [m + 1, 2, '0'],
    M: [M, 2, '0'],
    S: [S, 2, '0'],
    u: [w === 0 ? 7 : w, 1, '0'],
    w: [w, 1, '0'],
    y: [Y % 100, 2, '0'],
    Y: [Y, 1, '0'],
  };
  const text: Record<string, () => string> = {
    a: () => (DAYS[w] as string).slice(0, 3),
    A: () => DAYS[w] as string,
    b: () => (MONTHS[m] as string).slice(0, 3),
    h: () => (MONTHS[m] as string).slice(0, 3),
    B: () => MONTHS[m] as string,
    c: () => strftime('%a %b %e %H:%M:%S %Y', at),
    D: () => strftime('%m/%d/%y', at),
    F: () => strftime('%Y-%m-%d', at),
    n: () => '\n',
    N: () => pad(nanos, 9),
    p: () => (H < 12 ? 'AM' : 'PM'),
    P: () => (H < 12 ? 'am' : 'pm'),
    r: () => strftime('%I:%M:%S %p', at),
    R: () => strftime('%H:%M', at),
    s: () => String(Math.floor(at.ms / 1000)),
    t: () => '\t',
    T: () => strftime('%H:%M:%S', at),
    x: () => strftime('%m/%d/%y', at),
    X: () => strftime('%H:%M:%S', at),
    z: () => '+0000',
    Z: () => 'UTC',
    '%': () => '%',
  };

  return format.replace(/%([-_0]?)(:?)([a-zA-Z%])/g, (whole, flag: string, colon: string, conv: string) => {
    if (colon) return conv === 'z' ? '+00:00' : whole;
    const num = numeric[conv];
    if (num) {
      const [value, width, fill] = num;
      if (flag === '-') return String(value);
      return pad(value, width, flag === '_' ? ' ' : flag === '0' ? '0' : fill);
    }
    return text[conv]?.() ?? whole;
  });
}
