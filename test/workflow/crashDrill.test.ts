import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { inventoryOf } from '../helpers/facts';
import { workflowTestEnv } from '../helpers/workflowEnv';
import { awaiting, refusal } from '../helpers/operator';
import type { Activities } from '../../activities';
import type { DrillProbe } from '../../activities/drill/probe';
import type { NodeTask } from '../../activities/nodes/task';
import { parsePvecmStatus } from '../../activities/parsers';
import type { DrillResult } from '../../common/drill/result';
import { crashDrill, type CrashDrillInput } from '../../workflows/crashDrill';
import { decideUpdate } from '../../workflows/operator/gate';
import { progressQuery } from '../../workflows/progress';

const names = ['pve1', 'pve2', 'pve3'];
const quorum = parsePvecmStatus(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/pve/pvecm-status.quorate.3nodes.pve8.txt'), 'utf8'));

/**
 * Three nodes whose HA recovers vm:100 from pve1 to pve2 as soon as pve1 crashes, and whose pve1
 * stays down until the test powers it on: the drill's wait for its victim, and what the operator
 * is offered there, without the twin. Each probe moves the cluster clock 10 s on.
 */
function fakeDrillCluster() {
  const up = new Map(names.map((n) => [n, true]));
  const boot = new Map(names.map((n) => [n, `boot-${n}-1`]));
  let vmNode = 'pve1';
  let clockMs = Date.parse('2026-11-22T03:00:00Z');
  const calls: string[] = [];
  const reports: DrillResult[] = [];
  const probe = (node: string): DrillProbe => ({
    node,
    clockMs: (clockMs += 10_000),
    bootId: boot.get(node)!,
    kernelPanic: 0,
    pveMajor: 8,
    cluster: { clustered: true, clusterName: 'prod', quorate: true, nodes: names.map((n, i) => ({ name: n, nodeid: i + 1, online: up.get(n)!, local: n === node })) },
    quorum,
    ha: {
      quorate: true,
      master: { node: 'pve3', state: 'active' },
      lrms: names.map((n) => ({ node: n, state: up.get(n) ? 'active' : 'old timestamp - dead?' })),
      services: [{ sid: 'vm:100', node: vmNode, state: 'started', requestState: 'started' }],
    },
  });
  const acts: Partial<Activities> = {
    async otherRunsOnCluster() {
      return [];
    },
    async drillProbe({ node }: NodeTask) {
      calls.push(`probe ${node.name}`);
      if (!up.get(node.name)) throw ApplicationFailure.nonRetryable(`${node.name}: connect timed out`, 'ConnectTimeout');
      return probe(node.name);
    },
    async triggerCrash({ node }: NodeTask) {
      calls.push(`crash ${node.name}`);
      up.set(node.name, false);
      vmNode = 'pve2';
      return { status: 'crashed' as const, clockMs };
    },
    async haJournal({ node }: NodeTask) {
      return { node: node.name, events: [] };
    },
    async haMigrate({ node }: NodeTask, vmid: number, target: string) {
      calls.push(`migrate vm:${vmid} to ${target} via ${node.name}`);
      return { status: 'done' as const, detail: '' };
    },
    async saveDrillReport(result: DrillResult) {
      reports.push(result);
      return { dir: '/drills/prod', markdown: '/drills/prod/report.md', timeline: '/drills/prod/timeline.svg', trend: '/drills/prod/trend.svg' };
    },
  };
  return {
    acts,
    calls,
    reports,
    powerOn(node: string) {
      boot.set(node, `boot-${node}-2`);
      up.set(node, true);
    },
  };
}

const input = (extra: Partial<CrashDrillInput> = {}): CrashDrillInput => ({ inventory: inventoryOf(names), victim: 'pve1', pollSeconds: 0.05, victimReturnSeconds: 30, ...extra });

describe('crashDrill: a victim that never comes back (stubbed activities, real dev server)', () => {
  const t = workflowTestEnv('drill');

  test('the drill asks the operator with the victim named; rollback and unknown actions are refused; abort fails the drill and the report says why', async () => {
    const f = fakeDrillCluster();
    const r = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(crashDrill, { taskQueue, workflowId, args: [input({ failback: true })] });
      const q = await awaiting(h);
      assert.match(q.question, /^pve1 has not come back \d+ s after the crash\. Power it on \(lab: pve-runbooks lab power pve1 on\), then choose\.$/);
      assert.deepEqual(q.choices.map((c) => c.action), ['retry', 'skip', 'abort']);
      assert.equal((await h.query(progressQuery)).phase, 'awaiting operator');
      assert.match(await refusal(h, 'rollback'), /a drill changes nothing that a rollback could undo; choose retry, skip or abort/);
      assert.match(await refusal(h, 'reboot'), /unknown action "reboot"; choose retry, skip or abort/);
      assert.deepEqual(await h.executeUpdate(decideUpdate, { args: [{ action: 'abort' }] }), { accepted: 'abort' });
      return (await h.result()) as DrillResult;
    });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.reason, 'pve1 did not come back after the crash; the operator aborted the drill');
    assert.deepEqual(r.operator.map((o) => [o.action, o.note]), [['abort', 'pve1 had not come back']]);
    assert.deepEqual(r.vms.map((v) => [v.id, v.from, v.to]), [[100, 'pve1', 'pve2']]);
    assert.ok(r.stages.some((s) => s.name === 'crash'), 'the crash is in the report');
    assert.deepEqual(f.reports.map((x) => [x.verdict, x.reason]), [[r.verdict, r.reason]], 'the report holds the verdict and why');
    assert.equal(f.calls.filter((c) => c.startsWith('crash')).length, 1);
    assert.ok(!f.calls.some((c) => c.startsWith('migrate')), 'no failback without the victim');
  });

  test('no decision within the operator wait: the drill aborts by policy and says so', async () => {
    const f = fakeDrillCluster();
    const r = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(crashDrill, { taskQueue, workflowId, args: [input({ operatorWaitSeconds: 1 })] });
      await awaiting(h);
      return (await h.result()) as DrillResult;
    });
    assert.equal(r.verdict, 'fail');
    assert.equal(r.reason, 'pve1 did not come back after the crash; no decision within 1 s: aborted by policy');
    assert.deepEqual(r.operator.map((o) => o.action), ['abort']);
    assert.equal(f.reports.length, 1);
  });

  test('skip finishes without the victim: no failback, the final check on the survivors, a failed drill that names the victim', async () => {
    const f = fakeDrillCluster();
    let probesBeforeDecision = 0;
    const r = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(crashDrill, { taskQueue, workflowId, args: [input({ failback: true })] });
      await awaiting(h);
      probesBeforeDecision = f.calls.length;
      await h.executeUpdate(decideUpdate, { args: [{ action: 'skip' }] });
      return (await h.result()) as DrillResult;
    });
    assert.equal(r.verdict, 'fail');
    assert.match(r.reason, /pve1 did not come back/);
    assert.ok(r.notes.includes('pve1 did not come back; the operator chose to finish without it'), r.notes.join('\n'));
    assert.deepEqual(f.calls.slice(probesBeforeDecision).sort(), ['probe pve2', 'probe pve3'], 'the final check probes the survivors only');
    const after = r.checks.filter((c) => c.phase === 'after');
    assert.ok(after.length > 0 && after.every((c) => c.ok), JSON.stringify(after));
    assert.ok(!f.calls.some((c) => c.startsWith('migrate')), 'no failback without the victim');
    assert.ok(!r.stages.some((s) => s.name === 'rejoined'));
  });

  test('retry waits again; a victim powered on meanwhile rejoins with a new boot id and the drill goes on', async () => {
    const f = fakeDrillCluster();
    const r = await t.withWorker(f.acts, async (taskQueue, workflowId) => {
      const h = await t.env.client.workflow.start(crashDrill, { taskQueue, workflowId, args: [input()] });
      await awaiting(h);
      f.powerOn('pve1');
      await h.executeUpdate(decideUpdate, { args: [{ action: 'retry' }] });
      return (await h.result()) as DrillResult;
    });
    assert.deepEqual(r.operator.map((o) => o.action), ['retry']);
    assert.ok(r.stages.some((s) => s.name === 'rejoined' && s.node === 'pve1'), JSON.stringify(r.stages));
    assert.ok(r.checks.filter((c) => c.phase === 'after').every((c) => c.ok), JSON.stringify(r.checks));
    assert.doesNotMatch(r.reason, /did not come back/);
  });
});
