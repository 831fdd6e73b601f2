import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseClusterStatusJson, parsePvecmNodes, parsePvecmStatus, parseCorosyncCfgtool } from '../../activities/parsers';
import { assessHealth, HealthReport } from '../../workflows/clusterHealth';
import { inventoryOf } from '../helpers/facts';

const fx = (name: string) => fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/pve', name), 'utf8');
const names = ['node1', 'node2', 'node3', 'node4'];
const inv = inventoryOf(names, 'clustername');

function healthyView(name: string): HealthReport['nodes'][number] {
  return {
    name,
    reachable: true,
    health: {
      node: name,
      clusterStatus: parseClusterStatusJson(fx('cluster-status.api.4nodes.quorate.json')),
      status: parsePvecmStatus(fx('pvecm-status.quorate.4nodes.pve-docs.txt')),
      nodes: parsePvecmNodes(fx('pvecm-nodes.4nodes.pve-docs.txt')),
      links: parseCorosyncCfgtool(fx('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')),
    },
  };
}

describe('cluster health assessment (real outputs)', () => {
  test('a quorate 4-node cluster with every member online is healthy', () => {
    const r = assessHealth(inv, names.map(healthyView));
    assert.deepEqual(r.problems, []);
    assert.equal(r.healthy, true);
    assert.equal(r.quorate, true);
    assert.deepEqual([r.expectedVotes, r.totalVotes], [4, 4]);
    assert.deepEqual(r.members.map((m) => m.name).sort(), names);
  });

  test('an unreachable node, an offline member, a node outside the cluster are all reported', () => {
    const views = names.map(healthyView);
    views[3] = { name: 'node4', reachable: false, error: 'node4 (root@10.0.0.14:22): cannot connect (ECONNREFUSED)' };
    const status = views[0].health!.clusterStatus as ReturnType<typeof parseClusterStatusJson>;
    status.nodes.find((n) => n.name === 'node4')!.online = false;
    const r = assessHealth(inventoryOf([...names, 'node5'], 'clustername'), views);
    assert.equal(r.healthy, false);
    assert.match(r.problems.join('\n'), /node4 is unreachable: .*ECONNREFUSED/);
    assert.match(r.problems.join('\n'), /member node4 is offline/);
    assert.match(r.problems.join('\n'), /node5 is in the inventory but not a cluster member/);
  });

  test('standalone nodes: no cluster reported', () => {
    const standalone = parseClusterStatusJson('[{"type":"node","name":"node1","nodeid":0,"online":1,"local":1,"ip":"10.0.0.11"}]');
    const views = [{ name: 'node1', reachable: true, health: { node: 'node1', clusterStatus: standalone, status: { error: 'x' }, nodes: { error: 'x' }, links: { error: 'x' } } }];
    const r = assessHealth(inventoryOf(['node1'], 'c'), views);
    assert.equal(r.healthy, false);
    assert.match(r.problems.join('\n'), /no node reports a cluster/);
    assert.match(r.problems.join('\n'), /node1 is standalone/);
  });
});
