import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseCephHealthJson,
  parseCephMonStatJson,
  parseCephOsdTreeJson,
  parseCephOsdTreeText,
  parseCephStatusJson,
  parseCephStatusText,
  parseCephVolumeLvmList,
} from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



/** `ceph -s -f json` as Luminous to Nautilus print it: OSD counts nested in osdmap.osdmap, deprecated overall_status. */
const LUMINOUS_STATUS = {
  fsid: '477e46f1-ae41-4e43-9c8f-72c918ab0a20',
  health: {
    checks: {
      OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down' } },
      PG_DEGRADED: { severity: 'HEALTH_WARN', summary: { message: 'Degraded data redundancy: 21/63 objects degraded (33.333%), 16 pgs degraded' } },
    },
    status: 'HEALTH_WARN',
    overall_status: 'HEALTH_WARN',
  },
  election_epoch: 6,
  quorum: [0, 1, 2],
  quorum_names: ['a', 'b', 'c'],
  monmap: { epoch: 1, mons: [{ rank: 0, name: 'a' }, { rank: 1, name: 'b' }, { rank: 2, name: 'c' }] },
  osdmap: { osdmap: { epoch: 20, num_osds: 3, num_up_osds: 2, num_in_osds: 3, full: false, nearfull: false, num_remapped_pgs: 0 } },
  pgmap: {
    pgs_by_state: [
      { state_name: 'active+undersized+degraded', count: 16 },
      { state_name: 'active+clean', count: 48 },
    ],
    num_pgs: 64,
    num_pools: 2,
    num_objects: 21,
    bytes_used: 3221225472,
    bytes_avail: 96636764160,
    bytes_total: 99857989632,
  },
};

/** `ceph -s -f json` from Jewel: health.overall_status with summary lines, no check codes. */
const JEWEL_STATUS = {
  health: {
    health: { health_services: [{ mons: [] }] },
    timechecks: { epoch: 8, round: 3022, round_status: 'finished' },
    summary: [{ severity: 'HEALTH_WARN', summary: '1/3 in osds are down' }],
    overall_status: 'HEALTH_WARN',
    detail: [],
  },
  fsid: '9a3d4a43-2c4e-4b39-a58e-0c2c5d1a1f10',
  quorum_names: ['node1', 'node2', 'node3'],
  monmap: { epoch: 1, mons: [{ name: 'node1' }, { name: 'node2' }, { name: 'node3' }] },
  osdmap: { osdmap: { epoch: 30, num_osds: 3, num_up_osds: 2, num_in_osds: 3 } },
  pgmap: { pgs_by_state: [{ state_name: 'active+undersized+degraded', count: 64 }], num_pgs: 64 },
};

