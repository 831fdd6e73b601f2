import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  parseCephHealthJson,
  parseCephOsdDumpJson,
  parseCephOsdPoolLsJson,
  parseCephOsdTreeJson,
  parseCephVolumeLvmList,
  parsePvesmStatus,
} from '../../activities/parsers';
import type { Lab } from '../../lab/lab';
import { NODES, bootstrapKeyring, cephHealth, cephStatus, dataVolume, must, pveCluster } from './twin-ceph-helpers';
import { eventually } from './twin-cluster-helpers';

/** Lab ms a command took. */
async function timed(lab: Lab, node: string, command: string) {
  const t0 = lab.clock.now();
  const r = await lab.node(node).exec(command);
  return { ...r, labMs: lab.clock.now() - t0 };
}

describe('Ceph on three PVE 8 nodes, built as the runbook builds it', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    ({ lab, close } = await pveCluster({ pve: 8, timeScale: 100 }));
  });

  after(async () => close());

  test('before pveceph install: ceph-common answers, the daemons and ceph-volume are missing', async () => {
    const pve1 = lab.node('pve1');
    assert.match(await must(pve1, 'ceph --version'), /^ceph version 17\.2\.8 \([0-9a-f]{40}\) quincy \(stable\)\n$/);
    const s = await pve1.exec('ceph -s');
    assert.equal(s.exitCode, 1);
    assert.equal(s.stderr, "Error initializing cluster client: ObjectNotFound('RADOS object not found (error calling conf_read_file)')\n");
    const cv = await pve1.exec('ceph-volume lvm list');
    assert.equal(cv.exitCode, 127);
    assert.match(cv.stderr, /ceph-volume: command not found/);
    const mon = await pve1.exec('pveceph mon create');
    assert.deepEqual([mon.exitCode, mon.stderr], [255, 'binary not installed: /usr/bin/ceph-mon\n']);
  });

  test('pveceph install checks repository and version against PVE 8 and names the choices', async () => {
    const r = await lab.node('pve1').exec('pveceph install --repository manual --version tentacle');
    assert.equal(r.exitCode, 255);
    assert.equal(
      r.stderr,
      "400 Parameter verification failed.\nrepository: value 'manual' does not have a value in the enumeration 'enterprise, no-subscription, test'\nversion: value 'tentacle' does not have a value in the enumeration 'quincy, reef, squid'\n\npveceph install  [OPTIONS]\n",
    );
  });

  test('pveceph install writes ceph.list, installs in tens of lab seconds, and a second run is quick and harmless', async () => {
    const first = await timed(lab, 'pve1', 'pveceph install --repository no-subscription --version squid');
    assert.equal(first.exitCode, 0, first.stderr);
    assert.ok(first.labMs > 20_000 && first.labMs < 90_000, `install took ${first.labMs} lab ms`);
    assert.match(first.stderr, /HINT: The no-subscription repository is not the best choice for production setups\./);
    assert.match(first.stdout, /^update available package list\nstart installation\n/);
    assert.match(first.stdout, /\ninstalled Ceph 19\.2 Squid successfully!\n\nreloading API to load new Ceph RADOS library\.\.\.\n$/);
    assert.equal(await must(lab.node('pve1'), 'cat /etc/apt/sources.list.d/ceph.list'), 'deb http://download.proxmox.com/debian/ceph-squid bookworm no-subscription\n');
    assert.match(await must(lab.node('pve1'), 'ceph --version'), /^ceph version 19\.2\.3 .* squid \(stable\)\n$/);
    const again = await timed(lab, 'pve1', 'pveceph install --repository no-subscription --version squid');
    assert.equal(again.exitCode, 0);
    assert.ok(again.labMs < 10_000, `second install took ${again.labMs} lab ms`);
    assert.match(again.stdout, /ceph is already the newest version \(19\.2\.3-pve1\)\.\n[\s\S]*0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded\.\n/);
  });

  test('two installs at once on one node: the second meets apt\'s lock and fails as pveceph reports it', async () => {
    const [a, b] = await Promise.all([
      lab.node('pve2').exec('pveceph install --repository no-subscription --version squid'),
      lab.node('pve2').exec('pveceph install --repository no-subscription --version squid'),
    ]);
    const failed = [a, b].filter((r) => r.exitCode !== 0);
    assert.equal(failed.length, 1, `${a.exitCode} ${b.exitCode}`);
    assert.match(failed[0]?.stderr ?? '', /E: Could not get lock \/var\/lib\/dpkg\/lock-frontend\. It is held by process \d+ \(apt-get\)\n[\s\S]*apt failed during ceph installation \(25600\)\n$/);
    await must(lab.node('pve3'), 'pveceph install --repository no-subscription --version squid');
  });

  test('pveceph init refuses a bad network, writes ceph.conf in /etc/pve with the symlink, and keeps the fsid when re-run', async () => {
    const pve1 = lab.node('pve1');
    const bad = await pve1.exec('pveceph init --network 10.0.0.0/33');
    assert.equal(bad.exitCode, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\nnetwork: invalid format - value does not look like a valid CIDR network\n/);
    await must(pve1, 'pveceph init --network 10.0.0.0/24');
    const conf = await must(pve1, 'cat /etc/pve/ceph.conf');
    assert.match(conf, /^\[global\]\n\tauth_client_required = cephx\n[\s\S]*\tpublic_network = 10\.0\.0\.0\/24\n\n\[client\]\n\tkeyring = \/etc\/pve\/priv\/\$cluster\.\$name\.keyring\n\n$/);
    assert.equal(await must(pve1, 'readlink /etc/ceph/ceph.conf'), '/etc/pve/ceph.conf\n');
    const fsid = /fsid = (\S+)/.exec(conf)?.[1];
    await must(lab.node('pve2'), 'pveceph init --network 10.0.0.0/24');
    assert.equal(/fsid = (\S+)/.exec(await must(lab.node('pve2'), 'cat /etc/ceph/ceph.conf'))?.[1], fsid, 'the same cluster');
  });

  test('the first monitor creates the cluster and a manager; a fresh cluster warns of too few OSDs only', async () => {
    const pve1 = lab.node('pve1');
    const out = await must(pve1, 'pveceph mon create');
    assert.match(out, /^creating new monitor keyring\ncreating \/etc\/pve\/priv\/ceph\.mon\.keyring\n/);
    assert.match(out, /created the first monitor, assume it's safe to disable insecure global ID reclaim for new setup\n/);
    assert.match(out, /creating manager directory '\/var\/lib\/ceph\/mgr\/ceph-pve1'\n[\s\S]*starting service 'ceph-mgr@pve1\.service'\n$/);
    assert.equal(await must(pve1, 'systemctl is-active ceph-mon@pve1 ceph-mgr@pve1'), 'active\nactive\n');
    const health = parseCephHealthJson(await must(pve1, 'ceph health detail -f json'));
    assert.equal(health.health, 'HEALTH_WARN');
    assert.deepEqual(
      health.checks.map((c) => [c.code, c.summary]),
      [['TOO_FEW_OSDS', 'OSD count 0 < osd_pool_default_size 3']],
    );
    assert.equal(lab.ceph.fsid, /fsid = (\S+)/.exec(await must(pve1, 'cat /etc/pve/ceph.conf'))?.[1]);
  });

  test('monitors and managers join on the other nodes; repeating one is refused as PVE does', async () => {
    for (const n of ['pve2', 'pve3']) await must(lab.node(n), 'pveceph mon create');
    const again = await lab.node('pve2').exec('pveceph mon create');
    assert.deepEqual([again.exitCode, again.stderr], [255, "monitor address '10.0.0.12' already in use\n"]);
    const mgrAgain = await lab.node('pve1').exec('pveceph mgr create');
    assert.deepEqual([mgrAgain.exitCode, mgrAgain.stderr], [255, "ceph manager directory '/var/lib/ceph/mgr/ceph-pve1' already exists\n"]);
    for (const n of ['pve2', 'pve3']) await must(lab.node(n), 'pveceph mgr create');
    assert.ok(await eventually(async () => (await cephStatus(lab.node('pve2'))).monQuorum?.length === 3, 3000));
    const s = await cephStatus(lab.node('pve3'));
    assert.deepEqual([s.monQuorum, s.monCount], [NODES, 3]);
    assert.ok(await eventually(async () => /mgr: pve1\(active, since \d+s\), standbys: pve2, pve3\n/.test(await must(lab.node('pve1'), 'ceph -s')), 3000), 'two standby managers');
    assert.match(await must(lab.node('pve1'), 'cat /etc/pve/ceph.conf'), /\tmon_host = 10\.0\.0\.11 10\.0\.0\.12 10\.0\.0\.13\n[\s\S]*\[mon\.pve3\]\n\tpublic_addr = 10\.0\.0\.13\n/);
  });

  test('ceph-volume refuses a data volume that does not exist, and without the bootstrap key allocates no OSD', async () => {
    const pve1 = lab.node('pve1');
    await dataVolume(pve1);
    const missing = await pve1.exec('ceph-volume lvm create --data ceph-raid/nope --block.db /dev/nvme1n1');
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /\nceph-volume lvm create: error: Unable to proceed with non-existing device: ceph-raid\/nope\n$/);
    const nokey = await pve1.exec('ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    assert.equal(nokey.exitCode, 1);
    assert.match(nokey.stderr, /auth: unable to find a keyring on \/var\/lib\/ceph\/bootstrap-osd\/ceph\.keyring: \(2\) No such file or directory\n[\s\S]*-->  RuntimeError: Unable to create a new OSD id\n$/);
    assert.deepEqual(lab.ceph.osds(), []);
    assert.equal(pve1.storage.lvs().filter((lv) => lv.name.startsWith('osd-db-')).length, 0, 'nothing made on the DB device');
  });

  test('ceph auth get writes the bootstrap-osd keyring', async () => {
    const pve1 = lab.node('pve1');
    await bootstrapKeyring(pve1);
    assert.match(await must(pve1, 'cat /var/lib/ceph/bootstrap-osd/ceph.keyring'), /^\[client\.bootstrap-osd\]\n\tkey = AQ[A-Za-z0-9+/]{36}==\n\tcaps mon = "allow profile bootstrap-osd"\n$/);
  });

  test('ceph-volume lvm create: OSD id, a DB volume group on the whole NVMe, tags on both LVs, then an OSD up and in', async () => {
    const pve1 = lab.node('pve1');
    const r = await timed(lab, 'pve1', 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(r.labMs > 8_000, `ceph-volume took ${r.labMs} lab ms`);
    const lines = r.stderr.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const order = [
      /^Running command: \/usr\/bin\/ceph-authtool --gen-print-key$/,
      /osd new [0-9a-f-]{36}$/,
      /^Running command: vgcreate --force --yes ceph-[0-9a-f-]{36} \/dev\/nvme1n1$/,
      /^Running command: lvcreate --yes -l \d+ -n osd-db-[0-9a-f-]{36} ceph-[0-9a-f-]{36}$/,
      /^Running command: \/usr\/bin\/mount -t tmpfs tmpfs \/var\/lib\/ceph\/osd\/ceph-0$/,
      /--mkfs -i 0 /,
      /^--> ceph-volume lvm prepare successful for: ceph-raid\/osd-block$/,
      /prime-osd-dir --dev \/dev\/ceph-raid\/osd-block/,
      /^Running command: \/usr\/bin\/systemctl enable ceph-volume@lvm-0-/,
      /^Running command: \/usr\/bin\/systemctl start ceph-osd@0$/,
      /^--> ceph-volume lvm activate successful for osd ID: 0$/,
      /^--> ceph-volume lvm create successful for: ceph-raid\/osd-block$/,
    ].map(at);
    assert.ok(order.every((i) => i >= 0), `every stage logged: ${order.join(',')}`);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'in ceph-volume order');

    const list = parseCephVolumeLvmList(await must(pve1, 'ceph-volume lvm list --format json'));
    assert.equal(list.osds.length, 1);
    const osd = list.osds[0] as (typeof list.osds)[number];
    assert.equal(osd.id, 0);
    assert.equal(osd.clusterFsid, lab.ceph.fsid);
    assert.deepEqual(osd.devices.map((d) => [d.type, d.devices]).sort(), [['block', ['/dev/sda']], ['db', ['/dev/nvme1n1']]]);
    const db = osd.devices.find((d) => d.type === 'db');
    assert.ok(db && Number(db.lvSize) > 0.99 * 960197124096, 'the DB LV uses the whole NVMe');
    const raw = JSON.parse(await must(pve1, 'ceph-volume lvm list --format json')) as Record<string, { tags: Record<string, string> }[]>;
    const keys = ['ceph.block_device', 'ceph.block_uuid', 'ceph.cephx_lockbox_secret', 'ceph.cluster_fsid', 'ceph.cluster_name', 'ceph.crush_device_class', 'ceph.db_device', 'ceph.db_uuid', 'ceph.encrypted', 'ceph.osd_fsid', 'ceph.osd_id', 'ceph.osdspec_affinity', 'ceph.type', 'ceph.vdo'];
    for (const lv of raw['0'] ?? []) assert.deepEqual(Object.keys(lv.tags), keys);
    assert.equal(await must(pve1, 'cat /var/lib/ceph/osd/ceph-0/whoami /var/lib/ceph/osd/ceph-0/type'), '0\nbluestore\n');

    assert.ok(await eventually(() => lab.ceph.osds()[0]?.up === true, 2000), 'osd.0 boots');
    const tree = parseCephOsdTreeJson(await must(pve1, 'ceph osd tree -f json'));
    assert.deepEqual(
      tree.osds.map((o) => [o.id, o.host, o.status, o.in, o.deviceClass]),
      [[0, 'pve1', 'up', true, 'hdd']],
    );
  });

  test('create again on a prepared LV: ceph-volume says so and exits 0 without a second OSD', async () => {
    const r = await lab.node('pve1').exec('ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [0, '', '--> Device ceph-raid/osd-block is already prepared\n']);
    assert.equal(lab.ceph.osds().length, 1);
  });

  test('OSDs on the other nodes; ceph osd dump shows each exists and up', async () => {
    for (const n of ['pve2', 'pve3']) {
      const node = lab.node(n);
      await dataVolume(node);
      await bootstrapKeyring(node);
      await must(node, 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    }
    assert.ok(await eventually(() => lab.ceph.osds().filter((o) => o.up && o.in).length === 3, 3000));
    const dump = parseCephOsdDumpJson(await must(lab.node('pve2'), 'ceph osd dump -f json'));
    assert.deepEqual(
      dump.osds.map((o) => [o.id, o.up, o.in, o.state]),
      [0, 1, 2].map((id) => [id, true, true, ['exists', 'up']]),
    );
    assert.equal(dump.requireOsdRelease, 'squid');
  });

  test('pveceph pool create makes the pool and its rbd storage; PGs go through creating and peering to active+clean', async () => {
    const pve1 = lab.node('pve1');
    const out = await must(pve1, 'pveceph pool create Stockage-HA --size 3 --min_size 2 --pg_autoscale_mode on --add_storages 1');
    assert.match(out, /^pool Stockage-HA: applying size = 3\n/);
    const seen = new Set<string>();
    assert.ok(
      await eventually(async () => {
        const s = await cephStatus(pve1);
        for (const st of Object.keys(s.pgs.states)) seen.add(st);
        return s.health === 'HEALTH_OK';
      }, 5000),
      'HEALTH_OK',
    );
    assert.ok([...seen].some((st) => /unknown|creating|peering/.test(st)), `states seen: ${[...seen].join(', ')}`);
    const s = await cephStatus(pve1);
    assert.deepEqual([s.osds.total, s.osds.up, s.osds.in], [3, 3, 3]);
    assert.deepEqual(s.pgs.states, { 'active+clean': 129 });
    assert.deepEqual(s.checks, []);
    assert.match(await must(pve1, 'cat /etc/pve/storage.cfg'), /\n\nrbd: Stockage-HA\n\tcontent images,rootdir\n\tkrbd 0\n\tpool Stockage-HA\n\n$/);
    const pools = parseCephOsdPoolLsJson(await must(pve1, 'ceph osd pool ls detail -f json')).pools;
    assert.deepEqual(
      pools.map((p) => [p.name, p.size, p.minSize, p.pgNum, p.autoscaleMode, p.applications]),
      [
        ['.mgr', 3, 2, 1, 'on', ['mgr']],
        ['Stockage-HA', 3, 2, 128, 'on', ['rbd']],
      ],
    );
    assert.deepEqual(JSON.parse(await must(pve1, 'ceph osd pool ls -f json')), ['.mgr', 'Stockage-HA']);
  });

  test('pvesm status on every node lists local, local-lvm and the active Ceph storage in the real layout', async () => {
    for (const n of NODES) {
      const text = await must(lab.node(n), 'pvesm status');
      assert.equal(text.split('\n')[0], 'Name               Type     Status           Total            Used       Available        %');
      const st = parsePvesmStatus(text).storages;
      assert.deepEqual(
        st.map((x) => [x.name, x.type, x.status]),
        [
          ['Stockage-HA', 'rbd', 'active'],
          ['local', 'dir', 'active'],
          ['local-lvm', 'lvmthin', 'active'],
        ],
      );
      assert.ok((st[0]?.total ?? 0) > 3e9, 'about a third of 12 TB raw, in KiB');
    }
    const one = parsePvesmStatus(await must(lab.node('pve2'), 'pvesm status --storage Stockage-HA'));
    assert.deepEqual(one.storages.map((x) => x.name), ['Stockage-HA']);
  });

  test('qm-style disks: rbdCreate puts an image in the pool, refuses a pool that does not exist, rbd ls lists it', async () => {
    lab.ceph.rbdCreate('Stockage-HA', 'vm-100-disk-0', 4 * 2 ** 30);
    assert.throws(() => lab.ceph.rbdCreate('nope', 'vm-101-disk-0', 2 ** 30), { message: "rbd: error opening pool 'nope': (2) No such file or directory" });
    assert.equal(await must(lab.node('pve3'), 'rbd ls Stockage-HA'), 'vm-100-disk-0\n');
    assert.equal(lab.ceph.poolExists('Stockage-HA'), true);
  });

  test('a crashed node: its monitor leaves the quorum, its OSD is marked down after the grace, PGs degrade; back, it all heals', async () => {
    const pve1 = lab.node('pve1');
    const pve3 = lab.node('pve3');
    await pve3.powerOff({ silent: true });
    const lostAt = lab.clock.now();
    const early = await cephHealth(pve1);
    assert.ok(lab.clock.now() - lostAt < 10_000);
    assert.ok(!early.checks.some((c) => c.code === 'OSD_DOWN'), 'not before the heartbeat grace');
    assert.ok(await eventually(async () => (await cephHealth(pve1)).checks.some((c) => c.code === 'MON_DOWN'), 3000));
    assert.ok(await eventually(async () => (await cephHealth(pve1)).checks.some((c) => c.code === 'OSD_DOWN'), 3000));
    const downAfter = lab.clock.now() - lostAt;
    assert.ok(downAfter >= 20_000 && downAfter < 120_000, `OSD marked down ${downAfter} lab ms after the crash`);
    assert.ok(await eventually(async () => (await cephHealth(pve1)).checks.some((c) => c.code === 'PG_DEGRADED'), 3000));
    const h = await cephHealth(pve1);
    assert.equal(h.health, 'HEALTH_WARN');
    const byCode = Object.fromEntries(h.checks.map((c) => [c.code, c]));
    assert.equal(byCode['MON_DOWN']?.summary, '1/3 mons down, quorum pve1,pve2');
    assert.deepEqual(byCode['OSD_DOWN']?.detail, ['osd.2 (root=default,host=pve3) is down']);
    assert.equal(byCode['OSD_HOST_DOWN']?.summary, '1 host (1 osds) down');
    assert.match(byCode['PG_DEGRADED']?.summary ?? '', /^Degraded data redundancy: \d+\/\d+ objects degraded \([\d.]+%\), \d+ pgs? degraded, 129 pgs undersized$/);
    const tree = parseCephOsdTreeJson(await must(pve1, 'ceph osd tree -f json'));
    assert.deepEqual(tree.osds.find((o) => o.id === 2)?.status, 'down');
    const s = await cephStatus(pve1);
    assert.deepEqual([s.osds.up, s.osds.in], [2, 3]);
    assert.ok(Object.keys(s.pgs.states).every((st) => st.startsWith('active+undersized')), JSON.stringify(s.pgs.states));

    await pve3.powerOn();
    assert.ok(await eventually(async () => (await cephStatus(pve1)).health === 'HEALTH_OK', 5000), JSON.stringify(lab.ceph.health()));
    assert.equal(await must(pve3, 'systemctl is-active ceph-mon@pve3 ceph-mgr@pve3 ceph-osd@2'), 'active\nactive\nactive\n');
    assert.equal(await must(pve3, 'cat /var/lib/ceph/osd/ceph-2/whoami'), '2\n', 'ceph-volume@ re-activated the tmpfs at boot');
  });

  test('teardown: pool destroy with its storage, then an OSD refused while in or up, out, stopped and destroyed with cleanup', async () => {
    const pve1 = lab.node('pve1');
    const busy = await pve1.exec('pveceph pool destroy Stockage-HA --remove_storages 1');
    assert.deepEqual([busy.exitCode, busy.stderr], [255, "ceph pool 'Stockage-HA' still in use by storage 'Stockage-HA'\n"]);
    lab.ceph.rbdRemove('Stockage-HA', 'vm-100-disk-0');
    await must(pve1, 'pveceph pool destroy Stockage-HA --remove_storages 1');
    assert.doesNotMatch(await must(pve1, 'cat /etc/pve/storage.cfg'), /Stockage-HA/);
    assert.equal(lab.ceph.poolExists('Stockage-HA'), false);

    const inUse = await pve1.exec('pveceph osd destroy 0 --cleanup 1');
    assert.deepEqual([inUse.exitCode, inUse.stderr], [255, 'osd is in use (in == 1)\n']);
    assert.equal((await pve1.exec('ceph osd out 0')).stderr, 'marked out osd.0. \n');
    const up = await pve1.exec('pveceph osd destroy 0 --cleanup 1');
    assert.deepEqual([up.exitCode, up.stderr], [255, 'osd is still running (up == 1)\n']);
    await must(pve1, 'systemctl stop ceph-osd@0');
    const destroyed = await must(pve1, 'pveceph osd destroy 0 --cleanup 1');
    assert.match(destroyed, /^destroy OSD osd\.0\n[\s\S]*Remove osd\.0 from the CRUSH map\nRemove the osd\.0 authentication key\.\nRemove OSD osd\.0\n[\s\S]*--> Zapping successful for OSD: 0\n/);
    assert.deepEqual(lab.ceph.osds().map((o) => o.id), [1, 2]);
    assert.equal(pve1.storage.lvs().filter((lv) => lv.vg !== 'pve').length, 0, 'zap --destroy removed the OSD volume groups');
    const list = await pve1.exec('ceph-volume lvm list');
    assert.deepEqual([list.exitCode, list.stderr], [1, 'No valid Ceph lvm devices found\n']);
  });

  test('teardown: managers and monitors go; the last monitor is refused', async () => {
    const pve1 = lab.node('pve1');
    await must(pve1, 'pveceph mgr destroy pve1');
    await must(pve1, 'pveceph mon destroy pve1');
    await must(lab.node('pve2'), 'pveceph mon destroy pve2');
    const last = await lab.node('pve3').exec('pveceph mon destroy pve3');
    assert.deepEqual([last.exitCode, last.stderr], [255, "can't remove last monitor\n"]);
    assert.deepEqual(lab.ceph.mons().map((m) => m.name), ['pve3']);
    assert.match(await must(lab.node('pve2'), 'cat /etc/pve/ceph.conf'), /\tmon_host = 10\.0\.0\.13\n/);
  });
});
