import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterResourcesJson, parseClusterStatusJson, parseNodesJson } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



describe('cluster-status-json', () => {
  test('4 quorate nodes: cluster entry, node1 local, sorted by node id', () => {
    assert.deepEqual(parseClusterStatusJson(fixture('cluster-status.api.4nodes.quorate.json')), {
      clustered: true,
      clusterName: 'clustername',
      quorate: true,
      configVersion: 4,
      nodeCount: 4,
      nodes: [
        { name: 'node1', nodeid: 1, online: true, local: true, ip: '192.168.1.1', level: '' },
        { name: 'node2', nodeid: 2, online: true, local: false, ip: '192.168.1.2', level: '' },
        { name: 'node3', nodeid: 3, online: true, local: false, ip: '192.168.1.3', level: '' },
        { name: 'node4', nodeid: 4, online: true, local: false, ip: '192.168.1.4', level: '' },
      ],
    });
  });

  test('the API envelope {"data": [...]} and compact pvesh output read the same', () => {
    const entries = JSON.parse(fixture('cluster-status.api.4nodes.quorate.json')) as unknown[];
    const expected = parseClusterStatusJson(fixture('cluster-status.api.4nodes.quorate.json'));
    assert.deepEqual(parseClusterStatusJson(JSON.stringify({ data: entries })), expected);
    assert.deepEqual(parseClusterStatusJson(JSON.stringify(entries)), expected);
  });

  test('a node offline and a cluster without quorum; booleans as true/false', () => {
    const r = parseClusterStatusJson(
      JSON.stringify([
        { type: 'cluster', id: 'cluster', name: 'lab', quorate: false, version: 7, nodes: 3 },
        { type: 'node', id: 'node/pve1', name: 'pve1', nodeid: 1, online: true, local: true, ip: '10.0.0.1', level: '' },
        { type: 'node', id: 'node/pve2', name: 'pve2', nodeid: 2, online: false, local: false, ip: '10.0.0.2', level: '' },
      ]),
    );
    assert.equal(r.quorate, false);
    assert.deepEqual(
      r.nodes.map((n) => [n.name, n.online]),
      [
        ['pve1', true],
        ['pve2', false],
      ],
    );
  });

  test('a standalone node: no cluster entry, quorate, node id 0', () => {
    const r = parseClusterStatusJson('[{"type":"node","id":"node/pve","name":"pve","ip":"10.0.0.5","local":1,"online":1,"nodeid":0,"level":""}]\n');
    assert.equal(r.clustered, false);
    assert.equal(r.clusterName, undefined);
    assert.equal(r.quorate, true);
    assert.deepEqual(r.nodes, [{ name: 'pve', nodeid: 0, online: true, local: true, ip: '10.0.0.5', level: '' }]);
  });

  test('a wrongly typed field names its path and line', () => {
    const text = fixture('cluster-status.api.4nodes.quorate.json').replace('"nodeid": 3,', '"nodeid": "three",');
    throwsParse(() => parseClusterStatusJson(text), 'cluster-status-json', 22, /line 22: \[2\]\.nodeid: expected a whole number/);
  });

  test('a missing field points at its entry', () => {
    const text = fixture('cluster-status.api.4nodes.quorate.json').replace('"name": "node3",', '');
    throwsParse(() => parseClusterStatusJson(text), 'cluster-status-json', 20, /\[2\]\.name: missing/);
  });

  test('JSON cut short, not JSON at all, an empty array', () => {
    const text = fixture('cluster-status.api.4nodes.quorate.json');
    throwsParse(() => parseClusterStatusJson(text.slice(0, 300)), 'cluster-status-json', 14, /not valid JSON/);
    throwsParse(() => parseClusterStatusJson('ipcc_send_rec[1] failed: Connection refused\n'), 'cluster-status-json', 1, /line 1: not valid JSON/);
    throwsParse(() => parseClusterStatusJson('[]'), 'cluster-status-json', 1, /no entries/);
  });
});

