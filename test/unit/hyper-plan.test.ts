import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RunbookInventory } from '../../common/inventory';
import { hardwareProblems, jumboReady } from '../../workflows/hyper/preflight';
import { cephMissing, raidProgress } from '../../workflows/hyper/ceph';
import { haMissing } from '../../workflows/hyper/ha';
import { pairs } from '../../workflows/hyper/network';
import type { StorageState, DiskState } from '../../activities/disks/inspect';
import type { NetworkState } from '../../activities/network/privateNetwork';
import type { CephView } from '../../activities/ceph/status';
import { parseMdstat } from '../../activities/parsers';
import { fixture } from '../helpers/fixtures';

const NAMES = ['pve1', 'pve2', 'pve3'];
const inv = RunbookInventory.parse({
  cluster: { name: 'prod' },
  nodes: NAMES.map((name, i) => ({ name, host: `192.168.100.${11 + i}`, link0: `10.0.0.${11 + i}` })),
  network: { cidr: '10.0.0.0/24' },
  ceph: {},
  ha: { testVm: {} },
});

const TB4 = 4_000_787_030_016;
const blank = (path: string, sizeBytes = TB4): DiskState => ({ path, present: true, sizeBytes, busy: null, ours: false });
function storage(node: string, over: Partial<StorageState> = {}): StorageState {
  return {
    node,
    members: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'].map((p) => blank(p)),
    db: blank('/dev/nvme1n1', 960_197_124_096),
    array: null,
    arraySizeBytes: null,
    arrayPersisted: false,
    volumeGroup: false,
    logicalVolume: null,
    ...over,
  };
}
function network(i: number, over: { mtu?: number; maxMtu?: number | null; on?: string } = {}): NetworkState {
  const link = (ifname: string, mtu: number, addresses: string[], extra: Partial<NetworkState['links'][number]> = {}) => ({ ifname, mtu, maxMtu: 9000, master: null, kind: null, addresses, ...extra });
  return {
    links: [
      link('lo', 65536, ['127.0.0.1/8']),
      link('eno1', 1500, [], { master: 'vmbr0' }),
      link('vmbr0', 1500, [`192.168.100.${11 + i}/24`], { kind: 'bridge' }),
      link('enp1s0f1', over.mtu ?? 9000, over.on && over.on !== 'enp1s0f1' ? [] : [`10.0.0.${11 + i}/24`], { maxMtu: over.maxMtu === undefined ? 9000 : over.maxMtu }),
      ...(over.on && over.on !== 'enp1s0f1' ? [link(over.on, 1500, [`10.0.0.${11 + i}/24`])] : []),
    ],
  };
}
const all = <T>(f: (n: string, i: number) => T) => Object.fromEntries(NAMES.map((n, i) => [n, f(n, i)]));

