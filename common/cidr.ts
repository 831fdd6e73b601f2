/**
 * IPv4 and IPv6 addresses and prefixes as numbers, so membership and equality do not depend on
 * how an address is written (`fd00::1` and `fd00:0::0001` are one address). Pure: workflows import it.
 */

export type IpFamily = 4 | 6;

export interface Ip {
  family: IpFamily;
  bits: bigint;
}

/** An address with a prefix length: a network (`10.0.0.0/24`) or an interface address (`10.0.0.11/24`). */
export interface Prefixed {
  ip: Ip;
  prefix: number;
}

const WIDTH: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

/** No leading zeros: `010` is octal to some parsers and decimal to others. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function parseIp(text: string): Ip | undefined {
  if (IPV4_RE.test(text)) return { family: 4, bits: ipv4Bits(text) };
  const bits = ipv6Bits(text);
  return bits === undefined ? undefined : { family: 6, bits };
}

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Bits(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const head = groups[0] ?? [];
  const tail = groups[1] ?? [];
  const words: bigint[] = [];
  const read = (parts: string[], last: boolean): boolean => {
    for (const [i, part] of parts.entries()) {
      if (last && i === parts.length - 1 && IPV4_RE.test(part)) {
        const v4 = ipv4Bits(part);
        words.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) words.push(BigInt(`0x${part}`));
      else return false;
    }
    return true;
  };
  const compressed = halves.length === 2;
  if (!read(head, !compressed)) return undefined;
  const headWords = words.length;
  if (!read(tail, true)) return undefined;
  const missing = 8 - words.length;
  if (compressed ? missing < 1 : missing !== 0) return undefined;
  const all = [...words.slice(0, headWords), ...Array<bigint>(missing).fill(0n), ...words.slice(headWords)];
  return all.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/** The canonical text: dotted quad, or RFC 5952 for IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.bits >> s) & 0xffn)).join('.');
  const words = Array.from({ length: 8 }, (_, i) => (ip.bits >> BigInt((7 - i) * 16)) & 0xffffn);
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0n) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/** `IP/PREFIX`, host bits allowed; the prefix is decimal without leading zeros and fits the family. */
export function parsePrefixed(text: string): Prefixed | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const ip = parseIp(m[1] ?? '');
  const prefix = Number(m[2]);
  return ip && prefix <= WIDTH[ip.family] ? { ip, prefix } : undefined;
}

export function formatPrefixed(p: Prefixed): string {
  return `${formatIp(p.ip)}/${p.prefix}`;
}

function mask(family: IpFamily, prefix: number): bigint {
  const width = BigInt(WIDTH[family]);
  return ((1n << width) - 1n) ^ ((1n << (width - BigInt(prefix))) - 1n);
}

/** The network a prefixed address belongs to: host bits cleared. */
export function networkOf(p: Prefixed): Prefixed {
  return { ip: { family: p.ip.family, bits: p.ip.bits & mask(p.ip.family, p.prefix) }, prefix: p.prefix };
}

/** True when no host bit is set: `10.0.0.0/24` is a network, `10.0.0.5/24` is an address in one. */
export function isNetwork(p: Prefixed): boolean {
  return networkOf(p).ip.bits === p.ip.bits;
}

export function contains(network: Prefixed, ip: Ip): boolean {
  if (network.ip.family !== ip.family) return false;
  const m = mask(ip.family, network.prefix);
  return (network.ip.bits & m) === (ip.bits & m);
}

export function sameIp(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.bits === b.bits;
}

/**
 * IPv4 addresses an interface cannot hold in this network: the network address and the broadcast
 * address (none for /31 and /32, RFC 3021). IPv6 has no broadcast; its subnet-router anycast
 * address (all host bits zero) is likewise not a host's.
 */
export function isReservedInNetwork(network: Prefixed, ip: Ip): boolean {
  if (!contains(network, ip)) return false;
  const width = WIDTH[ip.family];
  if (ip.family === 4 && network.prefix >= 31) return false;
  if (ip.family === 6 && network.prefix === width) return false;
  const hostMask = (1n << BigInt(width - network.prefix)) - 1n;
  const host = ip.bits & hostMask;
  return host === 0n || (ip.family === 4 && host === hostMask);
}
