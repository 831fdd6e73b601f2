import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseClusterStatusJson } from '../../activities/parsers/clusterStatusJson';
import { parseCorosyncCfgtool } from '../../activities/parsers/corosyncCfgtool';
import { parseCorosyncConf } from '../../activities/parsers/corosyncConf';
import { parseCorosyncQuorumtool } from '../../activities/parsers/corosyncQuorumtool';
import { parseNodesJson } from '../../activities/parsers/nodesJson';
import { parsePveMembers } from '../../activities/parsers/pveMembers';
import { parsePvecmNodes } from '../../activities/parsers/pvecmNodes';
import { parsePvecmStatus } from '../../activities/parsers/pvecmStatus';
import type { Lab } from '../../lab/lab';
import { buildCluster, eventually, overSsh, startLab, trustAll, type Reply } from './twin-cluster-helpers';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../test/fixtures/pve', name), 'utf8');
/** A line's label: what stays when the value is taken away. */
const labels = (text: string) => text.split('\n').map((l) => l.replace(/:\s.*$/, ':').replace(/^(0x[0-9a-f]{8}|\s*\d+)\s+\d+\s+\S+( \(local\))?$/, 'ROW'));

describe('a three-node PVE 8 cluster built over SSH', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let replies: Reply[];

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 3, pve: 8, cluster: { replicationDelayMs: 5000, tokenMs: 10_000 } }));
    await trustAll(lab);
    replies = await buildCluster(lab, 'lab', ['pve1', 'pve2', 'pve3']);
    // The last join's corosync.conf reaches pve2 after the replication delay.
    await eventually(() => lab.nodes.every((n) => lab.cluster.members(n.name).length === 3), 5000);
  });

  after(async () => close());

  test('pvecm create prints what corosync-keygen and PVE print, in order', () => {
    const create = replies[0] as Reply;
    assert.equal(create.code, 0, create.stderr);
    assert.match(
      create.stdout,
      /Corosync Cluster Engine Authentication key generator\.\nGathering 2048 bits for key from \/dev\/urandom\.\nWriting corosync key to \/etc\/corosync\/authkey\.\nWriting corosync config to \/etc\/pve\/corosync\.conf\nRestart corosync and cluster filesystem\n$/,
    );
    assert.equal(create.stderr, '');
  });

  test('pvecm add --use_ssh prints the join steps of pve-cluster, ending with the success line', () => {
    for (const [i, name] of [
      [1, 'pve2'],
      [2, 'pve3'],
    ] as const) {
      const add = replies[i] as Reply;
      assert.equal(add.code, 0, add.stderr);
      assert.match(
        add.stdout,
        new RegExp(
          "copy corosync auth key\nstopping pve-cluster service\nbackup old database to '/var/lib/pve-cluster/backup/config-\\d+\\.sql\\.gz'\nwaiting for quorum\\.\\.\\.OK\n" +
            `\\(re\\)generate node files\ngenerate new node certificate\nmerge authorized SSH keys\ngenerated new node certificate, restart pveproxy and pvedaemon services\nsuccessfully added node '${name}' to cluster\\.\n$`,
        ),
      );
    }
  });

  test('the ground truth: one ring, one shared /etc/pve, quorate everywhere', () => {
    assert.deepEqual(lab.cluster.sharing(), [['pve1', 'pve2', 'pve3']]);
    for (const n of ['pve1', 'pve2', 'pve3']) {
      assert.deepEqual(lab.cluster.members(n), ['pve1', 'pve2', 'pve3']);
      assert.deepEqual(lab.cluster.quorum(n), { quorate: true, expectedVotes: 3, highestExpected: 3, totalVotes: 3, quorum: 2 });
      assert.equal(lab.cluster.mode(n), 'cluster');
    }
  });

  test('pvecm status has the PVE 8 layout and parses to the right members and votes', async () => {
    const r = await overSsh(lab.node('pve2'), 'pvecm status');
    assert.equal(r.code, 0);
    assert.deepEqual(labels(r.stdout.trimEnd()), labels(fixture('pvecm-status.quorate.3nodes.pve8.txt').trimEnd()));
    assert.match(r.stdout, /^Quorum:           2  $/m, 'corosync-quorumtool pads the quorum');
    const s = parsePvecmStatus(r.stdout);
    assert.equal(s.clusterName, 'lab');
    assert.equal(s.configVersion, 3);
    assert.equal(s.quorate, true);
    assert.deepEqual([s.expectedVotes, s.highestExpected, s.totalVotes, s.quorum, s.nodeCount, s.localNodeId], [3, 3, 3, 2, 3, 2]);
    assert.deepEqual(
      s.nodes.map((n) => [n.nodeid, n.votes, n.address, n.local]),
      [
        [1, 1, '10.0.0.11', false],
        [2, 1, '10.0.0.12', true],
        [3, 1, '10.0.0.13', false],
      ],
    );
  });

  test('pvecm nodes, corosync-cfgtool -s and corosync-quorumtool -s parse the same membership', async () => {
    const r = await overSsh(lab.node('pve3'), 'pvecm nodes; echo @@; corosync-cfgtool -s; echo @@; corosync-quorumtool -s');
    const [nodes, links, quorum] = r.stdout.split('@@\n') as [string, string, string];
    assert.deepEqual(
      parsePvecmNodes(nodes).nodes.map((n) => [n.nodeid, n.name, n.local]),
      [
        [1, 'pve1', false],
        [2, 'pve2', false],
        [3, 'pve3', true],
      ],
    );
    assert.match(nodes, /^\nMembership information\n-{22}\n {4}Nodeid {6}Votes Name\n {9}1 {10}1 pve1\n/);
    const cfg = parseCorosyncCfgtool(links);
    assert.equal(cfg.localNodeId, 3);
    assert.equal(cfg.transport, 'knet');
    assert.deepEqual(cfg.links.map((l) => [l.id, l.protocol, l.address]), [[0, 'udp', '10.0.0.13']]);
    assert.deepEqual(cfg.links[0]?.peers.map((p) => [p.nodeid, p.status]), [
      [1, 'connected'],
      [2, 'connected'],
      [3, 'localhost'],
    ]);
    const shape = (text: string) => text.split('\n').slice(0, 5).map((l) => l.replace(/\d+(\.\d+)*/g, 'N'));
    assert.deepEqual(shape(links), shape(fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')), 'the real layout, TABs included');
    const q = parseCorosyncQuorumtool(quorum);
    assert.deepEqual([q.quorate, q.expectedVotes, q.totalVotes, q.localNodeId], [true, 3, 3, 3]);
    assert.deepEqual(q.nodes.map((n) => n.name), ['pve1', 'pve2', 'pve3']);
  });

  test('pvesh /cluster/status and /nodes, and /etc/pve/.members, parse with the project parsers', async () => {
    const r = await overSsh(lab.node('pve1'), 'pvesh get /cluster/status --output-format json; echo @@; pvesh get /nodes --output-format json; echo @@; cat /etc/pve/.members');
    const [status, nodes, members] = r.stdout.split('@@\n') as [string, string, string];
    const cs = parseClusterStatusJson(status);
    assert.deepEqual([cs.clustered, cs.clusterName, cs.quorate, cs.configVersion, cs.nodeCount], [true, 'lab', true, 3, 3]);
    assert.deepEqual(
      cs.nodes.map((n) => [n.name, n.nodeid, n.online, n.local, n.ip]),
      [
        ['pve1', 1, true, true, '10.0.0.11'],
        ['pve2', 2, true, false, '10.0.0.12'],
        ['pve3', 3, true, false, '10.0.0.13'],
      ],
    );
    const ns = parseNodesJson(nodes);
    assert.deepEqual(ns.nodes.map((n) => [n.name, n.status]), [['pve1', 'online'], ['pve2', 'online'], ['pve3', 'online']]);
    assert.ok(ns.nodes.every((n) => (n.maxcpu ?? 0) > 0 && (n.uptime ?? -1) >= 0));
    const m = parsePveMembers(members);
    assert.deepEqual([m.nodename, m.clusterName, m.quorate], ['pve1', 'lab', true]);
    assert.match(members, /^\{\n"nodename": "pve1",\n"version": \d+,\n"cluster": \{ "name": "lab", "version": 3, "nodes": 3, "quorate": 1 \},\n"nodelist": \{\n  "pve1": \{ "id": 1, "online": 1, "ip": "10.0.0.11"\},\n/);
  });

  test('/etc/pve/corosync.conf is what PVE writes, and every member runs it', async () => {
    const text = (await lab.node('pve3').exec('cat /etc/pve/corosync.conf')).stdout;
    const conf = parseCorosyncConf(text);
    assert.equal(conf.clusterName, 'lab');
    assert.equal(conf.configVersion, 3, 'create writes 1, each addnode adds one');
    assert.deepEqual(conf.nodes.map((n) => [n.name, n.nodeid, n.votes, n.links['0']]), [
      ['pve1', 1, 1, '10.0.0.11'],
      ['pve2', 2, 1, '10.0.0.12'],
      ['pve3', 3, 1, '10.0.0.13'],
    ]);
    assert.deepEqual(conf.totem, { interface: [{ linknumber: '0' }], ip_version: 'ipv4-6', link_mode: 'passive', secauth: 'on', version: '2' });
    for (const n of lab.nodes) assert.equal((await n.exec('cat /etc/corosync/corosync.conf')).stdout, text, `${n.name} runs the cluster's config`);
    const keys = await Promise.all(lab.nodes.map(async (n) => (await n.exec('md5sum /etc/corosync/authkey')).stdout.split(' ')[0]));
    assert.equal(new Set(keys).size, 1, 'one authkey');
  });

  test("root's authorized_keys became the link to the cluster-wide file, holding every node's keys", async () => {
    const shared = (await lab.node('pve1').exec('cat /etc/pve/priv/authorized_keys')).stdout;
    for (const n of lab.nodes) {
      assert.equal((await n.exec('readlink /root/.ssh/authorized_keys')).stdout, '/etc/pve/priv/authorized_keys\n');
      assert.equal((await n.exec('test -e /root/.ssh/authorized_keys.org || echo gone')).stdout, 'gone\n', 'the backup goes once imported');
      // Each node's RSA key (made by pvecm, merged or copied with ssh-copy-id), and the keys pve1 trusted before.
      const files = n.name === 'pve1' ? ['/root/.ssh/id_rsa.pub'] : ['/root/.ssh/id_rsa.pub', '/root/.ssh/id_ed25519.pub'];
      for (const file of files) {
        const key = (await n.exec(`cat ${file}`)).stdout.trim();
        assert.ok(shared.includes(key), `${n.name}'s ${file} is authorized cluster-wide`);
      }
      assert.equal((await n.exec('stat -c %a /etc/pve/priv/authorized_keys')).stdout.trim(), '600');
      assert.equal((await n.exec('ls /etc/pve/nodes')).stdout, 'pve1\npve2\npve3\n');
      assert.match((await n.exec(`cat /etc/pve/nodes/${n.name}/ssh_known_hosts 2>/dev/null || echo none`)).stdout, n.name === 'pve1' ? /none/ : new RegExp(`^${n.name} ssh-ed25519 `));
    }
    assert.equal((await lab.node('pve1').exec('readlink /etc/ssh/ssh_known_hosts')).stdout, '/etc/pve/priv/known_hosts\n', 'create links the merged known_hosts');
  });

  test('a write on one member reaches the others after the replication delay', async () => {
    const pve1 = lab.node('pve1');
    const pve2 = lab.node('pve2');
    const started = lab.clock.now();
    await pve1.exec('echo "dir: backup" > /etc/pve/storage-test.cfg');
    assert.equal((await pve1.exec('cat /etc/pve/storage-test.cfg')).stdout, 'dir: backup\n', 'the writer sees it at once');
    const early = await pve2.exec('cat /etc/pve/storage-test.cfg');
    assert.ok(lab.clock.now() - started < 5000, 'checked within the delay');
    assert.equal(early.exitCode, 1, 'not replicated yet');
    assert.ok(await eventually(async () => (await pve2.exec('cat /etc/pve/storage-test.cfg')).stdout === 'dir: backup\n'));
    assert.ok(lab.clock.now() - started >= 5000, 'visible only after the delay');
    await pve2.exec('rm /etc/pve/storage-test.cfg');
  });

  test('pmxcfs semantics: modes fixed, chmod only to them, status files refuse writes', async () => {
    const pve1 = lab.node('pve1');
    assert.equal((await pve1.exec('stat -c %a /etc/pve/storage.cfg /etc/pve/priv /etc/pve/nodes')).stdout, '640\n700\n755\n');
    assert.equal((await pve1.exec('chmod 640 /etc/pve/storage.cfg')).exitCode, 0);
    assert.equal((await pve1.exec('chmod 600 /etc/pve/storage.cfg')).stderr, "chmod: changing permissions of '/etc/pve/storage.cfg': Operation not permitted\n");
    assert.equal((await pve1.exec('chmod 600 /etc/pve/priv/authorized_keys')).exitCode, 0, 'private files are 0600');
    assert.match((await pve1.exec('echo x > /etc/pve/.members')).stderr, /Permission denied/);
    assert.equal((await pve1.exec('readlink /etc/pve/local /etc/pve/qemu-server')).stdout, 'nodes/pve1\nnodes/pve1/qemu-server\n');
    assert.equal((await lab.node('pve2').exec('readlink /etc/pve/local')).stdout, 'nodes/pve2\n', 'the local link is per node');
  });

  test('a member that stops answering leaves the ring at the token timeout; 2 of 3 votes stay quorate', async () => {
    const pve1 = lab.node('pve1');
    const pve3 = lab.node('pve3');
    await pve3.powerOff({ silent: true });
    assert.deepEqual(lab.cluster.members('pve1'), ['pve1', 'pve2', 'pve3'], 'not noticed yet');
    assert.ok(await eventually(() => lab.cluster.members('pve1').length === 2), 'noticed after the token timeout');
    const s = parsePvecmStatus((await pve1.exec('pvecm status')).stdout);
    assert.deepEqual([s.quorate, s.expectedVotes, s.totalVotes, s.quorum, s.activityBlocked], [true, 3, 2, 2, false]);
    assert.deepEqual(parseCorosyncCfgtool((await pve1.exec('corosync-cfgtool -s')).stdout).links[0]?.peers.map((p) => p.status), ['localhost', 'connected', 'disconnected']);
    const members = parsePveMembers((await pve1.exec('cat /etc/pve/.members')).stdout);
    assert.deepEqual(members.nodes.map((n) => [n.name, n.online]), [['pve1', true], ['pve2', true], ['pve3', false]]);
    const nodes = parseNodesJson((await pve1.exec('pvesh get /nodes --output-format json')).stdout);
    assert.deepEqual(nodes.nodes.map((n) => n.status), ['online', 'online', 'offline']);
    assert.equal((await pve1.exec('touch /etc/pve/still-writable && rm /etc/pve/still-writable')).exitCode, 0);

    await pve3.powerOn();
    assert.ok(await eventually(() => lab.cluster.members('pve1').length === 3), 'back in the ring after booting');
    assert.ok(await eventually(() => lab.cluster.sharing().length === 1 && lab.cluster.sharing()[0]?.length === 3), 'pmxcfs resynced');
    assert.equal(lab.cluster.quorum('pve3')?.quorate, true);
  });

  test('pvecm updatecerts --force makes a new node certificate, and says what it does', async () => {
    const before = (await lab.node('pve2').exec('md5sum /etc/pve/nodes/pve2/pve-ssl.pem')).stdout;
    assert.deepEqual(await lab.node('pve2').exec('pvecm updatecerts --force'), {
      stdout: '(re)generate node files\ngenerate new node certificate\nmerge authorized SSH keys\n',
      stderr: '',
      exitCode: 0,
    });
    assert.notEqual((await lab.node('pve2').exec('md5sum /etc/pve/nodes/pve2/pve-ssl.pem')).stdout, before);
  });

  test('pvecm delnode of a member still online goes ahead: corosync there is told to exit', async () => {
    const r = await lab.node('pve1').exec('pvecm delnode pve3');
    assert.deepEqual(r, { stdout: 'Killing node 3\n', stderr: '', exitCode: 0 });
    assert.equal((await lab.node('pve3').exec('systemctl is-active corosync')).stdout, 'failed\n');
    assert.equal(lab.cluster.quorate('pve3'), false);
    assert.match((await lab.node('pve3').exec('touch /etc/pve/x')).stderr, /Permission denied/, 'what is left of pve3 is read-only');
    assert.ok(await eventually(() => lab.cluster.quorum('pve1')?.expectedVotes === 2));
    assert.deepEqual(lab.cluster.members('pve1'), ['pve1', 'pve2']);
    // pve2 reloads once the new corosync.conf has replicated to it.
    assert.ok(await eventually(() => lab.cluster.quorum('pve2')?.expectedVotes === 2, 5000));
    assert.deepEqual(lab.cluster.quorum('pve2'), { quorate: true, expectedVotes: 2, highestExpected: 2, totalVotes: 2, quorum: 2 });
  });

  test('the command log shows what ran where: programs, and node-to-node SSH with its source', () => {
    const programs = lab.log.entries({ via: 'program', command: /^pvecm (create|add) / }).map((e) => `${e.node}: ${e.command}`);
    assert.deepEqual(programs, ['pve1: pvecm create lab --link0 10.0.0.11', 'pve2: pvecm add 10.0.0.11 --link0 10.0.0.12 --use_ssh', 'pve3: pvecm add 10.0.0.11 --link0 10.0.0.13 --use_ssh']);
    const remote = lab.log.entries({ node: 'pve1', via: 'node-ssh', command: /^pvecm addnode/ }).map((e) => `${e.from} → ${e.command} [${e.exitCode}]`);
    assert.deepEqual(remote, ['pve2 → pvecm addnode pve2 --force 1 --link0 10.0.0.12 [0]', 'pve3 → pvecm addnode pve3 --force 1 --link0 10.0.0.13 [0]']);
  });
});
