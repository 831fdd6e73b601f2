import { KiB } from './blocks';

export type MemberState = 'in_sync' | 'rebuilding' | 'spare' | 'faulty';

export interface MdMember {
  /** Kernel name of the member device (`sda`). */
  dev: string;
  /** The superblock's device number: mdstat's `sda[0]`, --detail's Number column. */
  number: number;
  /** Slot in the array (RaidDevice), or undefined for a spare or a faulty device. */
  slot?: number;
  state: MemberState;
  /** What this device's own superblock last recorded: a failed device stops receiving updates. */
  frozen?: { events: number; updatedAt: number; arrayState: string; slot?: number };
}

export interface SyncProgress {
  kind: 'resync' | 'recovery';
  /** KiB per member device done at `at`. */
  doneKiB: number;
  /** Lab ms of the checkpoint. */
  at: number;
  /** Stopped with the array or the node; resumes from `doneKiB`. */
  paused: boolean;
}

/** mdadm's default chunk and the kernel's RAID5 layout. */
export const CHUNK_KIB = 512;

/**
 * The data offset mdadm 4.2's 1.2 superblock picks: 128 MiB of headroom (halved while it is more
 * than a thousandth of the device), the superblock and bitmap space, rounded up to 1 MiB.
 */
export function dataOffsetSectors(devSectors: number, bitmap: boolean): number {
  let headroom = 128 * 1024 * 2;
  while (headroom << 10 > devSectors && headroom > 2 * 1024) headroom >>= 1;
  const bmspace = bitmap ? bitmapSpaceSectors(devSectors) : 0;
  const offset = 12 * 2 + bmspace + headroom;
  return Math.ceil(offset / 2048) * 2048;
}

function bitmapSpaceSectors(devSectors: number): number {
  if (devSectors < 64 * 2) return 0;
  if (devSectors - 64 * 2 >= 200 * 1024 * 1024 * 2) return 128 * 2;
  if (devSectors - 4 * 2 > 8 * 1024 * 1024 * 2) return 64 * 2;
  return 4 * 2;
}

/** One md array: its superblock contents (shared by every member) and, while running, its kernel state. */
export class MdArray {
  /** `md0` while assembled, undefined while stopped. */
  name?: string;
  members: MdMember[];
  /** Members hot-removed since assembly: their superblocks still describe the array as they left it. */
  removed: MdMember[] = [];
  sync?: SyncProgress;
  events: number;
  updatedAt: number;
  /** What the array's own contents carry (an LVM label, a filesystem). */
  content?: import('./blocks').Signature;

  constructor(
    readonly uuid: string,
    /** `pve1:0`: homehost and the array's number when created. */
    readonly label: string,
    readonly level: number,
    readonly raidDisks: number,
    /** Used Dev Size in KiB: what each member contributes. */
    readonly devSizeKiB: number,
    readonly dataOffsetSectors: number,
    readonly bitmap: boolean,
    readonly createdAt: number,
    members: MdMember[],
  ) {
    this.members = members;
    this.events = 0;
    this.updatedAt = createdAt;
  }

  get sizeKiB(): number {
    return this.level === 1 ? this.devSizeKiB : this.devSizeKiB * (this.raidDisks - (this.level === 6 ? 2 : this.level === 5 ? 1 : 0));
  }

  get sizeBytes(): number {
    return this.sizeKiB * KiB;
  }

  /** Slots holding an in-sync device. */
  get activeCount(): number {
    return this.members.filter((m) => m.state === 'in_sync').length;
  }

  get failedCount(): number {
    return this.members.filter((m) => m.state === 'faulty').length;
  }

  get spareCount(): number {
    return this.members.filter((m) => m.state === 'spare' || m.state === 'rebuilding').length;
  }

  get degraded(): boolean {
    return this.activeCount < this.raidDisks;
  }

  /** Data is gone once more slots are missing than the level's redundancy. */
  get failed(): boolean {
    const redundancy = this.level === 6 ? 2 : this.level === 5 ? 1 : this.level === 1 ? this.raidDisks - 1 : 0;
    return this.raidDisks - this.activeCount > redundancy;
  }

  member(dev: string): MdMember | undefined {
    return this.members.find((m) => m.dev === dev);
  }

  /** The kernel's sync position now, completing the sync (and stamping the array) when it is done. */
  advance(now: number, speedKiBs: number): void {
    const sync = this.sync;
    if (!sync || sync.paused) return;
    const done = sync.doneKiB + ((now - sync.at) / 1000) * speedKiBs;
    if (done < this.devSizeKiB) return;
    const finishedAt = sync.at + ((this.devSizeKiB - sync.doneKiB) / speedKiBs) * 1000;
    for (const m of this.members) {
      if (m.state !== 'rebuilding') continue;
      m.state = 'in_sync';
    }
    this.sync = undefined;
    this.events += 1;
    this.updatedAt = finishedAt;
    this.startRecoveryIfNeeded(finishedAt);
  }

  /** KiB per member done now (paused syncs stay where they stopped). */
  syncDoneKiB(now: number, speedKiBs: number): number {
    const sync = this.sync;
    if (!sync) return this.devSizeKiB;
    if (sync.paused) return sync.doneKiB;
    return Math.min(this.devSizeKiB, sync.doneKiB + ((now - sync.at) / 1000) * speedKiBs);
  }

  pause(now: number, speedKiBs: number): void {
    if (!this.sync || this.sync.paused) return;
    this.sync = { ...this.sync, doneKiB: Math.floor(this.syncDoneKiB(now, speedKiBs)), at: now, paused: true };
  }

  resume(now: number): void {
    if (this.sync?.paused) this.sync = { ...this.sync, at: now, paused: false };
  }

  /** A degraded array with a spare rebuilds onto it, as md does on its own. */
  startRecoveryIfNeeded(now: number): void {
    if (this.sync || !this.degraded || this.failed) return;
    const spare = this.members.find((m) => m.state === 'spare');
    if (!spare) return;
    const used = new Set(this.members.filter((m) => m.slot !== undefined && m.state !== 'faulty').map((m) => m.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    if (slot >= this.raidDisks) return;
    spare.slot = slot;
    spare.state = 'rebuilding';
    this.sync = { kind: 'recovery', doneKiB: 0, at: now, paused: false };
    this.events += 1;
    this.updatedAt = now;
  }

  /** A member superblock's view of the slots: `A` for a device in the slot, `.` for none. */
  arrayState(): string {
    let out = '';
    for (let slot = 0; slot < this.raidDisks; slot++) out += this.members.some((m) => m.slot === slot && m.state !== 'faulty') ? 'A' : '.';
    return out;
  }

  /** The kernel's per-slot status string: `UUU_`. */
  slotMap(): string {
    let out = '';
    for (let slot = 0; slot < this.raidDisks; slot++)
      out += this.members.some((m) => m.slot === slot && m.state === 'in_sync') ? 'U' : '_';
    return out;
  }

  touch(now: number): void {
    this.events += 1;
    this.updatedAt = now;
  }
}
