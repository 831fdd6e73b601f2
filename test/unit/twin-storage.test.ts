import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseLsblkJson, parseLvmReportJson, parseMdadmDetail, parseMdadmDetailScan, parseMdstat } from '../../activities/parsers';
import type { Lab, SimNode } from '../../lab/lab';
import { startLab } from './twin-cluster-helpers';

const GiB = 1024 ** 3;
const HDD = 4000787030016;
const LSBLK = 'lsblk -J -b -o NAME,PATH,TYPE,SIZE,ROTA,FSTYPE,MOUNTPOINT,MODEL';
const CREATE = 'mdadm --create /dev/md0 --run --level=5 --raid-devices=4 /dev/sda /dev/sdb /dev/sdc /dev/sdd';
const PVS = 'pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_size,pv_free';
const LVS = 'lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_path,lv_size,lv_tags,devices';

/** Four 8 GiB HDDs: a RAID5 over them rebuilds in about 48 lab seconds at the default speed. */
const SMALL = { sda: { sizeBytes: 8 * GiB }, sdb: { sizeBytes: 8 * GiB }, sdc: { sizeBytes: 8 * GiB }, sdd: { sizeBytes: 8 * GiB } };

async function sh(node: SimNode, command: string, exitCode = 0): Promise<{ stdout: string; stderr: string }> {
  const r = await node.exec(command);
  assert.equal(r.exitCode, exitCode, `${command}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

describe('twin storage: the reference deployment', () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 1, timeScale: 600 }));
    pve1 = lab.node('pve1');
  });
  after(() => close());

  test('lsblk -J -b shows the OS NVMe with PVE layout, an empty NVMe and four empty 4 TB HDDs', async () => {
    const { stdout } = await sh(pve1, LSBLK);
    assert.match(stdout, /^\{\n {3}"blockdevices": \[\n {6}\{\n {9}"name": "sda",\n/);
    assert.match(stdout, /\n {6}\},\{\n {9}"name": "sdb",/);
    const { devices } = parseLsblkJson(stdout);
    assert.deepEqual(
      devices.map((d) => [d.name, d.sizeBytes, d.rotational, d.children.length]),
      [
        ['sda', HDD, true, 0],
        ['sdb', HDD, true, 0],
        ['sdc', HDD, true, 0],
        ['sdd', HDD, true, 0],
        ['nvme0n1', 500107862016, false, 3],
        ['nvme1n1', 960197124096, false, 0],
      ],
    );
    const os = devices.find((d) => d.name === 'nvme0n1')!;
    assert.deepEqual(
      os.children.map((p) => [p.name, p.type, p.fstype, p.mountpoint]),
      [
        ['nvme0n1p1', 'part', null, null],
        ['nvme0n1p2', 'part', 'vfat', '/boot/efi'],
        ['nvme0n1p3', 'part', 'LVM2_member', null],
      ],
    );
    const lvs = os.children[2]!.children;
    assert.deepEqual(
      lvs.map((l) => [l.name, l.path, l.type, l.fstype, l.mountpoint]),
      [
        ['pve-swap', '/dev/mapper/pve-swap', 'lvm', 'swap', '[SWAP]'],
        ['pve-root', '/dev/mapper/pve-root', 'lvm', 'ext4', '/'],
        ['pve-data_tmeta', '/dev/mapper/pve-data_tmeta', 'lvm', null, null],
        ['pve-data_tdata', '/dev/mapper/pve-data_tdata', 'lvm', null, null],
      ],
    );
    assert.equal(lvs[2]!.children[0]!.children[0]!.name, 'pve-data');
    assert.equal(devices[0]!.model, 'ST4000NM000A-2HZ100');
    // Empty values are JSON null, not "".
    assert.match(stdout, /"fstype": null/);
  });

  test('plain lsblk draws the tree with human sizes', async () => {
    const { stdout } = await sh(pve1, 'lsblk');
    const lines = stdout.split('\n');
    assert.match(lines[0]!, /^NAME +MAJ:MIN RM +SIZE RO TYPE MOUNTPOINTS$/);
    assert.match(stdout, /\nsda +8:0 +0 +3\.6T +0 disk \n/);
    assert.match(stdout, /\n├─nvme0n1p2 +259:2 +0 +1G +0 part \/boot\/efi\n/);
    assert.match(stdout, /\n {2}├─pve-root +252:1 +0 +96G +0 lvm +\/\n/);
    assert.match(stdout, /\nnvme1n1 +259:4 +0 894\.3G +0 disk \n/);
    assert.equal((await sh(pve1, 'lsblk -dn -o NAME,SIZE -b /dev/nvme1n1')).stdout, 'nvme1n1 960197124096\n');
    assert.deepEqual(await pve1.exec('lsblk /dev/sdz'), { stdout: '', stderr: 'lsblk: /dev/sdz: not a block device\n', exitCode: 32 });
  });

  test('device nodes exist under /dev and blockdev reads their size', async () => {
    await sh(pve1, 'test -e /dev/sda && test -e /dev/nvme1n1 && test -e /dev/pve/root && test -e /dev/mapper/pve-swap');
    assert.deepEqual((await sh(pve1, 'ls /dev/pve')).stdout.split('\n').filter(Boolean), ['root', 'swap']);
    assert.equal((await sh(pve1, 'readlink /dev/pve/root')).stdout, '../dm-1\n');
    assert.equal((await sh(pve1, 'blockdev --getsize64 /dev/sda')).stdout, `${HDD}\n`);
    assert.equal((await sh(pve1, 'blockdev --getsize64 /dev/pve/root')).stdout, `${96 * GiB}\n`);
    assert.deepEqual(await pve1.exec('blockdev --getsize64 /dev/sdz'), { stdout: '', stderr: 'blockdev: cannot open /dev/sdz: No such file or directory\n', exitCode: 1 });
    assert.equal(pve1.storage.blockDevice('/dev/mapper/pve-root')?.sizeBytes, 96 * GiB);
  });

  test('a fresh 4 TB RAID5 starts recovering its last disk at an HDD speed: hours of lab time', async () => {
    const created = await sh(pve1, CREATE);
    assert.equal(created.stderr, 'mdadm: Defaulting to version 1.2 metadata\nmdadm: array /dev/md0 started.\n');
    const mdstat = (await sh(pve1, 'cat /proc/mdstat')).stdout;
    assert.match(mdstat, /^Personalities : \[raid6\] \[raid5\] \[raid4\] \nmd0 : active raid5 sdd\[4\] sdc\[2\] sdb\[1\] sda\[0\]\n {6}11720658432 blocks super 1\.2 level 5, 512k chunk, algorithm 2 \[4\/3\] \[UUU_\]\n/);
    assert.match(mdstat, /\n {6}\[>\.{20}\] {2}recovery = {2}0\.\d% \(\d+\/3906886144\) finish=3\d\d\.\dmin speed=175000K\/sec\n {6}bitmap: 30\/30 pages \[120KB\], 65536KB chunk\n\nunused devices: <none>\n$/);
    const parsed = parseMdstat(mdstat).arrays[0]!;
    assert.equal(parsed.degraded, true);
    assert.equal(parsed.progress?.action, 'recovery');
    assert.deepEqual(
      parsed.members.map((m) => [m.device, m.index]),
      [
        ['sda', 0],
        ['sdb', 1],
        ['sdc', 2],
        ['sdd', 4],
      ],
    );

    const detail = (await sh(pve1, 'mdadm --detail /dev/md0')).stdout;
    assert.match(detail, /\n {13}State : clean, degraded, recovering \n/);
    assert.match(detail, /\n {8}Array Size : 11720658432 \(10\.92 TiB 12\.00 TB\)\n {5}Used Dev Size : 3906886144 \(3\.64 TiB 4\.00 TB\)\n/);
    assert.match(detail, /\n {14}Name : pve1:0 {2}\(local to host pve1\)\n/);
    assert.match(detail, /\n {7}4 {7}8 {7}48 {8}3 {6}spare rebuilding {3}\/dev\/sdd\n$/);
    const d = parseMdadmDetail(detail);
    assert.deepEqual([d.level, d.raidDevices, d.activeDevices, d.workingDevices, d.spareDevices, d.rebuildPercent], ['raid5', 4, 3, 4, 1, 0]);
    assert.deepEqual(d.state, ['clean', 'degraded', 'recovering']);

    const scan = (await sh(pve1, 'mdadm --detail --scan')).stdout;
    assert.match(scan, /^ARRAY \/dev\/md0 metadata=1\.2 spares=1 name=pve1:0 UUID=[0-9a-f]{8}(:[0-9a-f]{8}){3}\n$/);
    assert.deepEqual(parseMdadmDetailScan(scan).arrays.map((a) => [a.device, a.name, a.spares]), [['/dev/md0', 'pve1:0', 1]]);
    assert.equal(parseMdadmDetailScan(scan).arrays[0]!.uuid, d.uuid);

    const examine = (await sh(pve1, 'mdadm --examine /dev/sda')).stdout;
    assert.match(examine, /\n {4}Data Offset : 264192 sectors\n/);
    assert.match(examine, /\n {3}Device Role : Active device 0\n {3}Array State : AAAA \('A' == active/);
    assert.deepEqual(await pve1.exec('mdadm --examine /dev/nvme1n1'), { stdout: '', stderr: 'mdadm: No md superblock detected on /dev/nvme1n1.\n', exitCode: 1 });

    // 4 TB at 175 MB/s: still far from done after ten lab minutes.
    await lab.clock.sleep(10 * 60_000);
    const later = parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!;
    assert.ok(later.progress && later.progress.percent > 1 && later.progress.percent < 5, JSON.stringify(later.progress));
  });

  test('wipefs lists signatures (table and JSON) and refuses busy devices', async () => {
    const table = (await sh(pve1, 'wipefs /dev/sda')).stdout;
    assert.match(table, /^DEVICE OFFSET TYPE {14}UUID {33}LABEL\nsda {4}0x1000 linux_raid_member [0-9a-f-]{36} pve1:0\n$/);
    const json = (await sh(pve1, 'wipefs -n -J /dev/nvme0n1')).stdout;
    assert.deepEqual(
      (JSON.parse(json) as { signatures: { offset: string; type: string }[] }).signatures.map((s) => [s.offset, s.type]),
      [
        ['0x200', 'gpt'],
        ['0x7470c05e00', 'gpt'],
        ['0x1fe', 'PMBR'],
      ],
    );
    assert.equal((await sh(pve1, 'wipefs /dev/nvme1n1')).stdout, '');
    assert.deepEqual(await pve1.exec('wipefs -a /dev/sda'), { stdout: '', stderr: 'wipefs: error: /dev/sda: probing initialization failed: Device or resource busy\n', exitCode: 1 });
    assert.deepEqual(await pve1.exec('wipefs -a /dev/nvme0n1'), { stdout: '', stderr: 'wipefs: error: /dev/nvme0n1: probing initialization failed: Device or resource busy\n', exitCode: 1 });
  });

  test('mdadm refuses members that are busy, as it does on a re-run', async () => {
    assert.deepEqual(await pve1.exec(CREATE), { stdout: '', stderr: 'mdadm: cannot open /dev/sda: Device or resource busy\n', exitCode: 2 });
    const r = await pve1.exec('mdadm --create /dev/md1 --run --level=5 --raid-devices=3 /dev/nvme1n1 /dev/sdb /dev/sdc');
    assert.equal(r.exitCode, 1);
    assert.equal(
      r.stderr,
      'mdadm: super1.x cannot open /dev/sdb: Device or resource busy\nmdadm: /dev/sdb is not suitable for this array.\n' +
        'mdadm: super1.x cannot open /dev/sdc: Device or resource busy\nmdadm: /dev/sdc is not suitable for this array.\nmdadm: create aborted\n',
    );
    assert.equal(pve1.storage.holder('/dev/sda'), 'md0');
    assert.equal(pve1.storage.holder('/dev/nvme0n1'), 'partitions');
    assert.equal(pve1.storage.holder('/dev/nvme0n1p2'), 'mounted on /boot/efi');
    assert.equal(pve1.storage.holder('/dev/nvme1n1'), undefined);
  });

  test('LVM on the array: the runbook commands, their JSON reports and the API agree', async () => {
    assert.equal((await sh(pve1, 'pvcreate /dev/md0')).stdout, '  Physical volume "/dev/md0" successfully created.\n');
    assert.equal((await sh(pve1, 'vgcreate ceph-raid /dev/md0')).stdout, '  Volume group "ceph-raid" successfully created\n');
    assert.equal((await sh(pve1, 'lvcreate -y -l 100%FREE -n osd-block ceph-raid')).stdout, '  Logical volume "osd-block" created.\n');
    const pvs = (await sh(pve1, PVS)).stdout;
    assert.match(pvs, /^ {2}\{\n {6}"report": \[\n {10}\{\n {14}"pv": \[\n {18}\{"pv_name":"\/dev\/md0", "vg_name":"ceph-raid", "pv_size":"\d+", "pv_free":"0"\},\n/);
    assert.deepEqual(parseLvmReportJson(pvs).pv.map((p) => [p.name, p.vg, p.freeBytes]), [
      ['/dev/md0', 'ceph-raid', 0],
      ['/dev/nvme0n1p3', 'pve', 16 * GiB],
    ]);
    await sh(pve1, 'lvchange --addtag ceph.osd_id=0 --addtag ceph.type=block ceph-raid/osd-block');
    const lv = parseLvmReportJson((await sh(pve1, LVS)).stdout).lv.find((l) => l.name === 'osd-block')!;
    assert.deepEqual(lv, { name: 'osd-block', vg: 'ceph-raid', path: '/dev/ceph-raid/osd-block', sizeBytes: lv.sizeBytes, tags: ['ceph.osd_id=0', 'ceph.type=block'], devices: ['/dev/md0'] });
    assert.deepEqual(pve1.storage.lv('ceph-raid', 'osd-block'), { vg: 'ceph-raid', name: 'osd-block', path: '/dev/ceph-raid/osd-block', sizeBytes: lv.sizeBytes, tags: ['ceph.osd_id=0', 'ceph.type=block'], devices: ['/dev/md0'] });
    assert.equal(pve1.storage.blockDevice('/dev/mapper/ceph--raid-osd--block')?.sizeBytes, lv.sizeBytes);
    assert.equal((await sh(pve1, 'blockdev --getsize64 /dev/ceph-raid/osd-block')).stdout, `${lv.sizeBytes}\n`);
    assert.equal(pve1.storage.holder('/dev/md0'), 'VG ceph-raid');

    const vgs = (await sh(pve1, 'vgs')).stdout;
    assert.match(vgs, /^ {2}VG +#PV #LV #SN Attr +VSize +VFree +\n {2}ceph-raid +1 +1 +0 wz--n- +<10\.92t +0 \n {2}pve +1 +3 +0 wz--n- <464\.76g 16\.00g\n$/);
    assert.deepEqual(await pve1.exec('lvcreate -y -l 100%FREE -n more ceph-raid'), { stdout: '', stderr: '  Calculated size of logical volume is 0 extents. Needs to be larger.\n', exitCode: 5 });
    assert.deepEqual(await pve1.exec('lvcreate -y -L 1G -n more ceph-raid'), { stdout: '', stderr: '  Volume group "ceph-raid" has insufficient free space (0 extents): 256 required.\n', exitCode: 5 });
    assert.deepEqual(await pve1.exec('vgcreate ceph-raid /dev/nvme1n1'), { stdout: '', stderr: '  A volume group called ceph-raid already exists.\n', exitCode: 5 });
    assert.deepEqual(await pve1.exec('vgremove -y nope'), { stdout: '', stderr: '  Volume group "nope" not found\n  Cannot process volume group nope\n', exitCode: 5 });
    assert.deepEqual(await pve1.exec('pvcreate /dev/sdb'), { stdout: '', stderr: '  Cannot use /dev/sdb: device is an md component\n', exitCode: 5 });
    assert.deepEqual(await pve1.exec('pvcreate /dev/nvme0n1p2'), { stdout: '', stderr: "  Can't open /dev/nvme0n1p2 exclusively.  Mounted filesystem?\n", exitCode: 5 });

    // An active LV holds the array: it cannot stop, and a claimed LV cannot go.
    assert.deepEqual(await pve1.exec('mdadm --stop /dev/md0'), {
      stdout: '',
      stderr: 'mdadm: Cannot get exclusive access to /dev/md0:Perhaps a running process, mounted filesystem or active volume group?\n',
      exitCode: 1,
    });
    pve1.storage.claim('/dev/ceph-raid/osd-block', 'ceph-osd@0');
    assert.equal(pve1.storage.holder('/dev/ceph-raid/osd-block'), 'ceph-osd@0');
    assert.deepEqual(await pve1.exec('lvremove -y ceph-raid/osd-block'), { stdout: '', stderr: '  Logical volume ceph-raid/osd-block in use.\n', exitCode: 5 });
    pve1.storage.release('/dev/ceph-raid/osd-block');

    assert.equal((await sh(pve1, 'lvremove -y ceph-raid/osd-block')).stdout, '  Logical volume "osd-block" successfully removed.\n');
    assert.equal((await sh(pve1, 'vgremove -y ceph-raid')).stdout, '  Volume group "ceph-raid" successfully removed\n');
    assert.deepEqual(parseLvmReportJson((await sh(pve1, PVS)).stdout).pv.find((p) => p.name === '/dev/md0')?.vg, null);
    assert.equal((await sh(pve1, 'pvremove -y /dev/md0')).stdout, '  Labels on physical volume "/dev/md0" successfully wiped.\n');
    assert.equal(pve1.storage.signature('/dev/md0'), undefined);
  });

  test('setSyncSpeed lets a test finish the 4 TB rebuild in lab seconds, keeping the progress made', async () => {
    const before = parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!.progress!;
    pve1.storage.setSyncSpeed(1_000_000_000);
    assert.ok(parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!.progress!.doneBlocks! >= before.doneBlocks!);
    await lab.clock.sleep(5_000);
    assert.deepEqual(parseMdadmDetail((await sh(pve1, 'mdadm --detail /dev/md0')).stdout).state, ['clean']);
    assert.throws(() => pve1.storage.setSyncSpeed(0), /positive/);
  });

  test('update-initramfs names the running kernel and takes lab seconds', async () => {
    const t0 = lab.clock.now();
    const r = await sh(pve1, 'update-initramfs -u');
    assert.match(r.stdout, /^update-initramfs: Generating \/boot\/initrd\.img-6\.8\.12-10-pve\n/);
    assert.ok(lab.clock.now() - t0 >= 3000);
    assert.match((await sh(pve1, 'cat /etc/mdadm/mdadm.conf')).stdout, /\nHOMEHOST <system>\n\n# instruct the monitoring daemon where to send mail alerts\nMAILADDR root\n/);
  });
});

describe('twin storage: small disks, fast lab time', () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    ({ lab, close } = await startLab({
      nodes: 3,
      timeScale: 1000,
      disks: { pve1: SMALL, pve2: SMALL, pve3: { ...SMALL, sdd: null, nvme1n1: { rotational: true, sizeBytes: 2 * GiB } } },
    }));
  });
  after(() => close());

  test('LabOptions.disks resizes, removes and changes disks per node', async () => {
    const pve3 = lab.node('pve3');
    const { devices } = parseLsblkJson((await sh(pve3, LSBLK)).stdout);
    assert.deepEqual(devices.map((d) => d.name), ['sda', 'sdb', 'sdc', 'nvme0n1', 'nvme1n1']);
    assert.deepEqual(devices.find((d) => d.name === 'nvme1n1')!.rotational, true);
    assert.equal(devices.find((d) => d.name === 'sda')!.sizeBytes, 8 * GiB);
    assert.equal(pve3.storage.blockDevice('/dev/sdd'), undefined);
    assert.equal((await pve3.exec('ls /dev/sdd')).exitCode, 2);
    assert.deepEqual(await pve3.exec(CREATE), { stdout: '', stderr: 'mdadm: cannot open /dev/sdd: No such file or directory\n', exitCode: 2 });
  });

  test('recovery progresses with lab time, completes, and leaves a clean array', async () => {
    const pve1 = lab.node('pve1');
    await sh(pve1, CREATE);
    const first = parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!.progress!;
    await lab.clock.sleep(20_000);
    const second = parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!.progress!;
    assert.ok(second.doneBlocks! > first.doneBlocks!, `${first.doneBlocks} → ${second.doneBlocks}`);
    await lab.clock.sleep(40_000);
    const mdstat = (await sh(pve1, 'cat /proc/mdstat')).stdout;
    const done = parseMdstat(mdstat).arrays[0]!;
    assert.deepEqual([done.status, done.working, done.degraded, done.progress], ['[UUUU]', 4, false, null]);
    // Small arrays get no bitmap: the kernel leaves a six-space line where the progress was.
    assert.match(mdstat, /\[4\/4\] \[UUUU\]\n {6}\nunused devices: <none>\n$/);
    const detail = parseMdadmDetail((await sh(pve1, 'mdadm --detail /dev/md0')).stdout);
    assert.deepEqual(detail.state, ['clean']);
    assert.deepEqual(detail.members.map((m) => m.state.join(' ')), ['active sync', 'active sync', 'active sync', 'active sync']);
    assert.match((await sh(pve1, 'mdadm --detail --scan')).stdout, /^ARRAY \/dev\/md0 metadata=1\.2 name=pve1:0 UUID=\S+\n$/);
  });

  test('--force builds with a resync over all four members instead', async () => {
    const pve2 = lab.node('pve2');
    await sh(pve2, 'mdadm --create /dev/md0 --run --force --level=5 --raid-devices=4 /dev/sda /dev/sdb /dev/sdc /dev/sdd');
    const md = parseMdstat((await sh(pve2, 'cat /proc/mdstat')).stdout).arrays[0]!;
    assert.deepEqual([md.status, md.progress?.action, md.members.map((m) => m.index)], ['[UUUU]', 'resync', [0, 1, 2, 3]]);
    assert.deepEqual(parseMdadmDetail((await sh(pve2, 'mdadm --detail /dev/md0')).stdout).state, ['clean', 'resyncing']);
    await sh(pve2, 'mdadm --stop /dev/md0 && mdadm --zero-superblock /dev/sda /dev/sdb /dev/sdc /dev/sdd');
    assert.equal((await sh(pve2, 'cat /proc/mdstat')).stdout, 'Personalities : [raid6] [raid5] [raid4] \nunused devices: <none>\n');
    assert.deepEqual(await pve2.exec('mdadm --examine /dev/sda'), { stdout: '', stderr: 'mdadm: No md superblock detected on /dev/sda.\n', exitCode: 1 });
  });

  test('a failed member shows (F) and _, is removed, and comes back with the bitmap or rebuilds', async () => {
    const pve1 = lab.node('pve1');
    pve1.storage.failMember('/dev/md0', '/dev/sdc');
    const mdstat = (await sh(pve1, 'cat /proc/mdstat')).stdout;
    assert.match(mdstat, /md0 : active raid5 sdd\[4\] sdc\[2\]\(F\) sdb\[1\] sda\[0\]\n.*\[4\/3\] \[UU_U\]\n/);
    const md = parseMdstat(mdstat).arrays[0]!;
    assert.deepEqual(md.members.find((m) => m.device === 'sdc')!.failed, true);
    const detail = (await sh(pve1, 'mdadm --detail /dev/md0')).stdout;
    assert.match(detail, /\n {7}- {7}0 {8}0 {8}2 {6}removed\n {7}4 {7}8 {7}48 {8}3 {6}active sync {3}\/dev\/sdd\n\n {7}2 {7}8 {7}32 {8}- {6}faulty {3}\/dev\/sdc\n$/);
    assert.deepEqual(parseMdadmDetail(detail).state, ['clean', 'degraded']);
    assert.deepEqual(await pve1.exec('mdadm /dev/md0 --remove /dev/sdc'), { stdout: '', stderr: 'mdadm: hot removed /dev/sdc from /dev/md0\n', exitCode: 0 });
    // No bitmap on these small disks: the old member is added as a spare and rebuilt.
    assert.deepEqual(await pve1.exec('mdadm /dev/md0 --add /dev/sdc'), { stdout: '', stderr: 'mdadm: added /dev/sdc\n', exitCode: 0 });
    const rebuilding = parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!;
    assert.deepEqual([rebuilding.status, rebuilding.progress?.action], ['[UU_U]', 'recovery']);
    await lab.clock.sleep(60_000);
    assert.equal(parseMdstat((await sh(pve1, 'cat /proc/mdstat')).stdout).arrays[0]!.status, '[UUUU]');
    assert.deepEqual(await pve1.exec('mdadm /dev/md0 --fail /dev/sdz'), { stdout: '', stderr: 'mdadm: set device faulty failed for /dev/sdz:  No such device\n', exitCode: 1 });
  });

  test('arrays survive a power cycle: named from mdadm.conf, md127 otherwise, with their LVM on top', async () => {
    const pve1 = lab.node('pve1');
    const pve2 = lab.node('pve2');
    await sh(pve1, 'pvcreate /dev/md0 && vgcreate ceph-raid /dev/md0 && lvcreate -y -l 100%FREE -n osd-block ceph-raid');
    await sh(pve1, 'mdadm --detail --scan >> /etc/mdadm/mdadm.conf && update-initramfs -u');
    await sh(pve2, CREATE);
    for (const n of [pve1, pve2]) await n.powerOff();
    for (const n of [pve1, pve2]) await n.powerOn();
    assert.match((await sh(pve1, 'cat /proc/mdstat')).stdout, /\nmd0 : active raid5 /);
    assert.equal(pve1.storage.blockDevice('/dev/ceph-raid/osd-block')?.path, '/dev/ceph-raid/osd-block');
    assert.deepEqual(parseLvmReportJson((await sh(pve1, PVS)).stdout).pv[0], { name: '/dev/md0', vg: 'ceph-raid', sizeBytes: parseLvmReportJson((await sh(pve1, PVS)).stdout).pv[0]!.sizeBytes, freeBytes: 0 });
    const md = parseMdstat((await sh(pve2, 'cat /proc/mdstat')).stdout).arrays[0]!;
    assert.equal(md.name, 'md127');
    assert.equal(md.progress?.action, 'recovery');
    assert.match((await sh(pve2, 'mdadm --detail --scan')).stdout, /^ARRAY \/dev\/md127 metadata=1\.2 spares=1 name=pve2:0 /);
  });

  test('nothing reaches the host: writes to a device node are dropped and every tool is the twin', async () => {
    const pve3 = lab.node('pve3');
    await sh(pve3, 'echo data > /dev/sdb');
    assert.equal((await sh(pve3, 'cat /dev/sdb')).stdout, '');
    await sh(pve3, 'wipefs -a /dev/sdb; mdadm --detail --scan; lsblk >/dev/null');
    const programs = lab.log.entries({ node: 'pve3' }).filter((e) => e.via === 'program').map((e) => e.command.split(' ')[0]);
    assert.ok(['wipefs', 'mdadm', 'lsblk'].every((p) => programs.includes(p)), programs.join(','));
  });
});

describe('twin storage: PVE 9', () => {
  test('update-initramfs and mdadm name the PVE 9 kernel and mdadm 4.4', async () => {
    const { lab, close } = await startLab({ nodes: 1, pve: 9, timeScale: 1000 });
    try {
      const n = lab.node('pve1');
      assert.match((await sh(n, 'update-initramfs -u')).stdout, /^update-initramfs: Generating \/boot\/initrd\.img-6\.14\.8-2-pve\n/);
      assert.equal((await n.exec('mdadm --version')).stderr, 'mdadm - v4.4 - 2024-11-07 - 2\n');
    } finally {
      await close();
    }
  });
});
