import type { HaEvent } from '../../activities/parsers/journal';
import type { DrillStage, DrillVm } from '../../common/drill/result';

/** Pure (no workflow API): stage times from the cluster's own journal lines. */

export interface StageContext {
  victim: string;
  victimNodeId?: number;
  vms: number[];
  crashAtMs: number;
}

export const isoAt = (ms: number) => new Date(Math.round(ms)).toISOString();
export const since = (ms: number, crashAtMs: number) => Math.round((ms - crashAtMs) / 100) / 10;

export function stage(name: DrillStage['name'], ms: number, crashAtMs: number, source: string, extra: { vm?: number; node?: string } = {}): DrillStage {
  return { name, at: isoAt(ms), sinceCrashSeconds: since(ms, crashAtMs), ...extra, source };
}

const first = <T extends HaEvent>(events: T[]): T | undefined => events.reduce<T | undefined>((a, e) => (!a || e.at < a.at ? e : a), undefined);
const src = (e: HaEvent) => `journal ${e.host} ${e.ident}`;
const sidOf = (vm: number) => `vm:${vm}`;

/**
 * Every node's journal merged: the first survivor to see each transition dates it. `offline` is
 * corosync forming a membership without the victim, or (if no corosync line was read) the
 * master CRM marking it unknown; `fence` the CRM fencing it; `fenced` the CRM holding its agent
 * lock; per VM, `recovery` the CRM picking it up and `started` the new node's LRM starting it.
 */
export function failoverStages(events: HaEvent[], c: StageContext): { stages: DrillStage[]; vms: DrillVm[] } {
  const after = events.filter((e) => e.at >= c.crashAtMs - 1000);
  const stages: DrillStage[] = [];
  const left = first(after.filter((e): e is Extract<HaEvent, { kind: 'membership-left' }> => e.kind === 'membership-left' && c.victimNodeId !== undefined && e.nodeids.includes(c.victimNodeId)));
  const unknown = first(after.filter((e): e is Extract<HaEvent, { kind: 'node-state' }> => e.kind === 'node-state' && e.node === c.victim && e.to === 'unknown' && e.from === 'online'));
  const offline = left ?? unknown;
  if (offline) stages.push(stage('offline', offline.at, c.crashAtMs, src(offline), { node: c.victim }));
  const fence = first(after.filter((e) => (e.kind === 'node-state' && e.node === c.victim && e.to === 'fence') || (e.kind === 'fence-try' && e.node === c.victim)));
  if (fence) stages.push(stage('fence', fence.at, c.crashAtMs, src(fence), { node: c.victim }));
  const fenced = first(after.filter((e) => e.kind === 'fence-ack' && e.node === c.victim));
  if (fenced) stages.push(stage('fenced', fenced.at, c.crashAtMs, src(fenced), { node: c.victim }));

  const vms: DrillVm[] = [];
  for (const vm of c.vms) {
    const sid = sidOf(vm);
    const recovery = first(after.filter((e) => e.kind === 'service-state' && e.sid === sid && e.to === 'recovery'));
    const started = first(
      after.filter((e): e is Extract<HaEvent, { kind: 'lrm-started' }> => e.kind === 'lrm-started' && e.sid === sid && e.host !== c.victim && (!recovery || e.at >= recovery.at)),
    );
    if (recovery) stages.push(stage('recovery', recovery.at, c.crashAtMs, src(recovery), { vm }));
    if (started) stages.push(stage('started', started.at, c.crashAtMs, src(started), { vm, node: started.host }));
    vms.push({
      id: vm,
      from: c.victim,
      to: started?.host ?? null,
      ...(recovery ? { recoverySeconds: since(recovery.at, c.crashAtMs) } : {}),
      ...(started ? { startedSeconds: since(started.at, c.crashAtMs) } : {}),
    });
  }
  return { stages: stages.sort((a, b) => a.sinceCrashSeconds - b.sinceCrashSeconds), vms };
}

/** The victim back in the membership, from the survivors' corosync lines. */
export function rejoinedAt(events: HaEvent[], victimNodeId: number | undefined, afterMs: number): HaEvent | undefined {
  return first(events.filter((e) => e.at > afterMs && e.kind === 'membership-joined' && victimNodeId !== undefined && e.nodeids.includes(victimNodeId)));
}

/** A VM's failback: the CRM placing it on its home node again after the migration. */
export function failedBackAt(events: HaEvent[], vm: number, home: string, afterMs: number): HaEvent | undefined {
  return first(events.filter((e) => e.at > afterMs && e.kind === 'service-state' && e.sid === sidOf(vm) && e.to === 'started' && e.node === home));
}
