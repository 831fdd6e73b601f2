import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';
import { LabEnv } from '../helpers/labEnv';
import { bundleWorkflows } from '../../worker/worker';
import { CREATE_CLUSTER_PHASES, HYPER_CONVERGED_PHASES, type CreateClusterResult } from '../../workflows/createCluster';
import { CRASH_DRILL_PHASES } from '../../workflows/crashDrill';
import { progressQuery } from '../../workflows/progress';
import { sshStep } from '../../workflows/retry';
import type { DrillResult } from '../../common/drill/result';
import { parseCephStatusJson, parseHaStatusJson } from '../../activities/parsers';
import { ChaosWorker } from './worker';
import { RunWatch, type PendingActivity } from './observe';
import { KillPlan, mulberry32 } from './plan';
import { exactlyOnce, oneCrash, type ExactlyOnceCheck, type KillMark } from './exactlyOnce';

export type Runbook = 'createCluster' | 'crashDrill';

export interface ChaosOptions {
  kills: number;
  seed: number;
  /** Lab ms per real ms. 20 is what the crash drill's end-to-end test uses: a 0.5 s poll is 10 s of cluster time. */
  timeScale?: number;
  /** A random kill falls this many real ms at most after an activity starts. */
  maxDelayMs?: number;
  onKill?: (k: KillRecord) => void;
  onInfo?: (line: string) => void;
  /** Every phase change a query saw, with the real ms since the harness started. */
  onPhase?: (workflow: Runbook, phase: string, atMs: number) => void;
}

export interface KillRecord {
  n: number;
  /** At a phase boundary seen, at a seeded delay after an activity started, or owed (see KillPlan) and landed at once. */
  kind: 'boundary' | 'random' | 'owed';
  workflow: Runbook;
  phase: string;
  /** Attempts running on the worker when it died; empty: between activities (a timer, a workflow task). */
  landed: PendingActivity[];
  /** Real ms since the harness started. */
  atMs: number;
  /** Real ms from the SIGKILL to the restarted worker polling. */
  workerUpMs: number;
  /** Real ms from the SIGKILL to the next activity progress on the restarted worker; undefined if none came. */
  resumeMs?: number;
  resumedBy?: string;
}

export interface StateCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface ChaosReport {
  seed: number;
  /** The twin's state directory (its command log is lab/commands.jsonl), kept when the run failed. */
  keptDir?: string;
  planned: number;
  kills: KillRecord[];
  exactlyOnce: ExactlyOnceCheck[];
  state: StateCheck[];
  resume: { medianMs: number; maxMs: number; targetMs: number };
  /** Median real ms from a SIGKILL to the new worker polling: how little of the resume latency the restart itself takes. */
  restartMedianMs: number;
  totalMs: number;
  failures: string[];
}

const POLL_MS = 150;
/** 'ceph' gives way to its first step within one workflow task, so a query only ever sees the steps (workflows/hyper/ceph.ts). */
const CEPH_STEPS = ['ceph: RAID5 arrays', 'ceph: install', 'ceph: monitors and managers', 'ceph: OSDs', 'ceph: pool', 'ceph: waiting for HEALTH_OK'];
const NODES = ['pve1', 'pve2', 'pve3'];
const JOINERS = ['pve2', 'pve3'];

const CREATE_PHASES = [...CREATE_CLUSTER_PHASES, ...HYPER_CONVERGED_PHASES].flatMap((p) => (p === 'ceph' ? CEPH_STEPS : [p])).map((p) => `createCluster/${p}`);
/** Every phase the two runbooks announce on the reference deployment, in order, as `runbook/phase`. */
const PHASES = [...CREATE_PHASES, ...CRASH_DRILL_PHASES.map((p) => `crashDrill/${p}`)];
/**
 * Where random kills fall. Once the node is crashed, the drill mostly waits on the cluster
 * between probes that take milliseconds, and the resume from one kill outlasts each of its later
 * phases: those get their boundary kills, the random points go where activities run.
 */
const RANDOM_PHASES = [...CREATE_PHASES, 'crashDrill/steady state', 'crashDrill/crash'];

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]).finally(() => clearTimeout(timer));
}

