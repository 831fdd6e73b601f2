import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab, SimNode } from '../../lab/lab';
import { NODES, must, pveCluster } from '../unit/twin-ceph-helpers';
import { eventually } from '../unit/twin-cluster-helpers';
import { raidActivities } from '../../activities/disks/raid';
import { cephSetupActivities } from '../../activities/ceph/setup';
import { osdActivities } from '../../activities/ceph/osd';
import { poolActivities } from '../../activities/ceph/pool';
import { cephRollbackActivities, parseStorageCfg } from '../../activities/rollback/ceph';
import type { UndoResult } from '../../activities/rollback/ssh';
import { parseCephMonStatJson, parseCephOsdPoolLsJson, parseCephOsdTreeJson, parseLvmReportJson, parseMdstat } from '../../activities/parsers';
import { twinRig, type TwinRig } from '../helpers/twinRig';
import { cephSettings, nodeDisks } from '../../common/hyperConverged';
import type { RunbookInventory } from '../../common/inventory';

/** A completed forward step's compensation, as the workflow registers it. */
interface Undo {
  label: string;
  run: () => Promise<UndoResult>;
}

async function sh(node: SimNode, command: string): Promise<string> {
  return (await node.exec(command)).stdout;
}

/**
 * What the Ceph phase may touch on one node and the cluster, read on the twin: mdadm.conf and
 * storage.cfg byte for byte, the arrays, LVM, the devices' signatures, and Ceph's OSDs, pools,
 * monitors, managers and CRUSH hosts (from the CLI when Ceph is initialised).
 */
async function snapshot(lab: Lab) {
  const nodes: Record<string, unknown> = {};
  for (const name of NODES) {
    const n = lab.node(name);
    const lvm = parseLvmReportJson(await sh(n, 'lvs --reportformat json -o lv_name,vg_name,lv_tags,devices'));
    const vgs = parseLvmReportJson(await sh(n, 'vgs --reportformat json -o vg_name,pv_count,lv_count'));
    const pvs = parseLvmReportJson(await sh(n, 'pvs --reportformat json -o pv_name,vg_name'));
    nodes[name] = {
      mdadmConf: await sh(n, 'cat /etc/mdadm/mdadm.conf'),
      arrays: parseMdstat(await sh(n, 'cat /proc/mdstat')).arrays.map((a) => ({ name: a.name, level: a.level, members: a.members.map((m) => m.device) })),
      scan: await sh(n, 'mdadm --detail --scan'),
      lvs: lvm.lv.map((l) => ({ vg: l.vg, name: l.name, tags: l.tags })),
      vgs: vgs.vg.map((v) => v.name),
      pvs: pvs.pv.map((p) => ({ name: p.name, vg: p.vg })),
      signatures: await sh(n, 'for d in /dev/sda /dev/sdb /dev/sdc /dev/sdd /dev/nvme1n1; do echo "$d: $(wipefs -n $d 2>/dev/null | tail -n +2)"; done'),
      cephFiles: (await sh(n, 'ls /var/lib/ceph/mon /var/lib/ceph/mgr 2>/dev/null; [ -e /etc/pve/ceph.conf ] && echo ceph.conf; true')).trim(),
      /** What `pveceph mon/mgr create` (the /etc/ceph/ceph.conf symlink) and ensureBootstrapKeyring leave on a node. */
      nodeCephFiles: (await sh(n, 'ls -A /etc/ceph /var/lib/ceph/bootstrap-osd 2>/dev/null; true')).trim(),
    };
  }
  const pve1 = lab.node('pve1');
  const inited = (await pve1.exec('[ -e /etc/pve/ceph.conf ]')).exitCode === 0;
  const ceph = inited
    ? {
        osds: (await must(pve1, 'ceph osd ls')).trim().split('\n').filter(Boolean),
        pools: parseCephOsdPoolLsJson(await must(pve1, 'ceph osd pool ls detail -f json')).pools.map((p) => p.name),
        mons: parseCephMonStatJson(await must(pve1, 'ceph mon stat -f json')).mons.sort(),
        mgrs: lab.ceph.snapshot().store.mgrs.size,
        hosts: parseCephOsdTreeJson(await must(pve1, 'ceph osd tree -f json')).nodes.filter((x) => x.type === 'host').map((x) => x.name).sort(),
      }
    : { exists: lab.ceph.exists };
  return { storageCfg: await sh(pve1, 'cat /etc/pve/storage.cfg'), pvePriv: (await sh(pve1, 'ls -A /etc/pve/priv; ls -A /etc/pve/priv/ceph 2>/dev/null; true')).trim(), ceph, nodes };
}

