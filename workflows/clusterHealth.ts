import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CephView } from '../activities/ceph/status';
import type { NodeHealth, Unreadable } from '../activities/cluster/health';
import { cephSettings } from '../common/hyperConverged';
import type { RunbookInventory } from '../common/inventory';
import { failureMessage } from './failure';
import { ProgressTracker } from './progress';
import { sshStep } from './retry';

export interface ClusterHealthInput {
  inventory: RunbookInventory;
}

/** Ceph as one monitor node reports it, or why no monitor could say. */
export type CephHealth = { node: string; health: string; checks: { code: string; severity: string; summary: string }[]; osds: CephView['osds']; pgs: CephView['pgs'] } | Unreadable;

export interface HealthReport {
  cluster: string;
  healthy: boolean;
  quorate: boolean;
  expectedVotes?: number;
  totalVotes?: number;
  members: { name: string; nodeid: number; online: boolean; ip?: string }[];
  nodes: { name: string; reachable: boolean; error?: string; health?: NodeHealth }[];
  problems: string[];
  /** Present when the inventory has a `ceph` section (and the run is recent enough to read it). */
  ceph?: CephHealth;
}

/**
 * The Ceph read came after clusterHealth's first shape: runs recorded before it (and any still in
 * flight on an older worker) replay without it. test/workflow/replay.test.ts proves both sides.
 */
export const CEPH_STATUS_PATCH = 'ceph-status';

/** A health check reads; it should answer quickly, not retry for minutes against a dead node. */
const healthStep = { ...sshStep, startToCloseTimeout: '2 minutes', retry: { ...sshStep.retry, maximumAttempts: 2 } };
const acts = proxyActivities<Activities>(healthStep);

const ok = <T extends object>(v: T | Unreadable): v is T => !('error' in v);

/** Health findings from every node's view (and Ceph's, when read); pure, so the verdict replays exactly. */
export function assessHealth(inv: RunbookInventory, views: HealthReport['nodes'], ceph?: CephHealth): Pick<HealthReport, 'healthy' | 'quorate' | 'expectedVotes' | 'totalVotes' | 'members' | 'problems'> {
  const problems: string[] = [];
  for (const v of views) if (!v.reachable) problems.push(`${v.name} is unreachable: ${v.error}`);
  const reporting = views.filter((v) => v.health);
  const quorum = reporting.map((v) => v.health!.status).find(ok);
  const status = reporting.map((v) => v.health!.clusterStatus).find((s) => ok(s) && s.clustered);
  if (!status || !ok(status)) problems.push(`no node reports a cluster: the nodes are standalone or their cluster stack is down`);
  const members = status && ok(status) ? status.nodes.map((n) => ({ name: n.name, nodeid: n.nodeid, online: n.online, ip: n.ip })) : [];
  for (const v of reporting) {
    const h = v.health!;
    if (ok(h.clusterStatus) && !h.clusterStatus.clustered) problems.push(`${v.name} is standalone`);
    if (ok(h.clusterStatus) && h.clusterStatus.clustered && !h.clusterStatus.quorate) problems.push(`${v.name} has no quorum`);
    if (ok(h.links)) {
      for (const l of h.links.links) {
        const down = l.peers.filter((p) => !p.connected && !p.local);
        if (down.length) problems.push(`${v.name}: corosync link ${l.id} is down to node id(s) ${down.map((p) => p.nodeid).join(', ')}`);
      }
    }
  }
  for (const m of members) if (!m.online) problems.push(`member ${m.name} is offline`);
  const names = new Set(members.map((m) => m.name));
  if (members.length) for (const n of inv.nodes) if (!names.has(n.name)) problems.push(`${n.name} is in the inventory but not a cluster member`);
  const expectedVotes = quorum && ok(quorum) ? quorum.expectedVotes : undefined;
  const totalVotes = quorum && ok(quorum) ? quorum.totalVotes : undefined;
  if (expectedVotes !== undefined && totalVotes !== undefined && totalVotes < expectedVotes) problems.push(`${totalVotes} of ${expectedVotes} expected votes present`);
  if (ceph && !ok(ceph)) problems.push(`Ceph status unreadable: ${ceph.error}`);
  if (ceph && ok(ceph) && ceph.health !== 'HEALTH_OK') problems.push(`Ceph is ${ceph.health}${ceph.checks.length ? `: ${ceph.checks.map((c) => `${c.code} ${c.summary}`).join('; ')}` : ''}`);
  const quorate = !!(status && ok(status) && status.quorate);
  return { healthy: problems.length === 0, quorate, expectedVotes, totalVotes, members, problems: [...new Set(problems)] };
}

/**
 * `ceph -s` from the first monitor whose node answered the health read, the next one if that
 * fails: one reachable monitor is enough to know Ceph's view.
 */
export async function readCeph(inv: RunbookInventory, nodes: HealthReport['nodes']): Promise<CephHealth> {
  const reachable = new Set(nodes.filter((n) => n.reachable).map((n) => n.name));
  const monitors = inv.nodes.filter((n) => cephSettings(inv)!.monitors.includes(n.name) && reachable.has(n.name));
  const errors: string[] = [];
  for (const n of monitors) {
    try {
      const s = await acts.cephStatus.executeWithOptions({ ...healthStep, summary: `ceph -s on ${n.name}` }, [{ node: n, ssh: inv.ssh }]);
      return { node: n.name, health: s.health, checks: s.checks.map((c) => ({ code: c.code, severity: c.severity, summary: c.summary })), osds: s.osds, pgs: s.pgs };
    } catch (err) {
      errors.push(`${n.name}: ${failureMessage(err).message}`);
    }
  }
  return { error: errors.length ? errors.join('; ') : 'no monitor node is reachable' };
}

/** Every node's health view, read in parallel; a node that cannot be read is reported, not thrown. */
export function readNodes(inv: RunbookInventory, progress: ProgressTracker): Promise<HealthReport['nodes']> {
  return Promise.all(
    inv.nodes.map(async (n) => {
      try {
        const health = await acts.nodeHealth.executeWithOptions({ ...healthStep, summary: `health of ${n.name}` }, [{ node: n, ssh: inv.ssh }]);
        progress.node(n.name, 'read', 'done');
        return { name: n.name, reachable: true, health };
      } catch (err) {
        const { message } = failureMessage(err);
        progress.node(n.name, 'read', 'failed', message);
        return { name: n.name, reachable: false, error: message };
      }
    }),
  );
}

/** `make cluster-status`, `cluster-nodes` and `cluster-health` in one read-only report, Ceph's health included when the inventory has Ceph. */
export async function clusterHealth(input: ClusterHealthInput): Promise<HealthReport> {
  const inv = input.inventory;
  const progress = new ProgressTracker('clusterHealth', inv.cluster.name, inv.nodes.map((n) => n.name), inv.ceph ? ['read', 'ceph'] : ['read']);
  progress.phase('read');
  const nodes = await readNodes(inv, progress);
  let ceph: CephHealth | undefined;
  if (inv.ceph && patched(CEPH_STATUS_PATCH)) {
    progress.phase('ceph');
    ceph = await readCeph(inv, nodes);
  }
  progress.phase('done');
  return { cluster: inv.cluster.name, nodes, ...assessHealth(inv, nodes, ceph), ...(ceph ? { ceph } : {}) };
}
