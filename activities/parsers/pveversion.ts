import { z } from 'zod';

export const PveVersion = z.object({
  manager: z.string(),
  major: z.number().int(),
  minor: z.number().int(),
  kernel: z.string().optional(),
});
export type PveVersion = z.infer<typeof PveVersion>;

/**
 * `pveversion` prints one line, `pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-10-pve)`;
 * `pveversion -v` starts with `proxmox-ve: ...` then `pve-manager: 8.4.1 (running version: 8.4.1/...)`.
 * Both are accepted.
 */
export function parsePveversion(text: string): PveVersion {
  const short = /pve-manager\/(\d+)\.(\d+)(?:\.[\w.~+-]+)?\/[0-9a-f]+(?:\s+\(running kernel:\s*([^)\s]+)\))?/.exec(text);
  const long = /^pve-manager:\s*((\d+)\.(\d+)[\w.~+-]*)/m.exec(text);
  const kernelLong = /^proxmox-ve:\s*\S+\s+\(running kernel:\s*([^)\s]+)\)/m.exec(text);
  if (short) {
    const manager = /pve-manager\/([^/]+)\//.exec(short[0])![1];
    return PveVersion.parse({ manager, major: Number(short[1]), minor: Number(short[2]), kernel: short[3] });
  }
  if (long) {
    return PveVersion.parse({ manager: long[1], major: Number(long[2]), minor: Number(long[3]), kernel: kernelLong?.[1] });
  }
  throw new Error(`pveversion: unrecognized output: ${JSON.stringify(text.trim().split('\n')[0] ?? '')}`);
}
