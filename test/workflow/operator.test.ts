import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { inventoryOf, standalone, member } from '../helpers/facts';
import { fakeCluster } from '../helpers/fakeCluster';
import { workflowTestEnv } from '../helpers/workflowEnv';
import { awaiting, refusal } from '../helpers/operator';
import type { Activities } from '../../activities';
import type { NodeTask } from '../../activities/nodes/task';
import { createCluster } from '../../workflows/createCluster';
import { destroyCluster } from '../../workflows/destroyCluster';
import { decideUpdate } from '../../workflows/operator/gate';
import { progressQuery } from '../../workflows/progress';

const names = ['pve1', 'pve2', 'pve3'];

/** The fake cluster, pve3's join failing `failures` times for good, and every compensation recorded in `calls`. */
function withFailingJoin(failures: number) {
  const f = fakeCluster(names, Object.fromEntries(names.map((n, i) => [n, standalone(n, i)])));
  let left = failures;
  const join = f.acts.joinCluster!;
  const acts: Partial<Activities> = {
    ...f.acts,
    async joinCluster(task: NodeTask, ...rest) {
      if (task.node.name === 'pve3' && left-- > 0) {
        f.calls.push('join pve3 refused');
        throw ApplicationFailure.nonRetryable('pvecm add on pve3 failed: unable to add node: cluster not ready - no quorum?', 'PvecmRefused');
      }
      return join(task, ...rest);
    },
    async undoControllerKey({ node }: NodeTask, rec: { file: string }) {
      f.calls.push(`undo key ${node.name} ${rec.file}`);
      return { status: 'done' as const };
    },
    async undoTrustPeers({ node }: NodeTask) {
      f.calls.push(`undo trust ${node.name}`);
      return { status: 'done' as const };
    },
    async separateNode({ node }: NodeTask) {
      f.calls.push(`undo separate ${node.name}`);
      return { status: 'done' as const };
    },
    async deleteNode({ node }: NodeTask, name: string, remaining: number) {
      f.calls.push(`undo delnode ${name} on ${node.name} leaving ${remaining}`);
      return { status: 'done' as const };
    },
    async undoSshdConfig({ node }: NodeTask) {
      f.calls.push(`undo sshd ${node.name}`);
      return { status: 'done' as const };
    },
  };
  return { ...f, acts };
}

