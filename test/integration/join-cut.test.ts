import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Lab, SimNode } from '../../lab/lab';
import type { LabNode } from '../../lab/node';
import { eventually, startLab, trustAll } from '../unit/twin-cluster-helpers';
import { FINISH_JOIN_COMMAND, formationActivities, formationCommand, joinState, joinStateCommand, pullClusterConfigCommand } from '../../activities/cluster/formation';
import { verifyActivities } from '../../activities/cluster/verify';
import { twinRig } from '../helpers/twinRig';
import type { NodeTask } from '../../activities/nodes/task';

const ADD = 'pvecm add 10.0.0.11 --link0 10.0.0.12 --use_ssh';

/** The three points where a cut `pvecm add` used to leave the join broken (chaos seed 6). */
type CutPoint = 'addnode' | 'stopped' | 'started';

/**
 * A two-node twin with the cluster created on pve1 and pve2 not yet in it, the activities wired
 * as the worker wires them, and a hook that fires once at one of the join's moments: right after
 * pve1 ran `pvecm addnode` (A1), when pve2's pve-cluster stops (A2), when it is back (A3).
 */
async function joinLab(t: { after: (fn: () => Promise<void>) => void }) {
  const rig = await twinRig(() => startLab({ nodes: 2, pve: 8, timeScale: 20 }), { clusterOnly: true });
  t.after(rig.close);
  const { lab, deps, inv } = rig;
  await trustAll(lab);
  const task = (i: number): NodeTask => ({ node: inv.nodes[i]!, ssh: inv.ssh });
  const acts = { ...formationActivities(deps), ...verifyActivities(deps) };
  assert.deepEqual(await acts.createClusterOnPrimary(task(0), 'lab', '10.0.0.11'), { status: 'done' });
  const join = () => acts.joinCluster(task(1), 'lab', '10.0.0.11', '10.0.0.12');
  return { lab, deps, acts, task, join, pve2: lab.node('pve2') };
}

function at(lab: Lab, point: CutPoint, fn: () => void): void {
  let fired = false;
  let down = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    fn();
  };
  if (point === 'addnode') {
    const record = lab.log.record.bind(lab.log);
    lab.log.record = (e) => {
      const entry = record(e);
      if (e.node === 'pve1' && e.via === 'program' && /^pvecm addnode\b/.test(e.command)) fire();
      return entry;
    };
    return;
  }
  (lab.node('pve2') as LabNode).services.onChange((unit, state) => {
    if (unit !== 'pve-cluster') return;
    if (state !== 'active') down = true;
    if (point === 'stopped' ? state !== 'active' : down && state === 'active') fire();
  });
}

const runsOf = (lab: Lab, node: string, program: RegExp) => lab.log.entries({ node, via: 'program' }).filter((e) => program.test(e.command));

/** Both nodes quorate with two votes expected and present, and pve2's certificate made. */
async function assertJoined(lab: Lab, pve2: SimNode): Promise<void> {
  for (const n of ['pve1', 'pve2']) {
    const q = lab.cluster.quorum(n);
    assert.deepEqual([q?.quorate, q?.expectedVotes, q?.totalVotes], [true, 2, 2], `${n}: ${JSON.stringify(q)}`);
  }
  assert.equal((await pve2.exec('test -e /etc/pve/nodes/pve2/pve-ssl.pem && test -e /etc/pve/nodes/pve2/ssh_known_hosts')).exitCode, 0, "pve2's certificate and known hosts");
}

function bashSyntaxOk(script: string): void {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `bash -n rejected:\n${script}\n${r.stderr}`);
}

