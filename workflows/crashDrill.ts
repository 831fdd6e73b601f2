import { condition, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DrillProbe } from '../activities/drill/probe';
import type { HaEvent } from '../activities/parsers/journal';
import type { RunbookInventory, RunbookNode } from '../common/inventory';
import type { DrillCheck, DrillResult, DrillStage, DrillVm } from '../common/drill/result';
import { defaultSlo, DRILL_WAITS, HA_CONSTANTS } from '../common/drill/slo';
import { cephSettings, haSettings } from '../common/hyperConverged';
import { failureMessage } from './failure';
import { ProgressTracker } from './progress';
import { sshStep } from './retry';
import { decideUpdate } from './operator/gate';
import { failedChecks, firstProbe, steadyStateChecks, type ProbeOutcome } from './drill/steadyState';
import { failedBackAt, failoverStages, isoAt, rejoinedAt, stage } from './drill/stages';

export interface CrashDrillInput {
  inventory: RunbookInventory;
  /** The node to crash, or `auto` (the default): the node running the first protected VM. */
  victim?: string;
  /** The VMs to watch; default: the HA-managed VMs started on the victim. */
  vms?: number[];
  slo?: { recoverySeconds?: number; startedSeconds?: number };
  /** kernel.panic set on the victim before the crash, so it reboots by itself; unset leaves the node's setting. */
  rebootSeconds?: number;
  /** Cluster seconds to wait for the victim to rejoin before asking the operator. Default 900. */
  victimReturnSeconds?: number;
  /** Cluster seconds after the crash by which every watched VM must run elsewhere. Default: twice the started SLO, at least 600. */
  watchSeconds?: number;
  /** Cluster seconds for Ceph to return to HEALTH_OK once the victim is back. Default 900. */
  cephWithinSeconds?: number;
  /** Migrate the VMs back to the victim once it is back. */
  failback?: boolean;
  /** Every check, no crash. */
  dryRun?: boolean;
  /** Seconds between polls of the cluster (durable timers). Default 5. */
  pollSeconds?: number;
  /** Seconds an operator decision is awaited; then the drill aborts. Default 86400. */
  operatorWaitSeconds?: number;
  /** Started by a Temporal Schedule. */
  scheduled?: boolean;
}

export const CRASH_DRILL_PHASES = ['steady state', 'crash', 'watch', 'victim return', 'ceph', 'failback', 'final check', 'report'];

export type DrillDecision = 'retry' | 'skip' | 'abort';

const probeStep: ActivityOptions = {
  ...sshStep,
  startToCloseTimeout: '2 minutes',
  retry: { ...sshStep.retry, maximumAttempts: 3, maximumInterval: '5 seconds' },
};
/** The crash is retried only to learn whether the first attempt crashed the node; triggerCrash refuses a second write. */
const crashStep: ActivityOptions = { ...sshStep, startToCloseTimeout: '2 minutes', retry: { ...sshStep.retry, maximumAttempts: 4 } };
const acts = proxyActivities<Activities>(sshStep);

const sidOf = (vm: number) => `vm:${vm}`;

/**
 * The kernel-panic failover drill: from a verified steady state, crash one node for real, follow
 * HA from the survivors until its VMs run elsewhere, time every stage from the cluster's own
 * journal and clock, wait for the victim and Ceph to come back (asking the operator when the
 * victim does not), optionally fail back, check the steady state again, and report.
 */
