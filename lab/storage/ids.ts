import { randomBytes } from 'node:crypto';

const LVM_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#';

/** An LVM uuid as `pvs -o pv_uuid` prints it: 32 characters grouped 6-4-4-4-4-4-6. */
export function lvmUuid(): string {
  const bytes = randomBytes(32);
  const chars = [...bytes].map((b) => LVM_CHARS[b % 62] as string).join('');
  const groups = [6, 4, 4, 4, 4, 4, 6];
  let at = 0;
  return groups.map((n) => chars.slice(at, (at += n))).join('-');
}

/** An md array or member uuid in mdadm's notation: four 8-hex-digit words joined by colons. */
export function mdUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return [0, 8, 16, 24].map((i) => hex.slice(i, i + 8)).join(':');
}

/** The same 128 bits as blkid prints them (8-4-4-4-12). */
export function mdUuidAsBlkid(uuid: string): string {
  const hex = uuid.replace(/:/g, '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function fsUuid(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** A FAT volume id (`1A2B-3C4D`). */
export function vfatId(): string {
  return randomBytes(4).toString('hex').toUpperCase().replace(/^(.{4})/, '$1-');
}