describe('ceph-status-json', () => {
  test('Octopus, HEALTH_OK, flat osdmap, 33 PGs active+clean', () => {
    assert.deepEqual(parseCephStatusJson(fixture('ceph-status.octopus.health_ok.3osds.json')), {
      fsid: '603425a8-3f71-4515-adb7-05555cde280c',
      health: 'HEALTH_OK',
      checks: [],
      checkDetails: [],
      monQuorum: ['node1', 'node2', 'node3'],
      monCount: 3,
      osds: { total: 3, up: 3, in: 3, remappedPgs: 0 },
      pgs: { total: 33, states: { 'active+clean': 33 } },
      pools: 2,
      objects: 0,
      bytesUsed: 3463643136,
      bytesAvail: 9408675840,
      bytesTotal: 12872318976,
    });
  });

  test('Reef, single OSD down: every check code, 1 PG unknown', () => {
    const s = parseCephStatusJson(fixture('ceph-status.reef.health_warn.osd_down.single-osd.pgs-unknown.json'));
    assert.equal(s.health, 'HEALTH_WARN');
    assert.deepEqual(s.checks, [
      'AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED',
      'OSD_DATACENTER_DOWN',
      'OSD_DOWN',
      'OSD_HOST_DOWN',
      'OSD_RACK_DOWN',
      'OSD_ROOM_DOWN',
      'OSD_ROOT_DOWN',
      'OSD_ROW_DOWN',
      'PG_AVAILABILITY',
      'TOO_FEW_OSDS',
    ]);
    assert.deepEqual(
      s.checkDetails.find((c) => c.code === 'OSD_HOST_DOWN'),
      { code: 'OSD_HOST_DOWN', severity: 'HEALTH_WARN', summary: '2 hosts (1 osds) down', detail: [], count: 2, muted: false },
    );
    assert.deepEqual(s.osds, { total: 1, up: 0, in: 1, remappedPgs: 0 });
    assert.deepEqual(s.pgs, { total: 1, states: { unknown: 1 } });
    assert.deepEqual(s.monQuorum, ['ub-virt']);
  });

  test('Luminous to Nautilus: nested osdmap.osdmap, status wins over the deprecated overall_status', () => {
    const s = parseCephStatusJson(JSON.stringify(LUMINOUS_STATUS));
    assert.equal(s.health, 'HEALTH_WARN');
    assert.deepEqual(s.checks, ['OSD_DOWN', 'PG_DEGRADED']);
    assert.deepEqual(s.osds, { total: 3, up: 2, in: 3, remappedPgs: 0 });
    assert.deepEqual(s.pgs.states, { 'active+undersized+degraded': 16, 'active+clean': 48 });
    assert.equal(s.monCount, 3);
  });

  test('Jewel: overall_status, summaries without codes', () => {
    const s = parseCephStatusJson(JSON.stringify(JEWEL_STATUS, null, 2));
    assert.equal(s.health, 'HEALTH_WARN');
    assert.deepEqual(s.checks, []);
    assert.deepEqual(s.checkDetails, [{ code: '', severity: 'HEALTH_WARN', summary: '1/3 in osds are down', detail: [] }]);
    assert.deepEqual(s.osds, { total: 3, up: 2, in: 3 });
  });

  test('an osdmap without OSD counts names the path and line', () => {
    const text = JSON.stringify({ ...LUMINOUS_STATUS, osdmap: { osdmap: { epoch: 20 } } }, null, 2);
    const line = text.split('\n').findIndex((l) => l.includes('"epoch": 20')) + 1;
    throwsParse(() => parseCephStatusJson(text), 'ceph-status-json', line - 1, /osdmap\.osdmap\.num_osds: missing/);
  });

  test('the text form given to the JSON kind', () => {
    throwsParse(() => parseCephStatusJson(fixture('ceph-s.health_ok.luminous.ceph-docs.txt')), 'ceph-status-json', 1, /line 1: not valid JSON/);
  });
});

describe('ceph-health-json', () => {
  test('Jewel format, HEALTH_OK', () => {
    assert.deepEqual(parseCephHealthJson(fixture('ceph-health.json.health_ok.jewel-old-format.json')), { health: 'HEALTH_OK', checks: [] });
  });

  test('Luminous and later `ceph health detail -f json`: codes, summaries and detail lines', () => {
    const r = parseCephHealthJson(
      JSON.stringify({
        status: 'HEALTH_WARN',
        checks: {
          OSD_DOWN: {
            severity: 'HEALTH_WARN',
            summary: { message: '1 osds down', count: 1 },
            detail: [{ message: 'osd.3 (root=default,host=kube02) is down' }],
            muted: false,
          },
          MON_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1/3 mons down, quorum a,b' }, detail: [{ message: 'mon.c (rank 2) addr [v2:10.0.0.3:3300/0] is down (out of quorum)' }] },
        },
        mutes: [],
      }),
    );
    assert.equal(r.health, 'HEALTH_WARN');
    assert.deepEqual(r.checks, [
      { code: 'OSD_DOWN', severity: 'HEALTH_WARN', summary: '1 osds down', detail: ['osd.3 (root=default,host=kube02) is down'], count: 1, muted: false },
      { code: 'MON_DOWN', severity: 'HEALTH_WARN', summary: '1/3 mons down, quorum a,b', detail: ['mon.c (rank 2) addr [v2:10.0.0.3:3300/0] is down (out of quorum)'] },
    ]);
  });

  test('an object that is neither layout', () => {
    throwsParse(() => parseCephHealthJson('{"fsid": "x"}'), 'ceph-health-json', 1, /overall_status: missing/);
  });
});

