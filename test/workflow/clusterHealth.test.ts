import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { CephView } from '../../activities/ceph/status';
import type { NodeTask } from '../../activities/nodes/task';
import { parseClusterStatusJson, parseCorosyncCfgtool, parsePvecmNodes, parsePvecmStatus } from '../../activities/parsers';
import { RunbookInventory } from '../../common/inventory';
import { CEPH_STATUS_PATCH, clusterHealth } from '../../workflows/clusterHealth';
import { inventoryOf } from '../helpers/facts';
import { fixture } from '../helpers/fixtures';
import { workflowTestEnv } from '../helpers/workflowEnv';

const names = ['node1', 'node2', 'node3', 'node4'];
const clusterOnly = inventoryOf(names, 'clustername');
const withCeph = RunbookInventory.parse({ ...clusterOnly, network: { cidr: '10.0.0.0/24' }, ceph: { monitors: ['node1', 'node2', 'node3'] } });

const cephView = (node: string, health: string): CephView => ({
  node,
  health,
  checks: health === 'HEALTH_OK' ? [] : [{ code: 'OSD_DOWN', severity: 'HEALTH_WARN', summary: '1 osds down', detail: [] }],
  monQuorum: ['node1', 'node2', 'node3'],
  monCount: 3,
  osds: { total: 3, up: health === 'HEALTH_OK' ? 3 : 2, in: 3 },
  pgs: { total: 128, states: { 'active+clean': 128 } },
});

/** The four nodes of the fixtures, quorate, as nodeHealth reads them; `down` nodes refuse the connection. */
function stubs(down: string[], cephHealth: string) {
  const cephReads: string[] = [];
  const activities: Partial<Activities> = {
    async nodeHealth({ node }: NodeTask) {
      if (down.includes(node.name)) throw ApplicationFailure.nonRetryable(`${node.name}: cannot connect (ECONNREFUSED)`, 'SshConnectFailed');
      return {
        node: node.name,
        clusterStatus: parseClusterStatusJson(fixture('cluster-status.api.4nodes.quorate.json')),
        status: parsePvecmStatus(fixture('pvecm-status.quorate.4nodes.pve-docs.txt')),
        nodes: parsePvecmNodes(fixture('pvecm-nodes.4nodes.pve-docs.txt')),
        links: parseCorosyncCfgtool(fixture('corosync-cfgtool-s.2nodes.knet.node2-local.tabs.txt')),
      };
    },
    async cephStatus({ node }: NodeTask) {
      cephReads.push(node.name);
      return cephView(node.name, cephHealth);
    },
  };
  return { activities, cephReads };
}

/** The patch ids this run recorded (core's `core_patch` markers). */
async function patchMarkers(handle: WorkflowHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? [])
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .map((m) => (JSON.parse(Buffer.from(m?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString('utf8')) as { id: string }).id);
}

describe('clusterHealth workflow (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('health');

  test('a new run on an inventory with Ceph takes the patched branch: the marker is recorded and Ceph is read from the first monitor', async () => {
    const { activities, cephReads } = stubs([], 'HEALTH_OK');
    const { report, markers } = await t.withWorker(activities, async (taskQueue, workflowId) => {
      const handle = await t.env.client.workflow.start(clusterHealth, { taskQueue, workflowId, args: [{ inventory: withCeph }] });
      return { report: await handle.result(), markers: await patchMarkers(handle) };
    });
    assert.deepEqual(markers, [CEPH_STATUS_PATCH]);
    assert.deepEqual(cephReads, ['node1']);
    assert.deepEqual(report.ceph, { node: 'node1', health: 'HEALTH_OK', checks: [], osds: { total: 3, up: 3, in: 3 }, pgs: { total: 128, states: { 'active+clean': 128 } } });
    assert.equal(report.healthy, true, report.problems.join('; '));
  });

  test('an unreachable first monitor: Ceph is read from the next one, and its warnings make the cluster unhealthy', async () => {
    const { activities, cephReads } = stubs(['node1'], 'HEALTH_WARN');
    const report = await t.withWorker(activities, (taskQueue, workflowId) => t.env.client.workflow.execute(clusterHealth, { taskQueue, workflowId, args: [{ inventory: withCeph }] }));
    assert.deepEqual(cephReads, ['node2']);
    assert.equal(report.ceph && 'node' in report.ceph ? report.ceph.node : undefined, 'node2');
    assert.equal(report.healthy, false);
    assert.ok(report.problems.includes('Ceph is HEALTH_WARN: OSD_DOWN 1 osds down'), report.problems.join('; '));
  });

  test('an inventory without Ceph reads no Ceph and records no marker', async () => {
    const { activities, cephReads } = stubs([], 'HEALTH_OK');
    const { report, markers } = await t.withWorker(activities, async (taskQueue, workflowId) => {
      const handle = await t.env.client.workflow.start(clusterHealth, { taskQueue, workflowId, args: [{ inventory: clusterOnly }] });
      return { report: await handle.result(), markers: await patchMarkers(handle) };
    });
    assert.deepEqual(markers, []);
    assert.deepEqual(cephReads, []);
    assert.equal(report.ceph, undefined);
    assert.equal(report.healthy, true, report.problems.join('; '));
  });
});
