import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Lab } from '../../lab/lab';
import { garble } from '../../lab/faults';
import { cephDaemons, pveCluster } from '../unit/twin-ceph-helpers';
import { createActivities } from '../../activities';
import { HEALTH_COMMAND, type Unreadable } from '../../activities/cluster/health';
import { callLab, startLabControl } from '../../client/labControl';
import { twinRig, type TwinRig } from '../helpers/twinRig';

const DISKS = { raidMembers: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'], array: '/dev/md0', db: '/dev/nvme1n1', volumeGroup: 'ceph-raid', logicalVolume: 'osd-block', dbMinPercent: 1 };

/** The activity's failure: UnreadableOutput, retryable, naming the node (with its endpoint) and the command. */
async function unreadable(p: Promise<unknown>, command: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${(err as Error).stack}`);
    assert.equal(err.type, 'UnreadableOutput', err.message);
    assert.equal(err.nonRetryable, false, 'a re-read can help: retryable');
    assert.ok(err.message.startsWith('pve1 (root@127.0.0.1:'), err.message);
    assert.ok(err.message.includes(`output of \`${command}\` is unreadable: `), err.message);
    return err.message;
  }
  assert.fail(`expected UnreadableOutput for ${command}`);
}

function isUnreadable(part: unknown): part is Unreadable {
  return typeof part === 'object' && part !== null && 'error' in part;
}

/**
 * Command output cut short or damaged on the way (the twin's `garble` fault): each parsing activity
 * fails in a way that names the node and the command and is retried, or, where it reads on a best
 * effort, marks the part it could not read and says why. Once the fault is spent, the same call
 * succeeds.
 */
