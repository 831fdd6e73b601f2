import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '../../lab/lab';
import { startLab } from '../unit/twin-cluster-helpers';
import { SEPARATION_RESIDUE, changedPaths, snapshotFiles } from '../helpers/fsSnapshot';
import { twinRig, type TwinRig } from '../helpers/twinRig';
import { controllerKeyActivities } from '../../activities/nodes/controllerKey';
import { identityActivities } from '../../activities/cluster/identity';
import { trustActivities } from '../../activities/cluster/trust';
import { formationActivities } from '../../activities/cluster/formation';
import { probeActivities } from '../../activities/cluster/probe';
import { separationActivities } from '../../activities/cluster/separation';

const ROOTS = ['/etc/pve', '/etc/corosync', '/var/lib/corosync'];
/** pmxcfs's change counter and logs: they move with every write, whatever is undone. */
const VOLATILE = /^\/etc\/pve\/\.(version|clusterlog|rrd)$/;

/** The separation residue under the roots this test reads. */
const under = (paths: string[]) => paths.filter((p) => ROOTS.some((r) => p === r || p.startsWith(`${r}/`)));
const RESIDUE = { created: under(SEPARATION_RESIDUE.created), joined: (name: string) => under(SEPARATION_RESIDUE.joined(name)) };

/**
 * Undoing cluster formation with the building blocks destroyCluster uses (separateNode,
 * deleteNode), on a 3-node twin over real SSH: create on pve1, join pve2 and pve3, then the
 * joins newest first (the node separates, then `pvecm delnode` on pve1 with the members left
 * before it joined) and pve1's creation last.
 */
