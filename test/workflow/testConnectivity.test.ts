import { test, describe } from 'node:test';
import { workflowTestEnv } from '../helpers/workflowEnv';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { NodeTask } from '../../activities/nodes/task';
import type { RunbookInventory } from '../../common/inventory';
import { testConnectivity } from '../../workflows/testConnectivity';
import { progressQuery } from '../../workflows/progress';

const inventory: RunbookInventory = {
  cluster: { name: 'wf' },
  ssh: { connectTimeoutSeconds: 5, commandTimeoutSeconds: 30 },
  nodes: ['pve1', 'pve2', 'pve3'].map((name, i) => ({
    name,
    host: `127.0.0.${i + 1}`,
    port: 22,
    user: 'root',
    primary: i === 0,
    password: { env: 'PW' },
  })),
};

describe('testConnectivity workflow (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('tc');

  test('every node reported; a permanent failure is not retried, a transient one is; one failure hides nothing', async () => {
    const calls: Record<string, number> = {};
    const count = (k: string) => (calls[k] = (calls[k] ?? 0) + 1);
    const activities: Partial<Activities> = {
      async installControllerKey({ node }: NodeTask) {
        const n = count(`key:${node.name}`);
        if (node.name === 'pve2') throw ApplicationFailure.nonRetryable('pve2 (root@127.0.0.2:22) refused authentication', 'SshAuthRefused');
        if (node.name === 'pve3' && n === 1) throw ApplicationFailure.retryable('connection lost', 'SshConnectionLost');
        return { status: node.name === 'pve1' ? 'added' : 'present', file: '/root/.ssh/authorized_keys' };
      },
      async verifyKeyAuth() {
        return { ok: true as const };
      },
      async gatherNodeFacts({ node }: NodeTask) {
        return {
          hostname: node.name === 'pve3' ? 'other' : node.name,
          fqdn: `${node.name}.lab`,
          pveVersion: '8.4.1',
          pveMajor: 8,
          mode: 'standalone' as const,
          clusterMembers: [],
          knownNodes: [node.name],
          hasAuthkey: false,
          corosyncActive: false,
          guests: [],
          localAddresses: [],
        };
      },
    };
    const report = await t.withWorker(activities, async (taskQueue, workflowId) => {
      const handle = await t.env.client.workflow.start(testConnectivity, { taskQueue, workflowId, args: [{ inventory }] });
      const result = await handle.result();
      const progress = await handle.query(progressQuery);
      assert.equal(progress.phase, 'done with failures');
      assert.equal(progress.nodes.pve2.state, 'failed');
      assert.match(progress.nodes.pve2.error ?? '', /refused authentication/);
      return result;
    });
    assert.equal(report.ok, false);
    assert.deepEqual(report.nodes.map((n) => [n.name, n.ok]), [['pve1', true], ['pve2', false], ['pve3', true]]);
    const pve2 = report.nodes[1];
    assert.equal(pve2.keyAuth, false);
    assert.equal(pve2.problems[0].type, 'SshAuthRefused');
    assert.match(pve2.problems[0].message, /refused authentication/);
    assert.equal(calls['key:pve2'], 1, 'a permanent failure is not retried');
    assert.equal(calls['key:pve3'], 2, 'a transient failure is retried');
    assert.equal(report.nodes[0].controllerKey, 'added');
    assert.match(report.nodes[2].problems.map((p) => p.message).join(), /calls itself other/);
    assert.match(report.summary, /2\/3 nodes reachable.*failed: pve2/);
  });
});
