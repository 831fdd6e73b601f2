import { ApplicationFailure, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NodeFacts } from '../activities/nodes/facts';
import type { RunbookInventory, RunbookNode } from '../common/inventory';
import { ProgressTracker } from './progress';
import { OperatorGate, type OperatorPolicy, type OperatorRecord } from './operator/gate';
import { sshStep } from './retry';
import { cephSettings, haSettings } from '../common/hyperConverged';

export interface DestroyClusterInput {
  inventory: RunbookInventory;
  /** The cluster to destroy when it is not the inventory's (createCluster --force-recreate of a foreign cluster). */
  clusterName?: string;
  /** A confirmation given up front (by a parent runbook or a script); otherwise the `confirm` Update is awaited. */
  confirm?: string;
  /** How long to wait for the confirmation before giving up, changing nothing. */
  confirmWithinSeconds?: number;
  /** Tear down HA, the test VM, pools, OSDs, managers and monitors first, instead of refusing while they exist. */
  teardown?: boolean;
  /** How long a failed step waits for the operator's `decide` (retry, skip or abort), and what happens when nobody answers. */
  operator?: Omit<OperatorPolicy, 'onNoDecision'>;
}

export interface DestroyClusterResult {
  cluster: string;
  separated: string[];
  alreadyStandalone: string[];
  /** What the teardown removed, in order. */
  tornDown: string[];
  summary: string;
  /** What the operator (or the wait policy) decided when steps failed. */
  decisions?: OperatorRecord[];
}

export const DESTROY_CLUSTER_PHASES = ['discover', 'awaiting confirmation', 'teardown', 'separate', 'verify'];

/** Confirms the destruction with the exact cluster name; anything else is rejected by the validator and recorded nowhere. */
export const confirmUpdate = defineUpdate<{ confirmed: string }, [{ clusterName: string }]>('confirm');

const acts = proxyActivities<Activities>(sshStep);

/**
 * `make destroy-cluster`: every node back to standalone by PVE's documented separation, only
 * after a confirmation carrying the exact cluster name, and never while Ceph or HA resources
 * exist (they would be orphaned). Members go one at a time, each removed from the remaining
 * cluster with `pvecm delnode`; the primary goes last.
 */
export async function destroyCluster(input: DestroyClusterInput): Promise<DestroyClusterResult> {
  const inv = input.inventory;
  const name = input.clusterName ?? inv.cluster.name;
  const progress = new ProgressTracker('destroyCluster', name, inv.nodes.map((n) => n.name), DESTROY_CLUSTER_PHASES);
  const task = (n: RunbookNode) => ({ node: n, ssh: inv.ssh });
  let confirmed = input.confirm === name;
  setHandler(
    confirmUpdate,
    ({ clusterName }) => {
      confirmed = true;
      return { confirmed: clusterName };
    },
    {
      validator: ({ clusterName }) => {
        if (clusterName !== name) throw new Error(`"${clusterName}" is not the cluster's name; confirm with exactly "${name}"`);
      },
    },
  );

  progress.phase('discover');
  const facts: Record<string, NodeFacts> = Object.fromEntries(
    await Promise.all(inv.nodes.map(async (n) => [n.name, await acts.gatherNodeFacts.executeWithOptions({ ...sshStep, summary: `discover ${n.name}` }, [task(n)])] as const)),
  );
  const foreign = inv.nodes.filter((n) => facts[n.name].mode === 'cluster' && facts[n.name].clusterName !== name);
  if (foreign.length) {
    throw ApplicationFailure.nonRetryable(
      `refusing: ${foreign.map((n) => `${n.name} belongs to cluster ${facts[n.name].clusterName}`).join(', ')}, not ${name}; nothing was changed`,
      'ForeignCluster',
    );
  }
  const listed = new Set(inv.nodes.map((n) => n.name));
  const strangers = [...new Set(inv.nodes.flatMap((n) => facts[n.name].clusterMembers))].filter((m) => !listed.has(m));
  if (strangers.length) {
    throw ApplicationFailure.nonRetryable(`refusing: cluster ${name} has members the inventory does not list (${strangers.join(', ')}); add them so every member is separated; nothing was changed`, 'IncompleteInventory');
  }
  const clustered = inv.nodes.filter((n) => facts[n.name].mode === 'cluster');
  const standalone = inv.nodes.filter((n) => facts[n.name].mode === 'standalone').map((n) => n.name);
  if (clustered.length === 0) {
    progress.phase('done');
    return { cluster: name, separated: [], alreadyStandalone: standalone, tornDown: [], summary: `every node is already standalone; nothing to do` };
  }
  const services = await acts.clusterServices.executeWithOptions({ ...sshStep, summary: 'Ceph and HA presence' }, [task(clustered[0])]);
  if ((services.ceph || services.haResources.length) && !input.teardown) {
    throw ApplicationFailure.nonRetryable(
      `refusing: the cluster still has ${[services.ceph ? 'Ceph' : '', services.haResources.length ? `HA resources (${services.haResources.join(', ')})` : ''].filter(Boolean).join(' and ')}; tear them down first; nothing was changed`,
      'ServicesPresent',
    );
  }

  progress.phase('awaiting confirmation');
  if (!(await condition(() => confirmed, `${input.confirmWithinSeconds ?? 86_400} seconds`))) {
    throw ApplicationFailure.nonRetryable(`no confirmation arrived for destroying cluster ${name}; nothing was changed`, 'NotConfirmed');
  }

  const gate = new OperatorGate(progress, input.operator, { rollbackRefused: 'a destroyed cluster is built again with createCluster, not undone' });
  const tornDown: string[] = [];
  if (services.ceph || services.haResources.length) {
    progress.phase('teardown');
    tornDown.push(...(await gate.must({ label: 'Ceph and HA teardown', neededBecause: 'separating the nodes first would orphan Ceph and the HA resources' }, () => teardown(inv, clustered, progress))));
  }

  progress.phase('separate');
  const primary = clustered.find((n) => n.primary) ?? clustered[0];
  const order = [...clustered.filter((n) => n !== primary).reverse(), primary];
  const remaining = [...order];
  const separated: string[] = [];
  for (const n of order) {
    progress.node(n.name, 'separate', 'running');
    remaining.splice(remaining.indexOf(n), 1);
    const keeper = remaining[remaining.length - 1];
    await gate.must({ label: `separate ${n.name}`, neededBecause: `the remaining members' vote count and the next separation count on ${n.name} being gone` }, async () => {
      await acts.separateNode.executeWithOptions({ ...sshStep, startToCloseTimeout: '10 minutes', summary: `separate ${n.name}` }, [task(n)]);
      if (keeper) await acts.deleteNode.executeWithOptions({ ...sshStep, summary: `pvecm delnode ${n.name} on ${keeper.name}` }, [task(keeper), n.name, remaining.length]);
    });
    separated.push(n.name);
    progress.node(n.name, 'standalone', 'done');
  }

  progress.phase('verify');
  const verified = await gate.step({ label: 'verify every node standalone' }, async () => {
    const after = await Promise.all(inv.nodes.map((n) => acts.gatherNodeFacts.executeWithOptions({ ...sshStep, summary: `verify ${n.name}` }, [task(n)])));
    const left = inv.nodes.filter((n, i) => after[i].mode !== 'standalone' || after[i].hasAuthkey || after[i].knownNodes.some((k) => k !== n.name));
    if (left.length) {
      throw ApplicationFailure.nonRetryable(`separation incomplete on ${left.map((n) => n.name).join(', ')}: cluster configuration or other nodes' files remain`, 'VerificationFailed');
    }
    return true;
  });
  progress.phase('done');
  const summary = [
    `cluster ${name} destroyed: ${separated.join(', ')} back to standalone`,
    ...(verified ? [] : ['verification skipped by the operator']),
    ...(gate.decisions.length ? [`operator decisions: ${gate.decisions.map((d) => `${d.action} at "${d.step}"`).join(', ')}`] : []),
  ].join('; ');
  return { cluster: name, separated, alreadyStandalone: standalone, tornDown, summary, ...(gate.decisions.length ? { decisions: gate.decisions } : {}) };
}