describe('rollback of cluster formation', () => {
  let rig: TwinRig;
  let lab: Lab;
  let acts: ReturnType<typeof formationActivities> & ReturnType<typeof probeActivities> & ReturnType<typeof separationActivities>;
  const names = ['pve1', 'pve2', 'pve3'];
  const task = (name: string) => rig.task(name);
  const address = (name: string) => lab.node(name).address;
  const pvecmStatus = async (name: string) => {
    const r = await lab.node(name).exec('pvecm status');
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  };
  const state = async (name: string) => ({ files: await snapshotFiles(lab.node(name), ROOTS, { ignore: VOLATILE }), status: await pvecmStatus(name) });

  /** As createCluster waits after each change: every member lists all, has their directories, and is quorate. */
  const converged = async (members: string[]) => {
    for (let i = 0; i < 300; i++) {
      const views = await Promise.all(members.map((m) => acts.probeCluster(task(m))));
      if (views.every((v) => v.quorate && v.expectedVotes === members.length && members.every((m) => v.members.includes(m) && v.nodeDirs.includes(m)))) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`cluster of ${members.join(', ')} did not converge`);
  };
  const create = async () => {
    assert.equal((await acts.createClusterOnPrimary(task('pve1'), 'lab', address('pve1'))).status, 'done');
    await converged(['pve1']);
  };
  const join = async (name: string, members: string[]) => {
    assert.equal((await acts.joinCluster(task(name), 'lab', address('pve1'), address(name))).status, 'done');
    await converged(members);
  };
  /** The compensation of one join: the node leaves, then pve1 forgets it, with `remaining` votes expected. */
  const unjoin = async (name: string, remaining: number) => [(await acts.separateNode(task(name))).status, (await acts.deleteNode(task('pve1'), name, remaining)).status];

  before(async () => {
    rig = await twinRig(() => startLab({ nodes: 3 }), { clusterOnly: true });
    const { deps } = rig;
    lab = rig.lab;
    acts = { ...formationActivities(deps), ...probeActivities(deps), ...separationActivities(deps) };
    // A real node after boot (pveproxy's `pvecm updatecerts --silent`), then createCluster's SSH
    // phase, so `pvecm add --use_ssh` finds the trust it needs.
    for (const n of names) assert.equal((await lab.node(n).exec('pvecm updatecerts --silent')).exitCode, 0);
    const ssh = { ...controllerKeyActivities(deps), ...identityActivities(deps), ...trustActivities(deps) };
    const ids = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await ssh.ensureNodeIdentity(task(n))] as const)));
    const peers = names.map((n) => ({ name: n, aliases: [n, lab.node(n).fqdn, address(n)], rootKey: ids[n].rootKey, hostKeys: ids[n].hostKeys }));
    for (const n of names) {
      await ssh.installControllerKey(task(n));
      await ssh.trustPeers(task(n), peers.filter((p) => p.name !== n));
    }
  });
  after(async () => {
    await rig?.close();
  });

  test('create, join, join; undone pve3, pve2, then pve1: pvecm status as before everywhere, /etc/pve and /etc/corosync but for the known residue', async () => {
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await state(n)] as const)));
    assert.equal(before.pve1.status.exitCode, 2);

    await create();
    await join('pve2', ['pve1', 'pve2']);
    await join('pve3', names);
    assert.match((await pvecmStatus('pve1')).stdout, /Total votes:\s+3\n/);

    assert.deepEqual(await unjoin('pve3', 2), ['done', 'done']);
    assert.deepEqual(await unjoin('pve2', 1), ['done', 'done'], 'pve1 alone lost quorum: deleteNode regains it with `pvecm expected 1` first');
    assert.equal((await acts.separateNode(task('pve1'))).status, 'done');

    const after = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await state(n)] as const)));
    for (const n of names) {
      assert.deepEqual(after[n].status, before[n].status, `${n}: pvecm status as before`);
      assert.deepEqual(changedPaths(before[n].files, after[n].files), n === 'pve1' ? RESIDUE.created : RESIDUE.joined(n), `${n}: what differs in ${ROOTS.join(', ')}`);
      for (const d of ['/etc/corosync', '/var/lib/corosync']) assert.equal((await lab.node(n).fs.readdir(d)).length, 0, `${n}: ${d} left empty`);
    }
    assert.equal(lab.cluster.members('pve1').length, 0, 'no corosync ring left');

    // Every compensation again: nothing left to do, nothing changed.
    assert.deepEqual(await unjoin('pve3', 2), ['already', 'already']);
    assert.deepEqual(await unjoin('pve2', 1), ['already', 'already']);
    assert.equal((await acts.separateNode(task('pve1'))).status, 'already');
    for (const n of names) assert.deepEqual(await state(n), after[n], `${n}: unchanged by the second round`);
  });

  test('the compensations of a create or join that changed nothing are harmless: both say already and touch nothing', async () => {
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await state(n)] as const)));
    assert.deepEqual(await unjoin('pve2', 1), ['already', 'already']);
    assert.equal((await acts.separateNode(task('pve1'))).status, 'already');
    for (const n of names) assert.deepEqual(await state(n), before[n]);
  });

  test('a cluster that existed before the run: undoing this run\'s join of pve3 leaves pve1 and pve2 a quorate cluster as they were', async () => {
    /** What only counts up with every membership or config change: versions, ring id, and the date. */
    const normalize = (s: string) =>
      s
        .replace(/(config_version:\s*)\d+/, '$1N')
        .replace(/("version": )\d+/g, '$1N')
        .replace(/(Config Version:\s*)\d+/, '$1N')
        .replace(/(Ring ID:\s*)\S+/, '$1R')
        .replace(/(Date:\s*).+/, '$1D');
    const versioned = ['/etc/corosync/corosync.conf', '/etc/pve/.members', '/etc/pve/corosync.conf'];
    const contents = (n: string) => Promise.all(versioned.map(async (f) => normalize(await lab.node(n).fs.readFile(f))));
    await create();
    await join('pve2', ['pve1', 'pve2']);
    const members = ['pve1', 'pve2'];
    const before = Object.fromEntries(await Promise.all(members.map(async (n) => [n, { ...(await state(n)), versioned: await contents(n) }] as const)));

    await join('pve3', names);
    assert.deepEqual(await unjoin('pve3', 2), ['done', 'done']);
    await converged(members);

    for (const n of members) {
      const after = await state(n);
      assert.deepEqual({ ...after.status, stdout: normalize(after.status.stdout) }, { ...before[n].status, stdout: normalize(before[n].status.stdout) }, `${n}: pvecm status as before, but for what counts up`);
      assert.deepEqual(changedPaths(before[n].files, after.files), versioned, `${n}: only the versioned files moved on`);
      assert.deepEqual(await contents(n), before[n].versioned, `${n}: the nodelist and members as before, but for their versions`);
    }
    assert.deepEqual(lab.cluster.members('pve1').sort(), members);
  });
});
