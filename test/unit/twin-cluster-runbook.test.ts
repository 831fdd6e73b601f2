import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HEALTH_COMMAND } from '../../activities/cluster/health';
import { IDENTITY_COMMAND } from '../../activities/cluster/identity';
import { PROBE_COMMAND, viewFromSections } from '../../activities/cluster/probe';
import { deleteNodeCommand, separationCommand } from '../../activities/cluster/separation';
import { peerSshCommand, trustCommand, type Peer } from '../../activities/cluster/trust';
import { VERIFY_COMMAND } from '../../activities/cluster/verify';
import { FACTS_COMMAND, factsFromSections } from '../../activities/nodes/facts';
import { parseClusterStatusJson } from '../../activities/parsers/clusterStatusJson';
import { parseCorosyncCfgtool } from '../../activities/parsers/corosyncCfgtool';
import { parsePvecmNodes } from '../../activities/parsers/pvecmNodes';
import { parsePvecmStatus } from '../../activities/parsers/pvecmStatus';
import { parseSections } from '../../activities/ssh/script';
import type { Lab } from '../../lab/lab';
import type { Client } from 'ssh2';
import { connect, eventually, run, startLab } from './twin-cluster-helpers';

/**
 * The runbooks' own remote scripts (the strings their activities send), run on the twin over SSH
 * and read with the activities' own code: createCluster's discovery, trust, formation, probes and
 * verification, then destroyCluster's separation, without Temporal in between.
 */