describe('hyper-converged preflight (pure)', () => {
  test('blank disks and jumbo-capable NICs pass', () => {
    assert.deepEqual(hardwareProblems(inv, 8, all((n) => storage(n)), all((_, i) => network(i))), []);
  });

  test('a missing disk, a disk in use and a too small DB device are each named with the node and the fix', () => {
    const st = all((n) => storage(n));
    st.pve2.members[3] = { path: '/dev/sdd', present: false, sizeBytes: null, busy: null, ours: false };
    st.pve3.members[2] = { ...blank('/dev/sdc'), busy: 'is an LVM physical volume of volume group old-data' };
    st.pve1.db = blank('/dev/nvme1n1', 16 * 1024 ** 3);
    const p = hardwareProblems(inv, 8, st, all((_, i) => network(i)));
    assert.equal(p.length, 3, p.join('\n'));
    assert.match(p.find((x) => x.startsWith('pve2'))!, /RAID member \/dev\/sdd is missing/);
    assert.match(p.find((x) => x.startsWith('pve3'))!, /\/dev\/sdc is in use: it is an LVM physical volume of volume group old-data/);
    assert.match(p.find((x) => x.startsWith('pve1'))!, /DB device \/dev\/nvme1n1 has 16\.0 GiB, less than 1% of the 10\.92 TiB array/);
  });

  test('disks already carrying this build (a re-run) are not conflicts', () => {
    const st = all((n) => storage(n, { members: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'].map((p) => ({ ...blank(p), ours: true })), db: { ...blank('/dev/nvme1n1', 960_197_124_096), ours: true } }));
    assert.deepEqual(hardwareProblems(inv, 8, st, all((_, i) => network(i))), []);
  });

  test('a Ceph release the PVE major does not offer is refused', () => {
    const tentacle = RunbookInventory.parse({ ...inv, ceph: { version: 'tentacle' } });
    assert.match(hardwareProblems(tentacle, 8, all((n) => storage(n)), {}).join('\n'), /ceph.version: PVE 8 offers Ceph quincy, reef, squid, not tentacle/);
    assert.deepEqual(hardwareProblems(tentacle, 9, all((n) => storage(n)), {}), []);
  });

  test('a NIC without jumbo frames, a missing NIC and the address on another interface are named', () => {
    const net = all((_, i) => network(i));
    net.pve1 = network(0, { maxMtu: 1500 });
    net.pve2 = { links: net.pve2.links.filter((l) => l.ifname !== 'enp1s0f1') };
    net.pve3 = network(2, { on: 'eno2' });
    const p = hardwareProblems(inv, 8, {}, net);
    assert.match(p.join('\n'), /pve1: enp1s0f1 supports at most MTU 1500, not 9000/);
    assert.match(p.join('\n'), /pve2: has no network interface enp1s0f1/);
    assert.match(p.join('\n'), /pve3: its private address 10\.0\.0\.13 is on eno2/);
  });

  test('only nodes whose private address already runs at the MTU are jumbo-pinged before the build', () => {
    const net = all((_, i) => network(i));
    net.pve3 = network(2, { mtu: 1500 });
    assert.deepEqual(jumboReady(inv, net), [{ name: 'pve1', address: '10.0.0.11' }, { name: 'pve2', address: '10.0.0.12' }]);
  });

  test('every ordered pair is pinged', () => {
    assert.deepEqual(pairs([{ name: 'a' }, { name: 'b' }, { name: 'c' }]).map(([x, y]) => x.name + y.name), ['ab', 'ac', 'ba', 'bc', 'ca', 'cb']);
  });
});

describe('Ceph and HA convergence (pure)', () => {
  const view = (over: Partial<CephView> = {}): CephView => ({
    node: 'pve1',
    health: 'HEALTH_OK',
    checks: [],
    monQuorum: NAMES,
    monCount: 3,
    osds: { total: 3, up: 3, in: 3 },
    pgs: { total: 33, states: { 'active+clean': 33 } },
    ...over,
  });

  test('HEALTH_OK with every OSD up and every PG active+clean is converged', () => {
    assert.deepEqual(cephMissing(view(), { monitors: NAMES, osds: 3, healthOk: true }), []);
  });

  test('what is missing is said: monitors, OSDs, PG states, health checks', () => {
    const m = cephMissing(
      view({ monQuorum: ['pve1', 'pve2'], osds: { total: 3, up: 2, in: 3 }, health: 'HEALTH_WARN', pgs: { total: 33, states: { 'active+clean': 20, 'creating+peering': 13 } }, checks: [{ code: 'OSD_DOWN', severity: 'HEALTH_WARN', summary: '1 osds down', detail: [] }] }),
      { monitors: NAMES, osds: 3, healthOk: true },
    );
    assert.deepEqual(m, ['monitors not in quorum: pve3', 'OSDs up 2, in 3 of 3', 'PGs not active+clean: 13 creating+peering', 'HEALTH_WARN (OSD_DOWN: 1 osds down)']);
  });

  test('a second OSD where one was expected is not convergence', () => {
    assert.deepEqual(cephMissing(view({ osds: { total: 4, up: 3, in: 3 } }), { monitors: NAMES, osds: 3 }), ['4 OSDs exist, 3 expected']);
  });

  test('RAID progress comes from mdstat: a rebuild in progress is reported with its percentage', () => {
    const md = parseMdstat(fixture('mdstat.raid5.4disks.initial-resync.forced-create.txt'));
    const name = md.arrays[0].name;
    const r = raidProgress('pve1', md, `/dev/${name}`);
    assert.equal(r.node, 'pve1');
    assert.match(r.progress ?? '', /^(resync|recovery) \d+(\.\d+)?%$/);
    assert.equal(raidProgress('pve1', md, '/dev/md9').status, 'missing');
  });

  test('HA: each protected VM must be a resource in state started', () => {
    const status = { quorate: true, lrms: [], services: [{ sid: 'vm:100', node: 'pve1', state: 'started' }, { sid: 'vm:101', node: 'pve2', state: 'starting' }] };
    assert.deepEqual(haMissing(status, [100]), []);
    assert.deepEqual(haMissing(status, [100, 101, 102]), ['vm:101 is starting on pve2', 'vm:102 is not an HA resource yet']);
  });
});
