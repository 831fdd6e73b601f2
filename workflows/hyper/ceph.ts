import type { CephView } from '../../activities/ceph/status';
import type { OsdResult } from '../../activities/ceph/osd';
import type { PoolResult } from '../../activities/ceph/pool';
import type { Mdstat } from '../../activities/parsers';
import { cephSettings, mdName, nodeDisks } from '../../common/hyperConverged';
import type { RunbookNode } from '../../common/inventory';
import { waitUntil } from '../cluster/converge';
import { PhaseContext, eachNode, perNode } from '../cluster/phaseContext';
import { acts, aptStep, longStep, step } from './steps';

export interface RaidProgress {
  node: string;
  status: string;
  degraded: boolean;
  /** `resync 12.5%` / `recovery 40%` while md builds the array, null once clean. */
  progress: string | null;
}

export interface CephReport {
  release: string;
  monitors: string[];
  managers: string[];
  osds: Record<string, OsdResult>;
  pool: PoolResult & { name: string };
  raid: RaidProgress[];
  status: CephView;
}

export function raidProgress(node: string, mdstat: Mdstat, array: string): RaidProgress {
  const a = mdstat.arrays.find((x) => x.name === mdName(array));
  if (!a) return { node, status: 'missing', degraded: true, progress: null };
  return { node, status: a.status, degraded: a.degraded, progress: a.progress ? `${a.progress.action} ${a.progress.percent}%` : null };
}

/** What still keeps Ceph from the state the runbook waits for; empty when it is there. */
export function cephMissing(v: CephView, want: { monitors: string[]; osds?: number; healthOk?: boolean }): string[] {
  const missing: string[] = [];
  const outOfQuorum = want.monitors.filter((m) => !v.monQuorum.includes(m));
  if (outOfQuorum.length) missing.push(`monitors not in quorum: ${outOfQuorum.join(', ')}`);
  if (want.osds !== undefined) {
    if (v.osds.total !== want.osds) missing.push(`${v.osds.total} OSDs exist, ${want.osds} expected`);
    if (v.osds.up < want.osds || v.osds.in < want.osds) missing.push(`OSDs up ${v.osds.up}, in ${v.osds.in} of ${want.osds}`);
  }
  if (want.healthOk) {
    const notClean = Object.entries(v.pgs.states).filter(([s]) => s !== 'active+clean');
    if (notClean.length) missing.push(`PGs not active+clean: ${notClean.map(([s, n]) => `${n} ${s}`).join(', ')}`);
    if (v.health !== 'HEALTH_OK') missing.push(`${v.health}${v.checks.length ? ` (${v.checks.map((c) => `${c.code}: ${c.summary}`).join('; ')})` : ''}`);
  }
  return missing;
}

/**
 * Phase 8: Ceph on mdadm RAID5 with the DB on NVMe. The arrays are created first so their
 * resync runs while packages install; an array still resyncing is usable and does not hold the
 * OSDs back. Monitors join one at a time; OSDs are created one node at a time so a half-created
 * OSD is never confused with another node's. Each wait is a durable timer with a deadline.
 */
