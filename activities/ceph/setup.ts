import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import { cephFailure } from './errors';

export type Step = { status: 'done' | 'already' };

/** `ceph --version` prints the release's name: `ceph version 19.2.3 (…) squid (stable)`. */
export function installedRelease(versionLine: string): string | undefined {
  return /^ceph version \S+ \([0-9a-f]+\) (\w+) /m.exec(versionLine)?.[1];
}

/**
 * pveceph's own steps, each guarded by the state it creates: the release `ceph --version`
 * reports, /etc/pve/ceph.conf, the monitor's and the manager's data directories, the two
 * bootstrap-osd keyrings.
 */
export function cephSetupActivities(deps: SshDeps) {
  return {
    /** `pveceph install` with an explicit repository and version, non-interactive; skipped when that release is installed. */
    async installCeph(task: NodeTask, repository: string, version: string): Promise<Step & { release: string }> {
      const remote = Remote.of(task.node, task, deps);
      // Every PVE node ships ceph-common (PVE's storage layer needs it), so `ceph --version` answers
      // before any install; the monitor binary is what `pveceph install` adds, and what pveceph checks.
      const before = await remote.run('[ -x /usr/bin/ceph-mon ] && ceph --version 2>/dev/null', { label: 'ceph --version' });
      if (before.exitCode === 0 && installedRelease(before.stdout) === version) return { status: 'already', release: version };
      const install = `DEBIAN_FRONTEND=noninteractive ${cmd('pveceph', 'install', '--repository', repository, '--version', version)} </dev/null`;
      const r = await remote.run(install, { label: `pveceph install --version ${version}`, timeoutMs: 30 * 60_000 });
      if (r.exitCode !== 0) throw cephFailure(remote.target, `pveceph install --repository ${repository} --version ${version}`, r);
      const after = await remote.check('ceph --version', { label: 'ceph --version' });
      const release = installedRelease(after);
      if (release !== version) throw ApplicationFailure.nonRetryable(`${where(remote.target)}: after pveceph install, ceph --version reports ${release ?? after.trim()}, not ${version}.`, 'CephVersionMismatch');
      return { status: 'done', release };
    },

    /** `pveceph init` on one node; an existing ceph.conf must carry the same public network. */
    async initCeph(task: NodeTask, publicNetwork: string, clusterNetwork?: string): Promise<Step> {
      const remote = Remote.of(task.node, task, deps);
      const init = cmd('pveceph', 'init', '--network', publicNetwork, ...(clusterNetwork && clusterNetwork !== publicNetwork ? ['--cluster-network', clusterNetwork] : []));
      const r = await remote.run(`if [ -e /etc/pve/ceph.conf ]; then ${section('existing', 'cat /etc/pve/ceph.conf')}; else ${init}; fi`, { label: 'pveceph init' });
      const s = parseSections(r.stdout);
      if ('existing' in s) {
        const net = /^\s*public[_ ]network\s*=\s*(\S+)/m.exec(s.existing)?.[1];
        if (net && net !== publicNetwork) {
          throw ApplicationFailure.nonRetryable(`${where(remote.target)}: Ceph is already initialised with public network ${net}, not ${publicNetwork}; fix ceph.publicNetwork or purge Ceph first.`, 'CephConfConflict');
        }
        return { status: 'already' };
      }
      if (r.exitCode !== 0) throw cephFailure(remote.target, 'pveceph init', r);
      return { status: 'done' };
    },

    async ensureMonitor(task: NodeTask): Promise<Step> {
      return daemon(deps, task, 'mon');
    },

    async ensureManager(task: NodeTask): Promise<Step> {
      return daemon(deps, task, 'mgr');
    },

    /** ceph-volume reads the bootstrap-osd key from /var/lib/ceph; PVE keeps the cluster's copy in /etc/pve/priv. */
    async ensureBootstrapKeyring(task: NodeTask): Promise<Step> {
      const remote = Remote.of(task.node, task, deps);
      const local = '/var/lib/ceph/bootstrap-osd/ceph.keyring';
      const shared = '/etc/pve/priv/ceph.client.bootstrap-osd.keyring';
      const script = [
        `if [ -s ${local} ] && [ -s ${shared} ]; then echo @present; exit 0; fi`,
        `mkdir -p /var/lib/ceph/bootstrap-osd`,
        `[ -s ${local} ] || ceph auth get client.bootstrap-osd -o ${local}.new && { [ -s ${local} ] || mv ${local}.new ${local}; }`,
        `[ -s ${shared} ] || cp ${local} ${shared}`,
        'echo @written',
      ].join('\n');
      const r = await remote.run(script, { label: 'ceph auth get client.bootstrap-osd' });
      if (r.exitCode !== 0 || !/@(present|written)/.test(r.stdout)) throw cephFailure(remote.target, 'ceph auth get client.bootstrap-osd', r);
      return { status: r.stdout.includes('@present') ? 'already' : 'done' };
    },
  };
}

async function daemon(deps: SshDeps, task: NodeTask, kind: 'mon' | 'mgr'): Promise<Step> {
  const remote = Remote.of(task.node, task, deps);
  const dir = `/var/lib/ceph/${kind}/ceph-${task.node.name}`;
  // The inventory's command timeout bounds it: a monitor that does not come up in that time is retried, and the retry finds it if it did.
  const r = await remote.run(`if [ -d ${quoteArg(dir)} ]; then echo @existing; else ${cmd('pveceph', kind, 'create')} 2>&1 && echo @created; fi`, { label: `pveceph ${kind} create` });
  if (r.stdout.includes('@existing')) return { status: 'already' };
  if (/already exists/i.test(r.stdout + r.stderr)) return { status: 'already' };
  if (r.exitCode !== 0 || !r.stdout.includes('@created')) throw cephFailure(remote.target, `pveceph ${kind} create`, { ...r, stderr: r.stderr || r.stdout });
  return { status: 'done' };
}
