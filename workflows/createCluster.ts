import { ApplicationFailure, executeChild, proxyActivities } from '@temporalio/workflow';
import { destroyCluster } from './destroyCluster';
import type { Activities } from '../activities';
import type { NodeFacts } from '../activities/nodes/facts';
import type { ClusterView } from '../activities/cluster/probe';
import type { NodeVerification } from '../activities/cluster/verify';
import type { RunbookInventory, RunbookNode } from '../common/inventory';
import { Convergence, waitUntil } from './cluster/converge';
import { link0Of, planCluster, preflightProblems } from './cluster/plan';
import { ProgressTracker } from './progress';
import { OperatorGate, type OperatorPolicy, type OperatorRecord } from './operator/gate';
import { sshStep } from './retry';
import { hyperConvergedPhases } from '../common/hyperConverged';
import { phaseContext, perNode as fanOut } from './cluster/phaseContext';
import { privateNetworkPhase, jumboPings, describeFailedPairs, NetworkReport } from './hyper/network';
import { cephPhase, CephReport } from './hyper/ceph';
import { haPhase, HaReport } from './hyper/ha';
import { validationPhase, ValidationReport } from './hyper/validate';
import { hardwareProblems, jumboReady } from './hyper/preflight';
import type { StorageState } from '../activities/disks/inspect';
import type { NetworkState } from '../activities/network/privateNetwork';
import { nodeDisks, nodeNetwork } from '../common/hyperConverged';

export interface CreateClusterInput {
  inventory: RunbookInventory;
  /** Destroy a cluster that cannot be reconciled (another name, unknown members) and build anew; `confirm` is its exact name. */
  forceRecreate?: { confirm: string };
  /** Seconds a convergence wait may take before the runbook fails saying what was not reached. */
  convergeWithinSeconds?: number;
  pollEverySeconds?: number;
  /** Seconds Ceph may take to reach each state it is waited for (quorum, OSDs up, HEALTH_OK). */
  cephWithinSeconds?: number;
  /** How long a failed step waits for the operator's `decide`, and what happens when nobody answers. */
  operator?: OperatorPolicy;
}

export interface CreateClusterResult {
  cluster: string;
  created: boolean;
  joined: string[];
  alreadyMembers: string[];
  nodes: {
    name: string;
    nodeid?: number;
    quorate: boolean;
    expectedVotes: number;
    totalVotes: number;
    linksConnected: boolean;
    sshdConfig: 'changed' | 'already';
  }[];
  /** The controller key in the cluster-wide /etc/pve/priv/authorized_keys. */
  controllerKey: 'added' | 'present';
  warnings: string[];
  summary: string;
  /** Phases 7–10, present when the inventory asks for them. */
  network?: NetworkReport;
  ceph?: CephReport;
  ha?: HaReport;
  validation?: ValidationReport;
  /** What the operator (or the wait policy) decided when steps failed. */
  decisions?: OperatorRecord[];
}

export const CREATE_CLUSTER_PHASES = ['discover', 'preflight', 'ssh-trust', 'create', 'join', 'post-cluster-ssh', 'verify'];
export const HYPER_CONVERGED_PHASES = ['network', 'ceph', 'ha', 'validate'] as const;

const acts = proxyActivities<Activities>(sshStep);
/** PVE's cluster-wide authorized_keys, which post-cluster SSH makes sshd read. */
const CLUSTER_KEYS = '/etc/pve/priv/authorized_keys';
/** pvecm create and add take minutes on real hardware; heartbeats still notice a dead worker in seconds. */
const formationStep = { ...sshStep, startToCloseTimeout: '15 minutes' };

function step<A extends unknown[], R>(fn: { executeWithOptions(o: typeof sshStep, a: A): Promise<R> }, summary: string, args: A): Promise<R> {
  return fn.executeWithOptions({ ...sshStep, summary }, args);
}

/**
 * `make create-cluster` as a convergent reconcile: discover, preflight (nothing changes before it
 * passes), SSH trust, create, serial joins each followed by a durable convergence wait,
 * post-cluster SSH, verification. Re-running it adds only what is missing.
 */
