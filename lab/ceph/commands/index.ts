import type { LabCommand } from '../../commands/types';
import { cephCommand } from './ceph';
import { cephVolume } from './cephVolume';
import { pveceph } from './pveceph';
import { pvesm } from './pvesm';
import { rbd } from './rbd';

/** The Ceph tools of a PVE node: ceph-common's `ceph` and `rbd`, pveceph, pvesm, and (once installed) ceph-volume. */
export const CEPH_COMMANDS: readonly LabCommand[] = [cephCommand, cephVolume, pveceph, pvesm, rbd];