function causeOf(err: unknown): string {
  let e = err as (Error & { cause?: unknown }) | undefined;
  while (e && e.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e?.message ?? String(err);
}

/**
 * The chaos run: the reference deployment built by createCluster, then a crash drill, on a
 * 3-node PVE 8 twin, with the worker as its own process killed (SIGKILL) at every phase
 * boundary and at seeded random points inside activities, and restarted after each kill. Each
 * kill records where it landed and how long the run took to make activity progress again; at
 * the end the twin's own logs say whether every destructive command ran exactly once.
 */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const rand = mulberry32(opts.seed);
  const plan = new KillPlan(PHASES, RANDOM_PHASES, opts.kills, rand);
  const info = opts.onInfo ?? (() => undefined);
  const e = await LabEnv.start({ nodes: 3, pve: 8, timeScale: opts.timeScale ?? 20, bootMs: 60_000 }, { worker: false });
  const bundleFile = path.join(e.dir, 'workflow-bundle.js');
  fs.writeFileSync(bundleFile, (await bundleWorkflows()).code);
  const worker = new ChaosWorker({ ...e.cliEnv(), PVE_RUNBOOKS_WORKFLOW_BUNDLE: bundleFile });
  const run = new ChaosRun(e, worker, plan, rand, opts, started);
  let keep = true;
  try {
    await worker.start();
    info(`lab up (3 nodes, PVE 8, time scale ${e.lab.clock.scale}), worker ${worker.identity} polling, ${plan.kills} kills planned, seed ${opts.seed}`);
    const report = await run.execute();
    keep = report.failures.length > 0;
    return keep ? { ...report, keptDir: e.dir } : report;
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlab state kept in ${e.dir}\nworker output:\n${worker.tail().slice(-4000)}`, { cause: err });
  } finally {
    await worker.stop();
    await e.stop();
    if (!keep) fs.rmSync(e.dir, { recursive: true, force: true });
  }
}

class ChaosRun {
  readonly kills: KillRecord[] = [];
  private readonly marks: KillMark[] = [];
  private readonly failures: string[] = [];
  private readonly state: StateCheck[] = [];
  private readonly maxDelayMs: number;

  constructor(
    private readonly e: LabEnv,
    private readonly worker: ChaosWorker,
    private readonly plan: KillPlan,
    private readonly rand: () => number,
    private readonly opts: ChaosOptions,
    private readonly started: number,
  ) {
    this.maxDelayMs = opts.maxDelayMs ?? 1_000;
  }

  async execute(): Promise<ChaosReport> {
    const inventory = this.e.referenceInventory();
    // Waits far longer than the undisturbed run needs (a few seconds each) even with several kills inside, yet short enough that a run that cannot converge fails within minutes.
    const build = await this.drive<CreateClusterResult>('createCluster', await this.e.start('createCluster', 'createCluster-e2e', { inventory, pollEverySeconds: 1, convergeWithinSeconds: 180, cephWithinSeconds: 180 }));
    if ('error' in build) this.check('createCluster', false, `failed: ${build.error}`);
    else {
      this.check('createCluster validation', build.value.validation?.ok === true, build.value.validation?.problems.join('; ') || 'ok');
      await this.checkDeployment('after createCluster');
    }

    const victim = this.e.lab.ha.resources().find((s) => s.sid === 'vm:100')?.node ?? 'pve1';
    const drillFrom = this.e.lab.clock.now();
    // A drill on a cluster that was not built would only be skipped by its own steady-state checks.
    const drill: { value: DrillResult } | { error: string } =
      'error' in build ? { error: 'not run: createCluster failed' } : await this.drive<DrillResult>('crashDrill', await this.e.start('crashDrill', 'crashDrill-e2e', { inventory, pollSeconds: 0.5, rebootSeconds: 180, failback: true }));
    if ('error' in drill) this.check('crashDrill', false, drill.error);
    else {
      this.check('crashDrill verdict', drill.value.verdict === 'pass', `${drill.value.verdict}: ${drill.value.reason}`);
      const home = this.e.lab.ha.resources().find((s) => s.sid === 'vm:100');
      this.check('vm:100 failed back', home?.node === victim && home.state === 'started', `vm:100 ${home?.state ?? 'absent'} on ${home?.node ?? '-'}, victim ${victim}`);
      await this.checkDeployment('after the drill');
    }

    const once = [
      exactlyOnce(this.e.lab, 'pvecm create', /^pvecm create\b/, this.marks),
      ...JOINERS.map((n) => exactlyOnce(this.e.lab, `pvecm add on ${n}`, /^pvecm add\b/, this.marks, n)),
      ...NODES.map((n) => exactlyOnce(this.e.lab, `mdadm --create on ${n}`, /^mdadm --create\b/, this.marks, n)),
      ...NODES.map((n) => exactlyOnce(this.e.lab, `ceph-volume lvm create on ${n}`, /^ceph-volume lvm create\b/, this.marks, n)),
      exactlyOnce(this.e.lab, 'pveceph pool create', /^pveceph pool create\b/, this.marks),
      exactlyOnce(this.e.lab, 'ha-manager add', /^ha-manager add\b/, this.marks),
      ...oneCrash(this.e.lab, victim, drillFrom),
    ];
    for (const c of once.filter((x) => !x.ok)) this.failures.push(`exactly once: ${c.what}: ${c.detail}`);

    const latencies = this.kills.map((k) => k.resumeMs).filter((x): x is number => x !== undefined);
    const targetMs = msToNumber(sshStep.heartbeatTimeout!) + 2_000;
    const resume = { medianMs: median(latencies), maxMs: latencies.length ? Math.max(...latencies) : NaN, targetMs };
    if (this.kills.length < this.plan.kills) this.failures.push(`only ${this.kills.length} of ${this.plan.kills} planned kills landed`);
    for (const k of this.kills.filter((x) => x.resumeMs === undefined)) this.failures.push(`kill #${k.n}: no activity progress after it`);
    if (latencies.length && !(resume.medianMs <= targetMs)) this.failures.push(`median resume latency ${(resume.medianMs / 1000).toFixed(1)} s exceeds the heartbeat timeout + 2 s (${targetMs / 1000} s)`);
    const restartMedianMs = median(this.kills.map((k) => k.workerUpMs));
    return { seed: this.opts.seed, planned: this.plan.kills, kills: this.kills, exactlyOnce: once, state: this.state, resume, restartMedianMs, totalMs: Date.now() - this.started, failures: this.failures };
  }

  /** Follows one run to its end, killing the worker where the plan says. */
  private async drive<T>(workflow: Runbook, handle: WorkflowHandle): Promise<{ value: T } | { error: string }> {
    const watch = new RunWatch(handle);
    let outcome: { value: T } | { error: string } | undefined;
    const settled = handle.result().then(
      (value) => (outcome = { value: value as T }),
      (err: unknown) => (outcome = { error: causeOf(err) }),
    );
    let phase = '';
    let atBoundary = false;
    /** Real epoch ms at which the next random kill falls. */
    let target: number | undefined;
    /** Activity starts before this (real epoch ms) have had their chance at a random kill. */
    let considered = Date.now();
    while (!outcome) {
      const p = await withTimeout(handle.query(progressQuery), 10_000);
      if (outcome) break;
      if (p && p.phase !== phase) {
        phase = p.phase;
        this.opts.onPhase?.(workflow, phase, Date.now() - this.started);
        atBoundary = this.plan.enter(`${workflow}/${phase}`) || atBoundary;
        target = undefined;
      }
      if (this.plan.due > 0 && target === undefined) {
        await watch.look().catch(() => undefined);
        const start = watch.startsBy(this.worker.identity, considered).pop();
        if (start !== undefined) {
          considered = start + 1;
          const at = start + this.rand() * this.maxDelayMs;
          if (at > Date.now()) target = at;
        }
      }
      const kind: KillRecord['kind'] | undefined = atBoundary ? 'boundary' : this.plan.owed > 0 ? 'owed' : target !== undefined && Date.now() >= target ? 'random' : undefined;
      if (kind && (await this.retriesLeft(watch))) {
        if (!(await this.kill(kind, workflow, phase, watch, handle))) break;
        if (kind === 'boundary') atBoundary = false;
        else if (kind === 'owed') this.plan.owed--;
        else this.plan.due--;
        target = undefined;
        considered = Date.now();
        continue;
      }
      await sleep(target !== undefined ? Math.max(0, Math.min(POLL_MS, target - Date.now())) : POLL_MS);
    }
    await settled;
    return outcome!;
  }

  /**
   * Whether a kill now leaves every running activity retries to spare. The drill's probes allow 3
   * attempts, so a kill waits while an attempt is the third: an activity failing for want of
   * retries after kills in a row is not what this run tests.
   */
  private async retriesLeft(watch: RunWatch): Promise<boolean> {
    await watch.look().catch(() => undefined);
    return watch.running(this.worker.identity).every((a) => a.attempt < 3);
  }

  /** Kills and restarts the worker; false when the run had already ended, so the kill landed nowhere and is not counted. */
  private async kill(kind: KillRecord['kind'], workflow: Runbook, seen: string, watch: RunWatch, handle: WorkflowHandle): Promise<boolean> {
    const phase = (await withTimeout(handle.query(progressQuery), 10_000))?.phase ?? seen;
    const killedAt = Date.now();
    const n = this.kills.length + 1;
    this.marks.push({ n, labAt: this.e.lab.clock.now() });
    const dead = this.worker.identity;
    await this.worker.kill();
    // The server holds the dead worker's attempts as started until their heartbeat timeout: exactly what the kill cut.
    const look = await watch.look().catch(() => undefined);
    const landed = watch.running(dead);
    await this.worker.start();
    const workerUpMs = Date.now() - killedAt;
    if (look && !look.open && (look.closedAt ?? 0) <= killedAt) {
      this.marks.pop();
      return false;
    }
    const progress = await this.awaitProgress(watch, killedAt);
    const record: KillRecord = {
      n,
      kind,
      workflow,
      phase,
      landed,
      atMs: killedAt - this.started,
      workerUpMs,
      ...(progress ? { resumeMs: progress.at - killedAt, resumedBy: progress.what } : {}),
    };
    this.kills.push(record);
    this.opts.onKill?.(record);
    return true;
  }

  /** The restarted worker's first activity progress, as the server recorded it. */
  private async awaitProgress(watch: RunWatch, since: number): Promise<{ at: number; what: string } | undefined> {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const look = await watch.look().catch(() => undefined);
      const p = watch.progressBy(this.worker.identity, since);
      if (p) return p;
      if (look && !look.open) return look.closedAt !== undefined ? { at: look.closedAt, what: 'the run closed' } : undefined;
      await sleep(100);
    }
    return undefined;
  }

  private check(what: string, ok: boolean, detail: string): void {
    this.state.push({ what, ok, detail });
    if (!ok) this.failures.push(`${what}: ${detail}`);
  }

  /** The reference deployment read on the twin itself: HEALTH_OK (Ceph may still be settling after the drill), 3 OSDs up, vm:100 started. */
  private async checkDeployment(when: string): Promise<void> {
    const pve1 = this.e.lab.node('pve1');
    const cephStatus = async () => parseCephStatusJson((await pve1.exec('ceph -s -f json')).stdout);
    try {
      const deadline = Date.now() + 60_000;
      let ceph = await cephStatus();
      while (ceph.health !== 'HEALTH_OK' && Date.now() < deadline) {
        await sleep(500);
        ceph = await cephStatus();
      }
      this.check(`Ceph HEALTH_OK ${when}`, ceph.health === 'HEALTH_OK', `${ceph.health}${ceph.checks.length ? `: ${JSON.stringify(ceph.checks)}` : ''}`);
      this.check(`3 OSDs up and in ${when}`, ceph.osds.total === 3 && ceph.osds.up === 3 && ceph.osds.in === 3, `${ceph.osds.total} OSDs, ${ceph.osds.up} up, ${ceph.osds.in} in`);
      const ha = parseHaStatusJson((await pve1.exec('pvesh get /cluster/ha/status/current --output-format json')).stdout);
      const vm = ha.services.find((s) => s.sid === 'vm:100');
      this.check(`vm:100 started ${when}`, vm?.state === 'started', vm ? `${vm.state} on ${vm.node}` : 'not an HA resource');
      // The tail of a join (the node's certificate) is what a join cut short after pmxcfs came back would lack.
      const missing = (await pve1.exec(NODES.map((n) => `test -e /etc/pve/nodes/${n}/pve-ssl.pem || echo ${n}`).join('; '))).stdout.trim();
      this.check(`every node's certificate ${when}`, missing === '', missing ? `no /etc/pve/nodes/NODE/pve-ssl.pem for ${missing.split('\n').join(', ')}` : 'present');
    } catch (err) {
      this.check(`reference deployment ${when}`, false, `cannot be read on pve1: ${(err as Error).message}`);
    }
  }
}
