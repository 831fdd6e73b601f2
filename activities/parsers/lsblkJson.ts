import { z } from 'zod';
import { result } from './result';
import { check, jsonError, readJsonDoc, type JsonDoc } from './json';

export interface LsblkDevice {
  name: string;
  path: string | null;
  type: string;
  sizeBytes: number | null;
  size: string | null;
  rotational: boolean | null;
  fstype: string | null;
  mountpoint: string | null;
  mountpoints: string[];
  model: string | null;
  children: LsblkDevice[];
}

const Device: z.ZodType<LsblkDevice> = z.object({
  /** NAME as printed: `sda`, `vgtest-lvtest`; a path with `lsblk -p`. */
  name: z.string(),
  /** PATH (`/dev/sda`); NAME when it already is a path (`-p`); null when neither says. */
  path: z.string().nullable(),
  /** disk | part | lvm | raid1 | raid5 | loop | rom ...; "" when TYPE was not asked for. */
  type: z.string(),
  /** Bytes, when SIZE was printed as a byte count (`-b`); null for `4T` or when SIZE was not asked for. */
  sizeBytes: z.number().nullable(),
  /** SIZE as printed: `"4000787030016"`, `"223.6G"`. */
  size: z.string().nullable(),
  /** ROTA: true for spinning disks; older util-linux prints "1"/"0". Null when ROTA was not asked for. */
  rotational: z.boolean().nullable(),
  fstype: z.string().nullable(),
  /** MOUNTPOINT, or the first of MOUNTPOINTS (util-linux 2.37+). */
  mountpoint: z.string().nullable(),
  /** Every mount point (MOUNTPOINTS), or the one MOUNTPOINT. */
  mountpoints: z.array(z.string()),
  /** MODEL without lsblk's padding. */
  model: z.string().nullable(),
  /** Partitions and holders (LVs, md arrays); an md array appears under each of its members. */
  get children() {
    return z.array(Device);
  },
});

export const LsblkJson = z.object({ devices: z.array(Device) });
export type LsblkJson = z.infer<typeof LsblkJson>;

const nullableText = z.string().nullable().optional();
const Raw = z.looseObject({
  name: nullableText,
  path: nullableText,
  type: nullableText,
  size: z.union([z.number(), z.string()]).nullable().optional(),
  rota: z.union([z.boolean(), z.literal('0'), z.literal('1')]).nullable().optional(),
  fstype: nullableText,
  mountpoint: nullableText,
  mountpoints: z.array(z.string().nullable()).optional(),
  model: nullableText,
  children: z.array(z.unknown()).optional(),
});
const Input = z.object({ blockdevices: z.array(z.unknown()) });

/**
 * `lsblk -J [-b] [-p] -o COLUMNS`: any column subset, util-linux 2.27+ (all values strings
 * before 2.33, numbers and booleans after; MOUNTPOINTS from 2.37).
 */
export function parseLsblkJson(text: string): LsblkJson {
  const kind = 'lsblk-json';
  const doc = readJsonDoc(kind, text);
  const input = check(kind, doc, Input);
  return result(kind, LsblkJson, { devices: input.blockdevices.map((d, i) => readDevice(kind, doc, d, ['blockdevices', i])) });
}

function readDevice(kind: string, doc: JsonDoc, value: unknown, path: PropertyKey[]): LsblkDevice {
  const d = check(kind, doc, Raw, value, path);
  const devPath = d.path ?? (d.name?.startsWith('/') ? d.name : null);
  const name = d.name ?? devPath?.split('/').pop();
  if (!name) throw jsonError(kind, doc, path, 'a device with neither NAME nor PATH');
  const size = d.size ?? null;
  const mountpoints = d.mountpoints ? d.mountpoints.filter((m): m is string => !!m) : d.mountpoint ? [d.mountpoint] : [];
  return {
    name,
    path: devPath,
    type: d.type ?? '',
    sizeBytes: typeof size === 'number' ? size : size !== null && /^\d+$/.test(size) ? Number(size) : null,
    size: size === null ? null : String(size),
    rotational: d.rota === undefined || d.rota === null ? null : d.rota === true || d.rota === '1',
    fstype: d.fstype || null,
    mountpoint: d.mountpoint || mountpoints[0] || null,
    mountpoints,
    model: d.model?.trim() || null,
    children: (d.children ?? []).map((c, i) => readDevice(kind, doc, c, [...path, 'children', i])),
  };
}

/** A device met while walking the tree, with the device it sits under (null at the top). */
export type LsblkEntry = LsblkDevice & { parent: string | null };

/**
 * Every device of the tree, depth first, each with its parent's name. A holder with several
 * members (md0 on sda1 and sdb1) appears once under each, as lsblk prints it.
 */
export function flattenLsblk(devices: LsblkDevice[], parent: string | null = null): LsblkEntry[] {
  return devices.flatMap((d) => [{ ...d, parent }, ...flattenLsblk(d.children, d.name)]);
}
