import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';

export interface SeparationResult {
  status: 'done' | 'already';
}

/**
 * A node is separated when it has no cluster configuration left and its pve-cluster runs
 * normally again: checked as a whole, so a retry after a crash half-way resumes the steps
 * instead of taking a half-separated node for a finished one.
 */
export const SEPARATED_CHECK =
  '[ ! -e /etc/pve/corosync.conf ] && [ ! -e /etc/corosync/corosync.conf ] && [ ! -e /etc/corosync/authkey ] && systemctl is-active --quiet pve-cluster';

/**
 * PVE's documented separation without reinstalling: stop the cluster stack, start pmxcfs in local
 * mode, remove the cluster configuration, restart normally, then drop corosync's state and the
 * other nodes' directories. Every step tolerates having been done already.
 */
export function separationCommand(self: string): string {
  return [
    `if ${SEPARATED_CHECK}; then echo @already; else`,
    '  systemctl stop pve-cluster;',
    '  systemctl stop corosync;',
    '  killall pmxcfs 2>/dev/null;',
    '  pmxcfs -l || exit 1;',
    '  rm -f /etc/pve/corosync.conf;',
    '  rm -rf /etc/corosync/*;',
    '  killall pmxcfs;',
    '  systemctl start pve-cluster || exit 1;',
    '  echo @done;',
    'fi;',
    'rm -rf /var/lib/corosync/*;',
    `for d in /etc/pve/nodes/*; do [ "$(basename "$d")" = ${cmd(self)} ] || rm -rf "$d"; done`,
  ].join('\n');
}

export function deleteNodeCommand(name: string, remaining: number): string {
  return [
    `if ! grep -q ${cmd(`"${name}"`)} /etc/pve/.members 2>/dev/null && ! grep -qE ${cmd(`^\\s*name:\\s*${name}\\s*$`)} /etc/pve/corosync.conf 2>/dev/null; then echo @already; else`,
    `  if ! pvecm status 2>/dev/null | grep -qE '^Quorate:\\s+Yes'; then pvecm expected ${remaining} || exit 1; fi;`,
    `  ${cmd('pvecm', 'delnode', name)} || exit 1;`,
    '  echo @done;',
    'fi;',
    `rm -rf ${cmd(`/etc/pve/nodes/${name}`)}`,
  ].join('\n');
}

export function separationActivities(deps: SshDeps) {
  return {
    async separateNode(task: NodeTask): Promise<SeparationResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(separationCommand(task.node.name), { label: 'separate from the cluster', timeoutMs: 5 * 60_000 });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !('already' in s || 'done' in s)) throw commandFailed(remote.target, 'separate from the cluster', r);
      return { status: 'already' in s ? 'already' : 'done' };
    },

    /** `pvecm delnode NAME` on a remaining member, regaining quorum with `pvecm expected` first when it was lost. */
    async deleteNode(task: NodeTask, name: string, remaining: number): Promise<SeparationResult> {
      if (name === task.node.name) throw ApplicationFailure.nonRetryable(`${task.node.name} cannot delete itself from the cluster`, 'InvalidStep');
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(deleteNodeCommand(name, remaining), { label: `pvecm delnode ${name}`, timeoutMs: 5 * 60_000 });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !('already' in s || 'done' in s)) throw commandFailed(remote.target, `pvecm delnode ${name}`, r);
      return { status: 'already' in s ? 'already' : 'done' };
    },

    /** Ceph and HA must be torn down first (they outlive the cluster otherwise); says what is there. */
    async clusterServices(task: NodeTask): Promise<{ ceph: boolean; haResources: string[] }> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(
        await remote.check([section('ceph', '[ -e /etc/pve/ceph.conf ] && echo yes || echo no'), section('ha', "awk '/^[a-z]+: /{print $1 $2}' /etc/pve/ha/resources.cfg 2>/dev/null || true")].join('; '), {
          label: 'Ceph and HA presence',
        }),
      );
      return { ceph: s.ceph === 'yes', haResources: (s.ha ?? '').split('\n').map((l) => l.trim()).filter(Boolean) };
    },
  };
}