describe('ceph-s (text)', () => {
  test('Luminous HEALTH_OK: 3 mons in quorum, 3 OSDs, 16 PGs active+clean', () => {
    assert.deepEqual(parseCephStatusText(fixture('ceph-s.health_ok.luminous.ceph-docs.txt')), {
      fsid: '477e46f1-ae41-4e43-9c8f-72c918ab0a20',
      health: 'HEALTH_OK',
      healthMessages: [],
      monCount: 3,
      monQuorum: ['a', 'b', 'c'],
      osds: { total: 3, up: 3, in: 3 },
      pools: 2,
      pgs: { total: 16, states: { 'active+clean': 16 }, notes: [] },
    });
  });

  test('only the health part, as the Ceph docs show it', () => {
    assert.deepEqual(parseCephStatusText(fixture('ceph-s.health_warn.osd_down.degraded.fragment.ceph-docs.txt')), {
      health: 'HEALTH_WARN',
      healthMessages: ['1 osds down', 'Degraded data redundancy: 21/63 objects degraded (33.333%), 16 pgs unclean, 16 pgs degraded'],
    });
  });

  test('PVE 8 after a node reinstall: host down, undersized PGs, ages in parentheses', () => {
    const s = parseCephStatusText(fixture('ceph-s.pve8-ceph.health_warn.osd_down.host_down.undersized-degraded.txt'));
    assert.equal(s.health, 'HEALTH_WARN');
    assert.deepEqual(s.healthMessages, [
      '1 osds down',
      '1 host (4 osds) down',
      'Degraded data redundancy: 593570/1780710 objects degraded (33.333%), 78 pgs degraded, 129 pgs undersized',
    ]);
    assert.deepEqual(s.monQuorum, ['kube05', 'kube01']);
    assert.deepEqual(s.osds, { total: 13, up: 9, in: 10 });
    assert.deepEqual(s.pgs, {
      total: 129,
      states: { 'active+undersized+degraded': 78, 'active+undersized': 51 },
      notes: ['593570/1780710 objects degraded (33.333%)'],
    });
  });

  test('a monitor out of quorum, a progress section, CRLF', () => {
    const text = [
      '  cluster:',
      '    id:     016d27bb-5e11-4c85-846a-98f1f0b7ec08',
      '    health: HEALTH_WARN',
      '            1/3 mons down, quorum a,b',
      '',
      '  services:',
      '    mon: 3 daemons, quorum a,b (age 5m), out of quorum: c',
      '    osd: 6 osds: 6 up (since 2h), 6 in (since 2h); 4 remapped pgs',
      '',
      '  progress:',
      '    Global Recovery Event (10s)',
      '      [............................]',
      '',
    ].join('\r\n');
    const s = parseCephStatusText(text);
    assert.deepEqual([s.monCount, s.monQuorum, s.monOutOfQuorum], [3, ['a', 'b'], ['c']]);
    assert.deepEqual(s.osds, { total: 6, up: 6, in: 6 });
  });

  test('garbage, a missing health line, an unreadable osd line', () => {
    throwsParse(() => parseCephStatusText('Error initializing cluster client: ObjectNotFound\n'), 'ceph-s', 1, /line 1: cannot read "Error initializing cluster client: ObjectNotFound"/);
    throwsParse(() => parseCephStatusText('  cluster:\n    id:     x\n'), 'ceph-s', undefined, /no "health:" line/);
    const bad = fixture('ceph-s.health_ok.luminous.ceph-docs.txt').replace('3 osds: 3 up, 3 in', 'three of them');
    throwsParse(() => parseCephStatusText(bad), 'ceph-s', 9, /line 9: cannot read "three of them" after "osd:"/);
  });
});

