import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flattenLsblk, parseLsblkJson, parseLvmReportJson, parseMdadmDetail, parseMdadmDetailScan, parseMdstat } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';

describe('lsblk-json', () => {
  test('-b -p, numbers, md raid1 under each member partition, LVs under PVs, no PATH or ROTA column', () => {
    const { devices } = parseLsblkJson(fixture('lsblk-json.b-p.kname-name-size-type-fstype-mountpoint-model.md-raid1-lvm.vbox.json'));
    assert.equal(devices.length, 17);
    const sdk = devices.find((d) => d.name === '/dev/sdk')!;
    assert.deepEqual(
      { ...sdk, children: sdk.children.length },
      { name: '/dev/sdk', path: '/dev/sdk', type: 'disk', sizeBytes: 1073741824, size: '1073741824', rotational: null, fstype: null, mountpoint: null, mountpoints: [], model: 'VBOX_HARDDISK', children: 1 },
    );
    const md127 = sdk.children[0]!.children[0]!;
    assert.deepEqual([md127.name, md127.type, md127.fstype, md127.sizeBytes], ['/dev/md127', 'raid1', 'ext4', 1071644672]);
    assert.deepEqual(devices.find((d) => d.name === '/dev/sr0')!.mountpoint, '/cdrom');

    const flat = flattenLsblk(devices);
    assert.deepEqual(
      flat.filter((d) => d.type === 'raid1').map((d) => [d.name, d.parent]),
      [
        ['/dev/md127', '/dev/sdk1'],
        ['/dev/md127', '/dev/sdl1'],
        ['/dev/md0', '/dev/sdm1'],
        ['/dev/md0', '/dev/sdn1'],
      ],
    );
    assert.deepEqual(
      flat.filter((d) => d.type === 'lvm').map((d) => [d.name, d.parent]),
      [
        ['/dev/mapper/vgtest-lvtest', '/dev/sdb'],
        ['/dev/mapper/vgtest1-lvtest1', '/dev/sdh1'],
        ['/dev/mapper/vgtest2-lvtest2', '/dev/sdh2'],
        ['/dev/mapper/vgtest3-lvtest3', '/dev/sdh3'],
      ],
    );
    assert.equal(flat[0]!.parent, null);
  });

  test('util-linux 2.2x without -b: human sizes keep their text, no byte count', () => {
    const { devices } = parseLsblkJson(fixture('lsblk-json.human-sizes.string-flags.util-linux-2.2x.json'));
    assert.deepEqual(
      devices.map((d) => [d.name, d.size, d.sizeBytes, d.path]),
      [
        ['sda', '223.6G', null, null],
        ['sdb', '1.8T', null, null],
        ['sdc', '1.8T', null, null],
        ['sr0', '1024M', null, null],
      ],
    );
    assert.deepEqual(
      devices[1]!.children.map((c) => c.name),
      ['sdb1', 'sdb2', 'sdb3', 'sdb4', 'sdb5'],
    );
  });

  test("PVE's own `lsblk --json -o path,parttype,fstype`: names from the paths, no TYPE", () => {
    assert.deepEqual(
      parseLsblkJson(fixture('lsblk-json.pve-storage.path-parttype-fstype.json')).devices.map((d) => [d.name, d.path, d.type, d.fstype]),
      [
        ['sdm', '/dev/sdm', '', null],
        ['sdm1', '/dev/sdm1', '', 'zfs_member'],
        ['sdm9', '/dev/sdm9', '', null],
        ['sdn', '/dev/sdn', '', 'xfs'],
      ],
    );
  });

  test('the runbook columns, util-linux 2.37+: booleans, MOUNTPOINTS arrays, the md array on four disks', () => {
    const disk = (name: string) =>
      `{"name":"${name}","path":"/dev/${name}","type":"disk","size":4000787030016,"rota":true,"fstype":"linux_raid_member","mountpoints":[null],"model":"ST4000NM000A-2HZ100",
        "children":[{"name":"md0","path":"/dev/md0","type":"raid5","size":12002360672256,"rota":false,"fstype":"LVM2_member","mountpoints":[null],"model":null,
          "children":[{"name":"ceph--raid-osd--block","path":"/dev/mapper/ceph--raid-osd--block","type":"lvm","size":12002357526528,"rota":false,"fstype":"ceph_bluestore","mountpoints":[null],"model":null}]}]}`;
    const text = `{"blockdevices":[
      {"name":"nvme0n1","path":"/dev/nvme0n1","type":"disk","size":512110190592,"rota":false,"fstype":null,"mountpoints":[null],"model":"SAMSUNG MZVL2512HCJQ-00B00",
        "children":[{"name":"nvme0n1p3","path":"/dev/nvme0n1p3","type":"part","size":511034277376,"rota":false,"fstype":"LVM2_member","mountpoints":[null],"model":null,
          "children":[{"name":"pve-root","path":"/dev/mapper/pve-root","type":"lvm","size":103079215104,"rota":false,"fstype":"ext4","mountpoints":["/"],"model":null}]}]},
      ${['sda', 'sdb', 'sdc', 'sdd'].map(disk).join(',')}]}`;
    const { devices } = parseLsblkJson(text);
    assert.deepEqual(devices.map((d) => [d.name, d.rotational, d.sizeBytes]), [
      ['nvme0n1', false, 512110190592],
      ['sda', true, 4000787030016],
      ['sdb', true, 4000787030016],
      ['sdc', true, 4000787030016],
      ['sdd', true, 4000787030016],
    ]);
    const root = flattenLsblk(devices).find((d) => d.name === 'pve-root')!;
    assert.deepEqual([root.mountpoint, root.mountpoints, root.parent], ['/', ['/'], 'nvme0n1p3']);
    assert.deepEqual(flattenLsblk(devices).filter((d) => d.name === 'md0').map((d) => d.parent), ['sda', 'sdb', 'sdc', 'sdd']);
  });

  test('util-linux 2.31-2.33: every value a string, "rota": "1", byte counts as strings, padded model', () => {
    const text = `{"blockdevices": [{"name": "sda", "path": "/dev/sda", "type": "disk", "size": "4000787030016", "rota": "1", "fstype": null, "mountpoint": null, "model": "ST4000NM0023    "},
      {"name": "nvme1n1", "path": "/dev/nvme1n1", "type": "disk", "size": "960197124096", "rota": "0", "fstype": "", "mountpoint": "", "model": null}]}`;
    assert.deepEqual(
      parseLsblkJson(text).devices.map((d) => [d.sizeBytes, d.rotational, d.model, d.fstype, d.mountpoint]),
      [
        [4000787030016, true, 'ST4000NM0023', null, null],
        [960197124096, false, null, null, null],
      ],
    );
  });

  test('a device with neither NAME nor PATH, a wrong ROTA, the text form, cut short', () => {
    throwsParse(() => parseLsblkJson('{"blockdevices": [\n {"type": "disk"}\n]}'), 'lsblk-json', 2, /line 2: blockdevices\[0\]: a device with neither NAME nor PATH/);
    throwsParse(() => parseLsblkJson('{"blockdevices": [\n {"name": "sda", "rota": "yes"}\n]}'), 'lsblk-json', 2, /blockdevices\[0\]\.rota/);
    throwsParse(() => parseLsblkJson('NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINT\nsda      8:0    0   20G  0 disk\n'), 'lsblk-json', 1, /not valid JSON/);
    throwsParse(() => parseLsblkJson('{"blockdevices": [\n {"name": "sda"'), 'lsblk-json', 2, /not valid JSON/);
    throwsParse(() => parseLsblkJson('{"devices": []}'), 'lsblk-json', 1, /blockdevices: missing/);
  });
});

