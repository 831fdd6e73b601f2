import { date } from './date';
import { hostname } from './hostname';
import { id, whoami } from './identity';
import { pvecm } from './pvecm';
import { pveversion } from './pveversion';
import { sleep } from './sleep';
import { sshd } from './sshd';
import { sshKeygen } from './sshKeygen';
import { systemctl } from './systemctl';
import type { LabCommand } from './types';
import { uname } from './uname';

/** Every command the twin implements itself; they take precedence over just-bash's built-ins. */
export const LAB_COMMANDS: readonly LabCommand[] = [date, hostname, id, pvecm, pveversion, sleep, sshd, sshKeygen, systemctl, uname, whoami];