describe('ceph-osd-tree-json', () => {
  test('several roots and racks: every OSD finds its host; device classes where set', () => {
    const t = parseCephOsdTreeJson(fixture('ceph-osd-tree.json.multi-root.luminous.json'));
    assert.equal(t.osds.length, 24);
    const byHost = new Map<string | undefined, number[]>();
    for (const o of t.osds) byHost.set(o.host, [...(byHost.get(o.host) ?? []), o.id]);
    assert.deepEqual(
      [...byHost],
      [
        ['uat-l-stor-11', [0, 1, 2, 3, 4, 5]],
        ['uat-l-stor-12', [6, 7, 8, 9, 10, 11]],
        ['uat-l-stor-13', [12, 13, 14, 15, 16, 17]],
        ['uat-l-stor-14', [18, 19, 20, 21, 22, 23]],
      ],
    );
    assert.deepEqual(t.osds[0], { id: 0, name: 'osd.0', host: 'uat-l-stor-11', status: 'up', up: true, in: true, reweight: 1, crushWeight: 5.455994, deviceClass: 'hdd', stray: false });
    assert.equal(t.osds[12]!.deviceClass, undefined);
    assert.deepEqual(
      t.nodes.filter((n) => n.type !== 'osd').map((n) => `${n.type}:${n.name}`),
      ['root:default', 'rack:sata', 'host:uat-l-stor-11', 'host:uat-l-stor-12', 'rack:ssd', 'host:uat-l-stor-13', 'host:uat-l-stor-14'],
    );
    assert.deepEqual(t.nodes.find((n) => n.name === 'ssd')?.children, [-7, -6]);
  });

  test('a down and out OSD, a stray one', () => {
    const t = parseCephOsdTreeJson(
      JSON.stringify({
        nodes: [
          { id: -1, name: 'default', type: 'root', type_id: 10, children: [-2] },
          { id: -2, name: 'pve1', type: 'host', type_id: 1, children: [0] },
          { id: 0, name: 'osd.0', type: 'osd', type_id: 0, crush_weight: 1, depth: 2, exists: 1, status: 'down', reweight: 0, primary_affinity: 1 },
        ],
        stray: [{ id: 1, name: 'osd.1', type: 'osd', type_id: 0, crush_weight: 0, depth: 0, exists: 1, status: 'down', reweight: 0, primary_affinity: 1 }],
      }),
    );
    assert.deepEqual(
      t.osds.map((o) => [o.id, o.host, o.up, o.in, o.stray]),
      [
        [0, 'pve1', false, false, false],
        [1, undefined, false, false, true],
      ],
    );
  });

  test('a node without a name', () => {
    throwsParse(() => parseCephOsdTreeJson('{"nodes": [\n {"id": 0, "type": "osd"}\n], "stray": []}'), 'ceph-osd-tree-json', 2, /line 2: nodes\[0\]\.name: missing/);
  });
});

