import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCephOsdDumpJson, parseCephOsdPoolLsJson, parseCephStatusJson } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';

describe('ceph-osd-pool-ls-json', () => {
  test('Jewel `osd pool ls detail`: no pool id, no autoscaler, no applications; type 1 is replicated', () => {
    assert.deepEqual(parseCephOsdPoolLsJson(fixture('ceph-osd-pool-ls.detail.jewel.1pool.no-ids.usmqe.json')), {
      pools: [{ name: 'rbd', id: null, size: 3, minSize: 2, pgNum: 64, autoscaleMode: null, type: 'replicated', applications: [] }],
    });
  });

  test('Squid `osd pool ls detail`: the .mgr pool and the HA pool with autoscale on and rbd enabled', () => {
    const text = JSON.stringify([
      { pool: 1, pool_name: '.mgr', create_time: '2025-05-06T09:01:17.201950+0200', flags: 1, flags_names: 'hashpspool', type: 1, size: 3, min_size: 2, crush_rule: 0, pg_autoscale_mode: 'on', pg_num: 1, pg_placement_num: 1, application_metadata: { mgr: {} } },
      { pool: 2, pool_name: 'Stockage-HA', flags: 8193, flags_names: 'hashpspool,selfmanaged_snaps', type: 1, size: 3, min_size: 2, pg_autoscale_mode: 'on', pg_num: 32, options: { pg_num_min: 32 }, application_metadata: { rbd: {} } },
    ]);
    assert.deepEqual(parseCephOsdPoolLsJson(text).pools, [
      { name: '.mgr', id: 1, size: 3, minSize: 2, pgNum: 1, autoscaleMode: 'on', type: 'replicated', applications: ['mgr'] },
      { name: 'Stockage-HA', id: 2, size: 3, minSize: 2, pgNum: 32, autoscaleMode: 'on', type: 'replicated', applications: ['rbd'] },
    ]);
  });

  test('plain `osd pool ls -f json`: names only; no pool at all', () => {
    assert.deepEqual(parseCephOsdPoolLsJson('\n["rbd",".mgr"]\n').pools.map((p) => [p.name, p.id, p.size, p.applications]), [
      ['rbd', null, null, []],
      ['.mgr', null, null, []],
    ]);
    assert.deepEqual(parseCephOsdPoolLsJson('[]'), { pools: [] });
  });

  test('a pool object without its name, names mixed with objects, the text form', () => {
    throwsParse(() => parseCephOsdPoolLsJson('[\n{"pool": 1, "size": 3}\n]'), 'ceph-osd-pool-ls-json', 2, /line 2: \[0\]\.pool_name: missing/);
    throwsParse(() => parseCephOsdPoolLsJson('[\n{"pool_name": "rbd"},\n"x"\n]'), 'ceph-osd-pool-ls-json', 3, /line 3: \[1\]: a pool name among pool objects/);
    throwsParse(() => parseCephOsdPoolLsJson("pool 2 'Stockage-HA' replicated size 3 min_size 2\n"), 'ceph-osd-pool-ls-json', 1, /not valid JSON/);
  });
});

describe('ceph-osd-dump-json', () => {
  test('Luminous, compact: flags, one OSD up and in, three pools with their replication', () => {
    assert.deepEqual(parseCephOsdDumpJson(fixture('ceph-osd-dump.luminous.1osd.3pools.compact.json')), {
      fsid: '282d4751-4f33-4186-b983-b51cc21a5a8e',
      epoch: 19,
      flags: ['sortbitwise', 'recovery_deletes', 'purged_snapdirs'],
      requireOsdRelease: 'luminous',
      osds: [{ id: 0, uuid: '44559c14-fb71-4183-9e44-167e0e9c057a', up: true, in: true, state: ['exists', 'up'], weight: 1 }],
      pools: [
        { id: 1, name: 'sample_pool', size: 3, minSize: 2, pgNum: 1 },
        { id: 2, name: 'rbd', size: 3, minSize: 2, pgNum: 1 },
        { id: 3, name: 'sapm_pools', size: 1, minSize: 1, pgNum: 100 },
      ],
    });
  });

  test('an OSD created but never started, one autoout, one destroyed; noout set', () => {
    const osd = (id: number, uuid: string, up: number, inn: number, state: string[], weight: number) => ({ osd: id, uuid, up, in: inn, weight, primary_affinity: 1, state });
    const text = JSON.stringify({
      epoch: 88,
      fsid: 'f0d4a1c4-9f5b-4b7e-8d1c-8f6a1c3e2b10',
      flags: 'noout,sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit',
      require_osd_release: 'squid',
      pools: [],
      osds: [
        osd(0, '6d8e8e42-ee7d-7762-f799-4ea619b150c2', 0, 0, ['exists', 'new'], 0),
        osd(1, '681e05db-d5c4-4a71-82ee-be827d1f031a', 0, 0, ['autoout', 'exists'], 0),
        osd(2, '00000000-0000-0000-0000-000000000000', 0, 0, ['destroyed', 'exists'], 0),
      ],
    });
    const d = parseCephOsdDumpJson(text);
    assert.deepEqual(d.flags[0], 'noout');
    assert.deepEqual(d.osds.map((o) => [o.id, o.uuid, o.up, o.in, o.state]), [
      [0, '6d8e8e42-ee7d-7762-f799-4ea619b150c2', false, false, ['exists', 'new']],
      [1, '681e05db-d5c4-4a71-82ee-be827d1f031a', false, false, ['autoout', 'exists']],
      [2, null, false, false, ['destroyed', 'exists']],
    ]);
  });

  test('an OSD without "up", no epoch, the text form', () => {
    throwsParse(() => parseCephOsdDumpJson('{"epoch": 3, "pools": [], "osds": [\n{"osd": 0, "in": 1}\n]}'), 'ceph-osd-dump-json', 2, /line 2: osds\[0\]\.up: missing/);
    throwsParse(() => parseCephOsdDumpJson('{"osds": [], "pools": []}'), 'ceph-osd-dump-json', 1, /epoch: missing/);
    throwsParse(() => parseCephOsdDumpJson('epoch 19\nfsid 282d4751-4f33-4186-b983-b51cc21a5a8e\n'), 'ceph-osd-dump-json', 1, /not valid JSON/);
  });
});

describe('ceph-status-json (Luminous, real)', () => {
  test('nested osdmap.osdmap, status and the deprecated overall_status, 2 PGs undersized+peered', () => {
    const s = parseCephStatusJson(fixture('ceph-status.luminous.health_warn.nested-osdmap.1osd.compact.json'));
    assert.equal(s.health, 'HEALTH_WARN');
    assert.deepEqual(s.checks, ['PG_AVAILABILITY', 'PG_DEGRADED', 'POOL_APP_NOT_ENABLED']);
    assert.deepEqual(s.osds, { total: 1, up: 1, in: 1, remappedPgs: 0 });
    assert.deepEqual(s.pgs, { total: 102, states: { 'active+clean': 100, 'undersized+peered': 2 } });
    assert.deepEqual([s.monQuorum, s.monCount, s.pools, s.objects], [['openSDS-arpita'], 1, 3, 8]);
  });
});
