import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseCorosyncConf } from '../../activities/parsers/corosyncConf';
import { parsePveMembers } from '../../activities/parsers/pveMembers';
import { parsePvecmStatus } from '../../activities/parsers/pvecmStatus';
import type { Lab } from '../../lab/lab';
import { buildCluster, eventually, overSsh, startLab, trustAll } from './twin-cluster-helpers';

/** PVE's documented separation of a node without reinstalling (what destroyCluster runs). */
const SEPARATE = ['systemctl stop pve-cluster', 'systemctl stop corosync', 'pmxcfs -l', 'rm /etc/pve/corosync.conf', 'rm -r /etc/corosync/*', 'killall pmxcfs', 'systemctl start pve-cluster'];

describe('a two-node cluster: quorum lost and regained, then separated back to standalone', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 2, pve: 9, timeScale: 100 }));
    await trustAll(lab);
    const replies = await buildCluster(lab, 'duo', ['pve1', 'pve2']);
    assert.ok(replies.every((r) => r.code === 0), replies.map((r) => r.stderr).join('\n'));
  });

  after(async () => close());

  test('both nodes: 2 expected votes, 2 present, quorum 2', () => {
    for (const n of ['pve1', 'pve2']) assert.deepEqual(lab.cluster.quorum(n), { quorate: true, expectedVotes: 2, highestExpected: 2, totalVotes: 2, quorum: 2 });
  });

  test('losing one node blocks activity: not quorate, /etc/pve read-only, no guest can be created', async () => {
    const pve1 = lab.node('pve1');
    await lab.node('pve2').powerOff();
    assert.ok(await eventually(() => !lab.cluster.quorate('pve1')), 'quorum lost at the token timeout');
    const r = await pve1.exec('pvecm status');
    assert.equal(r.exitCode, 2, 'corosync-quorumtool exits 2 when not quorate');
    assert.match(r.stdout, /^Quorate:          No$/m);
    assert.match(r.stdout, /^Quorum:           2 Activity blocked$/m);
    assert.match(r.stdout, /^Flags:            $/m);
    const s = parsePvecmStatus(r.stdout);
    assert.deepEqual([s.quorate, s.activityBlocked, s.expectedVotes, s.totalVotes, s.quorum], [false, true, 2, 1, 2]);
    assert.equal(parsePveMembers((await pve1.exec('cat /etc/pve/.members')).stdout).quorate, false);
    const write = await pve1.exec('echo x > /etc/pve/blocked.cfg');
    assert.equal(write.stderr, 'bash: /etc/pve/blocked.cfg: Permission denied\n');
    assert.equal((await pve1.exec('mkdir /etc/pve/nodes/x')).exitCode, 1);
    assert.equal((await pve1.exec('cat /etc/pve/storage.cfg')).exitCode, 0, 'still readable');
    assert.deepEqual(await pve1.exec('qm create 100 --name web'), { stdout: '', stderr: 'cluster not ready - no quorum?\n', exitCode: 255 });
  });

  test('pvecm expected refuses what votequorum refuses, and `pvecm expected 1` restores quorum', async () => {
    const pve1 = lab.node('pve1');
    assert.deepEqual(await pve1.exec('pvecm expected 3'), { stdout: '', stderr: 'Unable to set expected votes: CS_ERR_INVALID_PARAM\n', exitCode: 1 });
    assert.deepEqual(await pve1.exec('pvecm expected 1'), { stdout: '', stderr: '', exitCode: 0 });
    assert.deepEqual(lab.cluster.quorum('pve1'), { quorate: true, expectedVotes: 1, highestExpected: 1, totalVotes: 1, quorum: 1 });
    assert.equal((await pve1.exec('touch /etc/pve/writable-again && rm /etc/pve/writable-again')).exitCode, 0);
  });

  test('the node coming back raises expected votes to the votes present', async () => {
    await lab.node('pve2').powerOn();
    assert.ok(await eventually(() => lab.cluster.members('pve1').length === 2));
    assert.ok(await eventually(() => lab.cluster.quorum('pve1')?.expectedVotes === 2 && lab.cluster.quorate('pve2')));
    assert.deepEqual(lab.cluster.quorum('pve2'), { quorate: true, expectedVotes: 2, highestExpected: 2, totalVotes: 2, quorum: 2 });
  });

  test('pvecm delnode refuses to delete the node it runs on', async () => {
    assert.deepEqual(await lab.node('pve1').exec('pvecm delnode pve1'), { stdout: '', stderr: 'Cannot delete myself from cluster!\n', exitCode: 255 });
    assert.deepEqual(await lab.node('pve1').exec('pvecm delnode pve9'), { stdout: '', stderr: 'Node/IP: pve9 is not a known host of the cluster.\n', exitCode: 255 });
  });

  test('with pve-cluster stopped /etc/pve is an empty directory and PVE tools cannot reach pmxcfs', async () => {
    const pve2 = lab.node('pve2');
    assert.equal((await pve2.exec('systemctl stop pve-cluster')).exitCode, 0);
    assert.equal((await pve2.exec('ls -A /etc/pve')).stdout, '');
    const r = await pve2.exec('pvecm status');
    assert.equal(r.exitCode, 111);
    assert.match(r.stderr, /^ipcc_send_rec\[1\] failed: Connection refused\n(.*\n){2}Unable to load access control list: Connection refused\n$/);
    assert.equal(lab.cluster.mode('pve2'), 'off');
    assert.equal((await pve2.exec('systemctl start pve-cluster')).exitCode, 0);
    assert.ok(await eventually(() => lab.cluster.sharing().length === 1), 'remounted and back in the shared database');
  });

  test('the documented separation makes pve2 standalone; delnode on pve1 (after `pvecm expected 1`) finishes it', async () => {
    const pve1 = lab.node('pve1');
    const pve2 = lab.node('pve2');
    const outputs: string[] = [];
    for (const step of SEPARATE) {
      const r = await overSsh(pve2, step);
      outputs.push(`${step} → ${r.code} ${r.stderr.trim()}`);
      assert.equal(r.code, 0, `${step}: ${r.stderr}`);
      if (step === 'pmxcfs -l') assert.equal(r.stderr, '[main] notice: forcing local mode (although corosync.conf exists)\n');
      if (step === 'pmxcfs -l') assert.equal(lab.cluster.mode('pve2'), 'local');
    }
    assert.equal(lab.cluster.mode('pve2'), 'standalone');
    assert.equal((await pve2.exec('cat /etc/pve/.members')).stdout, '{\n"nodename": "pve2",\n"version": 0\n}\n');
    assert.equal((await pve2.exec('ls /etc/corosync; test -e /etc/pve/corosync.conf || echo gone')).stdout, 'gone\n');
    assert.equal((await pve2.exec('systemctl is-active corosync')).stdout, 'inactive\n');
    assert.equal((await pve2.exec('touch /etc/pve/mine && rm /etc/pve/mine')).exitCode, 0, 'its own /etc/pve, writable');
    assert.equal((await pve2.exec('ls /etc/pve/nodes')).stdout, 'pve1\npve2\n', 'the other node’s directory is still in its copy');
    await pve2.exec('rm -rf /etc/pve/nodes/pve1 /var/lib/corosync/*');
    assert.equal((await pve2.exec('ls /var/lib/corosync')).stdout, '');

    // pve1 lost its peer (cleanly: no token timeout) and with it quorum.
    assert.ok(await eventually(() => !lab.cluster.quorate('pve1')));
    assert.deepEqual(await pve1.exec('pvecm delnode pve2'), { stdout: '', stderr: 'cluster not ready - no quorum?\n', exitCode: 255 });
    assert.equal((await pve1.exec('pvecm expected 1')).exitCode, 0);
    const del = await pve1.exec('pvecm delnode pve2');
    assert.deepEqual(del, { stdout: 'Killing node 2\n', stderr: 'Could not kill node (error = CS_ERR_NOT_EXIST)\n', exitCode: 0 });
    const conf = parseCorosyncConf((await pve1.exec('cat /etc/pve/corosync.conf')).stdout);
    assert.deepEqual([conf.configVersion, conf.nodes.map((n) => n.name)], [3, ['pve1']]);
    assert.equal((await pve1.exec('rm -r /etc/pve/nodes/pve2 && ls /etc/pve/nodes')).stdout, 'pve1\n');
    assert.ok(await eventually(() => lab.cluster.quorum('pve1')?.expectedVotes === 1));
    assert.deepEqual(lab.cluster.sharing(), [['pve1'], ['pve2']]);
    assert.deepEqual(lab.cluster.members('pve1'), ['pve1']);
  });
});