/** Runs the registered compensations in reverse, as the workflow's rollback does. */
async function rollback(undos: Undo[]): Promise<Record<string, UndoResult>> {
  const results: Record<string, UndoResult> = {};
  for (const u of [...undos].reverse()) results[u.label] = await u.run();
  return results;
}

for (const pve of [8, 9] as const) describe(`Ceph compensations on a 3-node PVE ${pve} twin (reference inventory)`, () => {
  let rig: TwinRig;
  let lab: Lab;
  let inv: RunbookInventory;
  let task: TwinRig['task'];
  let acts: ReturnType<typeof raidActivities> & ReturnType<typeof cephSetupActivities> & ReturnType<typeof osdActivities> & ReturnType<typeof poolActivities>;
  let undo: ReturnType<typeof cephRollbackActivities>;

  before(async () => {
    rig = await twinRig(() => pveCluster({ pve, timeScale: 100 }));
    ({ lab, inv, task } = rig);
    const { deps } = rig;
    acts = { ...raidActivities(deps), ...cephSetupActivities(deps), ...osdActivities(deps), ...poolActivities(deps) };
    undo = cephRollbackActivities(deps);
    // installCeph has no compensation (the packages stay): installed before the snapshots.
    const ceph = cephSettings(inv)!;
    for (const n of NODES) await acts.installCeph(task(n), ceph.repository, ceph.version);
  });
  after(async () => {
    await rig?.close();
  });

  test('RAID5, LVM, mon, mgr, OSD and pool of a fresh run are undone in reverse; the nodes are as before; a second rollback finds nothing', async () => {
    const ceph = cephSettings(inv)!;
    const all = NODES.map(task);
    const before = await snapshot(lab);
    const undos: Undo[] = [];

    for (const n of NODES) {
      const t = task(n);
      const d = nodeDisks(inv, n)!;
      const raid = await acts.ensureRaidArray(t, d);
      assert.equal(raid.status, 'done');
      assert.match(raid.uuid ?? '', /^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/, 'the UUID is recorded');
      undos.push({ label: `raid ${n}`, run: () => undo.undoRaidArray(t, raid) });
      const persisted = await acts.persistRaidArray(t, d);
      assert.equal(persisted.conf, 'added');
      assert.equal(persisted.uuid, raid.uuid);
      undos.push({ label: `mdadm.conf ${n}`, run: () => undo.undoPersistRaidArray(t, persisted) });
      const volume = await acts.ensureOsdVolume(t, d);
      assert.deepEqual(volume, { status: 'done', pv: '/dev/md0', vg: 'ceph-raid', lv: 'ceph-raid/osd-block' });
      undos.push({ label: `lvm ${n}`, run: () => undo.undoOsdVolume(t, volume) });
    }
    const first = task(ceph.monitors[0]!);
    assert.equal((await acts.initCeph(first, ceph.publicNetwork, ceph.clusterNetwork)).status, 'done');
    undos.push({ label: 'init', run: () => undo.undoCephInit(first, all) });
    for (const n of ceph.monitors) {
      assert.equal((await acts.ensureMonitor(task(n))).status, 'done');
      undos.push({ label: `mon ${n}`, run: () => undo.undoMonitor(task(n)) });
    }
    assert.ok(await eventually(() => lab.ceph.quorate() && lab.ceph.mons().length === 3, 10_000), 'three monitors in quorum');
    for (const n of ceph.managers) {
      // The first monitor brought a manager along: `already` there, nothing to register.
      const r = await acts.ensureManager(task(n));
      if (r.status === 'done') undos.push({ label: `mgr ${n}`, run: () => undo.undoManager(task(n)) });
    }
    for (const n of ceph.osdNodes) await acts.ensureBootstrapKeyring(task(n));
    for (const n of ceph.osdNodes) {
      const r = await acts.ensureOsd(task(n), nodeDisks(inv, n)!);
      assert.equal(r.status, 'done');
      assert.equal(r.hostBucket, 'added');
      assert.equal(r.data, 'ceph-raid/osd-block');
      undos.push({ label: `osd ${n}`, run: () => undo.undoOsd(task(n), r) });
      assert.ok(await eventually(() => !!lab.ceph.osd(r.id)?.up, 10_000), `osd.${r.id} up`);
    }
    const pool = await acts.ensurePool(first, ceph.pool);
    assert.deepEqual([pool.name, pool.pool, pool.storage], ['Stockage-HA', 'done', 'done']);
    undos.push({ label: 'pool', run: () => undo.undoPool(first, pool) });
    assert.ok(await eventually(() => lab.ceph.health().status === 'HEALTH_OK', 20_000), JSON.stringify(lab.ceph.health()));
    // A VM disk on the pool makes its undo refuse: the pool is never destroyed with data in it.
    await must(lab.node('pve1'), 'rbd create Stockage-HA/vm-999-disk-0 --size 1G');
    await assert.rejects(undo.undoPool(first, pool), /still holds RBD images \(vm-999-disk-0\)/);
    await must(lab.node('pve1'), 'rbd rm Stockage-HA/vm-999-disk-0');
    // Out of order, the final Ceph undo refuses while OSDs (or pools) are left, and touches nothing.
    await assert.rejects(undo.undoCephInit(first, all), /Ceph still has OSDs \(osd\.0, osd\.1, osd\.2\)/);

    // Everything the comparison below looks at did change.
    const peak = await snapshot(lab);
    assert.notEqual(peak.storageCfg, before.storageCfg);
    assert.notDeepEqual(peak.ceph, before.ceph);
    for (const n of NODES) {
      const [p, b] = [peak.nodes[n] as Record<string, unknown>, before.nodes[n] as Record<string, unknown>];
      for (const k of ['mdadmConf', 'arrays', 'scan', 'lvs', 'vgs', 'pvs', 'signatures', 'cephFiles', 'nodeCephFiles']) assert.notDeepEqual(p[k], b[k], `${n}: ${k} changed by the run`);
    }

    const results = await rollback(undos);
    if (process.env.ROLLBACK_TEST_VERBOSE) console.log(JSON.stringify(results, null, 1));
    for (const [label, r] of Object.entries(results)) {
      // The last monitor cannot be destroyed; undoCephInit's purge takes it.
      assert.equal(r.status, label === 'mon pve1' ? 'already' : 'done', `${label}: ${JSON.stringify(r)}`);
    }
    assert.match(results['mon pve1']!.detail ?? '', /last monitor/);
    assert.match(results['osd pve3']!.detail ?? '', /CRUSH host pve3 removed/);
    assert.deepEqual(await snapshot(lab), before);
    assert.equal(lab.ceph.exists, false, 'no Ceph cluster left');

    const again = await rollback(undos);
    for (const [label, r] of Object.entries(again)) assert.equal(r.status, 'already', `${label} the second time: ${JSON.stringify(r)}`);
    assert.deepEqual(await snapshot(lab), before);
  });

  test('on a Ceph that existed before the run, undoing this run (pve3\'s array, volume, mon, mgr, OSD, the storage of a pre-existing pool) leaves the rest', async () => {
    // Before the run: Ceph on pve1 and pve2 (monitors, managers, one OSD each straight on /dev/sda), a pool `keep`
    // with its storage, and pool Stockage-HA without one.
    const [pve1, pve2] = [lab.node('pve1'), lab.node('pve2')];
    await must(pve1, 'pveceph init --network 10.0.0.0/24');
    await must(pve1, 'pveceph mon create');
    await must(pve2, 'pveceph mon create');
    await must(pve2, 'pveceph mgr create');
    for (const n of [pve1, pve2]) {
      await must(n, 'mkdir -p /var/lib/ceph/bootstrap-osd && ceph auth get client.bootstrap-osd -o /var/lib/ceph/bootstrap-osd/ceph.keyring');
      await must(n, 'vgcreate ceph-old /dev/sda && lvcreate -y -l 100%FREE -n osd-old ceph-old');
      await must(n, 'ceph-volume lvm create --data ceph-old/osd-old --block.db /dev/nvme1n1');
    }
    assert.ok(await eventually(() => lab.ceph.osds().length === 2 && lab.ceph.osds().every((o) => o.up), 10_000), 'two OSDs up');
    await must(pve1, 'pveceph pool create keep --size 2 --min_size 1 --add_storages 1');
    await must(pve1, 'pveceph pool create Stockage-HA --size 2 --min_size 1 --pg_autoscale_mode on --add_storages 0');
    const before = await snapshot(lab);

    const ceph = cephSettings(inv)!;
    const pve3 = task('pve3');
    const d = nodeDisks(inv, 'pve3')!;
    const undos: Undo[] = [];
    const raid = await acts.ensureRaidArray(pve3, d);
    undos.push({ label: 'raid', run: () => undo.undoRaidArray(pve3, raid) });
    const persisted = await acts.persistRaidArray(pve3, d);
    undos.push({ label: 'mdadm.conf', run: () => undo.undoPersistRaidArray(pve3, persisted) });
    const volume = await acts.ensureOsdVolume(pve3, d);
    undos.push({ label: 'lvm', run: () => undo.undoOsdVolume(pve3, volume) });
    assert.equal((await acts.initCeph(task('pve1'), ceph.publicNetwork, ceph.clusterNetwork)).status, 'already');
    for (const n of NODES) {
      const r = await acts.ensureMonitor(task(n));
      assert.equal(r.status, n === 'pve3' ? 'done' : 'already');
      if (r.status === 'done') undos.push({ label: `mon ${n}`, run: () => undo.undoMonitor(task(n)) });
    }
    for (const n of NODES) {
      const r = await acts.ensureManager(task(n));
      assert.equal(r.status, n === 'pve3' ? 'done' : 'already');
      if (r.status === 'done') undos.push({ label: `mgr ${n}`, run: () => undo.undoManager(task(n)) });
    }
    await acts.ensureBootstrapKeyring(pve3);
    const osd = await acts.ensureOsd(pve3, d);
    assert.equal(osd.status, 'done');
    undos.push({ label: 'osd', run: () => undo.undoOsd(pve3, osd) });
    assert.ok(await eventually(() => !!lab.ceph.osd(osd.id)?.up, 10_000), `osd.${osd.id} up`);
    const pool = await acts.ensurePool(task('pve1'), ceph.pool);
    assert.deepEqual([pool.pool, pool.storage], ['already', 'done']);
    assert.match(await sh(pve1, 'cat /etc/pve/storage.cfg'), /^rbd: Stockage-HA$/m, 'pvesm add rbd wrote the storage');
    undos.push({ label: 'pool', run: () => undo.undoPool(task('pve1'), pool) });
    const dup = await pve1.exec('pvesm add rbd Stockage-HA --pool Stockage-HA');
    assert.deepEqual([dup.exitCode, dup.stderr], [255, "create storage failed: storage ID 'Stockage-HA' already defined\n"]);
    const missing = await pve1.exec('pvesm remove nothing-here');
    assert.deepEqual([missing.exitCode, missing.stderr], [255, "delete storage failed: storage 'nothing-here' does not exist\n"]);

    // Compensations for steps that found things already there are never registered; called anyway
    // with a record that names only what existed, they must not touch it.
    assert.equal((await undo.undoPool(task('pve1'), { name: 'keep', pool: 'already', storage: 'already' })).status, 'already');
    const foreign = await undo.undoOsd(pve3, { id: lab.ceph.osds().find((o) => o.node === 'pve1')!.id, data: 'ceph-raid/osd-block', db: '/dev/nvme1n1' });
    assert.equal(foreign.status, 'already');
    assert.match(foreign.detail ?? '', /not this run's OSD, left alone/);

    // Out of order, what is still in use is refused, and nothing is touched: the array under the VG, the LV under the OSD.
    await assert.rejects(undo.undoRaidArray(pve3, raid), /something still holds \/dev\/md0/);
    await assert.rejects(undo.undoOsdVolume(pve3, volume), new RegExp(`still carries the tags of osd.${osd.id}`));
    // A record naming another array (another UUID) leaves the running one alone.
    const otherArray = await undo.undoRaidArray(pve3, { ...raid, uuid: '00000000:00000000:00000000:00000000' });
    assert.equal(otherArray.status, 'already');
    assert.match(otherArray.detail ?? '', /running as another array .* left alone/);
    const peak = await snapshot(lab);
    assert.notDeepEqual(peak, before);
    // A compensation cut short (the DB device's zap failed once, after the OSD was destroyed) is finished by its retry.
    const zapFault = lab.faults.add({ node: 'pve3', match: /^ceph-volume lvm zap --destroy/, action: { kind: 'fail', exitCode: 1, stderr: '-->  RuntimeError: Unable to proceed with non-existing device: /dev/nvme1n1\n' } });
    await assert.rejects(undo.undoOsd(pve3, osd), /ceph-volume lvm zap --destroy \/dev\/nvme1n1/);
    assert.equal(zapFault.fired, 1);
    assert.equal(lab.ceph.osd(osd.id), undefined, 'the OSD went before the failure');
    const results = await rollback(undos);
    if (process.env.ROLLBACK_TEST_VERBOSE) console.log(JSON.stringify(results, null, 1));
    for (const [label, r] of Object.entries(results)) assert.equal(r.status, 'done', `${label}: ${JSON.stringify(r)}`);
    assert.match(results['pool']!.detail ?? '', /^storage Stockage-HA removed$/);
    assert.equal(results['osd']!.detail, 'DB volume on /dev/nvme1n1 destroyed; empty CRUSH host pve3 removed');
    // Ceph's cluster stays, so no purge: the /etc/ceph/ceph.conf symlink `pveceph mon create` made on pve3, and the
    // bootstrap-osd keyrings ensureBootstrapKeyring wrote (pve3's, and the cluster-wide copy in /etc/pve/priv) remain:
    // setup.ts records neither, and no compensation here can tell them from ones that were there before.
    const after = await snapshot(lab);
    const pve3After = after.nodes['pve3'] as { nodeCephFiles: string };
    assert.equal(pve3After.nodeCephFiles, '/etc/ceph:\nceph.conf\n\n/var/lib/ceph/bootstrap-osd:\nceph.keyring');
    pve3After.nodeCephFiles = (before.nodes['pve3'] as { nodeCephFiles: string }).nodeCephFiles;
    assert.deepEqual(after.pvePriv.split('\n').filter((f) => !before.pvePriv.split('\n').includes(f)), ['ceph.client.bootstrap-osd.keyring']);
    after.pvePriv = before.pvePriv;
    assert.deepEqual(after, before);
    const again = await rollback(undos);
    for (const [label, r] of Object.entries(again)) assert.equal(r.status, 'already', `${label} the second time: ${JSON.stringify(r)}`);
    assert.ok(await eventually(() => lab.ceph.osds().length === 2 && lab.ceph.osds().every((o) => o.up), 5000), 'the two OSDs of before are still up');
  });
});

test('storage.cfg parser: every type, rbd pool default, monhost', () => {
  const cfg = parseStorageCfg('dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nrbd: a\n\tcontent images\n\tkrbd 0\n\nrbd: b\n\tpool p\n\tmonhost 10.1.1.1\n\nesxi: x\n\tserver h\n\n');
  assert.deepEqual(cfg.storages, [
    { type: 'dir', id: 'local' },
    { type: 'rbd', id: 'a', pool: 'rbd' },
    { type: 'rbd', id: 'b', pool: 'p', monhost: '10.1.1.1' },
    { type: 'esxi', id: 'x' },
  ]);
  assert.deepEqual(parseStorageCfg('').storages, []);
  assert.throws(() => parseStorageCfg('\tpool p\n'), /indented property/);
});
