import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Lab } from '../../lab/lab';
import type { LabNode } from '../../lab/node';
import { NODES, must, pveCluster } from '../unit/twin-ceph-helpers';
import { cephSetupActivities, daemonCreateCommand, daemonState, daemonStateCommand } from '../../activities/ceph/setup';
import { parseCephMonStatJson } from '../../activities/parsers';
import { twinRig, type TwinRig } from '../helpers/twinRig';
import { fixture } from '../helpers/fixtures';

const runsOf = (lab: Lab, node: string, program: RegExp) => lab.log.entries({ node, via: 'program' }).filter((e) => program.test(e.command));

/** Fires once, as soon as the path exists on the node (pveceph makes a monitor's directory first, then sleeps over the mkfs). */
function whenExists(node: LabNode, file: string, fn: () => void): void {
  let fired = false;
  const timer = setInterval(() => {
    void node.fs.exists(file).then((yes) => {
      if (!yes || fired) return;
      fired = true;
      clearInterval(timer);
      fn();
    });
  }, 1);
}

async function inQuorum(lab: Lab, node: string): Promise<boolean> {
  return parseCephMonStatJson((await lab.node('pve1').exec('ceph mon stat -f json')).stdout).quorum.includes(node);
}

describe('ensureMonitor and ensureManager: one create, whatever cut it', { concurrency: 1 }, () => {
  let rig: TwinRig;
  let lab: Lab;
  let deps: TwinRig['deps'];
  let task: TwinRig['task'];
  let acts: ReturnType<typeof cephSetupActivities>;

  before(async () => {
    rig = await twinRig(() => pveCluster({ pve: 8, timeScale: 50 }), { clusterOnly: true });
    ({ lab, deps, task } = rig);
    for (const n of NODES) await must(lab.node(n), 'pveceph install --repository no-subscription --version squid');
    await must(lab.node('pve1'), 'pveceph init --network 10.0.0.0/24');
    acts = cephSetupActivities(deps);
  });
  after(async () => {
    await rig?.close();
  });

  test('the first monitor: one pveceph mon create, in a transient unit; a re-run finds it', async () => {
    assert.deepEqual(await acts.ensureMonitor(task('pve1')), { status: 'done' });
    assert.deepEqual(await acts.ensureMonitor(task('pve1')), { status: 'already' });
    assert.ok(await inQuorum(lab, 'pve1'));
    assert.deepEqual(runsOf(lab, 'pve1', /^pveceph mon create\b/).map((e) => e.exitCode), [0]);
    assert.deepEqual(runsOf(lab, 'pve1', /^systemd-run\b/).map((e) => e.command), ['systemd-run --unit=pve-runbooks-mon --collect --wait --pipe --quiet -- pveceph mon create']);
    // The first monitor brings the first manager: ensureManager finds it by its keyring and unit.
    assert.deepEqual(await acts.ensureManager(task('pve1')), { status: 'already' });
  });

  test("the worker's session cut while the monitor's directory is fresh: the create finishes in its unit, the retry finds it", async () => {
    whenExists(lab.node('pve2') as LabNode, '/var/lib/ceph/mon/ceph-pve2', () => void deps.pool.closeAll());
    await assert.rejects(acts.ensureMonitor(task('pve2')), /connection lost while running pveceph mon create/);
    assert.deepEqual(await acts.ensureMonitor(task('pve2')), { status: 'already' });
    assert.ok(await inQuorum(lab, 'pve2'));
    assert.deepEqual(runsOf(lab, 'pve2', /^pveceph mon create\b/).map((e) => e.exitCode), [0], 'pveceph mon create ran once, to the end');
    assert.deepEqual(runsOf(lab, 'pve2', /^systemd-run\b/).map((e) => e.exitCode), [130], 'only systemd-run itself went with the session');
  });

  test('a create cut in the session (or by a crash) leaves a directory without keyring: it is removed and the monitor created', async () => {
    const pve3 = lab.node('pve3') as LabNode;
    const cut = new AbortController();
    whenExists(pve3, '/var/lib/ceph/mon/ceph-pve3', () => cut.abort());
    assert.equal((await pve3.run({ command: 'pveceph mon create', via: 'internal', user: 'root', signal: cut.signal })).kind, 'cut');
    assert.equal((await pve3.exec('test -d /var/lib/ceph/mon/ceph-pve3 && ! test -e /var/lib/ceph/mon/ceph-pve3/keyring')).exitCode, 0, 'the debris the old guard took for a monitor');
    assert.deepEqual(await acts.ensureMonitor(task('pve3')), { status: 'done' });
    assert.deepEqual(await acts.ensureMonitor(task('pve3')), { status: 'already' });
    assert.ok(await inQuorum(lab, 'pve3'));
    assert.deepEqual(lab.ceph.mons().map((m) => m.name).sort(), NODES);
    assert.deepEqual(runsOf(lab, 'pve3', /^pveceph mon create\b/).map((e) => e.exitCode), [130, 0], 'the cut run, then one that completed');
  });

  test('a stopped monitor is started, never created again', async () => {
    await must(lab.node('pve3'), 'systemctl stop ceph-mon@pve3');
    assert.deepEqual(await acts.ensureMonitor(task('pve3')), { status: 'done' });
    assert.equal((await lab.node('pve3').exec('systemctl is-active ceph-mon@pve3')).stdout, 'active\n');
    assert.equal(runsOf(lab, 'pve3', /^pveceph mon create\b/).length, 2);
  });

  test('a manager directory without keyring is removed and the manager created once', async () => {
    await must(lab.node('pve2'), 'mkdir -p /var/lib/ceph/mgr/ceph-pve2');
    assert.deepEqual(await acts.ensureManager(task('pve2')), { status: 'done' });
    assert.deepEqual(await acts.ensureManager(task('pve2')), { status: 'already' });
    assert.equal((await lab.node('pve2').exec('test -s /var/lib/ceph/mgr/ceph-pve2/keyring && systemctl is-enabled ceph-mgr@pve2 && systemctl is-active ceph-mgr@pve2')).exitCode, 0);
    assert.deepEqual(runsOf(lab, 'pve2', /^pveceph mgr create\b/).map((e) => e.exitCode), [0]);
  });

  test('the state read against the real `ceph mon stat` output: only the quorum is trusted, never a bare directory', () => {
    const monstat = fixture('ceph-mon-stat.tentacle.2mons.json');
    const up = { monstat, enabled: 'enabled', active: 'active' };
    assert.deepEqual(daemonState('mon', 'mds-verify-b', { ...up, dir: '', keyring: '' }), { kind: 'created', fix: [] });
    assert.deepEqual(daemonState('mon', 'mds-verify-b', { ...up, dir: '', keyring: '', enabled: 'disabled' }), { kind: 'created', fix: ['systemctl enable ceph-mon@mds-verify-b'] });
    assert.deepEqual(daemonState('mon', 'mds-verify-c', { ...up, dir: '', keyring: '', active: 'inactive' }), { kind: 'created', fix: ['systemctl start ceph-mon@mds-verify-c'] });
    assert.deepEqual(daemonState('mon', 'mds-verify-c', { monstat, dir: '', enabled: '', active: 'inactive' }), { kind: 'incomplete' });
    assert.deepEqual(daemonState('mon', 'mds-verify-c', { monstat, dir: '', keyring: '', enabled: 'disabled', active: 'inactive' }), { kind: 'incomplete' });
    assert.deepEqual(daemonState('mon', 'mds-verify-c', { monstat: 'not json', enabled: '', active: '' }), { kind: 'absent' });
    assert.deepEqual(daemonState('mgr', 'pve1', { dir: '', keyring: '', enabled: 'enabled', active: 'active' }), { kind: 'created', fix: [] });
    assert.deepEqual(daemonState('mgr', 'pve1', { dir: '', enabled: '', active: '' }), { kind: 'incomplete' });
    for (const node of ['pve1', "it's", '$(id)']) {
      for (const kind of ['mon', 'mgr'] as const) {
        for (const script of [daemonStateCommand(kind, node), daemonCreateCommand(kind, node)]) {
          const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
          assert.equal(r.status, 0, `bash -n rejected:\n${script}\n${r.stderr}`);
        }
      }
    }
  });
});