/**
 * Ceph and HA removed in PVE's documented order (pve-docs, "Destroy Ceph"): HA resources and
 * their group or rule, the test VM this project created, pools with their storages, each node's
 * OSDs one node at a time, managers and monitors, then `pveceph purge` on every node. Every step
 * reads what is there, so a retry finds nothing left to do.
 */
async function teardown(inv: RunbookInventory, nodes: RunbookNode[], progress: ProgressTracker): Promise<string[]> {
  const task = (n: RunbookNode) => ({ node: n, ssh: inv.ssh });
  const done: string[] = [];
  const first = nodes[0];
  const opts = (summary: string) => ({ ...sshStep, startToCloseTimeout: '30 minutes', summary });
  const ha = await acts.removeHa.executeWithOptions(opts('remove HA resources, groups and rules'), [task(first)]);
  done.push(...ha.removed.map((r) => `HA ${r}`));
  const vm = haSettings(inv)?.testVm;
  if (vm) {
    const r = await acts.destroyTestVm.executeWithOptions(opts(`destroy test VM ${vm.id}`), [task(first), vm.id, vm.name]);
    if (r.status === 'done') done.push(`VM ${vm.id}`);
  }
  const pools = await acts.destroyPools.executeWithOptions(opts('destroy pools'), [task(first)]);
  done.push(...pools.destroyed.map((p) => `pool ${p}`));
  for (const n of nodes) {
    progress.node(n.name, 'destroy OSDs', 'running');
    const r = await acts.destroyNodeOsds.executeWithOptions(opts(`destroy OSDs of ${n.name}`), [task(n)]);
    done.push(...r.destroyed.map((id) => `osd.${id} on ${n.name}`));
  }
  // `pveceph mon destroy` refuses the last monitor; `pveceph purge` takes it.
  const monitors = cephSettings(inv)?.monitors ?? nodes.map((n) => n.name);
  const lastMonitor = [...nodes].reverse().find((n) => monitors.includes(n.name)) ?? nodes[nodes.length - 1];
  for (const n of nodes) {
    progress.node(n.name, 'destroy manager and monitor', 'running');
    const r = await acts.destroyNodeDaemons.executeWithOptions(opts(`destroy ceph daemons of ${n.name}`), [task(n), n === lastMonitor]);
    done.push(...r.removed.map((d) => `${d} on ${n.name}`));
  }
  const system = await acts.destroyPools.executeWithOptions(opts('destroy the managers\' own pools'), [task(nodes[nodes.length - 1]), true]);
  done.push(...system.destroyed.map((p) => `pool ${p}`));
  for (const n of [...nodes].reverse()) {
    const r = await acts.purgeCeph.executeWithOptions(opts(`pveceph purge on ${n.name}`), [task(n)]);
    if (r.status === 'done') done.push(`Ceph purged on ${n.name}`);
    progress.node(n.name, 'Ceph removed', 'done');
  }
  return done;
}