describe('ceph-osd-tree (text)', () => {
  test('PVE 8, host kube02 with its 4 OSDs down (still in)', () => {
    const t = parseCephOsdTreeText(fixture('ceph-osd-tree.txt.pve8-ceph.4osds-down.1host.txt'));
    assert.deepEqual(
      t.osds.filter((o) => !o.up).map((o) => [o.name, o.host, o.in]),
      [
        ['osd.3', 'kube02', true],
        ['osd.5', 'kube02', true],
        ['osd.6', 'kube02', true],
        ['osd.7', 'kube02', true],
      ],
    );
    assert.equal(t.osds.length, 13);
    assert.deepEqual(t.osds.find((o) => o.id === 11), { id: 11, name: 'osd.11', host: 'kube01', status: 'up', up: true, in: true, reweight: 1, crushWeight: 1.74709, deviceClass: 'ssd', stray: false });
    assert.deepEqual(t.nodes.find((n) => n.name === 'default'), { id: -1, name: 'default', type: 'root', crushWeight: 14.84685, children: [-5, -7, -3] });
    assert.deepEqual(t.nodes.find((n) => n.name === 'kube02')?.children, [3, 5, 6, 7]);
  });

  test('the JSON and text forms of one tree agree on the OSDs', () => {
    const text = [
      'ID  CLASS  WEIGHT   TYPE NAME      STATUS  REWEIGHT  PRI-AFF',
      '-1         2.00000  root default',
      '-3         2.00000      host pve1',
      ' 0    hdd  1.00000          osd.0      up   1.00000  1.00000',
      ' 1    hdd  1.00000          osd.1    down         0  1.00000',
    ].join('\n');
    const json = JSON.stringify({
      nodes: [
        { id: -1, name: 'default', type: 'root', children: [-3] },
        { id: -3, name: 'pve1', type: 'host', children: [0, 1] },
        { id: 0, device_class: 'hdd', name: 'osd.0', type: 'osd', crush_weight: 1, status: 'up', reweight: 1 },
        { id: 1, device_class: 'hdd', name: 'osd.1', type: 'osd', crush_weight: 1, status: 'down', reweight: 0 },
      ],
      stray: [],
    });
    assert.deepEqual(parseCephOsdTreeText(text).osds, parseCephOsdTreeJson(json).osds);
  });

  test('pre-Luminous columns (no CLASS, UP/DOWN, PRIMARY-AFFINITY), a DNE stray OSD, trailing blanks', () => {
    const text = [
      'ID WEIGHT  TYPE NAME      UP/DOWN REWEIGHT PRIMARY-AFFINITY ',
      '-1 0.05846 root default                                     ',
      '-2 0.01949     host ceph1                                   ',
      ' 0 0.01949         osd.0       up  1.00000          1.00000 ',
      ' 2       0 osd.2               DNE        0                  ',
    ].join('\n');
    assert.deepEqual(
      parseCephOsdTreeText(text).osds.map((o) => [o.id, o.host, o.status, o.up, o.stray]),
      [
        [0, 'ceph1', 'up', true, false],
        [2, undefined, 'DNE', false, true],
      ],
    );
  });

  test('a header that is not the osd tree, a short OSD row', () => {
    throwsParse(() => parseCephOsdTreeText('NAME STATUS\nfoo up\n'), 'ceph-osd-tree', 1, /line 1: cannot read "NAME STATUS": expected the header/);
    const text = fixture('ceph-osd-tree.txt.pve8-ceph.4osds-down.1host.txt').replace('osd.9        up   1.00000  1.00000', 'osd.9');
    throwsParse(() => parseCephOsdTreeText(text), 'ceph-osd-tree', 5, /line 5: .*an OSD row has a name, a status/);
  });
});

describe('ceph-mon-stat-json', () => {
  test('Tentacle, 2 monitors in quorum', () => {
    assert.deepEqual(parseCephMonStatJson(fixture('ceph-mon-stat.tentacle.2mons.json')), {
      epoch: 3,
      leader: 'mds-verify-a',
      minMonRelease: 'tentacle',
      monCount: 2,
      quorum: ['mds-verify-a', 'mds-verify-b'],
      mons: ['mds-verify-a', 'mds-verify-b'],
      allInQuorum: true,
    });
  });

  test('one of three monitors out of quorum', () => {
    const r = parseCephMonStatJson('{"epoch":5,"min_mon_release_name":"squid","num_mons":3,"leader":"pve1","quorum":[{"rank":0,"name":"pve1"},{"rank":1,"name":"pve2"}]}');
    assert.deepEqual([r.quorum, r.monCount, r.allInQuorum], [['pve1', 'pve2'], 3, false]);
  });

  test('older releases: quorum as ranks with quorum_names and the monmap', () => {
    const r = parseCephMonStatJson(
      JSON.stringify({ epoch: 2, quorum: [0, 2], quorum_names: ['a', 'c'], leader: 'a', monmap: { mons: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } }),
    );
    assert.deepEqual([r.quorum, r.mons, r.monCount, r.allInQuorum], [['a', 'c'], ['a', 'b', 'c'], 3, false]);
  });

  test('the text form is refused', () => {
    throwsParse(
      () => parseCephMonStatJson('e3: 2 mons at {a=[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0]}, election epoch 6, leader 0 a, quorum 0,1 a,b\n'),
      'ceph-mon-stat-json',
      1,
      /not valid JSON/,
    );
  });
});

