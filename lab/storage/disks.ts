/** A disk's hardware as a test may override it: size and whether it spins. */
export interface DiskOverride {
  sizeBytes?: number;
  rotational?: boolean;
}

/** Per disk name (`sda`, `nvme1n1`): an override, or null for a disk the node does not have. */
export type DiskOverrides = Record<string, DiskOverride | null>;

export interface DiskSpec {
  name: string;
  sizeBytes: number;
  rotational: boolean;
  model: string;
  serial: string;
  /** Kernel device numbers, as lsblk's MAJ:MIN and mdadm --detail's member table show them. */
  major: number;
  minor: number;
}

const HDD_BYTES = 4000787030016;
const NVME_DB_BYTES = 960197124096;
const NVME_OS_BYTES = 500107862016;

/** The reference deployment's hardware: an OS NVMe, an empty NVMe for the BlueStore DB, four 4 TB HDDs. */
const DEFAULTS: readonly Omit<DiskSpec, 'serial' | 'major' | 'minor'>[] = [
  { name: 'nvme0n1', sizeBytes: NVME_OS_BYTES, rotational: false, model: 'Samsung SSD 980 PRO 500GB' },
  { name: 'nvme1n1', sizeBytes: NVME_DB_BYTES, rotational: false, model: 'SAMSUNG MZQL2960HCJR-00A07' },
  { name: 'sda', sizeBytes: HDD_BYTES, rotational: true, model: 'ST4000NM000A-2HZ100' },
  { name: 'sdb', sizeBytes: HDD_BYTES, rotational: true, model: 'ST4000NM000A-2HZ100' },
  { name: 'sdc', sizeBytes: HDD_BYTES, rotational: true, model: 'ST4000NM000A-2HZ100' },
  { name: 'sdd', sizeBytes: HDD_BYTES, rotational: true, model: 'ST4000NM000A-2HZ100' },
];

const DISK_NAME = /^(sd[a-z]{1,2}|nvme\d+n\d+|vd[a-z])$/;

/** The disks of one node: the defaults with the test's overrides applied (extra names add disks). */
export function nodeDisks(node: string, overrides: DiskOverrides = {}): DiskSpec[] {
  for (const name of Object.keys(overrides))
    if (!DISK_NAME.test(name)) throw new Error(`${node}: cannot model disk '${name}' (sdX, vdX or nvmeXnY)`);
  const names = [...DEFAULTS.map((d) => d.name), ...Object.keys(overrides).filter((n) => !DEFAULTS.some((d) => d.name === n))];
  const disks: DiskSpec[] = [];
  let nvmeMinor = 0;
  for (const name of names.sort(byKernelOrder)) {
    const base = DEFAULTS.find((d) => d.name === name) ?? {
      name,
      sizeBytes: name.startsWith('nvme') ? NVME_DB_BYTES : HDD_BYTES,
      rotational: !name.startsWith('nvme'),
      model: name.startsWith('nvme') ? 'SAMSUNG MZQL2960HCJR-00A07' : 'ST4000NM000A-2HZ100',
    };
    const override = overrides[name];
    if (override === null) continue;
    const sizeBytes = override?.sizeBytes ?? base.sizeBytes;
    if (!Number.isInteger(sizeBytes) || sizeBytes < 1024 * 1024 || sizeBytes % 512 !== 0)
      throw new Error(`${node}: ${name} must be a whole number of 512-byte sectors, at least 1 MiB (got ${sizeBytes})`);
    const numbers = deviceNumbers(name, () => {
      // NVMe namespaces and their partitions share major 259, numbered as the kernel finds them.
      const minor = nvmeMinor;
      nvmeMinor += name === 'nvme0n1' ? 4 : 1;
      return minor;
    });
    disks.push({
      ...base,
      sizeBytes,
      rotational: override?.rotational ?? base.rotational,
      serial: serialOf(base.model, node, name),
      ...numbers,
    });
  }
  return disks;
}

function byKernelOrder(a: string, b: string): number {
  const rank = (n: string) => (n.startsWith('sd') ? 0 : n.startsWith('nvme') ? 1 : 2);
  return rank(a) - rank(b) || a.length - b.length || a.localeCompare(b);
}

function deviceNumbers(name: string, nextNvme: () => number): { major: number; minor: number } {
  const sd = /^sd([a-z]+)$/.exec(name);
  if (sd) {
    const letters = sd[1] as string;
    const idx = letters.length === 1 ? letters.charCodeAt(0) - 97 : 26 * (letters.charCodeAt(0) - 96) + letters.charCodeAt(1) - 97;
    // sd majors: 8 for the first 16 disks, then 65.. (16 disks each), 16 minors per disk.
    const major = idx < 16 ? 8 : 65 + Math.floor((idx - 16) / 16);
    return { major, minor: (idx % 16) * 16 };
  }
  const vd = /^vd([a-z])$/.exec(name);
  if (vd) return { major: 254, minor: ((vd[1] as string).charCodeAt(0) - 97) * 16 };
  return { major: 259, minor: nextNvme() };
}

/** A stable serial per node and disk, shaped like the vendor's. */
function serialOf(model: string, node: string, name: string): string {
  let h = 2166136261;
  for (const ch of `${node}/${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const tail = h.toString(36).toUpperCase().padStart(7, '0').slice(-7);
  return model.startsWith('ST') ? `ZTT${tail.slice(0, 5)}` : `S64HNE0R${tail}`;
}
