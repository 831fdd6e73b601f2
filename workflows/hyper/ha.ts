import type { HaStatusJson } from '../../activities/parsers';
import { haSettings } from '../../common/hyperConverged';
import { waitUntil } from '../cluster/converge';
import { PhaseContext } from '../cluster/phaseContext';
import { acts, longStep, step } from './steps';

export interface HaReport {
  /** PVE 8 places resources with a group, PVE 9 with a node-affinity rule. */
  placement: 'group' | 'rule';
  name: string;
  nodes: string[];
  testVm?: { id: number; status: 'done' | 'already'; node: string };
  resources: { sid: string; node: string; state: string }[];
}

/** What keeps the protected VMs from being started under HA; empty when they all are. */
export function haMissing(status: HaStatusJson, vms: number[]): string[] {
  return vms.flatMap((id) => {
    const s = status.services.find((x) => x.sid === `vm:${id}`);
    if (!s) return [`vm:${id} is not an HA resource yet`];
    return s.state === 'started' ? [] : [`vm:${id} is ${s.state} on ${s.node}`];
  });
}

/**
 * Phase 9: the VMs under HA, placed by a group (PVE 8) or a node-affinity rule (PVE 9) chosen
 * from the detected version, then a durable wait until the CRM reports each one started.
 */
export async function haPhase(ctx: PhaseContext, pveMajor: number): Promise<HaReport> {
  const ha = haSettings(ctx.inv)!;
  const via = ctx.node(ha.nodes[0]);
  const t = ctx.task(via);
  let testVm: HaReport['testVm'];
  if (ha.testVm) {
    const r = await step(acts.ensureTestVm, `test VM ${ha.testVm.id} on ${via.name}`, [t, ha.testVm], longStep);
    testVm = { id: ha.testVm.id, ...r };
  }
  const placement = pveMajor >= 9 ? 'rule' : 'group';
  if (placement === 'group') {
    await step(acts.ensureHaGroup, `HA group ${ha.name}`, [t, ha]);
    await step(acts.ensureHaResources, `HA resources ${ha.vms.map((v) => `vm:${v}`).join(', ')}`, [t, ha, pveMajor]);
  } else {
    // A rule names resources, so they exist before it.
    await step(acts.ensureHaResources, `HA resources ${ha.vms.map((v) => `vm:${v}`).join(', ')}`, [t, ha, pveMajor]);
    await step(acts.ensureHaRule, `HA node-affinity rule ${ha.name}`, [t, ha]);
  }
  let status: HaStatusJson | undefined;
  await waitUntil('protected VMs started under HA', async () => {
    status = await step(acts.haStatus, 'ha status', [t]);
    const missing = haMissing(status, ha.vms);
    return { done: missing.length === 0, missing: missing.join('; ') };
  }, { every: ctx.every, withinMs: ctx.withinMs });
  return {
    placement,
    name: ha.name,
    nodes: ha.nodes,
    testVm,
    resources: status!.services.filter((s) => ha.vms.some((v) => s.sid === `vm:${v}`)).map((s) => ({ sid: s.sid, node: s.node, state: s.state })),
  };
}