describe('ceph-volume-lvm-list', () => {
  test('2 bluestore OSDs, block only: LV, VG, device and fsids', () => {
    const r = parseCephVolumeLvmList(fixture('ceph-volume-lvm-list.json.bluestore.block-only.2osds.json'));
    assert.deepEqual(
      r.osds.map((o) => o.id),
      [0, 1],
    );
    assert.deepEqual(r.osds[0], {
      id: 0,
      osdFsid: 'dbe407e0-c1cb-495e-b30a-02e01de6c8ae',
      clusterFsid: '4bfe8b72-5e69-4330-b6c0-4d914db8ab89',
      encrypted: false,
      devices: [
        {
          type: 'block',
          lvPath: '/dev/ceph-93550251-f76c-4219-a33f-df8805de7b9e/osd-data-d1cb42c3-60f6-4347-82eb-3188dc3df894',
          vg: 'ceph-93550251-f76c-4219-a33f-df8805de7b9e',
          lv: 'osd-data-d1cb42c3-60f6-4347-82eb-3188dc3df894',
          lvUuid: 'X39Wps-Qewq-d8LV-kj2p-ZqC3-IFQn-C35sV7',
          lvSize: '<8.00g',
          devices: ['/dev/sdb'],
        },
      ],
      partitions: [],
    });
    assert.deepEqual(r.osds[1]!.devices[0]!.devices, ['/dev/sdc']);
  });

  test('an OSD on an md LV with its DB on an NVMe LV, and a DB partition', () => {
    const lv = (type: string, vg: string, lvName: string, devices: string[]) => ({
      devices,
      lv_name: lvName,
      lv_path: `/dev/${vg}/${lvName}`,
      lv_size: '1.00t',
      lv_uuid: 'u',
      name: lvName,
      path: `/dev/${vg}/${lvName}`,
      tags: { 'ceph.osd_id': '3', 'ceph.osd_fsid': 'f3', 'ceph.cluster_fsid': 'c', 'ceph.crush_device_class': 'hdd', 'ceph.encrypted': '0', 'ceph.type': type },
      type,
      vg_name: vg,
    });
    const r = parseCephVolumeLvmList(
      JSON.stringify({
        '3': [lv('block', 'vg-md0', 'osd-block-3', ['/dev/md0']), lv('db', 'ceph-db-nvme1', 'osd-db-3', ['/dev/nvme1n1'])],
        '4': [lv('block', 'vg-md1', 'osd-block-4', ['/dev/md1']), { path: '/dev/nvme0n1p2', tags: { PARTUUID: 'abcd-1234' }, type: 'db' }],
      }),
    );
    assert.deepEqual(
      r.osds[0]!.devices.map((d) => [d.type, d.vg, d.lv, d.devices, d.deviceClass]),
      [
        ['block', 'vg-md0', 'osd-block-3', ['/dev/md0'], 'hdd'],
        ['db', 'ceph-db-nvme1', 'osd-db-3', ['/dev/nvme1n1'], 'hdd'],
      ],
    );
    assert.deepEqual(r.osds[1]!.partitions, [{ type: 'db', path: '/dev/nvme0n1p2', partUuid: 'abcd-1234' }]);
  });

  test('no OSD on the node: {} is an empty list, which is what an idempotency check wants to know', () => {
    assert.deepEqual(parseCephVolumeLvmList('{}\n'), { osds: [] });
  });

  test('an LV entry without its VG names the path and line', () => {
    const text = fixture('ceph-volume-lvm-list.json.bluestore.block-only.2osds.json').replace('"vg_name": "ceph-dfb1ca03-eb4f-4a5f-84b4-f4734aaefd42"', '"vg": "x"');
    throwsParse(() => parseCephVolumeLvmList(text), 'ceph-volume-lvm-list', 32, /line 32: 1\[0\]\.vg_name: missing/);
  });

  test('the plain text report is refused', () => {
    throwsParse(() => parseCephVolumeLvmList('\n====== osd.0 =======\n\n  [block]       /dev/ceph-x/osd-block-y\n'), 'ceph-volume-lvm-list', 2, /line 2: not valid JSON/);
  });
});
