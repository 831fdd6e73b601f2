import type { LabCommand } from '../../commands/types';
import { blockdev } from './blockdev';
import { lsblk } from './lsblk';
import { LVM_COMMANDS } from './lvm';
import { mdadm } from './mdadm';
import { updateInitramfs } from './updateInitramfs';
import { wipefs } from './wipefs';

/** The storage tools the twin implements: lsblk, blockdev, wipefs, mdadm, LVM, update-initramfs. */
export const STORAGE_COMMANDS: readonly LabCommand[] = [blockdev, lsblk, mdadm, updateInitramfs, wipefs, ...LVM_COMMANDS];