describe('lvm-report-json', () => {
  test('fullreport, one report object per VG, a WARNING line before the JSON: PVs and LVs take their VG', () => {
    const r = parseLvmReportJson(fixture('lvm-report.fullreport.2vgs.leading-warning.insights.json'));
    assert.deepEqual(r.vg.map((v) => v.name), ['rhel', 'vg1']);
    assert.deepEqual(r.pv, [
      { name: '/dev/vda2', vg: 'rhel', sizeBytes: null, freeBytes: null },
      { name: '/dev/vdb', vg: 'vg1', sizeBytes: null, freeBytes: null },
    ]);
    assert.deepEqual(r.lv, [
      { name: 'root', vg: 'rhel', path: '/dev/rhel/root', sizeBytes: null, tags: [], devices: [] },
      { name: 'lvraid1', vg: 'vg1', path: '/dev/vg1/lvraid1', sizeBytes: null, tags: [], devices: [] },
    ]);
  });

  test('vgs and pvs in human units: "<475.94g" is no byte count, LVM\'s "0 " is zero', () => {
    assert.deepEqual(parseLvmReportJson(fixture('lvm-report.vgs.human-units.2vgs.lvm-operator.json')).vg, [
      { name: 'vg1', pvCount: 3, lvCount: 3, sizeBytes: null, freeBytes: 0, tags: [] },
      { name: 'vg2', pvCount: 3, lvCount: 3, sizeBytes: null, freeBytes: 0, tags: [] },
    ]);
    const r = parseLvmReportJson(fixture('lvm-report.pvs.human-units.3pvs.lvm-operator.json'));
    assert.deepEqual(r.pv.map((p) => [p.name, p.vg, p.sizeBytes, p.freeBytes]), [
      ['/dev/sda', 'vg1', null, 0],
      ['/dev/sdb', 'vg1', null, 0],
      ['/dev/sdc', 'vg1', null, 0],
    ]);
    assert.deepEqual([r.vg, r.lv], [[], []]);
  });

  test('the runbook commands in bytes: a PV in no VG, LV tags, a two-segment LV merged, a hidden LV, B suffix', () => {
    const pvs = `  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/md0", "vg_name":"ceph-raid", "pv_size":"12002357526528", "pv_free":"0"},
                  {"pv_name":"/dev/nvme1n1", "vg_name":"", "pv_size":"960197124096B", "pv_free":"960197124096B"}
              ]
          }
      ]
  }
`;
    assert.deepEqual(parseLvmReportJson(pvs).pv, [
      { name: '/dev/md0', vg: 'ceph-raid', sizeBytes: 12002357526528, freeBytes: 0 },
      { name: '/dev/nvme1n1', vg: null, sizeBytes: 960197124096, freeBytes: 960197124096 },
    ]);
    const lvs = `{"report":[{"lv":[
      {"lv_name":"osd-block", "vg_name":"ceph-raid", "lv_path":"/dev/ceph-raid/osd-block", "lv_size":"12002357526528", "lv_tags":"ceph.osd_id=0,ceph.type=block", "devices":"/dev/md0(0)"},
      {"lv_name":"data", "vg_name":"pve", "lv_path":"/dev/pve/data", "lv_size":"348966092800", "lv_tags":"", "devices":"data_tdata(0)"},
      {"lv_name":"big", "vg_name":"vg0", "lv_path":"/dev/vg0/big", "lv_size":"209715200", "lv_tags":"", "devices":"/dev/sdb(25)"},
      {"lv_name":"big", "vg_name":"vg0", "lv_path":"/dev/vg0/big", "lv_size":"209715200", "lv_tags":"", "devices":"/dev/sdc(0),/dev/sdb(75)"},
      {"lv_name":"[data_tdata]", "vg_name":"pve", "lv_path":"", "lv_size":"348966092800", "lv_tags":"", "devices":"/dev/nvme0n1p3(16384)"}
    ]}]}`;
    assert.deepEqual(parseLvmReportJson(lvs).lv, [
      { name: 'osd-block', vg: 'ceph-raid', path: '/dev/ceph-raid/osd-block', sizeBytes: 12002357526528, tags: ['ceph.osd_id=0', 'ceph.type=block'], devices: ['/dev/md0'] },
      { name: 'data', vg: 'pve', path: '/dev/pve/data', sizeBytes: 348966092800, tags: [], devices: ['data_tdata'] },
      { name: 'big', vg: 'vg0', path: '/dev/vg0/big', sizeBytes: 209715200, tags: [], devices: ['/dev/sdb', '/dev/sdc'] },
      { name: '[data_tdata]', vg: 'pve', path: null, sizeBytes: 348966092800, tags: [], devices: ['/dev/nvme0n1p3'] },
    ]);
  });

  test('no VG at all is an empty report', () => {
    assert.deepEqual(parseLvmReportJson('  {\n      "report": [\n          {\n              "vg": [\n              ]\n          }\n      ]\n  }\n'), { pv: [], vg: [], lv: [] });
  });

  test('a row without its name, no "report", the text form, only warnings', () => {
    throwsParse(() => parseLvmReportJson('{"report":[{"lv":[\n{"vg_name":"pve"}\n]}]}'), 'lvm-report-json', 2, /line 2: report\[0\]\.lv\[0\]\.lv_name: missing/);
    throwsParse(() => parseLvmReportJson('{"pv": []}'), 'lvm-report-json', 1, /report: missing/);
    throwsParse(() => parseLvmReportJson('  PV         VG   Fmt  Attr PSize   PFree\n  /dev/md0   ceph-raid lvm2 a--  <10.92t    0\n'), 'lvm-report-json', 1, /not valid JSON/);
    throwsParse(() => parseLvmReportJson('  WARNING: Not using lvmetad because config setting use_lvmetad=0.\n'), 'lvm-report-json', undefined, /^lvm-report-json: empty input$/);
  });
});