describe("the runbooks' scripts against a PVE 9 twin", { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  const names = ['pve1', 'pve2', 'pve3'];
  // One connection per node, reused as the runbooks' pool does.
  const clients = new Map<string, Client>();
  const overSsh = async (node: { name: string }, script: string) => {
    let client = clients.get(node.name);
    if (!client) clients.set(node.name, (client = await connect(lab.node(node.name))));
    return run(client, script);
  };
  const sections = async (node: string, script: string) => {
    const r = await overSsh(lab.node(node), script);
    assert.equal(r.code, 0, `${node}: ${r.stderr}`);
    return parseSections(r.stdout);
  };
  const facts = async (node: string) => factsFromSections(await sections(node, FACTS_COMMAND), node);

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 3, pve: 9, timeScale: 100 }));
  });

  after(async () => {
    for (const c of clients.values()) c.end();
    await close();
  });

  test('discovery on fresh nodes: standalone, addresses, resolution, no guests, corosync stopped', async () => {
    const f = await facts('pve2');
    assert.deepEqual(
      [f.hostname, f.fqdn, f.pveMajor, f.mode, f.hasAuthkey, f.corosyncActive, f.guests, f.resolvedAddress],
      ['pve2', 'pve2.lab.internal', 9, 'standalone', false, false, [], '10.0.0.12'],
    );
    assert.ok(f.localAddresses.includes('10.0.0.12') && f.localAddresses.includes('127.0.0.1'), f.localAddresses.join(' '));
    assert.deepEqual(f.knownNodes, ['pve2']);
    assert.equal((await overSsh(lab.node('pve2'), 'ip -o addr show')).stdout.split('\n')[2], '4: enp1s0f1    inet 10.0.0.12/24 scope global enp1s0f1\\       valid_lft forever preferred_lft forever');
    assert.equal((await overSsh(lab.node('pve2'), 'getent hosts pve2')).stdout, '10.0.0.12       pve2.lab.internal pve2\n');
  });

  test('trust: identities, peers in authorized_keys and known_hosts, then every node reaches pve1 without a prompt', async () => {
    const peers: Peer[] = [];
    for (const name of names) {
      const s = await sections(name, IDENTITY_COMMAND);
      const node = lab.node(name);
      peers.push({ name, aliases: [name, node.fqdn, node.address], rootKey: (s.rootkey ?? '').split('\n')[0] as string, hostKeys: (s.hostkeys ?? '').split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' ')) });
    }
    for (const name of names) await sections(name, trustCommand(peers.filter((p) => p.name !== name)));
    for (const name of ['pve2', 'pve3']) assert.equal((await overSsh(lab.node(name), peerSshCommand(['10.0.0.11']))).stdout, 'ok 10.0.0.11\n');
  });

  test('formation: create on pve1, join pve2 and pve3, each probe converging', async () => {
    const create = await overSsh(lab.node('pve1'), 'if [ -e /etc/pve/corosync.conf ]; then echo @existing; cat /etc/pve/corosync.conf; else pvecm create lab9 --link0 10.0.0.11; fi');
    assert.equal(create.code, 0, create.stderr);
    for (const name of ['pve2', 'pve3']) {
      const r = await overSsh(lab.node(name), `pvecm add 10.0.0.11 --link0 ${lab.node(name).address} --use_ssh`);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    const converged = async () => {
      const views = await Promise.all(names.map(async (n) => viewFromSections(n, await sections(n, PROBE_COMMAND))));
      return views.every((v) => v.clusterName === 'lab9' && v.quorate && v.expectedVotes === 3 && v.members.length === 3 && v.nodeDirs.length === 3);
    };
    assert.ok(await eventually(converged, 5000));
    const again = await overSsh(lab.node('pve1'), 'if [ -e /etc/pve/corosync.conf ]; then echo @existing; cat /etc/pve/corosync.conf; else pvecm create lab9 --link0 10.0.0.11; fi');
    assert.ok('existing' in parseSections(again.stdout), 'a re-run finds the cluster instead of creating it again');
  });

  test('verification and health read every node', async () => {
    for (const name of names) {
      const v = await sections(name, VERIFY_COMMAND);
      const status = parsePvecmStatus(v.status ?? '');
      assert.deepEqual([status.quorate, status.expectedVotes, status.totalVotes], [true, 3, 3]);
      assert.equal(parsePvecmNodes(v.nodes ?? '').nodes.find((n) => n.local)?.name, name);
      assert.ok(parseCorosyncCfgtool(v.links ?? '').links[0]?.peers.every((p) => p.connected));
      const h = await sections(name, HEALTH_COMMAND);
      assert.equal(parseClusterStatusJson(h['cluster-status'] ?? '').nodes.filter((n) => n.online).length, 3);
    }
    const f = await facts('pve3');
    assert.deepEqual([f.mode, f.clusterName, f.clusterMembers, f.hasAuthkey, f.corosyncActive], ['cluster', 'lab9', ['pve1', 'pve2', 'pve3'], true, true]);
  });

  test("destroyCluster's separation makes pve3 standalone; pve1 deletes it from the cluster", async () => {
    const sep = await sections('pve3', separationCommand('pve3'));
    assert.ok('done' in sep);
    const f = await facts('pve3');
    assert.deepEqual([f.mode, f.hasAuthkey, f.corosyncActive, f.knownNodes], ['standalone', false, false, ['pve3']]);
    assert.ok('already' in (await sections('pve3', separationCommand('pve3'))), 'a retry finds it done');
    const del = await sections('pve1', deleteNodeCommand('pve3', 2));
    assert.ok('done' in del);
    assert.ok('already' in (await sections('pve1', deleteNodeCommand('pve3', 2))));
    assert.ok(await eventually(() => lab.cluster.members('pve2').length === 2 && lab.cluster.quorate('pve2')));
    assert.deepEqual((await facts('pve1')).clusterMembers, ['pve1', 'pve2']);
    assert.deepEqual(lab.cluster.sharing(), [['pve1', 'pve2'], ['pve3']]);
    assert.equal((await lab.node('pve3').exec('readlink /root/.ssh/authorized_keys')).stdout, '/etc/pve/priv/authorized_keys\n', 'the link stays, now into its own /etc/pve');
    // Standalone, corosync-cfgtool fails (the script's status); the health activity reads each part anyway.
    const standalone = parseClusterStatusJson(parseSections((await overSsh(lab.node('pve3'), HEALTH_COMMAND)).stdout)['cluster-status'] ?? '');
    assert.deepEqual([standalone.clustered, standalone.quorate, standalone.nodes.map((n) => [n.name, n.nodeid, n.local])], [false, true, [['pve3', 0, true]]]);
  });

  test('the last two: pve2 separated, pve1 regains quorum with `pvecm expected 1` and deletes it', async () => {
    assert.ok('done' in (await sections('pve2', separationCommand('pve2'))));
    assert.ok(await eventually(() => !lab.cluster.quorate('pve1')), 'one of two votes: no quorum');
    const del = await overSsh(lab.node('pve1'), deleteNodeCommand('pve2', 1));
    assert.equal(del.code, 0, del.stderr);
    assert.ok('done' in parseSections(del.stdout));
    assert.equal(lab.cluster.quorate('pve1'), true);
    assert.deepEqual(lab.cluster.sharing(), [['pve1'], ['pve2'], ['pve3']]);
    const expected = lab.log.entries({ node: 'pve1', via: 'program', command: /^pvecm (expected|delnode)/ }).map((e) => e.command);
    assert.deepEqual(expected, ['pvecm delnode pve3', 'pvecm expected 1', 'pvecm delnode pve2']);
  });
});
