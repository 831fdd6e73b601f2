/**
 * What a block device holds, as blkid/wipefs see it. A partition table implies partitions; an md
 * superblock or LVM label ties the device to an array or a volume group by uuid, so a member keeps
 * its identity when the array comes back under another name.
 */
export type Signature =
  | { type: 'gpt'; uuid: string }
  | { type: 'linux_raid_member'; array: string; label: string; devUuid: string }
  | { type: 'LVM2_member'; uuid: string }
  | { type: FsType; uuid: string; label?: string; mountpoint?: string };

export type FsType = 'ext4' | 'xfs' | 'vfat' | 'swap' | 'ceph_bluestore';

export const FS_TYPES: readonly FsType[] = ['ext4', 'xfs', 'vfat', 'swap', 'ceph_bluestore'];

export interface Partition {
  /** Kernel name: `nvme0n1p3`, `sda1`. */
  name: string;
  number: number;
  startSector: number;
  sizeBytes: number;
  /** GPT partition type GUID. */
  typeGuid: string;
  sig?: Signature;
}

export const SECTOR = 512;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** The kernel name of a partition: nvme0n1 → nvme0n1p3, sda → sda3. */
export function partitionName(disk: string, n: number): string {
  return /\d$/.test(disk) ? `${disk}p${n}` : `${disk}${n}`;
}