describe('operator decisions in createCluster and destroyCluster (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('op');

  test('a step out of retries pauses the run with its error and choices; skip of a needed step and unknown actions are refused; retry goes on', async () => {
    const f = withFailingJoin(1);
    const result = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(createCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), pollEverySeconds: 1 }] });
      assert.match(await refusal(h, 'retry'), /nothing is awaiting a decision: the runbook is running/);
      const q = await awaiting(h);
      assert.match(q.question, /^"pvecm add pve3" failed: pvecm add on pve3 failed: unable to add node: cluster not ready - no quorum\?$/);
      assert.deepEqual(q.choices.map((c) => c.action), ['retry', 'skip', 'abort', 'rollback']);
      assert.match(q.choices[1].effect, /^refused: verification and every later phase expect pve3 in the cluster$/);
      assert.match(q.choices[3].effect, /^undo what this run changed, newest first: pve2 joined to prod, cluster prod created on pve1, trust of peers on /);
      const p = await h.query(progressQuery);
      assert.equal(p.phase, 'awaiting operator');
      assert.match(await refusal(h, 'skip'), /"pvecm add pve3" cannot be skipped: verification and every later phase expect pve3 in the cluster/);
      assert.match(await refusal(h, 'reboot'), /unknown action "reboot": choose one of retry, skip, abort, rollback/);
      assert.deepEqual(await h.executeUpdate(decideUpdate, { args: [{ action: 'retry' }] }), { accepted: 'retry' });
      return h.result();
    });
    assert.deepEqual(result.joined, ['pve2', 'pve3']);
    assert.deepEqual(result.decisions?.map((d) => [d.step, d.action, d.by]), [['pvecm add pve3', 'retry', 'operator']]);
    assert.match(result.summary, /operator decisions: retry at "pvecm add pve3"/);
    assert.equal(f.calls.filter((c) => c.startsWith('join pve3')).length, 2);
    assert.ok(!f.calls.some((c) => c.startsWith('undo')), 'nothing undone');
  });

  test('rollback undoes what this run did, newest first, and nothing it did not do', async () => {
    const f = withFailingJoin(Infinity);
    await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(createCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), pollEverySeconds: 1 }] });
      await awaiting(h);
      assert.deepEqual(await h.executeUpdate(decideUpdate, { args: [{ action: 'rollback' }] }), { accepted: 'rollback' });
      await assert.rejects(h.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError);
        const cause = err.cause as ApplicationFailure;
        assert.equal(cause.type, 'RolledBack');
        assert.match(cause.message, /^rolled back after "pvecm add pve3" failed: .*\. Undone, newest first: pve2 joined to prod, cluster prod created on pve1, /);
        return true;
      });
    });
    const undo = f.calls.filter((c) => c.startsWith('undo'));
    assert.deepEqual(undo.slice(0, 3), ['undo separate pve2', 'undo delnode pve2 on pve1 leaving 1', 'undo separate pve1']);
    assert.deepEqual(undo.slice(3, 6).sort(), ['undo trust pve1', 'undo trust pve2', 'undo trust pve3']);
    assert.deepEqual(undo.slice(6).sort(), ['undo key pve1 /root/.ssh/authorized_keys', 'undo key pve2 /root/.ssh/authorized_keys', 'undo key pve3 /root/.ssh/authorized_keys']);
    assert.ok(!undo.includes('undo separate pve3'), 'pve3 never joined: nothing to undo there');
    assert.ok(!undo.some((c) => c.startsWith('undo sshd')), 'post-cluster SSH never ran');
  });

  test('what existed before the run is never undone: a re-run that only adds a node rolls back only that', async () => {
    const old = ['pve1', 'pve2'];
    const f = fakeCluster(names, { ...Object.fromEntries(old.map((n, i) => [n, member(n, i, 'prod', old)])), pve3: standalone('pve3', 2) });
    const calls: string[] = [];
    const acts: Partial<Activities> = {
      ...f.acts,
      async installControllerKey({ node }: NodeTask) {
        return { status: node.name === 'pve3' ? ('added' as const) : ('present' as const), file: '/root/.ssh/authorized_keys' };
      },
      async configureClusterSsh() {
        throw ApplicationFailure.nonRetryable('sshd -t rejected the edited /etc/ssh/sshd_config', 'SshdConfigInvalid');
      },
      async undoControllerKey({ node }: NodeTask) {
        calls.push(`undo key ${node.name}`);
        return { status: 'done' as const };
      },
      async undoTrustPeers({ node }: NodeTask) {
        calls.push(`undo trust ${node.name}`);
        return { status: 'done' as const };
      },
      async separateNode({ node }: NodeTask) {
        calls.push(`undo separate ${node.name}`);
        return { status: 'done' as const };
      },
      async deleteNode({ node }: NodeTask, name: string, remaining: number) {
        calls.push(`undo delnode ${name} on ${node.name} leaving ${remaining}`);
        return { status: 'done' as const };
      },
    };
    await t.withWorker(acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(createCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), pollEverySeconds: 1 }] });
      assert.match((await awaiting(h)).question, /^"post-cluster SSH" failed: post-cluster SSH failed on 3 node\(s\)/);
      await h.executeUpdate(decideUpdate, { args: [{ action: 'rollback' }] });
      await assert.rejects(h.result(), (err: unknown) => {
        assert.match(((err as WorkflowFailedError).cause as Error).message, /^rolled back after "post-cluster SSH" failed/);
        return true;
      });
    });
    assert.deepEqual(calls.slice(0, 2), ['undo separate pve3', 'undo delnode pve3 on pve1 leaving 2']);
    assert.ok(!calls.some((c) => /separate pve[12]|delnode pve[12]|key pve[12]/.test(c)), calls.join('\n'));
    assert.ok(calls.includes('undo key pve3'));
  });

  test('nobody answers: the policy decides (rollback here), and the decision is recorded as the policy\'s', async () => {
    const f = withFailingJoin(Infinity);
    await assert.rejects(
      t.withWorker(f.acts, (taskQueue, workflowId) =>
        t.env.client.workflow.execute(createCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), pollEverySeconds: 1, operator: { waitSeconds: 1, onNoDecision: 'rollback' } }] }),
      ),
      (err: unknown) => {
        assert.equal(((err as WorkflowFailedError).cause as ApplicationFailure).type, 'RolledBack');
        return true;
      },
    );
    assert.ok(f.calls.includes('undo separate pve2') && f.calls.includes('undo separate pve1'));
  });

  test('a compensation that fails pauses the rollback too; skip goes on with the next one, rollback is not offered again', async () => {
    const f = withFailingJoin(Infinity);
    const separate = f.acts.separateNode!;
    let refused = 1;
    f.acts.separateNode = async (task: NodeTask) => {
      if (task.node.name === 'pve2' && refused-- > 0) throw ApplicationFailure.nonRetryable('pve2 does not answer', 'SshConnectionLost');
      return separate(task);
    };
    await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(createCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), pollEverySeconds: 1 }] });
      await awaiting(h);
      await h.executeUpdate(decideUpdate, { args: [{ action: 'rollback' }] });
      const q = await awaiting(h, /^"undo/);
      assert.match(q.question, /^"undo pve2 joined to prod" failed: pve2 does not answer$/);
      assert.deepEqual(q.choices.map((c) => c.action), ['retry', 'skip', 'abort']);
      assert.match(await refusal(h, 'rollback'), /"rollback" is not offered now: a rollback is under way/);
      await h.executeUpdate(decideUpdate, { args: [{ action: 'skip' }] });
      await assert.rejects(h.result(), (err: unknown) => {
        const msg = ((err as WorkflowFailedError).cause as Error).message;
        assert.match(msg, /Undone, newest first: cluster prod created on pve1, /);
        assert.doesNotMatch(msg, /pve2 joined/);
        return true;
      });
    });
    assert.ok(f.calls.includes('undo separate pve1'));
  });

  test('destroyCluster: a failed separation asks too, and rollback is refused with the reason', async () => {
    const calls: string[] = [];
    const facts = Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', names)]));
    let fail = 1;
    const acts: Partial<Activities> = {
      async gatherNodeFacts({ node }: NodeTask) {
        return calls.some((c) => c.startsWith('separate')) ? standalone(node.name, names.indexOf(node.name)) : facts[node.name];
      },
      async clusterServices() {
        return { ceph: false, haResources: [] };
      },
      async separateNode({ node }: NodeTask) {
        if (node.name === 'pve3' && fail-- > 0) throw ApplicationFailure.nonRetryable('pve3: pmxcfs did not stop', 'CommandFailed');
        calls.push(`separate ${node.name}`);
        return { status: 'done' as const };
      },
      async deleteNode({ node }: NodeTask, name: string) {
        calls.push(`delnode ${name} on ${node.name}`);
        return { status: 'done' as const };
      },
    };
    const r = await t.withWorker(acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(destroyCluster, { taskQueue, workflowId, args: [{ inventory: inventoryOf(names), confirm: 'prod' }] });
      const q = await awaiting(h);
      assert.match(q.question, /^"separate pve3" failed: pve3: pmxcfs did not stop$/);
      assert.deepEqual(q.choices.map((c) => c.action), ['retry', 'skip', 'abort']);
      assert.match(await refusal(h, 'rollback'), /"rollback" is not offered now: a destroyed cluster is built again with createCluster, not undone/);
      await h.executeUpdate(decideUpdate, { args: [{ action: 'retry' }] });
      return h.result();
    });
    assert.deepEqual(r.separated, ['pve3', 'pve2', 'pve1']);
    assert.deepEqual(r.decisions?.map((d) => d.action), ['retry']);
  });
});
