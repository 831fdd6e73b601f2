import { ApplicationFailure } from '@temporalio/common';
import { parseCorosyncConf } from '../parsers/corosyncConf';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import type { SshTarget } from '../ssh/pool';
import type { ExecResult } from '../ssh/pool';

export interface FormationResult {
  status: 'done' | 'already';
}

/** pvecm's own refusals that no retry can fix, with what the operator must do. */
const PERMANENT: [RegExp, string][] = [
  [/already contains virtual guests/i, 'move or remove its guests first: a node that joins must be empty'],
  [/authentication key .* already exists/i, 'the node carries a corosync authkey from an earlier cluster: separate it cleanly first'],
  [/corosync is already running/i, 'corosync runs on the node: it still belongs to a cluster'],
  [/cluster config .* already exists|corosync\.conf.* already exists/i, 'the node already has a cluster configuration'],
  [/cannot use IP .*not found on local node|not a local address/i, 'the link0 address must be configured on the node itself'],
  [/join API version|incompatible/i, 'the nodes run different PVE versions: upgrade them to the same one'],
];

function pvecmFailure(t: SshTarget, label: string, r: ExecResult): ApplicationFailure {
  const text = `${r.stderr}\n${r.stdout}`;
  const hit = PERMANENT.find(([re]) => re.test(text));
  const f = commandFailed(t, label, r, !!hit);
  if (hit) return ApplicationFailure.create({ message: `${f.message}. Fix: ${hit[1]}.`, type: 'PvecmRefused', nonRetryable: true, details: f.details ?? undefined });
  return f;
}

/**
 * The check and the act run in one remote script, so a node that is already configured (a
 * retry after the worker died with `pvecm` done but unrecorded) answers with its corosync.conf
 * instead of being asked to form a cluster twice.
 */
export function formationCommand(act: string): string {
  return [
    'if [ -e /etc/pve/corosync.conf ]; then',
    `  ${section('existing', 'cat /etc/pve/corosync.conf')};`,
    'else',
    `  ${act};`,
    'fi',
  ].join('\n');
}

function alreadyConfigured(t: SshTarget, node: string, cluster: string, conf: string): FormationResult {
  const parsed = parseCorosyncConf(conf);
  if (parsed.clusterName !== cluster) {
    throw ApplicationFailure.nonRetryable(`${where(t)} already belongs to cluster ${parsed.clusterName}, not ${cluster}.`, 'ForeignCluster');
  }
  if (!parsed.nodes.some((n) => n.name === node)) {
    throw ApplicationFailure.nonRetryable(`${where(t)} has cluster ${cluster}'s configuration but is not in its nodelist; separate it and run again.`, 'ForeignCluster');
  }
  return { status: 'already' };
}

export function formationActivities(deps: SshDeps) {
  return {
    /** `pvecm create NAME --link0 ADDR` on the primary, once. */
    async createClusterOnPrimary(task: NodeTask, clusterName: string, link0: string): Promise<FormationResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(formationCommand(cmd('pvecm', 'create', clusterName, '--link0', link0)), { label: 'pvecm create', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if ('existing' in s) return alreadyConfigured(remote.target, task.node.name, clusterName, s.existing);
      if (r.exitCode !== 0) throw pvecmFailure(remote.target, 'pvecm create', r);
      return { status: 'done' };
    },

    /** `pvecm add EXISTING --link0 ADDR --use_ssh` on a joining node, once. */
    async joinCluster(task: NodeTask, clusterName: string, via: string, link0: string): Promise<FormationResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(formationCommand(cmd('pvecm', 'add', via, '--link0', link0, '--use_ssh')), { label: 'pvecm add', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if ('existing' in s) return alreadyConfigured(remote.target, task.node.name, clusterName, s.existing);
      if (r.exitCode !== 0) throw pvecmFailure(remote.target, 'pvecm add', r);
      return { status: 'done' };
    },
  };
}
