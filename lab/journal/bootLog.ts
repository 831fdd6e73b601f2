import type { PveRelease } from '../pve/releases';
import type { UnitState } from '../services';
import { PRIORITY, type SyslogWriter } from './journal';

const DESCRIPTION = {
  'watchdog-mux': 'Proxmox VE watchdog multiplexer',
  'pve-cluster': 'The Proxmox VE cluster filesystem',
  corosync: 'Corosync Cluster Engine',
  'pve-ha-crm': 'PVE Cluster HA Resource Manager Daemon',
  'pve-ha-lrm': 'PVE Local HA Resource Manager Daemon',
} as const;

type Unit = keyof typeof DESCRIPTION;

/** systemd 252's job lines: `Starting corosync.service - Corosync Cluster Engine...`. */
function starting(journal: SyslogWriter, unit: Unit): void {
  journal.log('systemd', `Starting ${unit}.service - ${DESCRIPTION[unit]}...`, { unit: `${unit}.service` });
}

function finished(journal: SyslogWriter, unit: Unit, state: UnitState | undefined): void {
  const name = `${unit}.service`;
  if (state === 'active') journal.log('systemd', `Started ${name} - ${DESCRIPTION[unit]}.`, { unit: name });
  else if (state === 'failed') {
    journal.log('systemd', `${name}: Failed with result 'exit-code'.`, { unit: name, priority: PRIORITY.warning });
    journal.log('systemd', `Failed to start ${name} - ${DESCRIPTION[unit]}.`, { unit: name, priority: PRIORITY.err });
  }
}

/** The kernel's first lines and the units that start before the cluster stack. */
export function logKernelBoot(journal: SyslogWriter, release: PveRelease, corosyncConfigured: boolean): void {
  journal.log('kernel', `Linux version ${release.kernel} (build@proxmox) (${release.kernelCompiler}) ${release.kernelBuild}`, { priority: PRIORITY.notice });
  journal.log('kernel', `Command line: BOOT_IMAGE=/boot/vmlinuz-${release.kernel} root=/dev/mapper/pve-root ro quiet`);
  starting(journal, 'watchdog-mux');
  journal.log('watchdog-mux', "Watchdog driver 'Software Watchdog', version 0");
  finished(journal, 'watchdog-mux', 'active');
  starting(journal, 'pve-cluster');
  if (corosyncConfigured) starting(journal, 'corosync');
}

/** How pve-cluster and corosync came up, then the HA daemons starting. */
export function logClusterStackUp(journal: SyslogWriter, state: (unit: Unit) => UnitState | undefined, corosyncConfigured: boolean): void {
  finished(journal, 'pve-cluster', state('pve-cluster'));
  if (corosyncConfigured) finished(journal, 'corosync', state('corosync'));
  else
    journal.log('systemd', 'corosync.service - Corosync Cluster Engine was skipped because of an unmet condition check (ConditionPathExists=/etc/corosync/corosync.conf).', {
      unit: 'corosync.service',
    });
  for (const unit of ['pve-ha-crm', 'pve-ha-lrm'] as const) {
    starting(journal, unit);
    journal.log(unit, 'starting server');
    finished(journal, unit, state(unit));
  }
}
