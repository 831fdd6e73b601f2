import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LabEnv } from '../helpers/labEnv';
import { changesSince, ran } from '../helpers/twinLog';
import { WorkerProcess } from '../helpers/workerProcess';
import { waitFor } from '../helpers/cli';
import type { CreateClusterResult } from '../../workflows/createCluster';
import type { DestroyClusterResult } from '../../workflows/destroyCluster';
import { parseCephStatusJson, parseHaStatusJson, parseMdstat, parsePvesmStatus } from '../../activities/parsers';

const NODES = ['pve1', 'pve2', 'pve3'];

/** What the issue asks of the reference deployment, read on the twin itself rather than from the runbook's report. */
async function assertReferenceDeployment(e: LabEnv): Promise<void> {
  const pve1 = e.lab.node('pve1');
  const ceph = parseCephStatusJson((await pve1.exec('ceph -s -f json')).stdout);
  assert.equal(ceph.health, 'HEALTH_OK', JSON.stringify(ceph.checks));
  assert.deepEqual([ceph.osds.total, ceph.osds.up, ceph.osds.in], [3, 3, 3]);
  assert.ok(Object.keys(ceph.pgs.states).every((s) => s === 'active+clean'), JSON.stringify(ceph.pgs));
  for (const name of NODES) {
    const node = e.lab.node(name);
    const storage = parsePvesmStatus((await node.exec('pvesm status')).stdout).storages.find((s) => s.name === 'Stockage-HA');
    assert.equal(storage?.active, true, `${name}: Stockage-HA active`);
    const md = parseMdstat((await node.exec('cat /proc/mdstat')).stdout).arrays.find((a) => a.name === 'md0');
    assert.equal(md?.level, 'raid5', `${name}: md0 is RAID5`);
    assert.equal(md?.members.length, 4);
    assert.match((await node.exec('cat /etc/mdadm/mdadm.conf')).stdout, /^ARRAY \/dev\/md0 /m, `${name}: array persisted`);
    assert.match((await node.exec('ip -o addr show dev vmbr1')).stdout, new RegExp(`inet ${e.lab.node(name).address}/24`), `${name}: address on vmbr1`);
  }
  const ha = parseHaStatusJson((await pve1.exec('pvesh get /cluster/ha/status/current --output-format json')).stdout);
  const vm = ha.services.find((s) => s.sid === 'vm:100');
  assert.equal(vm?.state, 'started', JSON.stringify(ha.services));
}