export async function crashDrill(input: CrashDrillInput): Promise<DrillResult> {
  const inv = input.inventory;
  const info = workflowInfo();
  const nodes = inv.nodes.map((n) => n.name);
  const byName = new Map(inv.nodes.map((n) => [n.name, n]));
  const task = (n: RunbookNode) => ({ node: n, ssh: inv.ssh });
  const withCeph = cephSettings(inv) !== undefined;
  const pollMs = (input.pollSeconds ?? 5) * 1000;
  const victimWaitSeconds = input.victimReturnSeconds ?? DRILL_WAITS.victimReturnSeconds;
  const cephWaitSeconds = input.cephWithinSeconds ?? DRILL_WAITS.cephSeconds;
  const operatorWaitSeconds = input.operatorWaitSeconds ?? DRILL_WAITS.operatorSeconds;
  const sloFor = (victimIsMaster: boolean) => {
    const d = defaultSlo(victimIsMaster);
    return { recoverySeconds: input.slo?.recoverySeconds ?? d.recoverySeconds, startedSeconds: input.slo?.startedSeconds ?? d.startedSeconds };
  };
  let slo = sloFor(false);
  const progress = new ProgressTracker('crashDrill', inv.cluster.name, nodes, CRASH_DRILL_PHASES);

  const checks: DrillCheck[] = [];
  const stages: DrillStage[] = [];
  const notes: string[] = [];
  const operator: DrillResult['operator'] = [];
  let vms: DrillVm[] = [];
  let victim = input.victim && input.victim !== 'auto' ? input.victim : '';
  let startedAt = '';
  let crashAtMs: number | undefined;
  let pveMajor: number | undefined;

  let awaiting = false;
  let decision: DrillDecision | undefined;
  setHandler(
    decideUpdate,
    ({ action }) => {
      decision = action as DrillDecision;
      return { accepted: decision };
    },
    {
      validator: ({ action }) => {
        if (!awaiting) throw new Error('the drill is not waiting for a decision now');
        if (action === 'rollback') throw new Error('a drill changes nothing that a rollback could undo; choose retry, skip or abort');
        if (!['retry', 'skip', 'abort'].includes(action)) throw new Error(`unknown action "${action}"; choose retry, skip or abort`);
      },
    },
  );

  const finish = async (verdict: DrillResult['verdict'], reason: string): Promise<DrillResult> => {
    progress.phase('report');
    const result: DrillResult = {
      workflowId: info.workflowId,
      runId: info.runId,
      cluster: inv.cluster.name,
      ...(pveMajor !== undefined ? { pveMajor } : {}),
      verdict,
      reason,
      victim,
      dryRun: !!input.dryRun,
      scheduled: !!input.scheduled,
      startedAt,
      ...(crashAtMs !== undefined ? { crashAt: isoAt(crashAtMs) } : {}),
      slo,
      stages: [...stages].sort((a, b) => a.sinceCrashSeconds - b.sinceCrashSeconds),
      vms,
      checks,
      operator,
      notes,
      pollSeconds: pollMs / 1000,
    };
    const report = await acts.saveDrillReport.executeWithOptions({ ...sshStep, summary: 'write the drill report' }, [result]);
    progress.phase('done');
    return { ...result, report };
  };

  /** Probes every listed node at once; a node that does not answer is a finding, not a failure. */
  const probeAll = (names: string[]): Promise<ProbeOutcome[]> =>
    Promise.all(
      names.map(async (name) => {
        try {
          return { node: name, probe: await acts.drillProbe.executeWithOptions({ ...probeStep, summary: `probe ${name}` }, [task(byName.get(name)!), { ceph: withCeph }]) };
        } catch (err) {
          return { node: name, error: failureMessage(err).message };
        }
      }),
    );

  /** One survivor's view, trying each in turn: the watch must not stop because one node is busy. */
  const probeSurvivor = async (label: string): Promise<DrillProbe> => {
    let last = '';
    for (const name of nodes.filter((n) => n !== victim)) {
      try {
        return await acts.drillProbe.executeWithOptions({ ...probeStep, summary: `${label} via ${name}` }, [task(byName.get(name)!), { ceph: withCeph }]);
      } catch (err) {
        last = `${name}: ${failureMessage(err).message}`;
      }
    }
    throw new Error(`no survivor answers (${last})`);
  };

  const journal = async (sinceMs: number, from: string[]): Promise<HaEvent[]> => {
    const all = await Promise.all(
      from.map((name) =>
        acts.haJournal.executeWithOptions({ ...probeStep, summary: `journal of ${name}` }, [task(byName.get(name)!), sinceMs]).catch((err: unknown) => {
          notes.push(`could not read the journal of ${name}: ${failureMessage(err).message}`);
          return { node: name, events: [] as HaEvent[] };
        }),
      ),
    );
    return all.flatMap((j) => j.events);
  };

  // ---- steady state ----------------------------------------------------------------------------
  progress.phase('steady state');
  // Other runs first: the probes of a node that does not answer take its connect timeout, and a drill must not start behind another one's back.
  const others = await acts.otherRunsOnCluster.executeWithOptions({ ...sshStep, summary: 'other runbooks on this cluster' }, [inv.cluster.name, info.workflowId]);
  if (others.length) {
    checks.push({ phase: 'before', name: 'no other runbook', ok: false, detail: `already running on this cluster: ${others.map((o) => `${o.runbook} (${o.workflowId})`).join(', ')}` });
    return finish('skipped', `skipped: ${failedChecks(checks)}`);
  }
  const before = await probeAll(nodes);
  const view = firstProbe(before);
  startedAt = view ? isoAt(view.clockMs) : '';
  pveMajor = view?.pveMajor;
  const ha = view && !('error' in view.ha) ? view.ha : undefined;
  const protectedVms = input.vms ?? haSettings(inv)?.vms ?? ha?.services.filter((s) => s.sid.startsWith('vm:')).map((s) => Number(s.sid.slice(3))) ?? [];
  if (!victim) victim = ha?.services.find((s) => s.sid === sidOf(protectedVms[0] ?? -1))?.node ?? '';
  const watched = input.vms ?? (ha?.services ?? []).filter((s) => s.node === victim && s.requestState !== 'stopped' && s.requestState !== 'disabled' && s.sid.startsWith('vm:')).map((s) => Number(s.sid.slice(3)));
  if (victim && ha?.master?.node === victim) {
    slo = sloFor(true);
    notes.push(`${victim} is the HA master: a survivor takes over only after the manager lock expires, then fences after the fence delay, so the default SLOs allow ${HA_CONSTANTS.fenceDelaySeconds} s more`);
  }
  checks.push(...steadyStateChecks({ phase: 'before', nodes, probes: before, vms: watched, victim: victim || '(none)', ceph: withCeph, others }));
  for (const p of before) progress.node(p.node, 'steady state', 'probe' in p ? 'done' : 'failed', 'error' in p ? p.error : undefined);
  if (!victim) return finish('skipped', 'skipped: no victim: no node runs a protected VM (give --victim NODE)');
  const refused = failedChecks(checks);
  if (refused) return finish('skipped', `skipped: ${refused}`);
  vms = watched.map((id) => ({ id, from: victim, to: null }));
  if (input.dryRun) return finish('skipped', `dry run: every check passed; ${victim} would be crashed and ${watched.map(sidOf).join(', ')} watched`);

  // ---- crash -----------------------------------------------------------------------------------
  progress.phase('crash');
  const victimNode = byName.get(victim)!;
  const victimProbe = before.find((p) => p.node === victim && 'probe' in p) as { probe: DrillProbe };
  const victimNodeId = view && !('error' in view.cluster) ? view.cluster.nodes.find((n) => n.name === victim)?.nodeid : undefined;
  if (input.rebootSeconds !== undefined && input.rebootSeconds < slo.recoverySeconds) {
    notes.push(`kernel.panic = ${input.rebootSeconds} s is shorter than the recovery SLO (${slo.recoverySeconds} s): ${victim} may be back before HA recovers its VMs, and then nothing fails over`);
  }
  if (input.rebootSeconds !== undefined) {
    await acts.ensureKernelPanic.executeWithOptions({ ...sshStep, summary: `kernel.panic=${input.rebootSeconds} on ${victim}` }, [task(victimNode), input.rebootSeconds]);
  } else if (victimProbe.probe.kernelPanic === 0) {
    notes.push(`${victim} has kernel.panic = 0: it stays down after the crash until it is powered on`);
  }
  const lastSeen = await probeSurvivor('clock before the crash');
  const othersNow = await acts.otherRunsOnCluster.executeWithOptions({ ...sshStep, summary: 'other runbooks on this cluster, again' }, [inv.cluster.name, info.workflowId]);
  const changed = failedChecks(steadyStateChecks({ phase: 'before', nodes, probes: [{ node: lastSeen.node, probe: lastSeen }], vms: watched, victim, ceph: withCeph, others: othersNow }));
  if (changed) return finish('skipped', `skipped: the cluster changed during the checks: ${changed}`);
  progress.node(victim, 'crash (echo c > /proc/sysrq-trigger)', 'running');
  const crash = await acts.triggerCrash.executeWithOptions({ ...crashStep, summary: `crash ${victim} (echo c > /proc/sysrq-trigger)` }, [task(victimNode), victimProbe.probe.bootId]);
  const crashed = crash.clockMs ?? lastSeen.clockMs;
  crashAtMs = crashed;
  stages.push(stage('crash', crashed, crashed, crash.clockMs !== undefined ? `clock of ${victim} just before the sysrq write` : `clock of ${lastSeen.node} before the crash`, { node: victim }));
  if (crash.status === 'already') notes.push(`the crash was confirmed on a retry: ${crash.detail}`);
  progress.node(victim, 'crashed', 'done');

  // ---- watch -----------------------------------------------------------------------------------
  progress.phase('watch');
  const watchMs = (input.watchSeconds ?? Math.max(600, 2 * slo.startedSeconds)) * 1000;
  const placed = new Map<number, string>();
  let now = lastSeen.clockMs;
  while (placed.size < watched.length && now - crashed <= watchMs) {
    await sleep(pollMs);
    const p = await probeSurvivor('watch HA').catch((err) => {
      notes.push(`watch: ${failureMessage(err).message}`);
      return undefined;
    });
    if (!p) continue;
    now = p.clockMs;
    if ('error' in p.ha) continue;
    const ha = p.ha;
    const victimOnline = !('error' in p.cluster) && p.cluster.nodes.some((n) => n.name === victim && n.online);
    if (victimOnline && watched.every((vm) => ha.services.some((s) => s.sid === sidOf(vm) && s.node === victim && s.state === 'started'))) {
      notes.push(`${victim} came back ${Math.round((now - crashed) / 1000)} s after the crash and started ${watched.map(sidOf).join(', ')} itself before HA recovered them elsewhere: it rebooted faster than HA fails over; give a longer --reboot-after (kernel.panic)`);
      break;
    }
    for (const vm of watched) {
      const svc = p.ha.services.find((s) => s.sid === sidOf(vm));
      if (svc && svc.state === 'started' && svc.node !== victim) placed.set(vm, svc.node);
      progress.node(victim, `${sidOf(vm)}: ${svc?.state ?? 'unknown'}${svc && svc.node !== victim ? ` on ${svc.node}` : ''}`, 'running');
    }
  }
  const survivors = nodes.filter((n) => n !== victim);
  const failover = failoverStages(await journal(crashed - 5000, survivors), { victim, victimNodeId, vms: watched, crashAtMs: crashed });
  stages.push(...failover.stages);
  vms = failover.vms.map((v) => ({ ...v, to: v.to ?? placed.get(v.id) ?? null }));
  const unplaced = vms.filter((v) => v.to === null).map((v) => sidOf(v.id));
  if (unplaced.length) notes.push(`${unplaced.join(', ')} did not start on another node within ${watchMs / 1000} s of the crash`);

  // ---- victim return ---------------------------------------------------------------------------
  progress.phase('victim return');
  let back: DrillProbe | undefined;
  let deadline = now + victimWaitSeconds * 1000;
  let aborted = false;
  while (!back && !aborted) {
    await sleep(pollMs);
    const p = await probeSurvivor('wait for the victim').catch(() => undefined);
    if (p) now = p.clockMs;
    const online = p && !('error' in p.cluster) && p.cluster.nodes.some((n) => n.name === victim && n.online);
    if (online) {
      const [vp] = await probeAll([victim]);
      if (vp && 'probe' in vp && vp.probe.bootId !== victimProbe.probe.bootId && !('error' in vp.probe.quorum) && vp.probe.quorum.quorate) back = vp.probe;
      continue;
    }
    if (now < deadline) continue;
    awaiting = true;
    decision = undefined;
    progress.awaitOperator(`${victim} has not come back ${Math.round((now - crashed) / 1000)} s after the crash. Power it on (lab: pve-runbooks lab power ${victim} on), then choose.`, [
      { action: 'retry', effect: `wait for ${victim} again, up to ${victimWaitSeconds} s` },
      { action: 'skip', effect: `finish without ${victim}: no Ceph recovery wait, no failback; the drill fails` },
      { action: 'abort', effect: 'stop the drill now and report' },
    ]);
    const answered = await condition(() => decision !== undefined, `${operatorWaitSeconds} seconds`);
    awaiting = false;
    const choice: DrillDecision = answered ? decision! : 'abort';
    operator.push({ at: new Date().toISOString(), action: choice, note: answered ? `${victim} had not come back` : `no decision within ${operatorWaitSeconds} s: aborted by policy` });
    progress.answered('victim return');
    if (choice === 'retry') deadline = now + victimWaitSeconds * 1000;
    else aborted = true;
  }
  const abortedBy = aborted ? operator[operator.length - 1] : undefined;
  if (abortedBy?.action === 'abort') {
    return finish('fail', `${victim} did not come back after the crash; ${abortedBy.note.includes('policy') ? abortedBy.note : 'the operator aborted the drill'}`);
  }
  let rejoinedMs: number | undefined;
  if (back) {
    const joined = rejoinedAt(await journal(crashed, survivors), victimNodeId, crashed);
    rejoinedMs = joined?.at ?? now;
    stages.push(stage('rejoined', rejoinedMs, crashed, joined ? `journal ${joined.host} ${joined.ident}` : `poll of the cluster status (±${pollMs / 1000} s)`, { node: victim }));
    progress.node(victim, 'back in the cluster', 'done');
  } else {
    notes.push(`${victim} did not come back; the operator chose to finish without it`);
  }

  // ---- ceph ------------------------------------------------------------------------------------
  if (back && withCeph) {
    progress.phase('ceph');
    const cephDeadline = now + cephWaitSeconds * 1000;
    let ok: DrillProbe | undefined;
    while (!ok && now <= cephDeadline) {
      const p = await probeSurvivor('wait for HEALTH_OK').catch(() => undefined);
      if (p) now = p.clockMs;
      if (p?.ceph && !('error' in p.ceph) && p.ceph.health === 'HEALTH_OK') ok = p;
      else await sleep(pollMs);
    }
    if (ok) stages.push(stage('ceph-ok', ok.clockMs, crashed, `poll of ceph -s via ${ok.node} (±${pollMs / 1000} s)`));
    else notes.push(`Ceph did not return to HEALTH_OK within ${cephWaitSeconds} s of ${victim}'s return`);
  }

  // ---- failback --------------------------------------------------------------------------------
  if (back && input.failback) {
    progress.phase('failback');
    const via = byName.get(survivors[0]!)!;
    const moved = vms.filter((v) => v.to !== null && v.to !== victim);
    for (const v of moved) await acts.haMigrate.executeWithOptions({ ...sshStep, summary: `migrate ${sidOf(v.id)} back to ${victim}` }, [task(via), v.id, victim]);
    const failbackDeadline = now + watchMs;
    const home = new Set<number>();
    while (home.size < moved.length && now <= failbackDeadline) {
      await sleep(pollMs);
      const p = await probeSurvivor('wait for failback').catch(() => undefined);
      if (!p || 'error' in p.ha) continue;
      now = p.clockMs;
      for (const v of moved) if (p.ha.services.some((s) => s.sid === sidOf(v.id) && s.node === victim && s.state === 'started')) home.add(v.id);
    }
    const events = await journal(rejoinedMs ?? crashed, nodes);
    for (const v of moved) {
      const e = failedBackAt(events, v.id, victim, rejoinedMs ?? crashed);
      v.failedBack = home.has(v.id);
      if (e) stages.push(stage('failback', e.at, crashed, `journal ${e.host} ${e.ident}`, { vm: v.id, node: victim }));
      else if (!home.has(v.id)) notes.push(`${sidOf(v.id)} did not return to ${victim} within ${watchMs / 1000} s`);
    }
  }

  // ---- final check -----------------------------------------------------------------------------
  progress.phase('final check');
  const after = await probeAll(back ? nodes : survivors);
  const finalVms = vms.map((v) => v.id);
  checks.push(...steadyStateChecks({ phase: 'after', nodes: back ? nodes : survivors, probes: after, vms: finalVms, victim, ceph: withCeph }));
  const afterView = firstProbe(after);
  if (afterView && !failedChecks(checks.filter((c) => c.phase === 'after'))) stages.push(stage('steady', afterView.clockMs, crashed, `probe of every node via ${afterView.node}`));

  return finish(...verdictOf({ vms, slo, back: !!back, checks, notes, victim }));
}

