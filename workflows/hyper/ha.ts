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
  const gate = ctx.gate;
  let testVm: HaReport['testVm'];
  if (ha.testVm) {
    const vm = ha.testVm;
    const r = await gate.must({ label: `test VM ${vm.id}`, neededBecause: `HA protects vm:${vm.id}, which must exist first` }, () => step(acts.ensureTestVm, `test VM ${vm.id} on ${via.name}`, [t, vm], longStep));
    if (r.status === 'done') gate.compensate(`test VM ${vm.id}`, () => step(acts.undoTestVm, `qm destroy ${vm.id}`, [t, { id: vm.id, name: vm.name }], longStep));
    testVm = { id: vm.id, ...r };
  }
  const placement = pveMajor >= 9 ? 'rule' : 'group';
  const resources = async () => {
    const r = await step(acts.ensureHaResources, `HA resources ${ha.vms.map((v) => `vm:${v}`).join(', ')}`, [t, ha, pveMajor]);
    if (r.added.length) gate.compensate(`HA resources ${r.added.join(', ')}`, () => step(acts.undoHaResources, `ha-manager remove ${r.added.join(', ')}`, [t, r]));
  };
  const placed = await gate.step({ label: `HA resources and ${placement} ${ha.name}` }, async () => {
    if (placement === 'group') {
      const g = await step(acts.ensureHaGroup, `HA group ${ha.name}`, [t, ha]);
      if (g.status === 'done') gate.compensate(`HA group ${ha.name}`, () => step(acts.undoHaGroup, `ha-manager groupremove ${ha.name}`, [t, { name: ha.name }]));
      await resources();
    } else {
      // A rule names resources, so they exist before it.
      await resources();
      const rule = await step(acts.ensureHaRule, `HA node-affinity rule ${ha.name}`, [t, ha]);
      if (rule.status === 'done') gate.compensate(`HA rule ${ha.name}`, () => step(acts.undoHaRule, `ha-manager rules remove ${ha.name}`, [t, { name: ha.name }]));
    }
    return true;
  });
  if (!placed) ctx.warnings.push(`HA ${placement} ${ha.name} and its resources were skipped by the operator: the VMs are not protected`);
  let status: HaStatusJson | undefined;
  const started = await gate.step({ label: 'wait for the protected VMs started' }, () =>
    waitUntil('protected VMs started under HA', async () => {
      status = await step(acts.haStatus, 'ha status', [t]);
      const missing = haMissing(status, ha.vms);
      return { done: missing.length === 0, missing: missing.join('; ') };
    }, { every: ctx.every, withinMs: ctx.withinMs }).then(() => true),
  );
  if (!started) {
    ctx.warnings.push('the wait for the protected VMs to start under HA was skipped by the operator');
    status = await step(acts.haStatus, 'ha status', [t]);
  }
  return {
    placement,
    name: ha.name,
    nodes: ha.nodes,
    testVm,
    resources: status!.services.filter((s) => ha.vms.some((v) => s.sid === `vm:${v}`)).map((s) => ({ sid: s.sid, node: s.node, state: s.state })),
  };
}