describe('mdadm-detail', () => {
  test('RAID5, one member faulty: a removed slot and the faulty device below the table', () => {
    const d = parseMdadmDetail(fixture('mdadm-detail.raid5.degraded.faulty-and-removed.mdadm4.txt'));
    assert.deepEqual({ ...d, members: undefined }, {
      device: '/dev/md3',
      version: '1.2',
      level: 'raid5',
      state: ['clean', 'degraded'],
      raidDevices: 3,
      totalDevices: 3,
      activeDevices: 2,
      workingDevices: 2,
      failedDevices: 1,
      spareDevices: 0,
      arraySizeKiB: 40882176,
      uuid: '3dc613d5:9c8f7ad0:26ae4b4f:48533886',
      name: 'lesson-02:3',
      rebuildPercent: null,
      resyncPercent: null,
      reshapePercent: null,
      checkPercent: null,
      members: undefined,
    });
    assert.deepEqual(d.members, [
      { number: 0, raidDevice: 0, state: ['active', 'sync'], device: '/dev/sda3' },
      { number: 1, raidDevice: 1, state: ['active', 'sync'], device: '/dev/sdb3' },
      { number: null, raidDevice: 2, state: ['removed'], device: null },
      { number: 2, raidDevice: null, state: ['faulty'], device: '/dev/sdc3' },
    ]);
  });

  test('RAID5 rebuilding onto a re-added disk: "Rebuild Status : 3% complete", spare rebuilding', () => {
    const d = parseMdadmDetail(fixture('mdadm-detail.raid5.recovering.rebuild-3pct.spare-rebuilding.mdadm4.txt'));
    assert.deepEqual(d.state, ['clean', 'degraded', 'recovering']);
    assert.equal(d.rebuildPercent, 3);
    assert.deepEqual([d.activeDevices, d.workingDevices, d.spareDevices], [2, 3, 1]);
    assert.deepEqual(d.members[2], { number: 3, raidDevice: 2, state: ['spare', 'rebuilding'], device: '/dev/sdc3' });
  });

  test('RAID1 rebuilding onto a spare while the failed member stays, flagged failfast', () => {
    const d = parseMdadmDetail(fixture('mdadm-detail.raid1.faulty-failfast-and-spare-rebuilding.jc.txt'));
    assert.deepEqual([d.device, d.rebuildPercent, d.totalDevices, d.failedDevices, d.name], ['/dev/md127', 24, 3, 1, 'sysrescue:126']);
    assert.deepEqual(
      d.members.map((m) => [m.raidDevice, m.state.join(' '), m.device]),
      [
        [0, 'active sync', '/dev/vda1'],
        [1, 'spare rebuilding', '/dev/vda4'],
        [null, 'faulty failfast', '/dev/vda2'],
      ],
    );
  });

  test('initial resync: "Resync Status : 4% complete"', () => {
    const d = parseMdadmDetail(fixture('mdadm-detail.raid1.resyncing-4pct.jc.txt'));
    assert.deepEqual([d.state, d.resyncPercent, d.rebuildPercent], [['clean', 'resyncing'], 4, null]);
  });

  test('0.90 metadata: no Name, the UUID followed by "(local to host ...)", Preferred Minor', () => {
    const d = parseMdadmDetail(fixture('mdadm-detail.raid1.0-90-metadata.clean.jc.txt'));
    assert.deepEqual([d.version, d.name, d.uuid, d.state], ['0.90', null, '3f720601:29af5283:96fc04a8:108a4af7', ['clean']]);
  });

  test('an inactive array prints no slot counters and no State column; CRLF reads the same', () => {
    const inactive = [
      '/dev/md127:',
      '           Version : 1.2',
      '        Raid Level : raid5',
      '     Total Devices : 3',
      '       Persistence : Superblock is persistent',
      '',
      '             State : inactive',
      '   Working Devices : 3',
      '',
      '              Name : pve1:0  (local to host pve1)',
      '              UUID : 9b8c5a0e:46b2e8f1:1c0d7c4e:2f5a6b3d',
      '            Events : 120',
      '',
      '    Number   Major   Minor   RaidDevice',
      '',
      '       -       8        0        -        /dev/sda',
      '       -       8       16        -        /dev/sdb',
      '       -       8       32        -        /dev/sdc',
    ].join('\n');
    const d = parseMdadmDetail(inactive);
    assert.deepEqual([d.state, d.raidDevices, d.activeDevices, d.workingDevices, d.failedDevices, d.spareDevices], [['inactive'], null, null, 3, null, null]);
    assert.deepEqual(d.members.map((m) => [m.number, m.raidDevice, m.state, m.device]), [
      [null, null, [], '/dev/sda'],
      [null, null, [], '/dev/sdb'],
      [null, null, [], '/dev/sdc'],
    ]);
    const text = fixture('mdadm-detail.raid5.recovering.rebuild-3pct.spare-rebuilding.mdadm4.txt');
    assert.deepEqual(parseMdadmDetail(text.replace(/\n/g, '\r\n')), parseMdadmDetail(text));
  });

  test('not mdadm output, a missing device, a counter cut off, a broken member row', () => {
    throwsParse(() => parseMdadmDetail('mdadm: cannot open /dev/md0: No such file or directory\n'), 'mdadm-detail', 1, /line 1: cannot read "mdadm: cannot open \/dev\/md0: No such file or directory": expected the array line "\/dev\/mdN:"/);
    const text = fixture('mdadm-detail.raid5.degraded.faulty-and-removed.mdadm4.txt');
    throwsParse(() => parseMdadmDetail(text.split('\n').slice(0, 30).join('\n')), 'mdadm-detail', undefined, /the member table lists 2 devices, "Total Devices" says 3 \(is the output cut short\?\)/);
    throwsParse(() => parseMdadmDetail(text.split('\n').slice(0, 12).join('\n')), 'mdadm-detail', undefined, /no member table "Number Major Minor RaidDevice State" \(is the output cut short\?\)/);
    throwsParse(() => parseMdadmDetail(text.replace('    Active Devices : 2\n', '')), 'mdadm-detail', undefined, /no "Active Devices :" line/);
    throwsParse(() => parseMdadmDetail(text.replace('    Active Devices : 2', '    Active Devices : two')), 'mdadm-detail', 13, /line 13: Active Devices: "two" is not a number/);
    throwsParse(() => parseMdadmDetail(text.replace('1      active sync   /dev/sdb3', '1')), 'mdadm-detail', 29, /line 29: cannot read "1       8       19        1" as a member row/);
  });
});

