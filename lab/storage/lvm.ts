import type { Signature } from './blocks';
import { MiB } from './blocks';

/** LVM's defaults: 4 MiB extents, data starting 1 MiB into the PV. */
export const EXTENT_BYTES = 4 * MiB;
export const PE_START_BYTES = 1 * MiB;

export interface PvRecord {
  uuid: string;
  peCount: number;
}

export interface LvSegment {
  /** PV uuid. */
  pv: string;
  start: number;
  count: number;
}

export type LvKind = 'linear' | 'thin-pool';

export interface LvRecord {
  name: string;
  uuid: string;
  kind: LvKind;
  /** Extents the LV's data uses (the pool's data for a thin pool). */
  extents: number;
  /** Every extent it holds, metadata and the pool's spare included. */
  segments: LvSegment[];
  /** Thin pools: metadata extents (the spare takes as many again). */
  metaExtents?: number;
  tags: string[];
  createdAt: number;
  /** dm minor numbers, assigned on activation: the LV itself, then a pool's sub-devices. */
  dmMinor: number;
  content?: Signature;
}

export interface VgRecord {
  name: string;
  uuid: string;
  pvs: PvRecord[];
  lvs: LvRecord[];
  tags: string[];
  seqno: number;
}

/** The dm name of an LV: dashes in either name doubled, joined by one dash (`ceph--raid-osd--block`). */
export function dmName(vg: string, lv: string): string {
  return `${vg.replace(/-/g, '--')}-${lv.replace(/-/g, '--')}`;
}

/** Splits a dm name back into VG and LV, or undefined when it is not one. */
export function splitDmName(name: string): { vg: string; lv: string } | undefined {
  const m = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(name);
  if (!m) return undefined;
  return { vg: (m[1] as string).replace(/--/g, '-'), lv: (m[2] as string).replace(/--/g, '-') };
}

export function peCountOf(deviceBytes: number): number {
  return Math.max(0, Math.floor((deviceBytes - PE_START_BYTES) / EXTENT_BYTES));
}

export function vgExtents(vg: VgRecord): number {
  return vg.pvs.reduce((n, pv) => n + pv.peCount, 0);
}

export function usedExtents(vg: VgRecord, pvUuid?: string): number {
  let used = 0;
  for (const lv of vg.lvs) for (const s of lv.segments) if (pvUuid === undefined || s.pv === pvUuid) used += s.count;
  return used;
}

export function freeExtents(vg: VgRecord, pvUuid?: string): number {
  const total = pvUuid === undefined ? vgExtents(vg) : (vg.pvs.find((p) => p.uuid === pvUuid)?.peCount ?? 0);
  return total - usedExtents(vg, pvUuid);
}

/** Takes `count` extents from the VG's PVs in order, first free range first, as the normal policy does. */
export function allocate(vg: VgRecord, count: number): LvSegment[] {
  const segments: LvSegment[] = [];
  let left = count;
  for (const pv of vg.pvs) {
    if (left === 0) break;
    const used = vg.lvs
      .flatMap((lv) => lv.segments)
      .filter((s) => s.pv === pv.uuid)
      .sort((a, b) => a.start - b.start);
    let at = 0;
    const ranges: [number, number][] = [];
    for (const s of used) {
      if (s.start > at) ranges.push([at, s.start - at]);
      at = Math.max(at, s.start + s.count);
    }
    if (at < pv.peCount) ranges.push([at, pv.peCount - at]);
    for (const [start, len] of ranges) {
      if (left === 0) break;
      const take = Math.min(len, left);
      segments.push({ pv: pv.uuid, start, count: take });
      left -= take;
    }
  }
  if (left > 0) throw new Error('allocation exceeds free extents');
  return segments;
}

const VG_NAME = /^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/;

/** Why LVM rejects a VG or LV name, or undefined. */
export function invalidName(name: string): boolean {
  return !VG_NAME.test(name) || name === '.' || name === '..' || name.length > 127;
}