describe('joinCluster: pvecm add runs exactly once whatever cuts the session', { concurrency: 1 }, () => {
  test('the happy path: one pvecm add, in a transient unit; a re-run finds it done', async (t) => {
    const { lab, acts, task, join, pve2 } = await joinLab(t);
    assert.deepEqual(await join(), { status: 'done' });
    assert.deepEqual(await join(), { status: 'already' });
    await assertJoined(lab, pve2);
    assert.deepEqual(runsOf(lab, 'pve2', /^pvecm add\b/).map((e) => [e.command, e.exitCode]), [[ADD, 0]]);
    assert.deepEqual(runsOf(lab, 'pve2', /^systemd-run\b/).map((e) => e.command), [`systemd-run --unit=pve-runbooks-join --collect --wait --pipe --quiet -- ${ADD}`]);
    assert.deepEqual(runsOf(lab, 'pve1', /^pvecm create\b/).map((e) => e.exitCode), [0]);
    assert.equal((await acts.verifyNode(task(1))).status.quorate, true);
  });

  for (const point of ['addnode', 'stopped', 'started'] as const) {
    test(`the worker's session cut at ${point}: the join finishes in its unit, the retry waits for it and finds it done`, async (t) => {
      const { lab, deps, join, pve2 } = await joinLab(t);
      // What a SIGKILLed worker does to its SSH connections: they close, and sshd's session with them.
      at(lab, point, () => void deps.pool.closeAll());
      await assert.rejects(join(), /connection lost while running pvecm add/);
      assert.deepEqual(await join(), { status: 'already' });
      await assertJoined(lab, pve2);
      assert.deepEqual(runsOf(lab, 'pve2', /^pvecm add\b/).map((e) => e.exitCode), [0], 'pvecm add ran once, to the end');
      assert.deepEqual(runsOf(lab, 'pve2', /^systemd-run\b/).map((e) => e.exitCode), [130], 'only systemd-run itself went with the session');
      assert.deepEqual(runsOf(lab, 'pve2', /^pvecm updatecerts\b/), [], 'nothing left to finish');
    });
  }

  // A join cut before runs moved into transient units (or by the node crashing) leaves these states behind.
  for (const point of ['addnode', 'stopped', 'started'] as const) {
    test(`a join cut in the session at ${point} is finished, not run again`, async (t) => {
      const { lab, acts, task, join, pve2 } = await joinLab(t);
      const cut = new AbortController();
      at(lab, point, () => cut.abort());
      const outcome = await (pve2 as LabNode).run({ command: ADD, via: 'internal', user: 'root', signal: cut.signal });
      assert.equal(outcome.kind, 'cut');
      // A1: pve1 now expects pve2's vote and never gets it.
      if (point === 'addnode') assert.ok(await eventually(() => !lab.cluster.quorate('pve1'), 5000), 'pve1 lost quorum waiting for pve2');
      if (point === 'started') await assert.rejects(acts.verifyNode(task(1)), { type: 'NodeCertificateMissing' });
      assert.deepEqual(await join(), { status: 'done' });
      assert.deepEqual(await join(), { status: 'already' });
      await assertJoined(lab, pve2);
      assert.equal(runsOf(lab, 'pve2', /^pvecm add\b/).length, 1, 'pvecm add was not run again');
      // Only A1 lacks the cluster's files, which pvecm add would have copied next.
      assert.equal(runsOf(lab, 'pve2', /^ssh .* base64 -w0 \/etc\/corosync\/authkey$/).length, point === 'addnode' ? 1 : 0);
      assert.deepEqual(runsOf(lab, 'pve2', /^pvecm updatecerts --force\b/).map((e) => e.exitCode), [0], "the rest of finish_join, once");
      assert.deepEqual(runsOf(lab, 'pve1', /^pvecm addnode\b/).map((e) => e.exitCode), [0]);
      assert.equal((await acts.verifyNode(task(1))).status.quorate, true);
    });
  }

  test('the join state is read from the node, and the scripts are valid bash for any address', () => {
    const conf = 'totem {\n  cluster_name: lab\n  config_version: 2\n}\nnodelist {\n  node {\n    name: pve1\n    nodeid: 1\n    quorum_votes: 1\n    ring0_addr: 10.0.0.11\n  }\n  node {\n    name: pve2\n    nodeid: 2\n    quorum_votes: 1\n    ring0_addr: 10.0.0.12\n  }\n}\n';
    assert.deepEqual(joinState({ local: '', units: 'inactive\nactive', cluster: '' }, 'lab', 'pve2'), { kind: 'fresh' });
    assert.deepEqual(joinState({ local: '', cluster: conf }, 'lab', 'pve2'), { kind: 'listed' });
    assert.deepEqual(joinState({ local: '', cluster: conf }, 'other', 'pve2'), { kind: 'fresh' });
    assert.deepEqual(joinState({ local: '', cluster: 'garbage {' }, 'lab', 'pve2'), { kind: 'fresh' });
    assert.deepEqual(joinState({ local: conf, units: 'active\nactive', cert: 'present' }, 'lab', 'pve2'), { kind: 'configured', conf, finish: false });
    assert.deepEqual(joinState({ local: conf, units: 'active\ninactive', cert: 'present' }, 'lab', 'pve2'), { kind: 'configured', conf, finish: true });
    assert.deepEqual(joinState({ local: conf, units: 'active\nactive', cert: '' }, 'lab', 'pve2'), { kind: 'configured', conf, finish: true });
    bashSyntaxOk(FINISH_JOIN_COMMAND);
    for (const arg of ['10.0.0.11', "it's", '$(id)', 'a b', '-rf']) {
      bashSyntaxOk(joinStateCommand(arg, arg));
      bashSyntaxOk(pullClusterConfigCommand(arg));
      bashSyntaxOk(formationCommand('pve-runbooks-join', ['pvecm', 'add', arg, '--link0', arg, '--use_ssh']));
    }
  });
});
