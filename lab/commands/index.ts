import { chmod } from './chmod';
import { corosyncCfgtool, corosyncKeygen, corosyncQuorumtool } from './corosync';
import { date } from './date';
import { pct, qm } from './guests';
import { hostname } from './hostname';
import { id, whoami } from './identity';
import { journalctl } from './journalctl';
import { getent, ip, ssh, sshCopyIdCommand } from './network';
import { killall, pmxcfs } from './processes';
import { pvecm } from './pvecm';
import { pvesh } from './pvesh';
import { pveversion } from './pveversion';
import { rsync } from './rsync';
import { sleep } from './sleep';
import { sshd } from './sshd';
import { sshKeygen } from './sshKeygen';
import { sysctl } from './sysctl';
import { systemctl } from './systemctl';
import { systemdRun } from './systemdRun';
import { STORAGE_COMMANDS } from '../storage/commands';
import { CEPH_COMMANDS } from '../ceph/commands';
import { haManager } from '../ha/haManager';
import { ifreload } from '../net/ifreload';
import { ping } from '../net/ping';
import type { LabCommand } from './types';
import { uname } from './uname';

/** Every command the twin implements itself; they take precedence over just-bash's built-ins. */
export const LAB_COMMANDS: readonly LabCommand[] = [
  chmod,
  corosyncCfgtool,
  corosyncKeygen,
  corosyncQuorumtool,
  date,
  getent,
  hostname,
  id,
  ip,
  journalctl,
  killall,
  pct,
  pmxcfs,
  pvecm,
  pvesh,
  pveversion,
  qm,
  rsync,
  sleep,
  ssh,
  sshCopyIdCommand,
  sshd,
  sshKeygen,
  sysctl,
  systemctl,
  systemdRun,
  uname,
  whoami,
  ...STORAGE_COMMANDS,
  ...CEPH_COMMANDS,
  haManager,
  ifreload,
  ping,
];
