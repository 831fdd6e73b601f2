import type { DrillResult, DrillStage } from '../../common/drill/result';

/** Hand-built drill results for the report, history and schedule tests. */

const iso = (base: string, seconds: number) => new Date(Date.parse(base) + seconds * 1000).toISOString();

function stage(crashAt: string, name: DrillStage['name'], s: number, extra: Partial<DrillStage> = {}): DrillStage {
  return { name, at: iso(crashAt, s), sinceCrashSeconds: s, source: `journal pve2 ${name}`, ...extra };
}

export interface DrillSpec {
  runId: string;
  startedAt: string;
  cluster?: string;
  /** Seconds since the crash of vm 100's recovery and start. */
  recovery?: number;
  started?: number;
}

/** A drill whose victim pve1 ran vm 100, recovered on pve2; verdict by the default-like SLOs 140/180. */
export function drill(spec: DrillSpec): DrillResult {
  const cluster = spec.cluster ?? 'lab';
  const crashAt = iso(spec.startedAt, 60);
  const recovery = spec.recovery ?? 135.4;
  const started = spec.started ?? recovery + 6.5;
  const slo = { recoverySeconds: 140, startedSeconds: 180 };
  const pass = recovery <= slo.recoverySeconds && started <= slo.startedSeconds;
  return {
    workflowId: `crashDrill-${cluster}`,
    runId: spec.runId,
    cluster,
    pveMajor: 8,
    verdict: pass ? 'pass' : 'fail',
    reason: pass ? 'every VM ran again on another node within the SLOs' : `vm 100 recovered after ${recovery.toFixed(1)} s, over the recovery SLO of 140 s`,
    victim: 'pve1',
    dryRun: false,
    scheduled: false,
    startedAt: spec.startedAt,
    crashAt,
    slo,
    stages: [
      stage(crashAt, 'crash', 0, { node: 'pve1', source: 'poll boot_id via pve2' }),
      stage(crashAt, 'offline', 12.5, { node: 'pve1', source: 'journal pve2 corosync' }),
      stage(crashAt, 'fence', 68, { node: 'pve1', source: 'journal pve2 pve-ha-crm' }),
      stage(crashAt, 'fenced', recovery - 4, { node: 'pve1', source: 'journal pve2 pve-ha-crm' }),
      stage(crashAt, 'recovery', recovery, { vm: 100, node: 'pve2', source: 'journal pve2 pve-ha-crm' }),
      stage(crashAt, 'started', started, { vm: 100, node: 'pve2', source: 'journal pve2 pve-ha-lrm' }),
      stage(crashAt, 'rejoined', 215, { node: 'pve1', source: 'journal pve2 corosync' }),
      stage(crashAt, 'ceph-ok', 262.5, { source: 'poll ceph -s via pve2' }),
    ],
    vms: [{ id: 100, from: 'pve1', to: 'pve2', recoverySeconds: recovery, startedSeconds: started }],
    checks: [
      { phase: 'before', name: 'quorum', ok: true, detail: '3/3 votes' },
      { phase: 'after', name: 'ceph health', ok: true, detail: 'HEALTH_OK' },
    ],
    operator: [],
    notes: [],
    pollSeconds: 5,
  };
}

/** The drill refused to crash anything: the cluster was not healthy before. */
export function skippedDrill(spec: { runId: string; startedAt: string; cluster?: string }): DrillResult {
  const cluster = spec.cluster ?? 'lab';
  return {
    workflowId: `crashDrill-${cluster}-scheduled-${spec.startedAt.replace(/\.\d+Z$/, 'Z')}`,
    runId: spec.runId,
    cluster,
    verdict: 'skipped',
    reason: 'steady state not reached: vm:100 is in state error',
    victim: 'pve1',
    dryRun: false,
    scheduled: true,
    startedAt: spec.startedAt,
    slo: { recoverySeconds: 140, startedSeconds: 180 },
    stages: [],
    vms: [],
    checks: [{ phase: 'before', name: 'ha resources started', ok: false, detail: 'vm:100 error' }],
    operator: [],
    notes: [],
    pollSeconds: 5,
  };
}

export function dryRunDrill(spec: { runId: string; startedAt: string }): DrillResult {
  return { ...skippedDrill(spec), workflowId: 'crashDrill-lab', scheduled: false, verdict: 'pass', dryRun: true, reason: 'every check passed; nothing was crashed', checks: [{ phase: 'before', name: 'quorum', ok: true, detail: '3/3 votes' }] };
}