describe('mdadm-detail-scan', () => {
  test('Debian squeeze mdadm.conf: 0.90 arrays with level and num-devices, comments and keywords skipped', () => {
    assert.deepEqual(parseMdadmDetailScan(fixture('mdadm-detail-scan.mdadm-conf.debian-squeeze.0-90-level-num-devices.txt')).arrays, [
      { device: '/dev/md1', metadata: null, name: null, uuid: 'c11be125:4499672d:a4d2adc2:26fd5302', spares: null, level: 'raid1', numDevices: 2, devices: [], inactive: false },
      { device: '/dev/md2', metadata: null, name: null, uuid: '56502833:daed1a67:a4d2adc2:26fd5302', spares: null, level: 'raid1', numDevices: 2, devices: [], inactive: false },
    ]);
  });

  test('three 1.2 arrays named by the rescue system; the Debian template without arrays', () => {
    assert.deepEqual(
      parseMdadmDetailScan(fixture('mdadm-detail-scan.mdadm-conf.hetzner-rescue.3arrays-1.2.txt')).arrays.map((a) => [a.device, a.metadata, a.name]),
      [
        ['/dev/md/0', '1.2', 'rescue:0'],
        ['/dev/md/1', '1.2', 'rescue:1'],
        ['/dev/md/2', '1.2', 'rescue:2'],
      ],
    );
    assert.deepEqual(parseMdadmDetailScan(fixture('mdadm-detail-scan.mdadm-conf.debian-template.no-arrays.txt')), { arrays: [] });
  });

  test('--detail --scan --verbose: spares, the devices= continuation line; INACTIVE-ARRAY; a container line', () => {
    const text = [
      'ARRAY /dev/md0 level=raid5 num-devices=4 metadata=1.2 spares=1 name=pve1:0 UUID=45043155:dd96c83a:ee776fee:f003b4f3',
      '   devices=/dev/sda,/dev/sdb,/dev/sdc,/dev/sdd',
      'INACTIVE-ARRAY /dev/md127 metadata=1.2 name=pve2:0 UUID=6e9dcdcf:2f9f3bbf:4ccc68e7:802a5d6c',
      'ARRAY metadata=imsm UUID=2c1a7d9e:0f4b3a21:8e5d6c7b:1a2b3c4d',
    ].join('\n');
    assert.deepEqual(parseMdadmDetailScan(text).arrays, [
      { device: '/dev/md0', metadata: '1.2', name: 'pve1:0', uuid: '45043155:dd96c83a:ee776fee:f003b4f3', spares: 1, level: 'raid5', numDevices: 4, devices: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'], inactive: false },
      { device: '/dev/md127', metadata: '1.2', name: 'pve2:0', uuid: '6e9dcdcf:2f9f3bbf:4ccc68e7:802a5d6c', spares: null, level: null, numDevices: null, devices: [], inactive: true },
      { device: null, metadata: 'imsm', name: null, uuid: '2c1a7d9e:0f4b3a21:8e5d6c7b:1a2b3c4d', spares: null, level: null, numDevices: null, devices: [], inactive: false },
    ]);
  });

  test('a stray line, a broken key=value, a non-numeric spares', () => {
    throwsParse(() => parseMdadmDetailScan('mdadm: No arrays found in config file or automatically\n'), 'mdadm-detail-scan', 1, /line 1: cannot read "mdadm: No arrays found in config file or automatically": expected an "ARRAY \/dev\/mdN ..." line/);
    throwsParse(() => parseMdadmDetailScan('ARRAY /dev/md0 metadata=1.2\n   devices /dev/sda\n'), 'mdadm-detail-scan', 2, /line 2: cannot read "devices": expected key=value/);
    throwsParse(() => parseMdadmDetailScan('ARRAY /dev/md0 spares=one\n'), 'mdadm-detail-scan', 1, /spares="one" is not a number/);
  });
});

describe('mdstat (recovery)', () => {
  test('RAID5 recovering onto a re-added member at 9.3%, no "unused devices" line, blank-padded lines', () => {
    const { personalities, arrays } = parseMdstat(fixture('mdstat.raid5.recovery-9pct.2arrays.no-unused-line.txt'));
    assert.deepEqual(personalities, ['raid6', 'raid5', 'raid4']);
    const [md3, md2] = arrays;
    assert.deepEqual([md3!.name, md3!.status, md3!.degraded, md3!.slots, md3!.working], ['md3', '[UU_]', true, 3, 2]);
    assert.deepEqual(md3!.progress, { action: 'recovery', percent: 9.3, doneBlocks: 1902464, totalBlocks: 20441088, finishMinutes: 16.3, speedKps: 18853 });
    assert.deepEqual(md3!.members.map((m) => `${m.device}[${m.index}]`), ['sda3[0]', 'sdb3[1]', 'sdc3[3]']);
    assert.deepEqual([md2!.name, md2!.degraded, md2!.progress], ['md2', false, null]);
  });
});
