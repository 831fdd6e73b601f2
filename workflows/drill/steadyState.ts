import type { DrillProbe } from '../../activities/drill/probe';
import type { ClusterStatusJson, PvecmStatus } from '../../activities/parsers';
import type { DrillCheck } from '../../common/drill/result';

/** Pure (no workflow API): the checks replay exactly and are unit-tested on their own. */
const readable = <T extends object>(v: T | { error: string } | undefined): v is T => !!v && !('error' in v);

/** A node's probe, or why there is none. */
export type ProbeOutcome = { node: string; probe: DrillProbe } | { node: string; error: string };

export interface SteadyStateInput {
  phase: DrillCheck['phase'];
  nodes: string[];
  probes: ProbeOutcome[];
  /** The VMs whose failover the drill watches, and the node they must run on now. */
  vms: number[];
  victim: string;
  /** Ceph is part of the cluster (the inventory asks for it). */
  ceph: boolean;
  /** Other runbooks running on this cluster (before only). */
  others?: { workflowId: string; runbook: string }[];
}

const sid = (vm: number) => `vm:${vm}`;

/** The first readable view of the cluster from the nodes that answered: every node sees the same pmxcfs. */
export function firstProbe(probes: ProbeOutcome[]): DrillProbe | undefined {
  for (const p of probes) if ('probe' in p) return p.probe;
  return undefined;
}

/**
 * Without the victim, the rest must keep quorum, or HA recovers nothing: the survivors' votes
 * (with a QDevice's) against votequorum's quorum. Two nodes without a QDevice never pass.
 */
export function blastRadius(quorum: PvecmStatus, victimNodeId: number | undefined, memberCount: number): DrillCheck {
  const name = 'blast radius';
  if (memberCount === 2 && !quorum.qdevice && !quorum.flags.includes('2Node')) {
    return { phase: 'before', name, ok: false, detail: 'a 2-node cluster without a QDevice loses quorum when one node dies, so HA cannot recover anything; add a QDevice (pvecm qdevice setup IP) first' };
  }
  const victimVotes = quorum.nodes.find((n) => n.nodeid === victimNodeId)?.votes ?? 1;
  const left = quorum.totalVotes - victimVotes;
  return left >= quorum.quorum
    ? { phase: 'before', name, ok: true, detail: `without the victim ${left} of ${quorum.expectedVotes} votes remain, quorum is ${quorum.quorum}` }
    : { phase: 'before', name, ok: false, detail: `without the victim only ${left} vote(s) remain, below the quorum of ${quorum.quorum}: the survivors would stop, not recover` };
}

/**
 * Is the cluster in the state a drill may start from (before) or must end in (after): every
 * node online and quorate, Ceph HEALTH_OK, the watched VMs started, no HA resource in error, no
 * other runbook on the cluster, and (before) a blast radius the survivors can take.
 */
export function steadyStateChecks(s: SteadyStateInput): DrillCheck[] {
  const checks: DrillCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ phase: s.phase, name, ok, detail });
  const answered = s.probes.filter((p): p is { node: string; probe: DrillProbe } => 'probe' in p);
  const silent = s.probes.filter((p): p is { node: string; error: string } => 'error' in p);
  const views = answered.map((p) => ({ from: p.node, cluster: p.probe.cluster })).filter((v) => readable(v.cluster)) as { from: string; cluster: ClusterStatusJson }[];
  const cluster = views[0]?.cluster;

  // Any node that sees a member offline is enough: probes answer at slightly different times, and a node just back sees itself well.
  const offlineSeen = new Map<string, string>();
  for (const v of views) for (const n of v.cluster.nodes) if (!n.online && s.nodes.includes(n.name) && !offlineSeen.has(n.name)) offlineSeen.set(n.name, v.from);
  const offline = [
    ...silent.map((p) => `${p.node} does not answer (${p.error})`),
    ...[...offlineSeen].map(([n, from]) => `${n} is offline in ${from}'s view`),
    ...(cluster ? s.nodes.filter((n) => !cluster.nodes.some((c) => c.name === n)).map((n) => `${n} is not a member of the cluster`) : ['no node reports the cluster status']),
  ];
  add('nodes online', offline.length === 0, offline.length ? offline.join('; ') : `${s.nodes.length} of ${s.nodes.length} nodes online`);

  const unquorate = answered.filter((p) => !readable(p.probe.quorum) || !p.probe.quorum.quorate).map((p) => p.node);
  add('quorum', unquorate.length === 0 && answered.length > 0, unquorate.length ? `no quorum on ${unquorate.join(', ')}` : 'every node is quorate');

  if (s.ceph) {
    const ceph = answered.map((p) => p.probe.ceph).find(readable);
    add('ceph', ceph?.health === 'HEALTH_OK', ceph ? `${ceph.health}${ceph.checks.length ? ` (${ceph.checks.join(', ')})` : ''}` : 'no node could read `ceph -s`');
  }

  const ha = answered.map((p) => p.probe.ha).find(readable);
  if (!ha) {
    add('ha', false, 'no node could read the HA status');
  } else {
    const errors = ha.services.filter((x) => x.state === 'error' || x.crmState === 'error').map((x) => x.sid);
    add('ha errors', errors.length === 0, errors.length ? `HA resources in error: ${errors.join(', ')}` : 'no HA resource in error');
    const problems: string[] = [];
    for (const vm of s.vms) {
      const svc = ha.services.find((x) => x.sid === sid(vm));
      if (!svc) problems.push(`${sid(vm)} is not HA-managed`);
      else if (svc.state !== 'started') problems.push(`${sid(vm)} is ${svc.state}, not started`);
      else if (s.phase === 'before' && svc.node !== s.victim) problems.push(`${sid(vm)} runs on ${svc.node}, not on the victim ${s.victim}`);
    }
    if (s.vms.length === 0) problems.push(`no HA-managed VM runs on ${s.victim}: nothing would fail over`);
    add('vms started', problems.length === 0, problems.length ? problems.join('; ') : `${s.vms.map(sid).join(', ')} started`);
  }

  if (s.others) {
    add('no other runbook', s.others.length === 0, s.others.length ? `already running on this cluster: ${s.others.map((o) => `${o.runbook} (${o.workflowId})`).join(', ')}` : 'no other runbook runs on this cluster');
  }

  if (s.phase === 'before') {
    const quorum = answered.map((p) => p.probe.quorum).find(readable);
    const victimId = cluster?.nodes.find((n) => n.name === s.victim)?.nodeid;
    if (!quorum || !cluster) add('blast radius', false, 'no node could read the quorum information');
    else checks.push(blastRadius(quorum, victimId, cluster.nodes.length));
    if (!s.nodes.includes(s.victim)) add('victim', false, `${s.victim} is not a node of the inventory (${s.nodes.join(', ')})`);
  }
  return checks;
}

/** The failing checks as one line: the `skipped: why` of a drill that crashes nothing. */
export function failedChecks(checks: DrillCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${c.detail}`)
    .join('; ');
}
