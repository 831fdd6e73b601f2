import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseCephOsdDumpJson, parseCephVolumeLvmList } from '../../activities/parsers';
import type { Lab, SimNode } from '../../lab/lab';
import { NODES, bootstrapKeyring, cephDaemons, cephStatus, dataVolume, must, pveCluster } from './twin-ceph-helpers';
import { connect, eventually, overSsh, startLab } from './twin-cluster-helpers';

/** Runs `command` over SSH and closes the channel (what a killed worker does) as soon as `cut()` holds. */
async function cutWhen(node: SimNode, command: string, cut: () => boolean): Promise<void> {
  const client = await connect(node);
  try {
    await new Promise<void>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        const timer = setInterval(() => {
          if (!cut()) return;
          clearInterval(timer);
          stream.close();
        }, 1);
        stream.on('close', () => {
          clearInterval(timer);
          resolve();
        });
        stream.resume();
        stream.stderr.resume();
        stream.end();
      });
    });
  } finally {
    client.end();
  }
}

describe('Ceph commands cut short and monitors lost', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    ({ lab, close } = await pveCluster({ pve: 8, timeScale: 20 }));
  });

  after(async () => close());

  test('an install cut mid-download leaves no daemons; the next install completes', async () => {
    const pve1 = lab.node('pve1');
    const started = lab.clock.now();
    await cutWhen(pve1, 'pveceph install --repository no-subscription --version squid', () => lab.clock.now() - started > 8_000);
    assert.equal((await pve1.exec('test -x /usr/bin/ceph-mon; echo $?')).stdout, '1\n');
    const mon = await pve1.exec('pveceph mon create');
    assert.equal(mon.stderr, 'binary not installed: /usr/bin/ceph-mon\n');
    await must(pve1, 'pveceph install --repository no-subscription --version squid');
    assert.equal((await pve1.exec('test -x /usr/bin/ceph-mon; echo $?')).stdout, '0\n');
  });

  test('a ceph-volume killed after it made the DB volume leaves what a killed ceph-volume leaves', async () => {
    await cephDaemons(lab);
    const pve1 = lab.node('pve1');
    await dataVolume(pve1);
    await bootstrapKeyring(pve1);
    await cutWhen(pve1, 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1', () => pve1.storage.lvs().some((lv) => lv.name.startsWith('osd-db-')));
    const dump = parseCephOsdDumpJson(await must(pve1, 'ceph osd dump -f json'));
    assert.deepEqual(
      dump.osds.map((o) => [o.id, o.up, o.in, o.state]),
      [[0, false, false, ['exists', 'new']]],
      'the OSD id was allocated and never booted',
    );
    const list = parseCephVolumeLvmList(await must(pve1, 'ceph-volume lvm list --format json'));
    assert.deepEqual(
      list.osds.map((o) => [o.id, o.devices.map((d) => [d.type, d.devices])]),
      [[0, [['db', ['/dev/nvme1n1']]]]],
      'the DB LV is there with its tags, the data LV not yet tagged',
    );
    assert.equal((await pve1.exec('test -e /var/lib/ceph/osd/ceph-0/whoami; echo $?')).stdout, '1\n', 'never activated');
    assert.equal((await pve1.exec('systemctl is-active ceph-osd@0')).stdout, 'inactive\n');
  });

  test('running it again meets the stale DB volume group and rolls back only its own OSD id', async () => {
    const pve1 = lab.node('pve1');
    const r = await pve1.exec('ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /\nRunning command: vgcreate --force --yes ceph-[0-9a-f-]{36} \/dev\/nvme1n1\n stderr: Physical volume '\/dev\/nvme1n1' is already in volume group 'ceph-[0-9a-f-]{36}'\n/);
    assert.match(
      r.stderr,
      /\n--> Was unable to complete a new OSD, will rollback changes\nRunning command: \/usr\/bin\/ceph --cluster ceph --name client\.bootstrap-osd --keyring \/var\/lib\/ceph\/bootstrap-osd\/ceph\.keyring osd purge-new osd\.1 --yes-i-really-mean-it\n stderr: purged osd\.1\n-->  RuntimeError: command returned non-zero exit status: 5\n$/,
    );
    assert.deepEqual(lab.ceph.osds().map((o) => [o.id, o.lifecycle]), [[0, 'new']]);
  });

  test('after purging the stale id and zapping the DB device, the OSD is created as osd.0', async () => {
    const pve1 = lab.node('pve1');
    assert.equal((await pve1.exec('ceph osd purge 0 --yes-i-really-mean-it')).stderr, 'purged osd.0\n');
    const zap = await must(pve1, 'ceph-volume lvm zap --destroy /dev/nvme1n1 2>&1');
    assert.match(zap, /--> Only 1 LV left in VG, will proceed to destroy volume group ceph-[0-9a-f-]{36}\n[\s\S]*--> Zapping successful for: <Raw Device: \/dev\/nvme1n1>\n$/);
    await must(pve1, 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
    assert.ok(await eventually(() => lab.ceph.osds().some((o) => o.id === 0 && o.up && o.in), 3000));
    assert.equal(pve1.storage.lvs().filter((lv) => lv.name.startsWith('osd-db-')).length, 1);
  });

  test('without a monitor quorum the CLI waits out its connect timeout; with the quorum back it answers', async () => {
    await Promise.all(['pve2', 'pve3'].map((n) => lab.node(n).powerOff({ silent: true })));
    assert.ok(await eventually(() => !lab.ceph.quorate(), 3000), 'the last monitor alone has no quorum');
    const t0 = lab.clock.now();
    const r = await lab.node('pve1').exec('ceph -s --connect-timeout 5');
    assert.deepEqual([r.exitCode, r.stderr], [1, '[errno 110] RADOS timed out (error connecting to the cluster)\n']);
    assert.ok(lab.clock.now() - t0 >= 5_000);
    await Promise.all(['pve2', 'pve3'].map((n) => lab.node(n).powerOn()));
    const s = await cephStatus(lab.node('pve1'));
    assert.deepEqual(s.monQuorum, NODES);
  });
});

describe('pveceph install on PVE 9', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 1, pve: 9, timeScale: 100 }));
  });

  after(async () => close());

  test('a fresh PVE 9 node already reports a squid ceph-common, without any daemon', async () => {
    const pve1 = lab.node('pve1');
    assert.match(await must(pve1, 'ceph --version'), /^ceph version 19\.2\.3 \([0-9a-f]{40}\) squid \(stable\)\n$/);
    assert.equal((await pve1.exec('pveceph mon create')).stderr, 'binary not installed: /usr/bin/ceph-mon\n');
  });

  test('the choices are squid and tentacle, with the manual repository', async () => {
    const r = await lab.node('pve1').exec('pveceph install --repository no-subscription --version quincy');
    assert.equal(r.exitCode, 255);
    assert.match(r.stderr, /^400 Parameter verification failed\.\nversion: value 'quincy' does not have a value in the enumeration 'squid, tentacle'\n/);
  });

  test('no-subscription writes a deb822 ceph.sources; manual keeps the file as the admin left it', async () => {
    const pve1 = lab.node('pve1');
    await must(pve1, 'pveceph install --repository no-subscription --version squid');
    const sources = 'Types: deb\nURIs: http://download.proxmox.com/debian/ceph-squid\nSuites: trixie\nComponents: no-subscription\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n';
    assert.equal(await must(pve1, 'cat /etc/apt/sources.list.d/ceph.sources'), sources);
    const manual = await overSsh(pve1, 'pveceph install --repository manual --version tentacle');
    assert.equal(manual.code, 0, manual.stderr);
    assert.match(manual.stdout, /installed Ceph 20\.2 Tentacle successfully!/);
    assert.equal(await must(pve1, 'cat /etc/apt/sources.list.d/ceph.sources'), sources);
    assert.match(await must(pve1, 'ceph --version'), / tentacle \(stable\)\n$/);
  });
});
