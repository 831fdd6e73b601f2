import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Lab } from '../../lab/lab';
import { startLab } from '../unit/twin-cluster-helpers';
import { snapshotFiles } from '../helpers/fsSnapshot';
import { twinRig, type TwinRig } from '../helpers/twinRig';
import { controllerKeyActivities } from '../../activities/nodes/controllerKey';
import { identityActivities } from '../../activities/cluster/identity';
import { knownHostsLine, trustActivities, type Peer } from '../../activities/cluster/trust';
import { CLUSTER_KEYS, SSHD_BACKUP, SSHD_CONFIG, clusterSshActivities } from '../../activities/cluster/clusterSsh';
import { sshRollbackActivities } from '../../activities/rollback/ssh';

const SSH_FILES = ['/root/.ssh', '/etc/ssh', '/etc/pve/priv'];

async function rejectsWith(p: Promise<unknown>, type: string, nonRetryable: boolean): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${(err as Error).stack}`);
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, nonRetryable, err.message);
    return err.message;
  }
  assert.fail(`expected a ${type} failure`);
}

/**
 * The SSH preparation and post-cluster SSH steps, each followed by its compensation on the twin
 * over real SSH: the files afterwards equal, byte for byte and mode for mode, what they were
 * before the forward step; a second undo finds nothing to do; what existed before stays.
 */
describe('rollback of the SSH steps', () => {
  let rig: TwinRig;
  let lab: Lab;
  let deps: TwinRig['deps'];
  let acts: ReturnType<typeof controllerKeyActivities> & ReturnType<typeof identityActivities> & ReturnType<typeof trustActivities> & ReturnType<typeof clusterSshActivities>;
  let undo: ReturnType<typeof sshRollbackActivities>;
  const names = ['pve1', 'pve2', 'pve3'];
  const task = (name: string) => rig.task(name);
  const snap = (name: string) => snapshotFiles(lab.node(name), SSH_FILES);
  const operatorKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOperatorKeyOperatorKeyOperatorKeyOperat operator@laptop';

  before(async () => {
    rig = await twinRig(() => startLab({ nodes: 3 }), { clusterOnly: true });
    ({ lab, deps } = rig);
    acts = { ...controllerKeyActivities(deps), ...identityActivities(deps), ...trustActivities(deps), ...clusterSshActivities(deps) };
    undo = sshRollbackActivities(deps);
    // pve1 as a real node is after boot (pveproxy runs `pvecm updatecerts --silent` first): root's
    // authorized_keys a symlink to /etc/pve/priv/authorized_keys, root's RSA key. pve2 has a plain
    // authorized_keys with an operator's key; pve3 none at all.
    assert.equal((await lab.node('pve1').exec('pvecm updatecerts --silent')).exitCode, 0);
    await lab.node('pve2').exec(`printf '%s\\n' '${operatorKey}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys`);
  });
  after(async () => {
    await rig?.close();
  });

  test('controller key: the line goes from the file it went to (through the symlink, beside other keys, or with the file it created)', async () => {
    for (const name of names) {
      const before = await snap(name);
      const r = await acts.installControllerKey(task(name));
      assert.equal(r.status, 'added');
      assert.equal(r.key, deps.controllerKey.publicKey);
      assert.deepEqual([r.file, r.created], [name === 'pve1' ? CLUSTER_KEYS : '/root/.ssh/authorized_keys', name === 'pve3'], name);
      await acts.verifyKeyAuth(task(name));

      const u = await undo.undoControllerKey(task(name), r);
      assert.equal(u.status, 'done', u.detail);
      assert.deepEqual(await snap(name), before, `${name}: the files as before the key went in`);
      assert.equal((await undo.undoControllerKey(task(name), r)).status, 'already');
    }
    assert.match((await lab.node('pve1').exec('readlink /root/.ssh/authorized_keys')).stdout, /^\/etc\/pve\/priv\/authorized_keys$/m, 'the symlink stays');
    await deps.pool.closeAll();
    await rejectsWith(acts.verifyKeyAuth(task('pve2')), 'SshAuthRefused', true);
  });

  test('controller key present before the run: install says present, and nothing of it is a record to undo', async () => {
    const first = await acts.installControllerKey(task('pve2'));
    const before = await snap('pve2');
    const again = await acts.installControllerKey(task('pve2'));
    assert.deepEqual([again.status, again.created], ['present', false]);
    assert.deepEqual(await snap('pve2'), before);
    assert.equal((await undo.undoControllerKey(task('pve2'), first)).status, 'done', 'cleanup of the first install');
  });

  test('identities and peer trust, undone in reverse: /root/.ssh as before on every node; lines and keys that were there stay', async () => {
    const hostKey = async (name: string) => (await lab.node(name).fs.readFile('/etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/).slice(0, 2).join(' ');
    const aliases = (name: string) => [name, lab.node(name).fqdn, lab.node(name).address];
    // Trust that existed before the run: pve2 already knows pve1's host key, in the canonical form.
    const preexisting = knownHostsLine({ name: 'pve1', aliases: aliases('pve1'), rootKey: '', hostKeys: [] }, await hostKey('pve1'));
    await lab.node('pve2').exec(`printf '%s\\n' '${preexisting}' > /root/.ssh/known_hosts && chmod 644 /root/.ssh/known_hosts`);
    const before = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await snap(n)] as const)));

    const ids = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await acts.ensureNodeIdentity(task(n))] as const)));
    assert.deepEqual(names.map((n) => ids[n].generated), [false, true, true], 'pve1 has the RSA key PVE made; pve2 and pve3 get one');
    const peers: Peer[] = names.map((n) => ({ name: n, aliases: aliases(n), rootKey: ids[n].rootKey, hostKeys: ids[n].hostKeys }));
    const trust = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await acts.trustPeers(task(n), peers.filter((p) => p.name !== n))] as const)));
    assert.deepEqual([trust.pve2.added, trust.pve2.present], [3, 1]);
    assert.ok(!trust.pve2.appended?.knownHosts.includes(preexisting), 'the line that was there is not in the record');
    assert.deepEqual(trust.pve1.appended?.createdFiles, ['/root/.ssh/known_hosts']);
    assert.deepEqual(trust.pve2.appended?.createdFiles, []);
    assert.deepEqual(await acts.checkPeerSsh(task('pve2'), [lab.node('pve1').address]), { ok: [lab.node('pve1').address] });

    for (const n of names) assert.equal((await undo.undoTrustPeers(task(n), trust[n])).status, 'done');
    for (const n of names) assert.equal((await undo.undoNodeIdentity(task(n), ids[n])).status, n === 'pve1' ? 'already' : 'done');
    for (const n of names) assert.deepEqual(await snap(n), before[n], `${n}: /root/.ssh, /etc/ssh, /etc/pve/priv as before`);
    for (const n of names) {
      assert.equal((await undo.undoTrustPeers(task(n), trust[n])).status, 'already');
      assert.equal((await undo.undoNodeIdentity(task(n), ids[n])).status, 'already');
    }
    await rejectsWith(acts.checkPeerSsh(task('pve3'), [lab.node('pve1').address]), 'PeerSshFailed', false);
  });

  test('a generated key pair replaced since by another is not removed', async () => {
    const id = await acts.ensureNodeIdentity(task('pve3'));
    assert.equal(id.generated, true);
    await lab.node('pve3').exec("rm -f /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub && ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519");
    const before = await snap('pve3');
    const u = await undo.undoNodeIdentity(task('pve3'), id);
    assert.equal(u.status, 'already');
    assert.match(u.detail ?? '', /not the pair this run generated/);
    assert.deepEqual(await snap('pve3'), before);
    await lab.node('pve3').exec('rm -f /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub');
  });

  test('post-cluster SSH: sshd_config back from its backup (ssh reloaded, backup gone), the controller key out of the cluster-wide file', async () => {
    const before = await snap('pve1');
    const reloads = () => lab.log.entries({ node: 'pve1', via: 'program', command: /^systemctl reload ssh$/ }).length;
    const reloadsBefore = reloads();
    const r = await acts.configureClusterSsh(task('pve1'), true);
    assert.deepEqual([r.sshdConfig, r.controllerKey, r.controllerKeyLine], ['changed', 'added', deps.controllerKey.publicKey]);
    assert.equal((await lab.node('pve1').exec(`test -e ${SSHD_BACKUP}`)).exitCode, 0);

    const key = await undo.undoControllerKey(task('pve1'), { file: CLUSTER_KEYS, key: r.controllerKeyLine });
    const sshd = await undo.undoSshdConfig(task('pve1'));
    assert.deepEqual([key.status, sshd.status], ['done', 'done']);
    assert.deepEqual(await snap('pve1'), before, 'sshd_config, its backup and the cluster-wide keys as before');
    assert.equal(reloads() - reloadsBefore, 2, 'sshd reloaded after the edit and after the restore');
    assert.equal((await undo.undoSshdConfig(task('pve1'))).status, 'already');
    assert.equal((await undo.undoControllerKey(task('pve1'), { file: CLUSTER_KEYS, key: r.controllerKeyLine })).status, 'already');
    await deps.pool.closeAll();
    assert.equal((await lab.node('pve1').exec('sshd -t')).exitCode, 0);
    assert.equal((await acts.ensureNodeIdentity(task('pve1'))).generated, false, 'a fresh login with the password still works');
  });

  test('sshd_config that already read the cluster file: the step says already, makes no backup, and an undo leaves it', async () => {
    await lab.node('pve2').exec(`sed -i 's|^AuthorizedKeysFile.*|AuthorizedKeysFile .ssh/authorized_keys ${CLUSTER_KEYS}|' ${SSHD_CONFIG}`);
    const before = await snap('pve2');
    const r = await acts.configureClusterSsh(task('pve2'), false);
    assert.equal(r.sshdConfig, 'already');
    assert.equal((await undo.undoSshdConfig(task('pve2'))).status, 'already');
    assert.deepEqual(await snap('pve2'), before);
  });

  test('a backup sshd -t rejects is never installed: non-retryable, the config left as it is', async () => {
    const before = await snap('pve3');
    assert.equal((await acts.configureClusterSsh(task('pve3'), false)).sshdConfig, 'changed');
    await lab.node('pve3').exec(`printf 'NoSuchOption yes\\n' >> ${SSHD_BACKUP}`);
    const edited = await lab.node('pve3').fs.readFile(SSHD_CONFIG);
    const message = await rejectsWith(undo.undoSshdConfig(task('pve3')), 'SshdConfigInvalid', true);
    assert.match(message, /sshd -t rejects the backup/);
    assert.equal(await lab.node('pve3').fs.readFile(SSHD_CONFIG), edited);
    await lab.node('pve3').exec(`sed -i '/^NoSuchOption yes$/d' ${SSHD_BACKUP}`);
    assert.equal((await undo.undoSshdConfig(task('pve3'))).status, 'done');
    assert.deepEqual(await snap('pve3'), before);
  });
});
