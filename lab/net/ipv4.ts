/** IPv4 helpers over dotted quads and CIDRs. */

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export interface Cidr {
  address: string;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text);
  if (!m || ipToInt(m[1] as string) === undefined || Number(m[2]) > 32) return undefined;
  return { address: m[1] as string, prefix: Number(m[2]) };
}

export function inSubnet(ip: string, cidr: Cidr): boolean {
  const a = ipToInt(ip);
  const b = ipToInt(cidr.address);
  if (a === undefined || b === undefined) return false;
  const size = 2 ** (32 - cidr.prefix);
  return Math.floor(a / size) === Math.floor(b / size);
}

export function network(cidr: Cidr): string {
  const size = 2 ** (32 - cidr.prefix);
  return `${intToIp(Math.floor((ipToInt(cidr.address) as number) / size) * size)}/${cidr.prefix}`;
}
