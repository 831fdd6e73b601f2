import { GiB, SECTOR, partitionName, type FsType, type Partition, type Signature } from './blocks';
import { nodeDisks, type DiskOverrides, type DiskSpec } from './disks';
import { fsUuid, lvmUuid, mdUuid, vfatId } from './ids';
import {
  EXTENT_BYTES,
  allocate,
  dmName,
  freeExtents,
  invalidName,
  peCountOf,
  splitDmName,
  type LvRecord,
  type VgRecord,
} from './lvm';
import { CHUNK_KIB, MdArray, dataOffsetSectors, type MdMember } from './md';

export interface LogicalVolume {
  vg: string;
  name: string;
  /** `/dev/VG/LV`. */
  path: string;
  sizeBytes: number;
  tags: string[];
  /** Paths of the PVs it lies on (`/dev/md0`). */
  devices: string[];
}

export type BlockType = 'disk' | 'part' | 'raid0' | 'raid1' | 'raid5' | 'raid6' | 'raid10' | 'lvm';

/** One block device as the kernel shows it. */
export interface BlockDevice {
  /** Kernel name: `sda`, `nvme0n1p3`, `md0`, `dm-6`. */
  name: string;
  /** What lsblk's PATH shows: `/dev/sda`, `/dev/md0`, `/dev/mapper/ceph--raid-osd--block`. */
  path: string;
  type: BlockType;
  sizeBytes: number;
  rotational: boolean;
  readOnly: boolean;
  major: number;
  minor: number;
  model?: string;
  serial?: string;
  sig?: Signature;
}

/** A block device and what sits on it, as lsblk draws it (an md array under each member). */
export interface BlockNode extends BlockDevice {
  /** The dm name of an LV (`pve-root`), the kernel name otherwise: lsblk's NAME. */
  displayName: string;
  children: BlockNode[];
}

/** Thrown with the real tool's message (without LVM's two-space indent or mdadm's prefix choices). */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 5,
    /** Lines the tool printed on stdout before failing. */
    readonly stdout = '',
  ) {
    super(message);
  }
}

export interface NodeStorageOptions {
  /** Hostname: md arrays are named `HOST:N`. */
  node: string;
  now(): number;
  disks?: DiskOverrides;
  /** md resync/recovery speed in KiB/s of lab time per member; default 175000 (an HDD's sequential rate). */
  syncSpeedKiBs?: number;
}

interface Disk {
  spec: DiskSpec;
  partitions: Partition[];
  sig?: Signature;
}

type Dev =
  | { kind: 'disk'; disk: Disk }
  | { kind: 'part'; disk: Disk; part: Partition }
  | { kind: 'md'; array: MdArray }
  | { kind: 'lv'; vg: VgRecord; lv: LvRecord };

const DM_MAJOR = 252;
const MD_MAJOR = 9;
const GPT_BIOS_BOOT = '21686148-6449-6e6f-744e-656564454649';
const GPT_ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
const GPT_LVM = 'e6d6d379-f507-44c2-a23c-238f2a3df928';

/**
 * A node's disks and what is built on them: partitions, md arrays, LVM. One model per node, kept
 * in the node object so it survives power cycles; commands (lsblk, wipefs, mdadm, the LVM tools)
 * and other parts of the twin (ceph-volume) read and change it through this class.
 */
export class NodeStorage {
  readonly node: string;
  private readonly disks: Disk[];
  private readonly mdArrays: MdArray[] = [];
  private readonly vgRecords = new Map<string, VgRecord>();
  private readonly claims = new Map<string, string>();
  private readonly now: () => number;
  private nextDmMinor = 0;
  private speed: number;
  private running = true;
  private readonly loaded = new Set<string>();

  constructor(opts: NodeStorageOptions) {
    this.node = opts.node;
    this.now = opts.now;
    this.speed = opts.syncSpeedKiBs ?? 175000;
    this.disks = nodeDisks(opts.node, opts.disks).map((spec) => ({ spec, partitions: [] }));
    const os = this.disks.find((d) => d.spec.name === 'nvme0n1');
    if (os) this.installPve(os);
  }

  // ---- the contract other parts of the twin use ----

  blockDevice(path: string): (BlockDevice & { path: string; sizeBytes: number }) | undefined {
    const dev = this.resolve(path);
    if (!dev) return undefined;
    return { ...this.describe(dev), path: normalizeDevPath(path) };
  }

  lv(vg: string, name: string): LogicalVolume | undefined {
    const rec = this.vgRecords.get(vg);
    const lv = rec?.lvs.find((l) => l.name === name);
    return rec && lv ? this.logicalVolume(rec, lv) : undefined;
  }

  lvs(): LogicalVolume[] {
    return [...this.vgRecords.values()].flatMap((vg) => vg.lvs.map((lv) => this.logicalVolume(vg, lv)));
  }

  /** `vgcreate --yes NAME PV...`: labels the devices as PVs (wiping filesystem signatures) and makes the VG. */
  createVg(name: string, pvPaths: string[]): void {
    this.vgcreate(name, pvPaths, { yes: true });
  }

  /** The VG, its LVs and its PVs' labels, as `ceph-volume lvm zap --destroy` leaves them: gone. */
  removeVg(name: string): void {
    const vg = this.vgRecords.get(name);
    if (!vg) throw new StorageError(`Volume group "${name}" not found`);
    const pvPaths = vg.pvs.map((pv) => this.pvDevice(pv.uuid)).filter((d): d is Dev => d !== undefined);
    this.vgremove(name, { yes: true });
    for (const dev of pvPaths) this.setSig(dev, undefined);
  }

