import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Lab } from '../../lab/lab';
import { cephDaemons, dataVolume, bootstrapKeyring, must, pveCluster } from '../unit/twin-ceph-helpers';
import { eventually } from '../unit/twin-cluster-helpers';
import { osdActivities } from '../../activities/ceph/osd';
import { createDeps } from '../../worker/worker';
import { labInventory } from '../../client/labUp';
import { toRunbookInventory } from '../../client/startWorkflow';

const DISKS = { raidMembers: [], array: '/dev/md0', db: '/dev/nvme1n1', volumeGroup: 'ceph-raid', logicalVolume: 'osd-block', dbMinPercent: 1 };
const CREATE = 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1';

/**
 * ensureOsd after a ceph-volume cut short at every stage (its SSH session gone, as when the
 * worker dies): one OSD in the end, running, and one DB volume, whatever the cut left behind.
 */
describe('ensureOsd recovers from a ceph-volume cut short at any stage', () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let deps: ReturnType<typeof createDeps>;
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-osd-'));
    ({ lab, close } = await pveCluster({ pve: 8, timeScale: 10 }));
    await cephDaemons(lab);
    await dataVolume(lab.node('pve1'));
    await bootstrapKeyring(lab.node('pve1'));
    deps = createDeps({ PVE_RUNBOOKS_HOME: path.join(dir, 'home') });
  });
  after(async () => {
    await deps?.pool.closeAll();
    await close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // ceph-volume takes about 12 lab seconds, 1.2 s here: the cuts land before `osd new`, then after
  // it, after the DB volume group, after the tags, and during mkfs.
  for (const cutMs of [20, 150, 300, 500, 800, 1100]) {
    test(`cut after ${cutMs} ms`, async () => {
      const env = { PVE_RUNBOOKS_HOME: path.join(dir, 'home') };
      const inv = toRunbookInventory(labInventory(lab, 'lab', { clusterOnly: true }), env);
      const task = { node: inv.nodes[0], ssh: inv.ssh };
      const pve1 = lab.node('pve1') as unknown as { run(r: { command: string; via: 'internal'; user: 'root'; signal: AbortSignal }): Promise<unknown> };
      const cut = new AbortController();
      setTimeout(() => cut.abort(), cutMs);
      await pve1.run({ command: CREATE, via: 'internal', user: 'root', signal: cut.signal });

      const r = await osdActivities(deps).ensureOsd(task, DISKS);
      assert.ok(await eventually(() => lab.ceph.osds().length === 1 && lab.ceph.osds()[0].up, 5000), `one OSD, up: ${JSON.stringify(lab.ceph.osds())}`);
      assert.equal(lab.ceph.osds()[0].id, r.id);
      // From `osd new` on, the cut leaves an allocated id and volumes behind: they were cleaned, not reused or doubled.
      if (cutMs >= 300) assert.ok(r.cleaned.length > 0, `the cut at ${cutMs} ms left something to clean: ${JSON.stringify(r)}`);
      const dbLvs = lab.node('pve1').storage.lvs().filter((lv) => lv.name.startsWith('osd-db-'));
      assert.equal(dbLvs.length, 1, 'one DB volume');

      // Back to a node without an OSD for the next cut.
      await must(lab.node('pve1'), `systemctl stop ceph-osd@${r.id} && ceph osd purge ${r.id} --yes-i-really-mean-it && ceph-volume lvm zap ceph-raid/osd-block && ceph-volume lvm zap --destroy /dev/nvme1n1`);
    });
  }
});
