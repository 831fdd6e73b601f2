import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import { cephFailure } from './errors';
import { awaitTransientUnit, inTransientUnit, unitBusy } from '../ssh/transientUnit';
import { parseCephMonStatJson } from '../parsers/cephMonStatJson';
import { ParseError } from '../parsers/errors';

export type Step = { status: 'done' | 'already' };

/** `ceph --version` prints the release's name: `ceph version 19.2.3 (…) squid (stable)`. */
export function installedRelease(versionLine: string): string | undefined {
  return /^ceph version \S+ \([0-9a-f]+\) (\w+) /m.exec(versionLine)?.[1];
}

/**
 * pveceph's own steps, each guarded by the state it creates: the release `ceph --version`
 * reports, /etc/pve/ceph.conf, the monitor (in quorum, or its keyring and enabled unit) and the
 * manager (keyring and enabled unit), the two bootstrap-osd keyrings. Monitors and managers are
 * created in transient units, so a worker killed mid-create does not cut them short.
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

/** The state a monitor's or manager's creation leaves, and where PVE keeps it. */
function daemonPaths(kind: 'mon' | 'mgr', node: string) {
  const dir = `/var/lib/ceph/${kind}/ceph-${node}`;
  return { dir, keyring: `${dir}/keyring`, unit: `ceph-${kind}@${node}`, transient: `pve-runbooks-${kind}` };
}

/**
 * What a node has of its monitor or manager, read once a create an earlier attempt started has
 * ended: the data directory, its keyring (written by `ceph-mon --mkfs` or with the mgr's key,
 * before the unit is enabled), the unit, and for a monitor the quorum (`ceph mon stat` names the
 * monitors in quorum; recent releases name no others).
 */
export function daemonStateCommand(kind: 'mon' | 'mgr', node: string): string {
  const p = daemonPaths(kind, node);
  return [
    awaitTransientUnit(p.transient),
    `if [ -d ${quoteArg(p.dir)} ]; then echo @dir; fi`,
    `if [ -s ${quoteArg(p.keyring)} ]; then echo @keyring; fi`,
    section('enabled', `systemctl is-enabled ${quoteArg(p.unit)} 2>/dev/null || true`),
    section('active', `systemctl is-active ${quoteArg(p.unit)} 2>/dev/null || true`),
    ...(kind === 'mon' ? [section('monstat', 'ceph --connect-timeout 10 mon stat -f json 2>/dev/null || true')] : []),
  ].join('\n');
}

export type DaemonState =
  /** Created: what is missing is only the unit enabled or running (`fix` says how). */
  | { kind: 'created'; fix: string[] }
  /** A data directory a cut create left (no keyring, or never enabled and not in quorum): PVE removes it on a failed create, and so do we. */
  | { kind: 'incomplete' }
  | { kind: 'absent' };

function quorumOf(monstat: string | undefined): string[] {
  if (!monstat) return [];
  try {
    return parseCephMonStatJson(monstat).quorum;
  } catch (err) {
    if (err instanceof ParseError) return [];
    throw err;
  }
}

/**
 * A monitor in quorum, or a data directory with its keyring whose unit was enabled (PVE enables
 * it only after the store and ceph.conf are written), is created: never removed, at most
 * enabled and started. Anything less is the debris of a cut create.
 */
export function daemonState(kind: 'mon' | 'mgr', node: string, s: Record<string, string>): DaemonState {
  const p = daemonPaths(kind, node);
  const inQuorum = kind === 'mon' && quorumOf(s.monstat).includes(node);
  const enabled = s.enabled === 'enabled';
  if (inQuorum || ('keyring' in s && enabled)) {
    const fix = [...(enabled ? [] : [cmd('systemctl', 'enable', p.unit)]), ...(s.active === 'active' ? [] : [cmd('systemctl', 'start', p.unit)])];
    return { kind: 'created', fix };
  }
  return 'dir' in s ? { kind: 'incomplete' } : { kind: 'absent' };
}

/** Debris removed, then `pveceph KIND create` in its transient unit; a keyring that appeared meanwhile (another attempt) stops it. */
export function daemonCreateCommand(kind: 'mon' | 'mgr', node: string): string {
  const p = daemonPaths(kind, node);
  return [
    awaitTransientUnit(p.transient),
    `if [ -s ${quoteArg(p.keyring)} ]; then echo @existing; else rm -rf ${quoteArg(p.dir)} && ${inTransientUnit(p.transient, ['pveceph', kind, 'create'])}; fi`,
  ].join('\n');
}

async function daemon(deps: SshDeps, task: NodeTask, kind: 'mon' | 'mgr'): Promise<Step> {
  const remote = Remote.of(task.node, task, deps);
  const node = task.node.name;
  const label = `pveceph ${kind} create`;
  const state = daemonState(kind, node, parseSections(await remote.check(daemonStateCommand(kind, node), { label: `${kind} state` })));
  if (state.kind === 'created') {
    if (state.fix.length === 0) return { status: 'already' };
    await remote.check(state.fix.join(' && '), { label: state.fix.join(', ') });
    return { status: 'done' };
  }
  // The inventory's command timeout bounds it: a monitor that does not come up in that time is retried, and the retry finds it if it did.
  const r = await remote.run(daemonCreateCommand(kind, node), { label });
  if (r.stdout.includes('@existing')) return { status: 'already' };
  if (unitBusy(r.stderr)) throw ApplicationFailure.retryable(`${where(remote.target)}: another attempt's \`${label}\` is still running; waiting for it`, 'StepStillRunning');
  // The data directory was cleared just before, so "already exists" is ceph.conf or the monmap naming a monitor this node no longer has.
  if (/already exist|already in use/i.test(r.stdout + r.stderr)) {
    throw ApplicationFailure.nonRetryable(
      `${where(remote.target)}: \`${label}\` refused: ${(r.stderr || r.stdout).trim()}. ${kind}.${node} is still registered from a create that was cut short${state.kind === 'incomplete' ? ' (its incomplete data directory was removed)' : ''}. Fix: run \`pveceph ${kind} destroy ${node}\` on it, then retry.`,
      'CephRefused',
    );
  }
  if (r.exitCode !== 0) throw cephFailure(remote.target, label, r);
  return { status: 'done' };
}
