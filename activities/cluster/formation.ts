import { ApplicationFailure } from '@temporalio/common';
import { parseCorosyncConf } from '../parsers/corosyncConf';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { awaitTransientUnit, inTransientUnit, unitBusy } from '../ssh/transientUnit';
import { ParseError } from '../parsers/errors';
import { NodeTask } from '../nodes/task';
import { certificateCheck } from './verify';
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

const CREATE_UNIT = 'pve-runbooks-create';
const JOIN_UNIT = 'pve-runbooks-join';

/** The joining node asks the existing one over its own root trust, as `pvecm add --use_ssh` does. */
const BATCH_SSH = ['ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10'];

/**
 * The check and the act run in one remote script, after any run of the act an earlier attempt
 * left behind has ended, so a node that is already configured (a retry after the worker died
 * with `pvecm` done but unrecorded) answers with its corosync.conf instead of being asked to
 * form a cluster twice. The act itself runs in a transient unit, out of the session's reach.
 */
export function formationCommand(unit: string, argv: string[]): string {
  return [
    awaitTransientUnit(unit),
    'if [ -e /etc/corosync/corosync.conf ] || [ -e /etc/pve/corosync.conf ]; then',
    `  ${section('existing', 'cat /etc/corosync/corosync.conf 2>/dev/null || cat /etc/pve/corosync.conf')};`,
    'else',
    `  ${inTransientUnit(unit, argv)};`,
    'fi',
  ].join('\n');
}

/**
 * Where a join of this node stands, read once any join an earlier attempt started has ended:
 * its corosync.conf, whether corosync and pve-cluster run, whether it has its certificate (what
 * finish_join makes last), and, when it has no configuration, what the existing node's
 * corosync.conf says (`pvecm addnode` may have listed it before the join was cut).
 */
export function joinStateCommand(node: string, via: string): string {
  const noConf = '[ ! -e /etc/corosync/corosync.conf ] && [ ! -e /etc/pve/corosync.conf ]';
  return [
    awaitTransientUnit(JOIN_UNIT),
    section('local', 'cat /etc/corosync/corosync.conf 2>/dev/null || cat /etc/pve/corosync.conf 2>/dev/null || true'),
    section('units', 'systemctl is-active corosync pve-cluster || true'),
    certificateCheck(node),
    `if ${noConf}; then ${section('cluster', `${cmd(...BATCH_SSH, `root@${via}`, 'cat /etc/pve/corosync.conf')} 2>/dev/null || true`)}; fi`,
  ].join('\n');
}

/**
 * The rest of PVE's finish_join, from wherever an interrupted one stopped: corosync and
 * pve-cluster running (they are stopped in the middle of it), then `pvecm updatecerts --force`,
 * which waits for quorum and makes the node's certificate and SSH files, then the API daemons
 * reloaded for the new certificate.
 */
export const FINISH_JOIN_COMMAND = [
  awaitTransientUnit(JOIN_UNIT),
  [
    '{ systemctl is-active --quiet corosync && systemctl is-active --quiet pve-cluster || systemctl start corosync pve-cluster; }',
    inTransientUnit(JOIN_UNIT, ['pvecm', 'updatecerts', '--force']),
    'systemctl reload-or-restart pvedaemon pveproxy',
  ].join(' && '),
].join('\n');

/**
 * The middle of `pvecm add` when `pvecm addnode` ran on the existing node but the joining node
 * never got the cluster's files: fetch the authkey and corosync.conf from it over the root trust
 * `pvecm add` itself uses (base64, so the binary key survives the shell), then finish_join's
 * first steps. pmxcfs must start on the cluster's database, not on the
 * node's own, so pve-cluster is stopped and its database moved aside before corosync.conf,
 * the mark of a joined node, is written last.
 */
