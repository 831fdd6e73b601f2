import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseCorosyncConf } from '../../activities/parsers/corosyncConf';
import type { Lab } from '../../lab/lab';
import { eventually, overSsh, startLab, trustAll } from './twin-cluster-helpers';

const confOf = async (lab: Lab, node: string) => parseCorosyncConf((await lab.node(node).exec('cat /etc/pve/corosync.conf')).stdout);

describe('pvecm create and add: refusals, hangs and races as on PVE', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    // pve5 runs PVE 9 next to PVE 8 nodes.
    ({ lab, close } = await startLab({ nodes: 5, pve: 8, pveOf: { pve5: 9 }, timeScale: 100 }));
    await trustAll(lab, ['pve1', 'pve2', 'pve3', 'pve5']);
  });

  after(async () => close());

  test('cluster names are checked as the API schema does', async () => {
    const usage = '\n\npvecm create <clustername> [OPTIONS]\n';
    assert.deepEqual(await lab.node('pve1').exec('pvecm create my_cluster'), {
      stdout: '',
      stderr: `400 Parameter verification failed.\nclustername: invalid format - value does not look like a valid node name${usage}`,
      exitCode: 255,
    });
    assert.deepEqual(await lab.node('pve1').exec('pvecm create a-very-long-name'), {
      stdout: '',
      stderr: `400 Parameter verification failed.\nclustername: value may only be 15 characters long${usage}`,
      exitCode: 255,
    });
    assert.equal((await lab.node('pve1').exec('pvecm create')).stderr, '400 not enough arguments\npvecm create <clustername> [OPTIONS]\n');
    assert.equal((await lab.node('pve1').exec('pvecm create lab --bogus 1')).stderr, 'Unknown option: bogus\n400 unable to parse option\npvecm create <clustername> [OPTIONS]\n');
  });

  test('create, then a second create is refused', async () => {
    const r = await overSsh(lab.node('pve1'), 'pvecm create lab --link0 10.0.0.11');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await lab.node('pve1').exec('pvecm create lab'), { stdout: '', stderr: "cluster config '/etc/pve/corosync.conf' already exists\n", exitCode: 255 });
    assert.equal(lab.cluster.quorate('pve1'), true);
  });

  test('a member cannot join again: authkey, corosync.conf and a running corosync are all reported', async () => {
    const r = await lab.node('pve1').exec('pvecm add 10.0.0.12 --link0 10.0.0.11 --use_ssh');
    assert.equal(r.exitCode, 255);
    assert.equal(
      r.stdout,
      "detected the following error(s):\n* authentication key '/etc/corosync/authkey' already exists\n* cluster config '/etc/pve/corosync.conf' already exists\n* corosync is already running, is this node already in a cluster?!\n",
    );
    assert.equal(r.stderr, 'Check if node may join a cluster failed!\n');
  });

  test('a node with guests, a leftover authkey or a foreign link address is refused before anything changes', async () => {
    const pve4 = lab.node('pve4');
    assert.equal((await pve4.exec('qm create 100 --name web --memory 512')).exitCode, 0);
    assert.match((await pve4.exec('qm list')).stdout, /^ {7}100 web {18}stopped {4}512 {16}0\.00 0 {9}\n$/m);
    await pve4.exec('mkdir -p /etc/corosync && echo stale > /etc/corosync/authkey');
    const r = await pve4.exec('pvecm add 10.0.0.11 --link0 10.0.0.99 --use_ssh');
    assert.equal(r.exitCode, 255);
    assert.equal(
      r.stdout,
      "detected the following error(s):\n* authentication key '/etc/corosync/authkey' already exists\n* this host already contains virtual guests\n* link0: cannot use IP '10.0.0.99', not found on local node!\n\n",
    );
    assert.equal(r.stderr, 'Check if node may join a cluster failed!\n');
    assert.equal((await confOf(lab, 'pve1')).nodes.length, 1, 'the cluster was not touched');
    assert.equal(lab.log.entries({ node: 'pve1', via: 'node-ssh' }).length, 0, 'nothing was sent to pve1');
    await pve4.exec('qm destroy 100; rm -r /etc/corosync');
    assert.equal((await pve4.exec('qm list')).stdout, '');
  });

  test('pvecm add must not run from inside /etc/pve', async () => {
    assert.deepEqual(await lab.node('pve2').exec('cd /etc/pve && pvecm add 10.0.0.11 --use_ssh'), {
      stdout: '',
      stderr: "Navigate out of /etc/pve before running 'pvecm add', for example by running 'cd'.\n",
      exitCode: 255,
    });
  });

  test('without --use_ssh pvecm asks for the password; with nothing to read it gives up', async () => {
    const r = await overSsh(lab.node('pve2'), 'pvecm add 10.0.0.11 --link0 10.0.0.12');
    assert.deepEqual([r.code, r.stdout, r.stderr], [255, '', 'EOF while reading password\n']);
  });

  test('--use_ssh without SSH trust waits at the prompt until the session is cut; the cluster is unchanged', async () => {
    const pve4 = lab.node('pve4');
    const r = await overSsh(pve4, 'pvecm add 10.0.0.11 --link0 10.0.0.14 --use_ssh', { timeoutMs: 400 });
    assert.equal(r.code, null, 'no exit status: it hung');
    const [entry] = lab.log.entries({ node: 'pve4', via: 'ssh', command: /pvecm add/ });
    assert.equal(entry?.exitCode, null);
    assert.equal((await confOf(lab, 'pve1')).nodes.length, 1);
    assert.equal((await pve4.exec('test -e /etc/corosync/authkey || echo none')).stdout, 'none\n');
  });

  test('two joins at once into a one-node cluster: the first takes its quorum away, the second is refused', async () => {
    const [a, b] = await Promise.all([
      overSsh(lab.node('pve2'), 'pvecm add 10.0.0.11 --link0 10.0.0.12 --use_ssh'),
      overSsh(lab.node('pve3'), 'pvecm add 10.0.0.11 --link0 10.0.0.13 --use_ssh'),
    ]);
    const ok = [a, b].filter((r) => r.code === 0);
    const refused = [a, b].filter((r) => r.code !== 0);
    assert.equal(ok.length, 1, `${a.stdout}${a.stderr}\n---\n${b.stdout}${b.stderr}`);
    assert.equal(refused.length, 1);
    assert.match(refused[0]?.stdout ?? '', /cfs-lock 'file-corosync_conf' error: no quorum!|cluster not ready - no quorum\?/);
    assert.match(refused[0]?.stderr ?? '', /^unable to add node: command failed \(ssh 10\.0\.0\.11 -o BatchMode=yes pvecm addnode pve[23] --force 1 --link0 10\.0\.0\.1[23]\)\n$/);
    assert.ok(await eventually(() => lab.cluster.members('pve1').length === 2 && lab.cluster.quorate('pve1')));
    assert.equal((await confOf(lab, 'pve1')).nodes.length, 2);
    // The refused node changed nothing it cannot redo: the same join now goes through.
    const loser = a.code === 0 ? 'pve3' : 'pve2';
    const again = await overSsh(lab.node(loser), `pvecm add 10.0.0.11 --link0 ${lab.node(loser).address} --use_ssh`);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.ok(await eventually(() => lab.cluster.members('pve1').length === 3));
  });

  test('with trust in place a PVE 9 node joins the PVE 8 cluster (both speak join API 1)', async () => {
    assert.equal((await lab.node('pve5').exec('pvecm apiver')).stdout, '1\n');
    const r = await overSsh(lab.node('pve5'), 'pvecm add 10.0.0.11 --link0 10.0.0.15 --use_ssh');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /successfully added node 'pve5' to cluster\.\n$/);
    assert.ok(await eventually(() => lab.cluster.members('pve5').length === 4));
    const conf = await confOf(lab, 'pve5');
    assert.deepEqual(conf.nodes.map((n) => n.name), ['pve1', 'pve2', 'pve3', 'pve5']);
    assert.equal(conf.nodes.find((n) => n.name === 'pve5')?.nodeid, 4, 'the lowest free node id');
  });

  test('the pvecm lock: a config change waits 10 s for it, then gives up like lock_file', async () => {
    const pve1 = lab.node('pve1');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const holder = lab.cluster.lock('pve1', '/var/lock/pvecm.lock', 10_000, undefined, () => held);
    const started = lab.clock.now();
    const r = await pve1.exec('pvecm delnode pve9');
    assert.deepEqual(r, { stdout: '', stderr: "can't lock file '/var/lock/pvecm.lock' - got timeout\n", exitCode: 255 });
    assert.ok(lab.clock.now() - started >= 10_000);
    release();
    await holder;
  });

  test('the join over the API (no --use_ssh): password and fingerprint confirmation read from stdin', async () => {
    const pve1 = lab.node('pve1');
    const size = lab.cluster.members('pve1').length + 1;
    const r = await overSsh(lab.node('pve4'), 'pvecm add 10.0.0.11 --link0 10.0.0.14', { stdin: `${pve1.rootPassword}\nyes\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Establishing API connection with host '10\.0\.0\.11'\nThe authenticity of host '10\.0\.0\.11' can't be established\.\nX509 SHA256 key fingerprint is ([0-9A-F]{2}:){31}[0-9A-F]{2}\.\n/);
    assert.match(r.stdout, /Login succeeded\.\ncheck cluster join API version\nRequest addition of this node\nJoin request OK, finishing setup locally\nstopping pve-cluster service\n/);
    assert.ok(await eventually(() => lab.cluster.members('pve4').length === size));
    assert.equal(lab.cluster.quorate('pve4'), true);
  });
});