describe('nodes-json', () => {
  test('4 online nodes with usage, sorted by name', () => {
    const { nodes } = parseNodesJson(fixture('nodes.api.4nodes.online.json'));
    assert.deepEqual(
      nodes.map((n) => [n.name, n.online, n.maxcpu, n.maxmem]),
      [
        ['node1', true, 12, 33568288768],
        ['node2', true, 4, 16651751424],
        ['node3', true, 4, 16668868608],
        ['node4', true, 8, 65919561728],
      ],
    );
    assert.equal(nodes[0]!.cpu, 0.00348605577689243);
    assert.equal(nodes[0]!.uptime, 2236708);
    assert.equal(nodes[0]!.mem, 11508809728);
    assert.match(nodes[0]!.sslFingerprint!, /^80:D4:F2/);
  });

  test('an offline node carries no usage', () => {
    const { nodes } = parseNodesJson('[{"node":"pve2","status":"offline","id":"node/pve2","type":"node","level":""}]');
    assert.deepEqual(nodes, [{ name: 'pve2', status: 'offline', online: false, level: '' }]);
  });

  test('an entry without a node name', () => {
    throwsParse(() => parseNodesJson('[\n  {"status": "online"}\n]'), 'nodes-json', 2, /line 2: \[0\]\.node: missing/);
  });
});

describe('cluster-resources-json', () => {
  test('4 VMs, 4 nodes, 12 storages: template, tags, usage', () => {
    const r = parseClusterResourcesJson(fixture('cluster-resources.api.4nodes.qemu-node-storage.json'));
    assert.deepEqual(
      r.vms.map((v) => [v.vmid, v.name, v.node, v.status, v.template]),
      [
        [100, 'server1', 'node2', 'running', false],
        [101, 'leap154', 'node1', 'stopped', true],
        [102, 'machine-test', 'node1', 'stopped', false],
        [200, 'VM 200', 'node1', 'stopped', false],
      ],
    );
    assert.deepEqual(r.vms[2]!.tags, ['go-proxmox+cloud-init']);
    assert.equal(r.vms[0]!.maxmem, 1073741824);
    assert.deepEqual(
      r.nodes.map((n) => [n.node, n.online, n.maxcpu, n.cgroupMode]),
      [
        ['node1', true, 8, 2],
        ['node2', true, 12, 2],
        ['node3', true, 4, 2],
        ['node4', true, 4, 2],
      ],
    );
    assert.equal(r.storages.length, 12);
    const cloudInit = r.storages.find((s) => s.id === 'storage/node3/cloud-init')!;
    assert.deepEqual(cloudInit, {
      id: 'storage/node3/cloud-init',
      storage: 'cloud-init',
      node: 'node3',
      status: 'available',
      plugintype: 'dir',
      shared: false,
      content: ['snippets'],
      disk: 2983723008,
      maxdisk: 482713534464,
    });
    assert.deepEqual(r.pools, []);
  });

  test('lxc guests, pools and types the contract leaves out (sdn)', () => {
    const r = parseClusterResourcesJson(
      JSON.stringify({
        data: [
          { id: 'node/pve1', type: 'node', node: 'pve1', status: 'online' },
          { id: 'lxc/105', type: 'lxc', vmid: 105, node: 'pve1', status: 'running', name: 'dns', tags: 'infra;prod', hastate: 'started' },
          { id: 'pool/prod', type: 'pool', pool: 'prod' },
          { id: 'sdn/pve1/localnetwork', type: 'sdn', sdn: 'localnetwork', node: 'pve1', status: 'ok' },
        ],
      }),
    );
    assert.deepEqual(r.vms, [{ id: 'lxc/105', vmid: 105, type: 'lxc', node: 'pve1', status: 'running', name: 'dns', template: false, tags: ['infra', 'prod'], hastate: 'started' }]);
    assert.deepEqual(r.pools, [{ id: 'pool/prod', pool: 'prod' }]);
    assert.equal(r.nodes[0]!.online, true);
  });

  test('a guest without vmid names the entry in the envelope', () => {
    const text = '{"data": [\n{"id": "node/a", "type": "node", "node": "a", "status": "online"},\n{"id": "qemu/1", "type": "qemu", "node": "a", "status": "running"}\n]}';
    throwsParse(() => parseClusterResourcesJson(text), 'cluster-resources-json', 3, /line 3: data\[1\]\.vmid: missing/);
  });

  test('no node entry at all', () => {
    throwsParse(() => parseClusterResourcesJson('[]'), 'cluster-resources-json', undefined, /no node entries/);
  });
});