export async function createCluster(input: CreateClusterInput): Promise<CreateClusterResult> {
  const inv = input.inventory;
  const name = inv.cluster.name;
  const withinMs = (input.convergeWithinSeconds ?? 300) * 1000;
  const every = `${input.pollEverySeconds ?? 2} seconds`;
  const byName = new Map(inv.nodes.map((n) => [n.name, n]));
  const task = (n: RunbookNode) => ({ node: n, ssh: inv.ssh });
  const hc = hyperConvergedPhases(inv);
  const wanted = { network: hc.network, ceph: hc.ceph, ha: hc.ha, validate: hc.network || hc.ceph || hc.ha };
  const phases = [...CREATE_CLUSTER_PHASES, ...HYPER_CONVERGED_PHASES.filter((p) => wanted[p])];
  const progress = new ProgressTracker('createCluster', name, inv.nodes.map((n) => n.name), phases);
  const warnings: string[] = [];
  const ctx = phaseContext(inv, progress, { every, withinMs, warnings, gate: new OperatorGate(progress, input.operator) });
  const perNode = <R>(label: string, nodes: RunbookNode[], fn: (n: RunbookNode) => Promise<R>) => fanOut(ctx, label, nodes, fn);

  const discover = () => perNode('discover', inv.nodes, (n) => step(acts.gatherNodeFacts, `discover ${n.name}`, [task(n)]));
  progress.phase('discover');
  let facts: Record<string, NodeFacts> = await discover();
  let plan = planCluster(inv, facts);
  if (plan.kind === 'refuse' && input.forceRecreate) {
    const found = Object.values(facts).find((f) => f.mode === 'cluster')?.clusterName ?? name;
    if (input.forceRecreate.confirm !== found) {
      throw ApplicationFailure.nonRetryable(`--force-recreate destroys cluster ${found}: confirm with exactly "${found}" (got "${input.forceRecreate.confirm}"); nothing was changed`, 'NotConfirmed');
    }
    progress.phase('recreate: destroy');
    await executeChild(destroyCluster, { workflowId: `destroyCluster-${found}`, args: [{ inventory: inv, clusterName: found, confirm: found }] });
    progress.phase('discover');
    facts = await discover();
    plan = planCluster(inv, facts);
  }
  if (plan.kind === 'refuse') {
    throw ApplicationFailure.nonRetryable(
      `cluster ${name} cannot be reconciled, nothing was changed:\n- ${plan.reasons.join('\n- ')}\n` +
        `To destroy what is there and build anew: start-workflow createCluster --force-recreate --confirm <name of the existing cluster>.`,
      'ReconcileRefused',
    );
  }

  progress.phase('preflight');
  const problems = preflightProblems(inv, facts, plan);
  const pveMajor = Math.max(...Object.values(facts).map((f) => f.pveMajor));
  if (hc.ceph || hc.network) {
    const storage: Record<string, StorageState> = hc.ceph
      ? await perNode('inspect disks', inv.nodes, (n) => step(acts.inspectStorage, `disks of ${n.name}`, [task(n), nodeDisks(inv, n)!]))
      : {};
    const network: Record<string, NetworkState> = hc.network ? await perNode('inspect network', inv.nodes, (n) => step(acts.readNetworkState, `network of ${n.name}`, [task(n)])) : {};
    problems.push(...hardwareProblems(inv, pveMajor, storage, network));
    const ready = jumboReady(inv, network);
    if (hc.network && ready.length >= 2) {
      const mtu = Math.min(...inv.nodes.map((n) => nodeNetwork(inv, n)!.mtu));
      problems.push(...describeFailedPairs(await jumboPings(ctx, ready, mtu, 'preflight jumbo ping')).map((p) => `MTU ${mtu} does not pass end to end: ${p}`));
    }
  }
  if (problems.length) {
    for (const p of problems) {
      const node = p.split(':')[0];
      if (byName.has(node)) progress.node(node, 'preflight', 'failed', p);
    }
    throw ApplicationFailure.nonRetryable(`preflight found ${problems.length} problem(s), nothing was changed:\n- ${problems.join('\n- ')}`, 'PreflightFailed');
  }
  if (inv.nodes.length === 2) {
    warnings.push('a two-node cluster loses quorum when either node is down: add a QDevice (`pvecm qdevice setup QDEVICE_IP`, corosync-qnetd on a third machine) before relying on it');
  }

  const via = byName.get(plan.via)!;
  const newcomers = plan.joins.map((j) => byName.get(j)!);
  const gate = ctx.gate;
  progress.phase('ssh-trust');
  // Members of an existing cluster share /root/.ssh/authorized_keys (a symlink into /etc/pve/priv):
  // one of them writes it, so concurrent appends never race into duplicate lines.
  const writesKeys = (n: RunbookNode) => !plan.members.includes(n.name) || n.name === via.name;
  await gate.must({ label: 'controller key', neededBecause: 'every later step logs in to the nodes with this key' }, () =>
    perNode('controller key', inv.nodes.filter(writesKeys), async (n) => {
      const r = await step(acts.installControllerKey, `controller key on ${n.name}`, [task(n)]);
      if (r.status === 'added') gate.compensate(`controller key on ${n.name}`, () => step(acts.undoControllerKey, `remove the controller key on ${n.name}`, [task(n), r]));
      return r;
    }),
  );
  const ids = await gate.must({ label: 'root and host keys', neededBecause: 'the nodes trust each other by these keys' }, () =>
    perNode('root and host keys', inv.nodes, async (n) => {
      const r = await step(acts.ensureNodeIdentity, `root and host keys of ${n.name}`, [task(n)]);
      if (r.generated) gate.compensate(`root key pair of ${n.name}`, () => step(acts.undoNodeIdentity, `remove the root key pair made on ${n.name}`, [task(n), r]));
      return r;
    }),
  );
  const peers = inv.nodes.map((n) => ({
    name: n.name,
    aliases: [n.name, ...(n.hostname ? [n.hostname] : []), facts[n.name].fqdn, link0Of(n)].filter((a, i, all) => a && all.indexOf(a) === i),
    rootKey: ids[n.name].rootKey,
    hostKeys: ids[n.name].hostKeys,
  }));
  await gate.must({ label: 'trust peers', neededBecause: '`pvecm add --use_ssh` logs in from each joining node to the primary with this trust' }, () =>
    perNode('trust peers', inv.nodes, async (n) => {
      const r = await step(acts.trustPeers, `trust peers on ${n.name}`, [task(n), peers.filter((p) => p.name !== n.name), writesKeys(n)]);
      if (r.added > 0) gate.compensate(`trust of peers on ${n.name}`, () => step(acts.undoTrustPeers, `remove the peer trust added on ${n.name}`, [task(n), r]));
      return r;
    }),
  );
  await gate.step({ label: 'node-to-node SSH check' }, () =>
    perNode('node-to-node SSH', newcomers, (n) => step(acts.checkPeerSsh, `${n.name} → ${via.name} SSH`, [task(n), [link0Of(via)]])),
  );

  const probeAll = async (nodes: RunbookNode[]): Promise<ClusterView[]> => Promise.all(nodes.map((n) => acts.probeCluster(task(n))));
  const members = [...plan.members];
  const converged = (expect: string[]) => async (): Promise<Convergence> => {
    const views = await probeAll(expect.map((m) => byName.get(m)!));
    const missing: string[] = [];
    for (const v of views) {
      if (v.clusterName !== name) missing.push(`${v.node} does not see cluster ${name} yet`);
      const absent = expect.filter((m) => !v.members.includes(m));
      if (absent.length) missing.push(`${v.node} does not list ${absent.join(', ')} as members`);
      const noDir = expect.filter((m) => !v.nodeDirs.includes(m));
      if (noDir.length) missing.push(`${v.node} has no /etc/pve/nodes/${noDir.join(', /etc/pve/nodes/')}`);
      if (!v.quorate) missing.push(`${v.node} is not quorate`);
      if (v.expectedVotes !== undefined && v.expectedVotes !== expect.length) missing.push(`${v.node} expects ${v.expectedVotes} votes, not ${expect.length}`);
    }
    return { done: missing.length === 0, missing: missing.join('; ') };
  };

  if (plan.create) {
    progress.phase('create');
    progress.node(via.name, 'pvecm create', 'running');
    await gate.must({ label: `pvecm create ${name} on ${via.name}`, neededBecause: 'every join needs the cluster it creates' }, async () => {
      await acts.createClusterOnPrimary.executeWithOptions({ ...formationStep, summary: `pvecm create ${name} on ${via.name}` }, [task(via), name, link0Of(via)]);
      // Registered from the plan, not from `done`: discovery proved there was no cluster before the run, so
      // an `already` here is this run's own create, read again by a retry after the worker died.
      if (!members.includes(via.name)) {
        gate.compensate(`cluster ${name} created on ${via.name}`, () => step(acts.separateNode, `separate ${via.name}`, [task(via)]));
        members.push(via.name);
      }
      await waitUntil(`cluster ${name} formed on ${via.name}`, converged(members), { every, withinMs });
    });
    progress.node(via.name, 'pvecm create', 'done');
  }

  progress.phase('join');
  for (const n of newcomers) {
    progress.node(n.name, 'pvecm add', 'running');
    await gate.must({ label: `pvecm add ${n.name}`, neededBecause: `verification and every later phase expect ${n.name} in the cluster` }, async () => {
      await acts.joinCluster.executeWithOptions({ ...formationStep, summary: `pvecm add ${n.name} via ${via.name}` }, [task(n), name, link0Of(via), link0Of(n)]);
      // As for the create: the plan says the node was not a member before the run.
      if (!members.includes(n.name)) {
        gate.compensate(`${n.name} joined to ${name}`, async () => {
          // As destroyCluster does: the node leaves first, then the rest forget it and count one vote less.
          await step(acts.separateNode, `separate ${n.name}`, [task(n)]);
          // Undone newest first, so the members before this one in the list are the ones that remain.
          await step(acts.deleteNode, `pvecm delnode ${n.name} on ${via.name}`, [task(via), n.name, members.indexOf(n.name)]);
        });
        members.push(n.name);
      }
      await waitUntil(`${n.name} a member everywhere`, converged(members), {
        every,
        withinMs,
        onPoll: (c) => progress.node(n.name, c.done ? 'joined' : 'waiting for convergence', c.done ? 'done' : 'running', undefined),
      });
    });
  }

  progress.phase('post-cluster-ssh');
  const sshd = await gate.must({ label: 'post-cluster SSH', neededBecause: 'node-to-node SSH (migration, HA, the later phases) goes through the cluster-wide key file it enables' }, () =>
    perNode('post-cluster SSH', inv.nodes, async (n) => {
      const r = await step(acts.configureClusterSsh, `sshd and cluster keys on ${n.name}`, [task(n), n.name === via.name]);
      if (r.sshdConfig === 'changed') gate.compensate(`sshd_config on ${n.name}`, () => step(acts.undoSshdConfig, `restore sshd_config on ${n.name}`, [task(n)]));
      if (r.controllerKey === 'added') {
        gate.compensate(`controller key in ${CLUSTER_KEYS}`, () => step(acts.undoControllerKey, `remove the controller key from ${CLUSTER_KEYS}`, [task(n), { file: CLUSTER_KEYS, key: r.controllerKeyLine }]));
      }
      return r;
    }),
  );
  for (const [node, r] of Object.entries(sshd)) {
    if (!r.symlinkIntact) warnings.push(`${node}: /root/.ssh/authorized_keys is not PVE's symlink to /etc/pve/priv/authorized_keys; run \`pvecm updatecerts\` on it`);
  }

  progress.phase('verify');
  const expected = inv.nodes.length;
  const nodes = await gate.must({ label: 'verify', neededBecause: 'the private network, Ceph and HA are built only on a verified cluster' }, async () => {
    const checks: Record<string, NodeVerification> = await perNode('verify', inv.nodes, (n) => step(acts.verifyNode, `verify ${n.name}`, [task(n)]));
    const seen = inv.nodes.map((n) => {
      const v = checks[n.name];
      const local = v.nodes.nodes.find((m) => m.local);
      const peersSeen = v.links.links.every((l) => l.peers.every((p) => p.connected || p.local));
      return {
        name: n.name,
        nodeid: local?.nodeid,
        quorate: v.status.quorate,
        expectedVotes: v.status.expectedVotes,
        totalVotes: v.status.totalVotes,
        linksConnected: peersSeen && v.links.links.length > 0,
        sshdConfig: sshd[n.name].sshdConfig,
      };
    });
    const bad = seen.filter((n) => !n.quorate || n.expectedVotes !== expected || n.totalVotes !== expected || !n.linksConnected);
    if (bad.length) {
      throw ApplicationFailure.nonRetryable(
        `verification failed: ${bad.map((b) => `${b.name} (quorate ${b.quorate}, votes ${b.totalVotes}/${b.expectedVotes} of ${expected}, links ${b.linksConnected ? 'up' : 'down'})`).join('; ')}`,
        'VerificationFailed',
      );
    }
    return seen;
  });
  const hyper: Pick<CreateClusterResult, 'network' | 'ceph' | 'ha' | 'validation'> = {};
  if (hc.network) {
    progress.phase('network');
    hyper.network = await privateNetworkPhase(ctx);
  }
  if (hc.ceph) {
    progress.phase('ceph');
    hyper.ceph = await cephPhase(ctx, (input.cephWithinSeconds ?? 1800) * 1000);
  }
  if (hc.ha) {
    progress.phase('ha');
    hyper.ha = await haPhase(ctx, pveMajor);
  }
  if (wanted.validate) {
    progress.phase('validate');
    const validation = await gate.step({ label: 'validate' }, async () => {
      const v = await validationPhase(ctx);
      if (!v.ok) throw ApplicationFailure.nonRetryable(`validation found ${v.problems.length} problem(s):\n- ${v.problems.join('\n- ')}`, 'ValidationFailed');
      return v;
    });
    if (validation) hyper.validation = validation;
    else warnings.push('validation was skipped by the operator');
  }
  progress.phase('done');
  const summary = [
    plan.create ? `created cluster ${name} on ${via.name}` : `cluster ${name} existed`,
    newcomers.length ? `joined ${newcomers.map((n) => n.name).join(', ')}` : 'no node to join',
    `${expected} nodes quorate with ${expected} votes`,
    ...(hyper.network ? [`private network ${hyper.network.nodes[0]?.bridge} at MTU ${hyper.network.nodes[0]?.mtu} on every node`] : []),
    ...(hyper.ceph ? [`Ceph ${hyper.ceph.status.health} with ${hyper.ceph.status.osds.up}/${hyper.ceph.status.osds.total} OSDs up, pool ${hyper.ceph.pool.name}`] : []),
    ...(hyper.ha ? [`HA ${hyper.ha.placement} ${hyper.ha.name}: ${hyper.ha.resources.map((r) => `${r.sid} ${r.state} on ${r.node}`).join(', ')}`] : []),
    ...(gate.decisions.length ? [`operator decisions: ${gate.decisions.map((d) => `${d.action} at "${d.step}"`).join(', ')}`] : []),
  ].join('; ');
  return {
    cluster: name,
    created: plan.create,
    joined: newcomers.map((n) => n.name),
    alreadyMembers: plan.members,
    nodes,
    controllerKey: sshd[via.name].controllerKey ?? 'present',
    warnings,
    summary,
    ...(gate.decisions.length ? { decisions: gate.decisions } : {}),
    ...hyper,
  };
}