  createLv(vg: string, name: string, size: number | 'all'): LogicalVolume {
    const rec = this.lvcreate(vg, name, size === 'all' ? { percentFree: 100 } : { bytes: size }, []);
    return this.logicalVolume(this.vgRecords.get(vg) as VgRecord, rec);
  }

  removeLv(vg: string, name: string): void {
    this.lvremove(vg, name);
  }

  setLvTags(vg: string, name: string, add: string[], del: string[] = []): void {
    const lv = this.findLv(vg, name);
    for (const tag of [...add, ...del]) if (!/^[A-Za-z0-9_+.\-/=!:&#]+$/.test(tag)) throw new StorageError(`Invalid argument for --addtag: ${tag}`, 3);
    lv.tags = [...lv.tags.filter((t) => !del.includes(t)), ...add.filter((t) => !lv.tags.includes(t))];
    (this.vgRecords.get(vg) as VgRecord).seqno += 1;
  }

  /**
   * Why the device is not free for a new use, or undefined: held open (an md array, active LVs, a
   * mount, a claim), a partition table, or a PV label of a VG.
   */
  holder(path: string): string | undefined {
    const dev = this.resolve(path);
    if (!dev) return undefined;
    const busy = this.holderOf(dev);
    if (busy) return busy;
    if (dev.kind === 'disk' && dev.disk.partitions.length > 0) return 'partitions';
    const sig = this.sigOf(dev);
    const vg = sig?.type === 'LVM2_member' ? this.vgOfPv(sig.uuid) : undefined;
    return vg ? `VG ${vg.name}` : undefined;
  }

  /** Why an exclusive open of the device fails (what wipefs, mdadm and pvcreate run into), or undefined. */
  openExclusive(path: string): string | undefined {
    const dev = this.resolve(path);
    return dev ? this.holderOf(dev) : undefined;
  }

  // ---- more for the twin and tests ----

  /** A process keeps the device open (a running OSD on its LV): it is busy until released. */
  claim(path: string, by: string): void {
    const dev = this.mustResolve(path);
    this.claims.set(this.describe(dev).name, by);
  }

  release(path: string): void {
    const dev = this.resolve(path);
    if (dev) this.claims.delete(this.describe(dev).name);
  }

  /** Writes (or with undefined, wipes) a filesystem signature, as mkfs or ceph-osd --mkfs would. */
  setFsType(path: string, fstype: FsType | undefined, label?: string): void {
    const dev = this.mustResolve(path);
    this.setSig(dev, fstype ? { type: fstype, uuid: fstype === 'vfat' ? vfatId() : fsUuid(), ...(label ? { label } : {}) } : undefined);
  }

  /** Every block device, the tree lsblk shows (disks at the top). */
  tree(): BlockNode[] {
    this.tick();
    return this.disks.map((d) => this.node_({ kind: 'disk', disk: d }));
  }

  /** Every block device as a flat list, disks first, then partitions, arrays and LVs. */
  devices(): BlockDevice[] {
    this.tick();
    return this.allDevs().map((d) => this.describe(d));
  }

  signature(path: string): Signature | undefined {
    const dev = this.resolve(path);
    return dev ? this.sigOf(dev) : undefined;
  }

  /** `wipefs -a`: every signature on the device erased (a partition table takes its partitions with it). */
  wipe(path: string): Signature | undefined {
    const dev = this.mustResolve(path);
    const busy = this.holderOf(dev);
    if (busy) throw new StorageError(`${normalizeDevPath(path)}: probing initialization failed: Device or resource busy`, 1);
    const sig = this.sigOf(dev);
    this.setSig(dev, undefined);
    return sig;
  }

  // ---- md ----

  get syncSpeedKiBs(): number {
    return this.speed;
  }

  /** md's resync/recovery speed in KiB/s of lab time; progress so far is kept. */
  setSyncSpeed(kibPerSecond: number): void {
    if (!(kibPerSecond > 0)) throw new RangeError(`sync speed must be positive, got ${kibPerSecond}`);
    const now = this.now();
    for (const a of this.mdArrays) {
      if (!a.sync || a.sync.paused) continue;
      a.sync = { ...a.sync, doneKiB: a.syncDoneKiB(now, this.speed), at: now };
    }
    this.speed = kibPerSecond;
  }

  /** KiB per member the array's resync or recovery has done now. */
  syncDoneKiB(array: MdArray): number {
    return array.syncDoneKiB(this.now(), this.speed);
  }

  /** The RAID personalities the kernel has loaded (/proc/mdstat's first line). */
  personalities(): string[] {
    return [...this.loaded];
  }

  /** Arrays known from superblocks, running or stopped (ground truth for tests). */
  arrays(): MdArray[] {
    this.tick();
    return [...this.mdArrays];
  }

  array(nameOrPath: string): MdArray | undefined {
    this.tick();
    const name = mdNameOf(nameOrPath);
    return this.mdArrays.find((a) => a.name === name);
  }

  /** Marks a member faulty, as `mdadm --fail` or a dying disk would. */
  failMember(arrayPath: string, memberPath: string): void {
    this.mdFail(arrayPath, memberPath);
  }

  /** Kernel name and size of the device a path names, for command output. */
  deviceName(path: string): string | undefined {
    const dev = this.resolve(path);
    return dev ? this.describe(dev).name : undefined;
  }

  /** Creates an array from whole devices; the caller (mdadm) has already checked and confirmed. */
  mdCreate(opts: { name: string; level: number; raidDevices: number; devices: string[]; force: boolean; assumeClean?: boolean; bitmap: boolean; label: string }): MdArray {
    const now = this.now();
    const devs = opts.devices.map((p) => this.mustResolve(p));
    const sectors = Math.min(...devs.map((d) => this.describe(d).sizeBytes / SECTOR));
    const offset = dataOffsetSectors(sectors, opts.bitmap);
    const round = [0, 4, 5, 6, 10].includes(opts.level) ? CHUNK_KIB : 64;
    const devSizeKiB = Math.floor((sectors - offset) / 2 / round) * round;
    const uuid = mdUuid();
    // A new RAID5 starts degraded and rebuilds its last slot, unless --force asks for a full resync.
    const recovering = (opts.level === 4 || opts.level === 5) && !opts.force && !opts.assumeClean && opts.raidDevices > 1;
    const members: MdMember[] = devs.map((d, i) => {
      const name = this.describe(d).name;
      if (recovering && i === opts.raidDevices - 1) return { dev: name, number: opts.raidDevices, state: 'spare' };
      return { dev: name, number: i, slot: i, state: 'in_sync' };
    });
    this.loadPersonality(opts.level);
    const array = new MdArray(uuid, opts.label, opts.level, opts.raidDevices, devSizeKiB, offset, opts.bitmap, now, members);
    array.name = opts.name;
    for (const d of devs) this.setSig(d, { type: 'linux_raid_member', array: uuid, label: opts.label, devUuid: mdUuid() });
    this.mdArrays.push(array);
    if (recovering) array.startRecoveryIfNeeded(now);
    else if (opts.level !== 0 && !opts.assumeClean) {
      array.sync = { kind: 'resync', doneKiB: 0, at: now, paused: false };
      array.touch(now);
    }
    array.touch(now);
    return array;
  }

  /** raid456.ko registers raid6, raid5 and raid4 together. */
  private loadPersonality(level: number): void {
    for (const p of level >= 4 && level <= 6 ? ['raid6', 'raid5', 'raid4'] : [`raid${level}`]) this.loaded.add(p);
  }

  mdStop(nameOrPath: string): void {
    const array = this.mustArray(nameOrPath);
    const busy = this.holderOf({ kind: 'md', array });
    if (busy) throw new StorageError(`mdadm: Cannot get exclusive access to /dev/${array.name}:Perhaps a running process, mounted filesystem or active volume group?\n`, 1);
    array.pause(this.now(), this.speed);
    array.touch(this.now());
    array.name = undefined;
  }

  mdFail(arrayPath: string, memberPath: string): MdMember {
    const array = this.mustArray(arrayPath);
    const member = this.memberOf(array, memberPath);
    const now = this.now();
    if (member.state === 'faulty') return member;
    member.frozen = { events: array.events, updatedAt: array.updatedAt, arrayState: array.arrayState(), slot: member.slot };
    if (array.sync && member.state === 'rebuilding') array.sync = undefined;
    member.state = 'faulty';
    member.slot = undefined;
    // A resync cannot go on without every member, nor anything once redundancy is gone.
    if ((array.sync?.kind === 'resync' && array.degraded) || array.failed) array.sync = undefined;
    array.touch(now);
    array.startRecoveryIfNeeded(now);
    return member;
  }

  mdRemove(arrayPath: string, memberPath: string): void {
    const array = this.mustArray(arrayPath);
    const member = this.memberOf(array, memberPath);
    if (member.state === 'in_sync' || member.state === 'rebuilding')
      throw new StorageError(`mdadm: hot remove failed for ${normalizeDevPath(memberPath)}: Device or resource busy\n`, 1);
    array.members = array.members.filter((m) => m !== member);
    array.removed = [...array.removed.filter((m) => m.dev !== member.dev), member];
    array.touch(this.now());
  }

  /**
   * Adds a device as a spare (a degraded array starts rebuilding onto it). A member that failed
   * and was removed comes back with its old role at once when the bitmap says nothing changed.
   */
  mdAdd(arrayPath: string, memberPath: string): 'added' | 're-added' {
    const array = this.mustArray(arrayPath);
    const dev = this.mustResolve(memberPath);
    const name = this.describe(dev).name;
    const sig = this.sigOf(dev);
    const now = this.now();
    const prior = array.removed.find((m) => m.dev === name);
    array.removed = array.removed.filter((m) => m !== prior);
    const slot = prior?.frozen?.slot;
    const slotFree = slot !== undefined && !array.members.some((m) => m.slot === slot);
    if (sig?.type === 'linux_raid_member' && sig.array === array.uuid && array.bitmap && slotFree && !array.sync && prior) {
      array.members.push({ dev: name, number: prior.number, slot, state: 'in_sync' });
      array.touch(now);
      return 're-added';
    }
    const number = Math.max(array.raidDisks - 1, ...array.members.map((m) => m.number)) + 1;
    this.setSig(dev, { type: 'linux_raid_member', array: array.uuid, label: array.label, devUuid: mdUuid() });
    array.members.push({ dev: name, number, state: 'spare' });
    array.touch(now);
    array.startRecoveryIfNeeded(now);
    return 'added';
  }

  /** Assembles stopped arrays: names from mdadm.conf's ARRAY lines by UUID, the others md127 downwards. */
  mdAssemble(conf: string): MdArray[] {
    const named = parseMdadmConf(conf);
    const started: MdArray[] = [];
    const now = this.now();
    for (const array of this.mdArrays) {
      if (array.name) continue;
      const present = array.members.filter((m) => {
        const d = this.resolve(`/dev/${m.dev}`);
        const sig = d && this.sigOf(d);
        return sig?.type === 'linux_raid_member' && sig.array === array.uuid;
      });
      array.members = present.filter((m) => m.state !== 'faulty');
      if (array.members.length === 0) continue;
      array.name = named.get(array.uuid) ?? this.freeMdName();
      this.loadPersonality(array.level);
      array.resume(now);
      array.startRecoveryIfNeeded(now);
      array.touch(now);
      started.push(array);
    }
    return started;
  }

  /** `mdadm --zero-superblock`: the member forgets its array. */
  mdZeroSuperblock(path: string): void {
    const dev = this.mustResolve(path);
    const sig = this.sigOf(dev);
    if (sig?.type !== 'linux_raid_member') throw new StorageError(`mdadm: Unrecognised md component device - ${normalizeDevPath(path)}\n`, 1);
    const busy = this.holderOf(dev);
    if (busy) throw new StorageError(`mdadm: Couldn't open ${normalizeDevPath(path)} for write - not zeroing\n`, 1);
    this.setSig(dev, undefined);
    const name = this.describe(dev).name;
    for (const a of this.mdArrays) if (!a.name) a.members = a.members.filter((m) => m.dev !== name);
    this.dropForgottenArrays();
  }

  /** The array whose superblock a device carries, running or not. */
  superblockOf(path: string): { array: MdArray; member?: MdMember; sig: Extract<Signature, { type: 'linux_raid_member' }> } | undefined {
    const dev = this.resolve(path);
    const sig = dev && this.sigOf(dev);
    if (!dev || sig?.type !== 'linux_raid_member') return undefined;
    const array = this.mdArrays.find((a) => a.uuid === sig.array);
    if (!array) return undefined;
    const name = this.describe(dev).name;
    return { array, member: array.member(name) ?? array.removed.find((m) => m.dev === name), sig };
  }

  // ---- LVM, as the commands do it ----

  vgs(): VgRecord[] {
    return [...this.vgRecords.values()];
  }

  vg(name: string): VgRecord | undefined {
    return this.vgRecords.get(name);
  }

  /** Devices carrying an LVM label, with their VG (undefined for an orphan) and size. */
  pvs(): { path: string; uuid: string; vg?: VgRecord; sizeBytes: number; peCount: number }[] {
    const out: { path: string; uuid: string; vg?: VgRecord; sizeBytes: number; peCount: number }[] = [];
    for (const dev of this.allDevs()) {
      const sig = this.sigOf(dev);
      if (sig?.type !== 'LVM2_member') continue;
      const vg = [...this.vgRecords.values()].find((v) => v.pvs.some((p) => p.uuid === sig.uuid));
      const d = this.describe(dev);
      out.push({ path: `/dev/${d.name}`, uuid: sig.uuid, vg, sizeBytes: d.sizeBytes, peCount: peCountOf(d.sizeBytes) });
    }
    return out;
  }

  /** Device path of the PV with this uuid, when present. */
  pvPath(uuid: string): string | undefined {
    const dev = this.pvDevice(uuid);
    return dev ? `/dev/${this.describe(dev).name}` : undefined;
  }

  /** pvcreate's checks and labelling; `yes` answers its wipe prompts. Returns the stdout lines. */
  pvcreate(path: string, opts: { yes: boolean; force?: number }): string[] {
    const dev = this.resolve(path);
    if (!dev) throw new StorageError(`No device found for ${path}.`);
    const out: string[] = [];
    const sig = this.sigOf(dev);
    const d = this.describe(dev);
    if (dev.kind === 'disk' && dev.disk.partitions.length > 0) throw new StorageError(`Cannot use ${path}: device is partitioned`);
    if (sig?.type === 'linux_raid_member') throw new StorageError(`Cannot use ${path}: device is an md component`);
    if (sig?.type === 'LVM2_member') {
      const vg = this.vgOfPv(sig.uuid);
      if (vg && (opts.force ?? 0) < 2) throw new StorageError(`Can't initialize physical volume "${path}" of volume group "${vg.name}" without -ff`);
    }
    const busy = this.holderOf(dev);
    if (busy && sig?.type !== 'LVM2_member') throw new StorageError(`Can't open ${path} exclusively.  Mounted filesystem?`);
    if (sig && sig.type !== 'LVM2_member') {
      const offset = signatureOffset(sig, d.sizeBytes)[0] as number;
      if (!opts.yes)
        throw new StorageError(
          `WARNING: ${sig.type} signature detected on ${path} at offset ${offset}. Wipe it? [y/n]: [n]\n  Aborted wiping of ${sig.type}.\n  1 existing signature left on the device.\n  Aborting pvcreate on ${path}.`,
        );
      out.push(`Wiping ${sig.type} signature on ${path}.`);
    }
    this.setSig(dev, { type: 'LVM2_member', uuid: lvmUuid() });
    out.push(`Physical volume "${path}" successfully created.`);
    return out;
  }

  pvremove(path: string): string {
    const dev = this.resolve(path);
    if (!dev) throw new StorageError(`No device found for ${path}.`);
    const sig = this.sigOf(dev);
    if (sig?.type !== 'LVM2_member') throw new StorageError(`No PV found on device ${path}.`);
    const vg = this.vgOfPv(sig.uuid);
    if (vg)
      throw new StorageError(`PV ${path} is used by VG ${vg.name} so please use vgreduce first.\n  (If you are certain you need pvremove, then confirm by using --force twice.)`);
    this.setSig(dev, undefined);
    return `Labels on physical volume "${path}" successfully wiped.`;
  }

  vgcreate(name: string, pvPaths: string[], opts: { yes: boolean }): string[] {
    if (invalidName(name)) throw new StorageError(`Name contains invalid character, valid set includes: [a-zA-Z0-9.-_+]. New volume group name "${name}" is invalid.`, 3);
    if (this.vgRecords.has(name)) throw new StorageError(`A volume group called ${name} already exists.`);
    if (pvPaths.length === 0) throw new StorageError('Please enter physical volume name(s)', 3);
    const out: string[] = [];
    const toLabel: string[] = [];
    for (const path of pvPaths) {
      const dev = this.resolve(path);
      if (!dev) throw new StorageError(`No device found for ${path}.`);
      const sig = this.sigOf(dev);
      if (sig?.type === 'LVM2_member') {
        const vg = this.vgOfPv(sig.uuid);
        if (vg) throw new StorageError(`Physical volume '${path}' is already in volume group '${vg.name}'\n  Unable to add physical volume '${path}' to volume group '${vg.name}'\n  /dev/${this.describe(dev).name}: physical volume not initialized.`);
        continue;
      }
      toLabel.push(path);
    }
    for (const path of toLabel) out.push(...this.pvcreate(path, opts));
    const pvs = pvPaths.map((p) => {
      const dev = this.resolve(p) as Dev;
      const sig = this.sigOf(dev) as Extract<Signature, { type: 'LVM2_member' }>;
      return { uuid: sig.uuid, peCount: peCountOf(this.describe(dev).sizeBytes) };
    });
    this.vgRecords.set(name, { name, uuid: lvmUuid(), pvs, lvs: [], tags: [], seqno: 1 });
    out.push(`Volume group "${name}" successfully created`);
    return out;
  }

  /** Removes the VG and its LVs; the PVs stay labelled (orphans), as vgremove leaves them. */
  vgremove(name: string, opts: { yes: boolean }): string[] {
    const vg = this.vgRecords.get(name);
    if (!vg) throw new StorageError(`Volume group "${name}" not found\n  Cannot process volume group ${name}`);
    const out: string[] = [];
    if (vg.lvs.length > 0 && !opts.yes)
      throw new StorageError(
        `Do you really want to remove volume group "${name}" containing ${vg.lvs.length} logical volumes? [y/n]: [n]\n  Volume group "${name}" not removed`,
      );
    for (const lv of [...vg.lvs]) out.push(this.lvremove(name, lv.name));
    this.vgRecords.delete(name);
    out.push(`Volume group "${name}" successfully removed`);
    return out;
  }

  lvcreate(vgName: string, name: string | undefined, size: { bytes?: number; extents?: number; percentFree?: number }, tags: string[]): LvRecord {
    const vg = this.vgRecords.get(vgName);
    if (!vg) throw new StorageError(`Volume group "${vgName}" not found\n  Cannot process volume group ${vgName}`);
    const free = freeExtents(vg);
    let extents: number;
    if (size.percentFree !== undefined) {
      extents = Math.floor((free * size.percentFree) / 100);
      if (extents === 0) throw new StorageError('Calculated size of logical volume is 0 extents. Needs to be larger.');
    } else if (size.extents !== undefined) extents = size.extents;
    else extents = Math.ceil((size.bytes ?? 0) / EXTENT_BYTES);
    if (extents <= 0) throw new StorageError('Unable to create new logical volume with no extents.', 3);
    const lvName = name ?? this.freeLvName(vg);
    if (invalidName(lvName) || /^(snapshot|pvmove)$/.test(lvName) || /_(tdata|tmeta|rimage|rmeta|mlog|pmspare)/.test(lvName))
      throw new StorageError(`Logical volume name "${lvName}" is invalid.`, 3);
    if (vg.lvs.some((l) => l.name === lvName)) throw new StorageError(`Logical Volume "${lvName}" already exists in volume group "${vgName}"`);
    if (extents > free)
      throw new StorageError(`Volume group "${vgName}" has insufficient free space (${free} extents): ${extents} required.`);
    const lv: LvRecord = {
      name: lvName,
      uuid: lvmUuid(),
      kind: 'linear',
      extents,
      segments: allocate(vg, extents),
      tags: [...tags],
      createdAt: this.now(),
      dmMinor: this.nextDmMinor++,
    };
    vg.lvs.push(lv);
    vg.seqno += 1;
    return lv;
  }

  lvremove(vgName: string, name: string): string {
    const vg = this.vgRecords.get(vgName);
    if (!vg) throw new StorageError(`Volume group "${vgName}" not found\n  Cannot process volume group ${vgName}`);
    const lv = vg.lvs.find((l) => l.name === name);
    if (!lv) throw new StorageError(`Failed to find logical volume "${vgName}/${name}"`);
    if (this.holderOf({ kind: 'lv', vg, lv })) throw new StorageError(`Logical volume ${vgName}/${name} in use.`);
    vg.lvs = vg.lvs.filter((l) => l !== lv);
    vg.seqno += 1;
    return `Logical volume "${name}" successfully removed.`;
  }

  findLv(vgName: string, name: string): LvRecord {
    const vg = this.vgRecords.get(vgName);
    if (!vg) throw new StorageError(`Volume group "${vgName}" not found\n  Cannot process volume group ${vgName}`);
    const lv = vg.lvs.find((l) => l.name === name);
    if (!lv) throw new StorageError(`Failed to find logical volume "${vgName}/${name}"`);
    return lv;
  }

  // ---- power ----

  /** Power lost: arrays stop where they are (a rebuild resumes from its checkpoint at the next boot). */
  powerLost(): void {
    const now = this.now();
    this.running = false;
    this.loaded.clear();
    for (const a of this.mdArrays) {
      a.pause(now, this.speed);
      a.name = undefined;
    }
    this.claims.clear();
  }

  /** Boot: udev/mdadm assemble every array (named by mdadm.conf), then LVM activates what it can. */
  booted(mdadmConf: string): void {
    this.running = true;
    this.mdAssemble(mdadmConf);
  }

  // ---- internals ----

  /** Completes syncs whose time has come, so every reader sees the kernel's current state. */
  tick(): void {
    if (!this.running) return;
    const now = this.now();
    for (const a of this.mdArrays) if (a.name) a.advance(now, this.speed);
  }

  private installPve(os: Disk): void {
    const sectors = os.spec.sizeBytes / SECTOR;
    const lastUsable = sectors - 34;
    const p3Start = 2099200;
    os.sig = { type: 'gpt', uuid: fsUuid() };
    os.partitions = [
      { name: partitionName('nvme0n1', 1), number: 1, startSector: 34, sizeBytes: (2047 - 34 + 1) * SECTOR, typeGuid: GPT_BIOS_BOOT },
      {
        name: partitionName('nvme0n1', 2),
        number: 2,
        startSector: 2048,
        sizeBytes: 2097152 * SECTOR,
        typeGuid: GPT_ESP,
        sig: { type: 'vfat', uuid: vfatId(), mountpoint: '/boot/efi' },
      },
      { name: partitionName('nvme0n1', 3), number: 3, startSector: p3Start, sizeBytes: (lastUsable - p3Start + 1) * SECTOR, typeGuid: GPT_LVM },
    ];
    const p3 = os.partitions[2] as Partition;
    const pvUuid = lvmUuid();
    p3.sig = { type: 'LVM2_member', uuid: pvUuid };
    const peCount = peCountOf(p3.sizeBytes);
    const vg: VgRecord = { name: 'pve', uuid: lvmUuid(), pvs: [{ uuid: pvUuid, peCount }], lvs: [], tags: [], seqno: 1 };
    this.vgRecords.set('pve', vg);
    // The PVE installer's sizing: swap ≤ 8 GiB, root a quarter of the disk up to 96 GiB, 16 GiB left free,
    // the rest a thin pool whose metadata (1%) is reserved twice (the pool's and its spare).
    const gib = (n: number) => Math.floor((n * GiB) / EXTENT_BYTES);
    const total = peCount;
    const swap = Math.min(gib(8), Math.floor(total / 8));
    const root = Math.min(gib(96), Math.floor(total / 4));
    const minfree = Math.min(gib(16), Math.floor(total / 8));
    const rest = total - swap - root - minfree;
    const meta = Math.max(1, Math.min(gib(16), Math.ceil(rest / 100)));
    const data = rest - 2 * meta;
    const now = this.now();
    const linear = (name: string, extents: number, sig: Signature): LvRecord => {
      const lv: LvRecord = { name, uuid: lvmUuid(), kind: 'linear', extents, segments: allocate(vg, extents), tags: [], createdAt: now, dmMinor: this.nextDmMinor++, content: sig };
      vg.lvs.push(lv);
      return lv;
    };
    linear('swap', swap, { type: 'swap', uuid: fsUuid(), mountpoint: '[SWAP]' });
    linear('root', root, { type: 'ext4', uuid: fsUuid(), mountpoint: '/' });
    const pool: LvRecord = {
      name: 'data',
      uuid: lvmUuid(),
      kind: 'thin-pool',
      extents: data,
      metaExtents: meta,
      segments: allocate(vg, data + 2 * meta),
      tags: [],
      createdAt: now,
      dmMinor: this.nextDmMinor,
    };
    // tmeta, tdata, the -tpool device, then the pool's own read-only device.
    this.nextDmMinor += 4;
    vg.lvs.push(pool);
  }

  private allDevs(): Dev[] {
    const out: Dev[] = [];
    for (const disk of this.disks) {
      out.push({ kind: 'disk', disk });
      for (const part of disk.partitions) out.push({ kind: 'part', disk, part });
    }
    for (const array of this.mdArrays) if (array.name) out.push({ kind: 'md', array });
    for (const vg of this.vgRecords.values()) if (this.vgActive(vg)) for (const lv of vg.lvs) out.push({ kind: 'lv', vg, lv });
    return out;
  }

  private resolve(path: string): Dev | undefined {
    this.tick();
    const p = normalizeDevPath(path);
    if (!p.startsWith('/dev/')) return undefined;
    const rest = p.slice(5);
    for (const disk of this.disks) {
      if (disk.spec.name === rest) return { kind: 'disk', disk };
      const part = disk.partitions.find((x) => x.name === rest);
      if (part) return { kind: 'part', disk, part };
    }
    const md = /^md\/(.+)$/.exec(rest);
    const mdName = md ? (this.mdArrays.find((a) => a.name && a.label.split(':')[1] === md[1])?.name ?? `md${md[1]}`) : rest;
    const array = this.mdArrays.find((a) => a.name !== undefined && a.name === mdName);
    if (array) return { kind: 'md', array };
    const lvRef = this.lvRef(rest);
    if (lvRef && this.vgActive(lvRef.vg)) return { kind: 'lv', ...lvRef };
    return undefined;
  }

  private lvRef(rest: string): { vg: VgRecord; lv: LvRecord } | undefined {
    let vgName: string | undefined;
    let lvName: string | undefined;
    const dm = /^dm-(\d+)$/.exec(rest);
    if (dm) {
      for (const vg of this.vgRecords.values()) {
        const lv = vg.lvs.find((l) => l.dmMinor === Number(dm[1]) || (l.kind === 'thin-pool' && l.dmMinor + 3 === Number(dm[1])));
        if (lv) return { vg, lv };
      }
      return undefined;
    }
    const mapper = /^mapper\/(.+)$/.exec(rest);
    if (mapper) ({ vg: vgName, lv: lvName } = splitDmName(mapper[1] as string) ?? {});
    else {
      const parts = rest.split('/');
      if (parts.length === 2) [vgName, lvName] = parts;
    }
    if (!vgName || !lvName) return undefined;
    const vg = this.vgRecords.get(vgName);
    const lv = vg?.lvs.find((l) => l.name === lvName);
    return vg && lv ? { vg, lv } : undefined;
  }

  private mustResolve(path: string): Dev {
    const dev = this.resolve(path);
    if (!dev) throw new StorageError(`${path}: No such file or directory`, 1);
    return dev;
  }

  private mustArray(nameOrPath: string): MdArray {
    const array = this.array(nameOrPath);
    if (!array) throw new StorageError(`mdadm: error opening ${normalizeDevPath(nameOrPath)}: No such file or directory\n`, 1);
    return array;
  }

  private memberOf(array: MdArray, memberPath: string): MdMember {
    const name = this.deviceName(memberPath) ?? normalizeDevPath(memberPath).replace(/^\/dev\//, '');
    const member = array.member(name);
    if (!member) throw new StorageError(`mdadm: set device faulty failed for ${normalizeDevPath(memberPath)}:  No such device\n`, 1);
    return member;
  }

  private freeMdName(): string {
    for (let n = 127; n >= 0; n--) if (!this.mdArrays.some((a) => a.name === `md${n}`)) return `md${n}`;
    throw new Error('no free md device');
  }

  private freeLvName(vg: VgRecord): string {
    let n = 0;
    while (vg.lvs.some((l) => l.name === `lvol${n}`)) n++;
    return `lvol${n}`;
  }

  private dropForgottenArrays(): void {
    for (let i = this.mdArrays.length - 1; i >= 0; i--) {
      const a = this.mdArrays[i] as MdArray;
      if (!a.name && a.members.length === 0) this.mdArrays.splice(i, 1);
    }
  }

  private vgOfPv(uuid: string): VgRecord | undefined {
    return [...this.vgRecords.values()].find((v) => v.pvs.some((p) => p.uuid === uuid));
  }

  private pvDevice(uuid: string): Dev | undefined {
    for (const disk of this.disks) {
      if (disk.sig?.type === 'LVM2_member' && disk.sig.uuid === uuid) return { kind: 'disk', disk };
      for (const part of disk.partitions) if (part.sig?.type === 'LVM2_member' && part.sig.uuid === uuid) return { kind: 'part', disk, part };
    }
    for (const array of this.mdArrays)
      if (array.name && array.content?.type === 'LVM2_member' && array.content.uuid === uuid) return { kind: 'md', array };
    return undefined;
  }

  /** LVM activates a VG's LVs when every PV is present. */
  private vgActive(vg: VgRecord): boolean {
    return this.running && vg.pvs.every((pv) => this.pvDevice(pv.uuid) !== undefined);
  }

  private sigOf(dev: Dev): Signature | undefined {
    switch (dev.kind) {
      case 'disk':
        return dev.disk.sig;
      case 'part':
        return dev.part.sig;
      case 'md':
        return dev.array.content;
      case 'lv':
        return dev.lv.content;
    }
  }

  private setSig(dev: Dev, sig: Signature | undefined): void {
    switch (dev.kind) {
      case 'disk':
        dev.disk.sig = sig;
        if (sig?.type !== 'gpt') dev.disk.partitions = [];
        break;
      case 'part':
        dev.part.sig = sig;
        break;
      case 'md':
        dev.array.content = sig;
        break;
      case 'lv':
        dev.lv.content = sig;
        break;
    }
    if (sig?.type !== 'linux_raid_member') this.forgetMember(dev);
  }

  /** A device whose md superblock is gone is no longer a member of a stopped array. */
  private forgetMember(dev: Dev): void {
    if (dev.kind !== 'disk' && dev.kind !== 'part') return;
    const name = this.describe(dev).name;
    for (const a of this.mdArrays) if (!a.name) a.members = a.members.filter((m) => m.dev !== name);
    this.dropForgottenArrays();
  }

  /** Why an exclusive open (O_EXCL) of the device fails now, or undefined when it would succeed. */
  private holderOf(dev: Dev): string | undefined {
    const d = this.describe(dev);
    if (dev.kind === 'disk' && dev.disk.partitions.some((part) => this.holderOf({ kind: 'part', disk: dev.disk, part }))) return 'partitions';
    const sig = this.sigOf(dev);
    if (sig?.type === 'linux_raid_member') {
      const array = this.mdArrays.find((a) => a.name && a.uuid === sig.array && a.member(d.name));
      if (array) return array.name;
    }
    if (sig?.type === 'LVM2_member') {
      const vg = this.vgOfPv(sig.uuid);
      // Device-mapper holds a PV open while an LV on it is active.
      if (vg && this.vgActive(vg) && vg.lvs.some((lv) => lv.segments.some((s) => s.pv === sig.uuid))) return `VG ${vg.name}`;
    }
    if (sig && 'mountpoint' in sig && sig.mountpoint) return sig.mountpoint === '[SWAP]' ? 'swap' : `mounted on ${sig.mountpoint}`;
    return this.claims.get(d.name);
  }

  private describe(dev: Dev): BlockDevice {
    switch (dev.kind) {
      case 'disk': {
        const s = dev.disk.spec;
        return { name: s.name, path: `/dev/${s.name}`, type: 'disk', sizeBytes: s.sizeBytes, rotational: s.rotational, readOnly: false, major: s.major, minor: s.minor, model: s.model, serial: s.serial, sig: dev.disk.sig };
      }
      case 'part': {
        const s = dev.disk.spec;
        return { name: dev.part.name, path: `/dev/${dev.part.name}`, type: 'part', sizeBytes: dev.part.sizeBytes, rotational: s.rotational, readOnly: false, major: s.major, minor: s.minor + dev.part.number, sig: dev.part.sig };
      }
      case 'md': {
        const a = dev.array;
        const name = a.name as string;
        return {
          name,
          path: `/dev/${name}`,
          type: `raid${a.level}` as BlockType,
          sizeBytes: a.sizeBytes,
          rotational: a.members.some((m) => this.disks.find((d) => d.spec.name === m.dev || d.partitions.some((p) => p.name === m.dev))?.spec.rotational),
          readOnly: false,
          major: MD_MAJOR,
          minor: Number(name.slice(2)),
          sig: a.content,
        };
      }
      case 'lv': {
        const { vg, lv } = dev;
        const rotational = lv.segments.some((s) => {
          const pv = this.pvDevice(s.pv);
          return pv ? this.describe(pv).rotational : false;
        });
        const minor = lv.kind === 'thin-pool' ? lv.dmMinor + 3 : lv.dmMinor;
        return {
          name: `dm-${minor}`,
          path: `/dev/mapper/${dmName(vg.name, lv.name)}`,
          type: 'lvm',
          sizeBytes: lv.extents * EXTENT_BYTES,
          rotational,
          readOnly: lv.kind === 'thin-pool',
          major: DM_MAJOR,
          minor,
          sig: lv.content,
        };
      }
    }
  }

  private node_(dev: Dev): BlockNode {
    const d = this.describe(dev);
    const displayName = dev.kind === 'lv' ? dmName(dev.vg.name, dev.lv.name) : d.name;
    return { ...d, displayName, children: this.childrenOf(dev) };
  }

  private childrenOf(dev: Dev): BlockNode[] {
    if (dev.kind === 'disk' && dev.disk.partitions.length > 0) return dev.disk.partitions.map((part) => this.node_({ kind: 'part', disk: dev.disk, part }));
    if (dev.kind === 'lv') return [];
    const d = this.describe(dev);
    const sig = this.sigOf(dev);
    if (sig?.type === 'linux_raid_member') {
      const array = this.mdArrays.find((a) => a.name && a.uuid === sig.array && a.member(d.name)?.state !== 'faulty' && a.member(d.name));
      return array ? [this.node_({ kind: 'md', array })] : [];
    }
    if (sig?.type === 'LVM2_member') {
      const vg = this.vgOfPv(sig.uuid);
      if (!vg || !this.vgActive(vg)) return [];
      const out: BlockNode[] = [];
      for (const lv of [...vg.lvs].sort((a, b) => a.dmMinor - b.dmMinor)) {
        if (!lv.segments.some((s) => s.pv === sig.uuid)) continue;
        if (lv.kind === 'thin-pool') out.push(...this.thinPoolNodes(vg, lv));
        else out.push(this.node_({ kind: 'lv', vg, lv }));
      }
      return out;
    }
    return [];
  }

  /** A thin pool as dm builds it: `_tmeta` and `_tdata` each under the `-tpool` device, under the pool's own. */
  private thinPoolNodes(vg: VgRecord, lv: LvRecord): BlockNode[] {
    const pool = this.describe({ kind: 'lv', vg, lv });
    const rotational = pool.rotational;
    const base = { type: 'lvm' as const, rotational, major: DM_MAJOR, readOnly: false };
    const name = (suffix: string) => `${dmName(vg.name, lv.name)}${suffix}`;
    const tpool = (): BlockNode => ({
      ...base,
      name: `dm-${lv.dmMinor + 2}`,
      displayName: name('-tpool'),
      path: `/dev/mapper/${name('-tpool')}`,
      sizeBytes: pool.sizeBytes,
      minor: lv.dmMinor + 2,
      children: [{ ...pool, displayName: name(''), children: [] }],
    });
    const sub = (suffix: string, minor: number, sizeBytes: number): BlockNode => ({
      ...base,
      name: `dm-${minor}`,
      displayName: name(suffix),
      path: `/dev/mapper/${name(suffix)}`,
      sizeBytes,
      minor,
      children: [tpool()],
    });
    return [sub('_tmeta', lv.dmMinor, (lv.metaExtents ?? 0) * EXTENT_BYTES), sub('_tdata', lv.dmMinor + 1, pool.sizeBytes)];
  }

  private logicalVolume(vg: VgRecord, lv: LvRecord): LogicalVolume {
    const devices = [...new Set(lv.segments.map((s) => this.pvPath(s.pv)).filter((p): p is string => p !== undefined))];
    return { vg: vg.name, name: lv.name, path: `/dev/${vg.name}/${lv.name}`, sizeBytes: lv.extents * EXTENT_BYTES, tags: [...lv.tags], devices };
  }
}

/** `/dev//sda/` → `/dev/sda`. */
export function normalizeDevPath(path: string): string {
  const p = path.replace(/\/+/g, '/');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

/** `/dev/md0`, `md0`, `/dev/md/0` → `md0`. */
export function mdNameOf(path: string): string {
  const p = normalizeDevPath(path).replace(/^\/dev\//, '');
  const named = /^md\/(\d+)$/.exec(p);
  return named ? `md${named[1]}` : p;
}

/** ARRAY lines of mdadm.conf: array uuid → md device name. */
export function parseMdadmConf(conf: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of conf.split('\n')) {
    const m = /^ARRAY\s+(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const uuid = /UUID=([0-9a-fA-F:]+)/.exec(m[2] as string)?.[1];
    if (uuid) out.set(uuid.toLowerCase(), mdNameOf(m[1] as string));
  }
  return out;
}

/** Byte offsets where blkid finds a signature (wipefs lists each). */
export function signatureOffset(sig: Signature, deviceBytes: number): number[] {
  switch (sig.type) {
    case 'gpt':
      return [0x200, deviceBytes - 0x200, 0x1fe];
    case 'linux_raid_member':
      return [0x1000];
    case 'LVM2_member':
      return [0x218];
    case 'ext4':
      return [0x438];
    case 'xfs':
      return [0x0];
    case 'vfat':
      return [0x52, 0x0, 0x1fe];
    case 'swap':
      return [0xff6];
    case 'ceph_bluestore':
      return [0x0];
  }
}