describe('garbled or truncated command output', () => {
  let rig: TwinRig;
  let lab: Lab;
  let acts: ReturnType<typeof createActivities>;
  const task = () => ({ node: rig.inv.nodes[0]!, ssh: rig.inv.ssh });

  before(async () => {
    rig = await twinRig(() => pveCluster({ pve: 8, timeScale: 100 }), { clusterOnly: true });
    lab = rig.lab;
    await cephDaemons(lab);
    acts = createActivities(rig.deps);
  });
  after(async () => {
    await rig?.close();
  });

  test('the fault cuts, then inverts evenly spread bytes; it refuses to leave the output intact', () => {
    assert.deepEqual(garble(Buffer.from('abcdef'), { kind: 'garble', truncateAt: 4 }), Buffer.from('abcd'));
    assert.deepEqual([...garble(Buffer.from('abcd'), { kind: 'garble', flip: 2 })], [0x61, 0x62 ^ 0xff, 0x63, 0x64 ^ 0xff]);
    assert.throws(() => lab.faults.add({ match: 'x', action: { kind: 'garble' } }), /needs truncateAt or flip/);
    assert.throws(() => lab.faults.add({ match: 'x', action: { kind: 'garble', truncateAt: -1 } }), /byte counts/);
  });

  test('ceph -s cut short: UnreadableOutput naming the node, the command, the parser and the line; then read', async (t) => {
    lab.faults.add({ node: 'pve1', match: /ceph -s -f json/, action: { kind: 'garble', truncateAt: 60 }, times: 1 });
    const message = await unreadable(acts.cephStatus(task()), 'ceph -s -f json');
    assert.match(message, /ceph-status-json: line 1: not valid JSON/);
    t.diagnostic(message);
    const view = await acts.cephStatus(task());
    assert.ok(view.monCount > 0, JSON.stringify(view));
    const log = lab.log.entries({ node: 'pve1', via: 'ssh', command: /ceph -s -f json/ });
    assert.deepEqual(log.slice(-2).map((e) => [e.fault, e.exitCode]), [['garble', 0], [undefined, 0]], 'the command ran both times; the first reply was damaged');
  });

  test('lsblk cut in the middle of its JSON (inspectStorage): the line of the cut is named; then read', async (t) => {
    lab.faults.add({ node: 'pve1', match: /lsblk -J/, action: { kind: 'garble', truncateAt: 200 }, times: 1 });
    const message = await unreadable(acts.inspectStorage(task(), DISKS), 'lsblk -J -b -o NAME,PATH,TYPE,SIZE,ROTA,FSTYPE,MOUNTPOINT,MODEL');
    assert.match(message, /lsblk-json: line \d+: not valid JSON/);
    t.diagnostic(message);
    const state = await acts.inspectStorage(task(), DISKS);
    assert.deepEqual(state.members.map((m) => m.present), [true, true, true, true]);
  });

  test('HA status with flipped bytes (pvesh JSON), the fault set through the lab control API: UnreadableOutput; then read', async () => {
    const control = await startLabControl(lab);
    try {
      await assert.rejects(callLab(control.url, 'POST', '/faults', { match: 'x', action: { kind: 'garble' } }), /garble needs truncateAt or flip/);
      await callLab(control.url, 'POST', '/faults', { node: 'pve1', match: 'pvesh get /cluster/ha/status/current', action: { kind: 'garble', flip: 20 }, times: 1 });
    } finally {
      await control.close();
    }
    await unreadable(acts.haStatus(task()), 'pvesh get /cluster/ha/status/current');
    const status = await acts.haStatus(task());
    assert.equal(status.quorate, true, JSON.stringify(status));
  });

  test('health sources cut inside pvecm status: nodeHealth keeps what it read and says why for the rest; then all read', async (t) => {
    const full = (await lab.node('pve1').exec(HEALTH_COMMAND)).stdout;
    const cut = Buffer.byteLength(full.slice(0, full.indexOf('@status\n'))) + '@status\n'.length + 60;
    lab.faults.add({ node: 'pve1', match: '@cluster-status', action: { kind: 'garble', truncateAt: cut }, times: 1 });
    const damaged = await acts.nodeHealth(task());
    assert.ok(!isUnreadable(damaged.clusterStatus), `read before the cut: ${JSON.stringify(damaged.clusterStatus)}`);
    for (const [part, kind] of [
      [damaged.status, 'pvecm-status'],
      [damaged.nodes, 'pvecm-nodes'],
      [damaged.links, 'corosync-cfgtool'],
    ] as const) {
      assert.ok(isUnreadable(part), `${kind} should be unreadable: ${JSON.stringify(part)}`);
      assert.match(part.error, new RegExp(`^${kind}: `), 'the reason names the parser');
      t.diagnostic(part.error);
    }
    const whole = await acts.nodeHealth(task());
    for (const part of [whole.clusterStatus, whole.status, whole.nodes, whole.links]) assert.ok(!isUnreadable(part), JSON.stringify(part));
  });

  test('drill probe: its clock cut off is UnreadableOutput naming `date`; a cut further on leaves unreadable parts with their reason; then read', async () => {
    const first = await acts.drillProbe(task(), { ceph: true });
    assert.ok(!isUnreadable(first.cluster) && !isUnreadable(first.quorum));
    const probe = lab.log.entries({ node: 'pve1', via: 'ssh', command: /^echo @clock;/ }).at(-1)?.command ?? assert.fail('no probe in the log');

    lab.faults.add({ node: 'pve1', match: /^echo @clock;/, action: { kind: 'garble', truncateAt: 3 }, times: 1 });
    await unreadable(acts.drillProbe(task(), { ceph: true }), 'date +%s.%N');

    const full = (await lab.node('pve1').exec(probe)).stdout;
    const cut = Buffer.byteLength(full.slice(0, full.indexOf('@cluster\n'))) + '@cluster\n'.length + 20;
    lab.faults.add({ node: 'pve1', match: /^echo @clock;/, action: { kind: 'garble', truncateAt: cut }, times: 1 });
    const partial = await acts.drillProbe(task(), { ceph: true });
    assert.ok(partial.clockMs > 0 && partial.bootId !== '', 'what came before the cut is read');
    for (const part of [partial.cluster, partial.quorum, partial.ha, partial.ceph]) {
      assert.ok(isUnreadable(part), JSON.stringify(part));
      assert.match(part.error, /^[a-z-]+: (line \d+: )?\S/, 'the reason names the parser');
    }
    assert.match((partial.cluster as Unreadable).error, /^cluster-status-json: line 1: not valid JSON/);

    const again = await acts.drillProbe(task(), { ceph: true });
    for (const part of [again.cluster, again.quorum, again.ha, again.ceph]) assert.ok(!isUnreadable(part), JSON.stringify(part));
  });
});