export async function cephPhase(ctx: PhaseContext, cephWithinMs: number): Promise<CephReport> {
  const ceph = cephSettings(ctx.inv)!;
  const osdNodes = ceph.osdNodes.map(ctx.node);
  const disks = (n: RunbookNode) => nodeDisks(ctx.inv, n)!;
  const mons = ceph.monitors.map(ctx.node);
  const mgrs = ceph.managers.map(ctx.node);
  const first = mons[0];
  const probe = () => step(acts.cephStatus, `ceph -s on ${first.name}`, [ctx.task(first)]);

  const gate = ctx.gate;

  ctx.progress.phase('ceph: RAID5 arrays');
  await gate.must({ label: 'RAID5 arrays', neededBecause: 'the OSDs are created on these arrays' }, () =>
    perNode(ctx, 'RAID5 array', osdNodes, async (n) => {
      const d = disks(n);
      const t = ctx.task(n);
      const raid = await step(acts.ensureRaidArray, `mdadm --create ${d.array} on ${n.name}`, [t, d]);
      if (raid.status === 'done') gate.compensate(`RAID5 ${d.array} on ${n.name}`, () => step(acts.undoRaidArray, `stop ${d.array} and zero its members on ${n.name}`, [t, raid]));
      const persisted = await step(acts.persistRaidArray, `mdadm.conf and initramfs on ${n.name}`, [t, d], longStep);
      if (persisted.conf === 'added') gate.compensate(`ARRAY line of ${d.array} in mdadm.conf on ${n.name}`, () => step(acts.undoPersistRaidArray, `remove the ARRAY line of ${d.array} on ${n.name}`, [t, persisted], longStep));
      const volume = await step(acts.ensureOsdVolume, `LVM ${d.volumeGroup}/${d.logicalVolume} on ${n.name}`, [t, d]);
      if (volume.status === 'done') gate.compensate(`LVM ${d.volumeGroup}/${d.logicalVolume} on ${n.name}`, () => step(acts.undoOsdVolume, `remove LVM ${d.volumeGroup}/${d.logicalVolume} on ${n.name}`, [t, volume]));
      return volume;
    }),
  );

  ctx.progress.phase('ceph: install');
  await gate.must({ label: `pveceph install ${ceph.version}`, neededBecause: 'the monitors, managers and OSDs run from these packages' }, () =>
    perNode(ctx, `pveceph install ${ceph.version}`, ctx.inv.nodes, (n) =>
      step(acts.installCeph, `pveceph install ${ceph.version} on ${n.name}`, [ctx.task(n), ceph.repository, ceph.version], aptStep),
    ),
  );
  const release = ceph.version;

  ctx.progress.phase('ceph: monitors and managers');
  await gate.must({ label: `pveceph init on ${first.name}`, neededBecause: 'the monitors are created from the configuration it writes' }, async () => {
    const r = await step(acts.initCeph, `pveceph init on ${first.name}`, [ctx.task(first), ceph.publicNetwork, ceph.clusterNetwork]);
    // Undone last of Ceph: it purges what the monitors and managers leave on every node.
    if (r.status === 'done') gate.compensate(`Ceph initialised on ${first.name}`, () => step(acts.undoCephInit, `pveceph purge (Ceph initialised by this run)`, [ctx.task(first), ctx.inv.nodes.map(ctx.task)], longStep));
  });
  await gate.must({ label: 'Ceph monitors', neededBecause: 'nothing in Ceph works without monitors in quorum' }, async () => {
    await eachNode(ctx, 'ceph monitor', mons, async (n) => {
      const r = await step(acts.ensureMonitor, `pveceph mon create on ${n.name}`, [ctx.task(n)]);
      if (r.status === 'done') gate.compensate(`monitor on ${n.name}`, () => step(acts.undoMonitor, `pveceph mon destroy ${n.name}`, [ctx.task(n)]));
      return r;
    });
    await waitUntil('all monitors in quorum', async () => {
      const missing = cephMissing(await probe(), { monitors: ceph.monitors });
      return { done: missing.length === 0, missing: missing.join('; ') };
    }, { every: ctx.every, withinMs: cephWithinMs });
  });
  await gate.must({ label: 'Ceph managers', neededBecause: 'pools, PG autoscaling and the health report need a manager' }, () =>
    eachNode(ctx, 'ceph manager', mgrs, async (n) => {
      const r = await step(acts.ensureManager, `pveceph mgr create on ${n.name}`, [ctx.task(n)]);
      if (r.status === 'done') gate.compensate(`manager on ${n.name}`, () => step(acts.undoManager, `pveceph mgr destroy ${n.name}`, [ctx.task(n)]));
      return r;
    }),
  );

  ctx.progress.phase('ceph: OSDs');
  await gate.must({ label: 'bootstrap-osd keyring', neededBecause: 'ceph-volume creates the OSDs with this keyring' }, () =>
    perNode(ctx, 'bootstrap-osd keyring', osdNodes, (n) => step(acts.ensureBootstrapKeyring, `bootstrap-osd keyring on ${n.name}`, [ctx.task(n)])),
  );
  // Each OSD is up before the next node's is created: an OSD id that never booted is then always
  // an interrupted attempt of the node at hand, never another node's OSD still starting.
  const osds = await gate.must({ label: 'OSDs', neededBecause: 'the pool keeps its data on these OSDs' }, async () => {
    const made = await eachNode(ctx, 'OSD', osdNodes, async (n) => {
      const r = await step(acts.ensureOsd, `ceph-volume lvm create on ${n.name}`, [ctx.task(n), disks(n)], longStep);
      // `activated` is this run's doing too: the OSD existed on disk but was not running.
      if (r.status !== 'already') gate.compensate(`osd.${r.id} on ${n.name}`, () => step(acts.undoOsd, `destroy osd.${r.id} on ${n.name}`, [ctx.task(n), r], longStep));
      await waitUntil(`osd.${r.id} of ${n.name} up`, async () => {
        const o = (await step(acts.osdStates, 'ceph osd dump', [ctx.task(n)])).find((x) => x.id === r.id);
        return { done: !!o?.up, missing: o ? `osd.${r.id} is down` : `osd.${r.id} is not in the OSD map` };
      }, { every: ctx.every, withinMs: cephWithinMs });
      return r;
    });
    await waitUntil(`${osdNodes.length} OSDs up and in`, async () => {
      const missing = cephMissing(await probe(), { monitors: ceph.monitors, osds: osdNodes.length });
      return { done: missing.length === 0, missing: missing.join('; ') };
    }, { every: ctx.every, withinMs: cephWithinMs });
    return made;
  });

  ctx.progress.phase('ceph: pool');
  const pool = await gate.must({ label: `pool ${ceph.pool.name}`, neededBecause: 'its storage holds the HA VMs and is what validation checks' }, async () => {
    const r = await step(acts.ensurePool, `pool ${ceph.pool.name}`, [ctx.task(first), ceph.pool]);
    if (r.pool === 'done' || r.storage === 'done') {
      gate.compensate(`pool ${ceph.pool.name}${r.pool === 'done' ? '' : ' storage'}`, () => step(acts.undoPool, `remove ${r.pool === 'done' ? 'pool' : 'the storage of pool'} ${ceph.pool.name}`, [ctx.task(first), { ...r, name: ceph.pool.name }]));
    }
    return r;
  });
  if (pool.differences.length) ctx.warnings.push(`pool ${ceph.pool.name} already existed with other settings (left unchanged): ${pool.differences.join('; ')}`);

  ctx.progress.phase('ceph: waiting for HEALTH_OK');
  let raid: RaidProgress[] = [];
  let status: CephView | undefined;
  const healthy = await gate.step({ label: 'wait for Ceph HEALTH_OK' }, () =>
    waitUntil('Ceph HEALTH_OK with every PG active+clean', async () => {
      status = await probe();
      const md = await Promise.all(osdNodes.map((n) => step(acts.readMdstat, `mdstat on ${n.name}`, [ctx.task(n)])));
      raid = md.map((m) => raidProgress(m.node, m.mdstat, disks(ctx.node(m.node)).array));
      for (const r of raid) ctx.progress.node(r.node, r.progress ? `RAID ${r.progress}` : `RAID ${r.status}`, 'done');
      const missing = cephMissing(status, { monitors: ceph.monitors, osds: osdNodes.length, healthOk: true });
      return { done: missing.length === 0, missing: missing.join('; ') };
    }, { every: ctx.every, withinMs: cephWithinMs }).then(() => true),
  );
  if (!healthy) {
    ctx.warnings.push('the wait for Ceph HEALTH_OK was skipped by the operator');
    status = await probe();
  }

  if (ceph.pool.addStorage) {
    const active = await gate.step({ label: `wait for storage ${ceph.pool.name} on every node` }, () =>
      waitUntil(`storage ${ceph.pool.name} active on every node`, async () => {
        const storages = await Promise.all(ctx.inv.nodes.map((n) => step(acts.storageStatus, `pvesm status on ${n.name}`, [ctx.task(n)])));
        const inactive = storages.filter((s) => !s.storages.some((x) => x.name === ceph.pool.name && x.active)).map((s) => s.node);
        return { done: inactive.length === 0, missing: `pvesm status shows ${ceph.pool.name} inactive or absent on ${inactive.join(', ')}` };
      }, { every: ctx.every, withinMs: cephWithinMs }).then(() => true),
    );
    if (!active) ctx.warnings.push(`the wait for storage ${ceph.pool.name} on every node was skipped by the operator`);
  }
  return { release, monitors: ceph.monitors, managers: ceph.managers, osds, pool: { ...pool, name: ceph.pool.name }, raid, status: status! };
}
