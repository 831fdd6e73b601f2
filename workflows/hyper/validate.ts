import type { CephView } from '../../activities/ceph/status';
import type { HaStatusJson } from '../../activities/parsers';
import { cephSettings, haSettings, nodeDisks } from '../../common/hyperConverged';
import { PhaseContext, perNode } from '../cluster/phaseContext';
import { raidProgress, RaidProgress } from './ceph';
import { acts, step } from './steps';

export interface ValidationReport {
  ok: boolean;
  problems: string[];
  ceph?: { health: string; checks: { code: string; severity: string; summary: string }[]; osds: CephView['osds']; pgs: CephView['pgs'] };
  raid?: RaidProgress[];
  storage?: { node: string; storage: string; active: boolean; totalKiB: number; availableKiB: number }[];
  ha?: { sid: string; node: string; state: string }[];
}

/**
 * Phase 10: the state as the cluster reports it now, read afresh from every node: `ceph -s`
 * and its checks, /proc/mdstat (a resync in progress is reported, not a failure), `pvesm status`,
 * the HA resources.
 */
export async function validationPhase(ctx: PhaseContext): Promise<ValidationReport> {
  const ceph = cephSettings(ctx.inv);
  const ha = haSettings(ctx.inv);
  const problems: string[] = [];
  const report: ValidationReport = { ok: true, problems };
  const first = ctx.inv.nodes[0];
  if (ceph) {
    const mon = ctx.node(ceph.monitors[0]);
    const s = await step(acts.cephStatus, `ceph -s on ${mon.name}`, [ctx.task(mon)]);
    report.ceph = { health: s.health, checks: s.checks.map((c) => ({ code: c.code, severity: c.severity, summary: c.summary })), osds: s.osds, pgs: s.pgs };
    if (s.health !== 'HEALTH_OK') problems.push(`Ceph is ${s.health}: ${s.checks.map((c) => `${c.code} ${c.summary}`).join('; ')}`);
    const md = await perNode(ctx, 'validate: mdstat', ctx.inv.nodes, (n) => step(acts.readMdstat, `mdstat on ${n.name}`, [ctx.task(n)]));
    report.raid = ctx.inv.nodes.map((n) => raidProgress(n.name, md[n.name].mdstat, nodeDisks(ctx.inv, n)!.array));
    for (const r of report.raid) if (r.status === 'missing' || (r.degraded && !r.progress)) problems.push(`${r.node}: RAID array ${r.status === 'missing' ? 'is not assembled' : `is degraded ${r.status}`}`);
    if (ceph.pool.addStorage) {
      const st = await perNode(ctx, 'validate: pvesm status', ctx.inv.nodes, (n) => step(acts.storageStatus, `pvesm status on ${n.name}`, [ctx.task(n)]));
      report.storage = ctx.inv.nodes.map((n) => {
        const x = st[n.name].storages.find((y) => y.name === ceph.pool.name);
        return { node: n.name, storage: ceph.pool.name, active: !!x?.active, totalKiB: x?.total ?? 0, availableKiB: x?.available ?? 0 };
      });
      for (const x of report.storage) if (!x.active) problems.push(`${x.node}: storage ${x.storage} is not active`);
    }
  }
  if (ha) {
    const status: HaStatusJson = await step(acts.haStatus, 'ha status', [ctx.task(ctx.node(ha.nodes[0] ?? first.name))]);
    report.ha = ha.vms.map((id) => {
      const s = status.services.find((x) => x.sid === `vm:${id}`);
      return { sid: `vm:${id}`, node: s?.node ?? '-', state: s?.state ?? 'absent' };
    });
    for (const r of report.ha) if (r.state !== 'started') problems.push(`${r.sid} is ${r.state}`);
  }
  report.ok = problems.length === 0;
  return report;
}