export function pullClusterConfigCommand(via: string): string {
  const fetch = (file: string) => `$(${cmd(...BATCH_SSH, `root@${via}`, 'base64', '-w0', file)})`;
  const db = '/var/lib/pve-cluster/config.db';
  return [
    `key=${fetch('/etc/corosync/authkey')}`,
    `conf=${fetch('/etc/pve/corosync.conf')}`,
    '[ -n "$key" ] && [ -n "$conf" ]',
    'systemctl stop pve-cluster',
    `{ [ ! -e ${db} ] || { mkdir -p /var/lib/pve-cluster/backup && gzip -c ${db} > /var/lib/pve-cluster/backup/config-$(date +%s).db.gz && rm -f ${db}; }; }`,
    'mkdir -p /etc/corosync',
    'printf %s "$key" | base64 -d > /etc/corosync/authkey',
    'chmod 400 /etc/corosync/authkey',
    'printf %s "$conf" | base64 -d > /etc/corosync/corosync.conf.new',
    'mv /etc/corosync/corosync.conf.new /etc/corosync/corosync.conf',
  ].join(' &&\n');
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

/** Whether the existing node's corosync.conf (read from the joining node) lists the joining node in this cluster. */
function listedBy(conf: string | undefined, cluster: string, node: string): boolean {
  if (!conf) return false;
  try {
    const parsed = parseCorosyncConf(conf);
    return parsed.clusterName === cluster && parsed.nodes.some((n) => n.name === node);
  } catch (err) {
    if (err instanceof ParseError) return false;
    throw err;
  }
}

/** How the join of a node stands (see joinStateCommand). */
export type JoinState =
  /** Nothing of the cluster anywhere: `pvecm add` has to run. */
  | { kind: 'fresh' }
  /** `pvecm addnode` listed the node but it never got the cluster's files (the cluster may have lost quorum waiting for it). */
  | { kind: 'listed' }
  /** The node has the cluster's configuration; `finish` when part of finish_join is missing. */
  | { kind: 'configured'; conf: string; finish: boolean };

export function joinState(s: Record<string, string>, cluster: string, node: string): JoinState {
  if (s.local) {
    const down = (s.units ?? '').split('\n').some((u) => u.trim() !== 'active');
    return { kind: 'configured', conf: s.local, finish: down || s.cert !== 'present' };
  }
  return listedBy(s.cluster, cluster, node) ? { kind: 'listed' } : { kind: 'fresh' };
}

function busy(t: SshTarget, label: string): ApplicationFailure {
  return ApplicationFailure.retryable(`${where(t)}: another attempt's \`${label}\` is still running; waiting for it`, 'StepStillRunning');
}

/** The configured node's join, finished if an interrupted run left part of it undone. */
async function completeJoin(remote: Remote, node: string, cluster: string, state: Extract<JoinState, { kind: 'configured' }>): Promise<FormationResult> {
  const already = alreadyConfigured(remote.target, node, cluster, state.conf);
  if (!state.finish) return already;
  await finishJoin(remote);
  return { status: 'done' };
}

async function finishJoin(remote: Remote): Promise<void> {
  const label = 'systemctl start corosync pve-cluster, pvecm updatecerts --force';
  const r = await remote.run(FINISH_JOIN_COMMAND, { label, timeoutMs: 10 * 60_000 });
  if (unitBusy(r.stderr)) throw busy(remote.target, 'pvecm updatecerts');
  if (r.exitCode !== 0) throw commandFailed(remote.target, label, r);
}

export function formationActivities(deps: SshDeps) {
  return {
    /** `pvecm create NAME --link0 ADDR` on the primary, once. */
    async createClusterOnPrimary(task: NodeTask, clusterName: string, link0: string): Promise<FormationResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(formationCommand(CREATE_UNIT, ['pvecm', 'create', clusterName, '--link0', link0]), { label: 'pvecm create', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if ('existing' in s) return alreadyConfigured(remote.target, task.node.name, clusterName, s.existing);
      if (unitBusy(r.stderr)) throw busy(remote.target, 'pvecm create');
      if (r.exitCode !== 0) throw pvecmFailure(remote.target, 'pvecm create', r);
      return { status: 'done' };
    },

    /**
     * `pvecm add EXISTING --link0 ADDR --use_ssh` on a joining node, once; a join an earlier
     * attempt left half done (the node crashed, or a controller before this one ran it in its
     * session) is finished rather than started again.
     */
    async joinCluster(task: NodeTask, clusterName: string, via: string, link0: string): Promise<FormationResult> {
      const remote = Remote.of(task.node, task, deps);
      const node = task.node.name;
      const readState = async () => joinState(parseSections(await remote.check(joinStateCommand(node, via), { label: 'join state', timeoutMs: 10 * 60_000 })), clusterName, node);
      const state = await readState();
      if (state.kind === 'configured') return completeJoin(remote, node, clusterName, state);
      if (state.kind === 'listed') {
        const label = `fetch authkey and corosync.conf from ${via}`;
        const pulled = await remote.run(pullClusterConfigCommand(via), { label });
        if (pulled.exitCode !== 0) throw commandFailed(remote.target, label, pulled);
        await finishJoin(remote);
        return { status: 'done' };
      }
      const r = await remote.run(formationCommand(JOIN_UNIT, ['pvecm', 'add', via, '--link0', link0, '--use_ssh']), { label: 'pvecm add', timeoutMs: 10 * 60_000 });
      // Another attempt joined the node between the two scripts: its join is read and finished like any other.
      if ('existing' in parseSections(r.stdout)) {
        const now = await readState();
        if (now.kind !== 'configured') throw ApplicationFailure.retryable(`${where(remote.target)}: its cluster configuration came and went during the join`, 'StepStillRunning');
        return completeJoin(remote, node, clusterName, now);
      }
      if (unitBusy(r.stderr)) throw busy(remote.target, 'pvecm add');
      if (r.exitCode !== 0) throw pvecmFailure(remote.target, 'pvecm add', r);
      return { status: 'done' };
    },
  };
}
