import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { inventoryOf, member, standalone } from '../helpers/facts';
import { workflowTestEnv } from '../helpers/workflowEnv';
import type { Activities } from '../../activities';
import type { NodeTask } from '../../activities/nodes/task';
import type { NodeFacts } from '../../activities/nodes/facts';
import { destroyCluster, confirmUpdate } from '../../workflows/destroyCluster';
import { progressQuery } from '../../workflows/progress';

const names = ['pve1', 'pve2', 'pve3'];

function fake(initial: Record<string, NodeFacts>, services = { ceph: false, haResources: [] as string[] }) {
  const calls: string[] = [];
  const state = { ...initial };
  const acts: Partial<Activities> = {
    async gatherNodeFacts({ node }: NodeTask) {
      return state[node.name];
    },
    async clusterServices() {
      calls.push('services');
      return services;
    },
    async separateNode({ node }: NodeTask) {
      calls.push(`separate ${node.name}`);
      state[node.name] = standalone(node.name, names.indexOf(node.name));
      return { status: 'done' as const };
    },
    async deleteNode({ node }: NodeTask, name: string, remaining: number) {
      calls.push(`delnode ${name} on ${node.name} (${remaining} left)`);
      return { status: 'done' as const };
    },
  };
  return { acts, calls };
}

describe('destroyCluster workflow (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('dc');

  test('waits for the exact cluster name; a wrong name is rejected; then members go one at a time, the primary last', async () => {
    const f = fake(Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', names)])));
    const result = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(destroyCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names) }] });
      for (;;) {
        if ((await h.query(progressQuery)).phase === 'awaiting confirmation') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(f.calls, ['services'], 'nothing separated before the confirmation');
      await assert.rejects(h.executeUpdate(confirmUpdate, { args: [{ clusterName: 'prod2' }] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError);
        assert.match(String(err.cause?.message), /"prod2" is not the cluster's name; confirm with exactly "prod"/);
        return true;
      });
      assert.deepEqual(await h.executeUpdate(confirmUpdate, { args: [{ clusterName: 'prod' }] }), { confirmed: 'prod' });
      return h.result();
    });
    assert.deepEqual(f.calls, ['services', 'separate pve3', 'delnode pve3 on pve1 (2 left)', 'separate pve2', 'delnode pve2 on pve1 (1 left)', 'separate pve1']);
    assert.deepEqual(result.separated, ['pve3', 'pve2', 'pve1']);
  });

  test('refuses while Ceph or HA resources exist, changing nothing', async () => {
    const f = fake(Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', names)])), { ceph: true, haResources: ['vm:100'] });
    await assert.rejects(
      t.withWorker(f.acts, (taskQueue, workflowId) => t.env.client.workflow.execute(destroyCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), confirm: 'prod' }] })),
      (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        assert.match(String(err.cause?.message), /still has Ceph and HA resources \(vm:100\); tear them down first; nothing was changed/);
        return true;
      },
    );
    assert.deepEqual(f.calls, ['services']);
  });

  test('standalone nodes: nothing to do', async () => {
    const f = fake(Object.fromEntries(names.map((n, i) => [n, standalone(n, i)])));
    const r = await t.withWorker(f.acts, (taskQueue, workflowId) => t.env.client.workflow.execute(destroyCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names) }] }));
    assert.match(r.summary, /already standalone/);
    assert.deepEqual(f.calls, []);
  });
});