for (const pve of [8, 9] as const) {
  describe(`the hyper-converged reference deployment on a 3-node PVE ${pve} twin`, () => {
    let e: LabEnv;
    before(async () => {
      e = await LabEnv.start({ nodes: 3, pve, timeScale: 60 });
    });
    after(async () => {
      await e?.stop();
    });

    test('builds network, Ceph, pool, HA and validates; every destructive command ran once', async () => {
      // apt's lock is held on pve2 during the first two installs, as unattended upgrades do.
      e.lab.faults.add({ node: 'pve2', match: /pveceph install/, action: { kind: 'fail', exitCode: 100, stderr: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n' }, times: 2 });
      // The third monitor's creation hangs once; the command times out and the retry finds no monitor, so creates it.
      const hang = e.lab.faults.add({ node: 'pve3', match: /pveceph mon create/, action: { kind: 'hang' }, times: 1 });
      const inventory = { ...e.referenceInventory(), ssh: { connectTimeoutSeconds: 15, commandTimeoutSeconds: 8 } };
      const r = await e.execute<CreateClusterResult>('createCluster', `hc-${pve}-a`, { inventory, pollEverySeconds: 1, cephWithinSeconds: 180 });
      assert.equal(hang.fired, 1, 'the monitor creation hung once');
      assert.equal(r.validation?.ok, true, r.validation?.problems.join('; '));
      assert.equal(r.ceph?.status.health, 'HEALTH_OK');
      assert.equal(r.ha?.placement, pve === 9 ? 'rule' : 'group');
      assert.deepEqual(r.ha?.resources.map((x) => [x.sid, x.state]), [['vm:100', 'started']]);
      assert.ok(r.network?.pings.length === 6 && r.network.pings.every((p) => p.ok));
      await assertReferenceDeployment(e);
      for (const node of NODES) {
        assert.equal(ran(e.lab, /^mdadm --create/, node).length, 1, `${node}: one mdadm --create`);
        assert.equal(ran(e.lab, /^ceph-volume lvm create/, node).length, 1, `${node}: one ceph-volume lvm create`);
        assert.equal(ran(e.lab, /^pveceph mon create/, node).length, 1, `${node}: one monitor`);
      }
      assert.equal(ran(e.lab, /^pveceph pool create/).length, 1);
      assert.equal(ran(e.lab, /^ha-manager add/).length, 1);
      assert.equal(ran(e.lab, /^qm create/).length, 1);
      assert.equal(ran(e.lab, pve === 9 ? /^ha-manager rules add/ : /^ha-manager groupadd/).length, 1);
      assert.equal(ran(e.lab, /^ha-manager groupadd/).length, pve === 9 ? 0 : 1, 'PVE 9 is never sent group commands');
    });

    test('a second run changes nothing', async () => {
      const from = e.lab.log.entries().length;
      const r = await e.execute<CreateClusterResult>('createCluster', `hc-${pve}-b`, { inventory: e.referenceInventory(), pollEverySeconds: 1, cephWithinSeconds: 180 });
      assert.equal(r.validation?.ok, true);
      assert.deepEqual(changesSince(e.lab, from), []);
    });

    if (pve === 8) {
      test('destroyCluster --teardown removes HA, the pool, OSDs, monitors and managers, then separates every node', async () => {
        const r = await e.execute<DestroyClusterResult>('destroyCluster', `hc-${pve}-destroy`, { inventory: e.referenceInventory(), confirm: 'e2e', teardown: true });
        assert.deepEqual(r.separated.sort(), NODES);
        assert.ok(r.tornDown.includes('HA vm:100') && r.tornDown.includes('pool Stockage-HA'), r.tornDown.join(', '));
        const order = ['HA vm:100', 'pool Stockage-HA', 'osd.', 'mgr on', 'mon on'].map((p) => r.tornDown.findIndex((x) => x.startsWith(p)));
        assert.deepEqual(order, [...order].sort((a, b) => a - b), `documented order: ${r.tornDown.join(', ')}`);
        for (const name of NODES) {
          assert.equal((await e.lab.node(name).exec('test -e /etc/pve/ceph.conf || test -e /etc/pve/corosync.conf; echo $?')).stdout.trim(), '1', `${name}: no Ceph, no cluster`);
        }
      });
    }
  });
}

describe('preflight refuses bad hardware before anything changes', () => {
  let e: LabEnv;
  before(async () => {
    e = await LabEnv.start({ nodes: 3, pve: 8, timeScale: 60 });
  });
  after(async () => {
    await e?.stop();
  });

  test('an MTU mismatch on one pair is named; no node changed', async () => {
    e.lab.network.setPathMtu('pve2', 'pve3', 1500);
    const from = e.lab.log.entries().length;
    await assert.rejects(
      e.execute('createCluster', 'hc-mtu', { inventory: e.referenceInventory(), pollEverySeconds: 1, cephWithinSeconds: 180 }),
      (err: Error & { cause?: Error }) => {
        const msg = err.cause?.message ?? err.message;
        assert.match(msg, /preflight/);
        assert.match(msg, /pve2 → pve3/);
        assert.doesNotMatch(msg, /pve1 → pve2|pve1 → pve3/);
        return true;
      },
    );
    assert.deepEqual(changesSince(e.lab, from), []);
    assert.equal((await e.lab.node('pve1').exec('test -e /etc/pve/corosync.conf; echo $?')).stdout.trim(), '1');
    e.lab.network.setPathMtu('pve2', 'pve3', 9000);
  });

  test('a RAID member already in use is named; no node changed', async () => {
    await e.lab.node('pve2').exec('pvcreate -y /dev/sdc && vgcreate old-data /dev/sdc');
    const from = e.lab.log.entries().length;
    await assert.rejects(
      e.execute('createCluster', 'hc-busy', { inventory: e.referenceInventory(), pollEverySeconds: 1, cephWithinSeconds: 180 }),
      (err: Error & { cause?: Error }) => {
        const msg = err.cause?.message ?? err.message;
        assert.match(msg, /pve2: RAID member \/dev\/sdc is in use/);
        return true;
      },
    );
    assert.deepEqual(changesSince(e.lab, from), []);
  });
});

describe('the worker killed while an OSD is being created', () => {
  let e: LabEnv;
  let worker: WorkerProcess;
  before(async () => {
    // Slow enough that ceph-volume's stages (about 12 lab seconds) outlast the moment between seeing its DB volume and the kill.
    e = await LabEnv.start({ nodes: 3, pve: 8, timeScale: 10 }, { worker: false });
    worker = new WorkerProcess(e.cliEnv());
    await worker.start();
  });
  after(async () => {
    await worker?.stop();
    await e?.stop();
  });

  test('resumes with exactly one OSD per node and no stale volume; the create outlived the worker', async () => {
    const run = e.execute<CreateClusterResult>('createCluster', 'hc-kill', { inventory: e.referenceInventory(), pollEverySeconds: 1, cephWithinSeconds: 180 });
    // ceph-volume creates the DB volume group early: seeing it on pve2 means the OSD is being created.
    const pve2 = e.lab.node('pve2');
    await waitFor('a DB volume on pve2', () => pve2.storage.lvs().some((lv) => lv.vg.startsWith('ceph-') && lv.name.startsWith('osd-db-')) || undefined, 120_000);
    await worker.kill();
    await worker.start();
    const r = await run.catch((err: Error & { cause?: Error & { cause?: Error } }) => {
      throw new Error(`createCluster failed: ${err.cause?.cause?.message ?? err.cause?.message ?? err.message}\nworker output:\n${worker.output.slice(-4000)}`);
    });
    assert.equal(r.validation?.ok, true, r.validation?.problems.join('; '));
    const ceph = parseCephStatusJson((await e.lab.node('pve1').exec('ceph -s -f json')).stdout);
    assert.deepEqual([ceph.osds.total, ceph.osds.up], [3, 3], 'no second OSD');
    const creates = e.lab.log.entries({ node: 'pve2' }).filter((x) => x.via === 'program' && /^ceph-volume lvm create/.test(x.command));
    // The kill lands mid-create, but the create runs in its transient unit: it outlives the worker and runs once.
    assert.deepEqual(creates.map((x) => x.exitCode), [0], 'one ceph-volume lvm create, not cut by the kill');
    assert.ok(e.lab.journal('pve2').some((j) => /pve-runbooks-osd\.service/.test(j.message)), 'it ran in the transient unit pve-runbooks-osd');
    const dbVgs = new Set(pve2.storage.lvs().filter((lv) => lv.name.startsWith('osd-db-')).map((lv) => lv.vg));
    assert.equal(dbVgs.size, 1, `one DB volume group on pve2, found ${[...dbVgs].join(', ')}`);
    await assertReferenceDeployment(e);
  });
});