/** Pass only if every VM ran elsewhere within both SLOs, the victim came back and the cluster ended as it began. */
function verdictOf(r: { vms: DrillVm[]; slo: DrillResult['slo']; back: boolean; checks: DrillCheck[]; notes: string[]; victim: string }): ['pass' | 'fail', string] {
  const problems: string[] = [];
  for (const v of r.vms) {
    if (v.to === null) problems.push(`${sidOf(v.id)} never started on another node`);
    else if (v.startedSeconds === undefined) problems.push(`${sidOf(v.id)}: no journal line dates its start on ${v.to}`);
    if (v.recoverySeconds !== undefined && v.recoverySeconds > r.slo.recoverySeconds) problems.push(`${sidOf(v.id)} recovery after ${v.recoverySeconds} s (SLO ${r.slo.recoverySeconds} s)`);
    if (v.startedSeconds !== undefined && v.startedSeconds > r.slo.startedSeconds) problems.push(`${sidOf(v.id)} started after ${v.startedSeconds} s (SLO ${r.slo.startedSeconds} s)`);
  }
  if (!r.back) problems.push(`${r.victim} did not come back`);
  const after = failedChecks(r.checks.filter((c) => c.phase === 'after'));
  if (after) problems.push(`after the drill: ${after}`);
  if (problems.length) return ['fail', problems.join('; ')];
  const slowest = Math.max(...r.vms.map((v) => v.startedSeconds ?? 0));
  return ['pass', `${r.vms.map((v) => `${sidOf(v.id)} → ${v.to}`).join(', ')} started within ${slowest} s of the crash (SLO ${r.slo.startedSeconds} s); ${r.victim} back and the cluster healthy`];
}
