import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { inventoryOf, standalone, member } from '../helpers/facts';
import { workflowTestEnv } from '../helpers/workflowEnv';
import type { Activities } from '../../activities';
import { fakeCluster } from '../helpers/fakeCluster';
import { createCluster, CreateClusterInput } from '../../workflows/createCluster';

describe('createCluster workflow (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('cc');
  const run = (acts: Partial<Activities>, input: CreateClusterInput) =>
    t.withWorker(acts, (taskQueue, workflowId) => t.env.client.workflow.execute(createCluster, { taskQueue, workflowId, args: [input] }));

  test('phases in order, create then joins strictly one at a time, each join followed by convergence', async () => {
    const names = ['pve1', 'pve2', 'pve3', 'pve4'];
    const f = fakeCluster(names, Object.fromEntries(names.map((n, i) => [n, standalone(n, i)])), { lag: 1 });
    const result = await run(f.acts, { inventory: inventoryOf(names), pollEverySeconds: 1 });
    assert.equal(result.created, true);
    assert.deepEqual(result.joined, ['pve2', 'pve3', 'pve4']);
    assert.equal(f.maxJoining(), 1, 'joins never overlap');
    const kinds = f.calls.map((c) => c.split(' ')[0]);
    const first = (k: string) => kinds.indexOf(k);
    const last = (k: string) => kinds.lastIndexOf(k);
    assert.ok(last('facts') < first('key'), 'nothing changes before discovery and preflight are complete');
    assert.ok(last('trust') < first('create') && last('peer-ssh') < first('create'));
    assert.ok(first('create') < first('join') && last('join') < first('sshd') && last('sshd') < first('verify'));
    const joins = f.calls.flatMap((c, i) => (c.startsWith('join ') ? [i] : []));
    for (let j = 0; j < joins.length - 1; j++) {
      assert.ok(f.calls.slice(joins[j], joins[j + 1]).some((c) => c.startsWith('probe')), 'a convergence wait sits between two joins');
    }
    assert.match(f.calls.find((c) => c.startsWith('join pve2'))!, /via 10\.0\.0\.11 link0 10\.0\.0\.12/);
    assert.match(f.calls.find((c) => c.startsWith('trust pve1'))!, /pve2,pve3,pve4$/);
    assert.match(result.summary, /created cluster prod on pve1; joined pve2, pve3, pve4; 4 nodes quorate/);
  });

  test('a re-run with a new node joins only that node', async () => {
    const names = ['pve1', 'pve2', 'pve3', 'pve4'];
    const old = ['pve1', 'pve2', 'pve3'];
    const facts = { ...Object.fromEntries(old.map((n, i) => [n, member(n, i, 'prod', old)])), pve4: standalone('pve4', 3) };
    const f = fakeCluster(names, facts);
    const result = await run(f.acts, { inventory: inventoryOf(names), pollEverySeconds: 1 });
    assert.equal(result.created, false);
    assert.deepEqual(result.joined, ['pve4']);
    assert.deepEqual(result.alreadyMembers, old);
    assert.ok(!f.calls.some((c) => c.startsWith('create')));
    assert.deepEqual(f.calls.filter((c) => c.startsWith('join')), ['join pve4 via 10.0.0.11 link0 10.0.0.14']);
  });

  test('a convergence deadline passing fails clearly, saying what was not reached (nobody answers: aborted by policy)', async () => {
    const names = ['pve1', 'pve2'];
    const f = fakeCluster(names, Object.fromEntries(names.map((n, i) => [n, standalone(n, i)])), { neverConverge: true });
    await assert.rejects(run(f.acts, { inventory: inventoryOf(names), pollEverySeconds: 1, convergeWithinSeconds: 2, operator: { waitSeconds: 1 } }), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      const msg = (err.cause as Error).message;
      assert.match(msg, /^aborted at "pvecm create prod on pve1": /);
      assert.match(msg, /cluster prod formed on pve1 was not reached within 2 s: pve1 does not list pve1 as members/);
      return true;
    });
  });

  test('refusals change nothing: a foreign cluster, and preflight problems', async () => {
    const names = ['pve1', 'pve2', 'pve3'];
    const foreign = fakeCluster(names, { pve1: member('pve1', 0, 'other', ['pve1']), pve2: standalone('pve2', 1), pve3: standalone('pve3', 2) });
    await assert.rejects(run(foreign.acts, { inventory: inventoryOf(names) }), (err: unknown) => {
      assert.match(((err as WorkflowFailedError).cause as Error).message, /cannot be reconciled, nothing was changed:\n- pve1 belongs to cluster other, not prod/);
      return true;
    });
    assert.ok(foreign.calls.every((c) => c.startsWith('facts')), 'only discovery ran');

    const guests = fakeCluster(names, { pve1: standalone('pve1', 0), pve2: standalone('pve2', 1, { guests: [100] }), pve3: standalone('pve3', 2) });
    await assert.rejects(run(guests.acts, { inventory: inventoryOf(names) }), (err: unknown) => {
      assert.match(((err as WorkflowFailedError).cause as Error).message, /preflight found 1 problem\(s\), nothing was changed:\n- pve2: has guests \(100\)/);
      return true;
    });
    assert.ok(guests.calls.every((c) => c.startsWith('facts')), 'only discovery ran');
  });

  test('a two-node inventory is warned about quorum, with QDevice guidance', async () => {
    const names = ['pve1', 'pve2'];
    const f = fakeCluster(names, Object.fromEntries(names.map((n, i) => [n, standalone(n, i)])));
    const result = await run(f.acts, { inventory: inventoryOf(names), pollEverySeconds: 1 });
    assert.match(result.warnings.join(), /two-node cluster loses quorum .* QDevice \(`pvecm qdevice setup/);
  });
});
