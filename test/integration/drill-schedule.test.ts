import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { TASK_QUEUE } from '../../common/constants';
import type { DrillResult } from '../../common/drill/result';
import { drillReportActivities } from '../../activities/drill/report';
import { CLUSTER_NAME_SEARCH_ATTRIBUTE, RUNBOOK_SEARCH_ATTRIBUTE, createDevEnv } from '../helpers/temporal';
import { PVE_RUNBOOKS, runCli } from '../helpers/cli';
import { drill } from '../helpers/drillResults';

const PASSWORD = 'Inline-S3cret-do-not-leak';

function inventoryYaml(cluster: string): string {
  return [
    'cluster:',
    `  name: ${cluster}`,
    'defaults:',
    '  user: root',
    `  password: ${PASSWORD}`,
    'nodes:',
    ...[1, 2, 3].flatMap((i) => [`  - name: pve${i}`, `    host: 127.0.0.${i}`, ...(i === 1 ? ['    primary: true'] : [])]),
    '',
  ].join('\n');
}

/** Temporal's visibility store is eventually consistent: what was just written shows up shortly. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The cells of a cli-table3 table's rows (header first). */
function tableRows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│').slice(1, -1).map((c) => c.trim()));
}

describe('drill schedules and drill results against a real Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let home: string;
  let inventory: string;
  let cliEnv: NodeJS.ProcessEnv;
  const cli = (args: string[]) => runCli(PVE_RUNBOOKS, ['drill', ...args], cliEnv, dir);

  before(async () => {
    env = await createDevEnv();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-drill-sched-'));
    home = path.join(dir, 'home');
    inventory = path.join(dir, 'inventory.yaml');
    fs.writeFileSync(inventory, inventoryYaml('sched'));
    cliEnv = { PVE_RUNBOOKS_HOME: home, TEMPORAL_ADDRESS: env.address, PVE_RUNBOOKS_SECRET_KEY: '' };
  });
  after(async () => {
    await env?.teardown();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('schedule create, list, describe, pause, unpause, trigger, delete; refusals say what is wrong', async () => {
    const created = await cli(['schedule', 'create', '-i', inventory, '--cron', '0 3 * * 1', '--victim', 'pve2', '--failback', '--reboot-after', '10']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created schedule crashDrill-sched: crashDrill on cluster sched, cron "0 3 \* \* 1" \(UTC\), overlap SKIP\nnext drill: \d{4}-\d\d-\d\dT03:00:00\.000Z\n/);
    assert.doesNotMatch(created.stderr, /warning/);
    const stayDown = await cli(['schedule', 'create', '-i', inventory, '--id', 'no-reboot', '--cron', '0 3 * * 1', '--victim-wait', '600', '--paused']);
    assert.equal(stayDown.code, 0, stayDown.stderr);
    assert.match(stayDown.stderr, /^warning: no --reboot-after: .* a stock PVE node \(0\) stays down after the crash until it is powered on; the drill then waits 600 s and asks for an operator\. .* give --reboot-after S/);
    assert.equal((await cli(['schedule', 'delete', 'no-reboot'])).code, 0);

    const again = await cli(['schedule', 'create', '-i', inventory, '--cron', '0 4 * * *']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /error: a schedule with id crashDrill-sched already exists .*: delete it first \(pve-runbooks drill schedule delete crashDrill-sched\) or choose another --id/);
    const badCron = await cli(['schedule', 'create', '-i', inventory, '--id', 'bad-cron', '--cron', '61 3 * * 1']);
    assert.equal(badCron.code, 1);
    assert.match(badCron.stderr, /error: --cron "61 3 \* \* 1": Temporal refused it: Minute is not in range \[0-59\]/);
    assert.doesNotMatch(badCron.stderr, /\n\s+at /, 'no stack trace');
    const badVictim = await cli(['schedule', 'create', '-i', inventory, '--id', 'bad-victim', '--cron', '0 3 * * 1', '--victim', 'pve9']);
    assert.equal(badVictim.code, 1);
    assert.match(badVictim.stderr, /--victim pve9: no such node in the inventory; choose one of pve1, pve2, pve3 or auto/);

    const rows = await until('the schedule in the list', async () => {
      const r = await cli(['schedule', 'list']);
      assert.equal(r.code, 0, r.stderr);
      const t = tableRows(r.stdout);
      return t.length > 1 ? t : undefined;
    });
    assert.deepEqual(rows[0], ['id', 'cluster', 'cron', 'overlap', 'state', 'next run', 'options', 'note']);
    assert.equal(rows.length, 2, 'the bad ones were never created');
    const [id, cluster, cron, overlap, state, next, options] = rows[1];
    assert.deepEqual([id, cluster, cron, overlap, state, options], ['crashDrill-sched', 'sched', '0 3 * * 1 (UTC)', 'SKIP', 'active', 'victim pve2, failback, reboot after 10 s']);
    assert.match(next, /T03:00:00\.000Z$/);

    const paused = await cli(['schedule', 'pause', 'crashDrill-sched', '--note', 'storage maintenance']);
    assert.equal(paused.code, 0, paused.stderr);
    let described = await cli(['schedule', 'describe', 'crashDrill-sched']);
    assert.match(described.stdout, /^schedule crashDrill-sched: crashDrill on cluster sched\ncron: +0 3 \* \* 1 \(UTC\)\noverlap: +SKIP/);
    assert.match(described.stdout, /state: +PAUSED \(note: storage maintenance\)/);
    assert.match(described.stdout, /workflow: +crashDrill-sched-scheduled-<time> on task queue pve-runbooks; victim pve2, failback, reboot after 10 s/);
    await cli(['schedule', 'unpause', 'crashDrill-sched']);
    const stored = await env.client.schedule.getHandle('crashDrill-sched').describe();
    assert.ok(!JSON.stringify(stored.action.args).includes(PASSWORD), 'the schedule holds the sealed inventory only');
    const json = JSON.parse((await cli(['schedule', 'describe', 'crashDrill-sched', '--json'])).stdout) as { paused: boolean; overlap: string; cron: string; options: object };
    assert.deepEqual([json.paused, json.overlap, json.cron, json.options], [false, 'SKIP', '0 3 * * 1', { victim: 'pve2', failback: true, rebootSeconds: 10 }]);

    const triggered = await cli(['schedule', 'trigger', 'crashDrill-sched']);
    assert.equal(triggered.code, 0, triggered.stderr);
    const m = /started workflow (crashDrill-sched-scheduled-\S+) \(run (\S+)\)/.exec(triggered.stdout);
    assert.ok(m, triggered.stdout);
    const handle = env.client.workflow.getHandle(m[1], m[2]);
    try {
      const d = await handle.describe();
      assert.equal(d.type, 'crashDrill');
      assert.equal(d.taskQueue, TASK_QUEUE);
      assert.equal(d.typedSearchAttributes.get(CLUSTER_NAME_SEARCH_ATTRIBUTE), 'sched');
      assert.equal(d.typedSearchAttributes.get(RUNBOOK_SEARCH_ATTRIBUTE), 'crashDrill');
      const history = await handle.fetchHistory();
      const payloads = (history.events ?? []).flatMap((e) => e.workflowExecutionStartedEventAttributes?.input?.payloads ?? []);
      assert.equal(payloads.length, 1);
      const inputText = Buffer.from(payloads[0].data!).toString('utf8');
      assert.ok(!inputText.includes(PASSWORD), 'no clear-text password in the workflow input');
      const input = JSON.parse(inputText) as { scheduled: boolean; victim: string; failback: boolean; rebootSeconds: number; inventory: { cluster: { name: string }; nodes: { password?: unknown }[] } };
      assert.equal(input.scheduled, true);
      assert.deepEqual([input.victim, input.failback, input.rebootSeconds, input.inventory.cluster.name], ['pve2', true, 10, 'sched']);
      for (const n of input.inventory.nodes) assert.match(JSON.stringify(n.password), /^\{"sealed":"v1:/);

      const second = await cli(['schedule', 'trigger', 'crashDrill-sched']);
      assert.equal(second.code, 2, `${second.stdout}${second.stderr}`);
      assert.match(second.stderr, new RegExp(`skipped the trigger: a drill it started is still running \\(${m[1]}\\)`));
    } finally {
      await handle.terminate('test over: no worker runs drills here');
    }

    const deleted = await cli(['schedule', 'delete', 'crashDrill-sched']);
    assert.equal(deleted.code, 0, deleted.stderr);
    for (const cmd of [['describe'], ['pause'], ['trigger'], ['delete']]) {
      const r = await cli(['schedule', ...cmd, 'crashDrill-sched']);
      assert.equal(r.code, 1, cmd[0]);
      assert.match(r.stderr, /error: no schedule "crashDrill-sched" in Temporal at .*: see `pve-runbooks drill schedule list`/);
    }
  });

  test('drill report and history find the results in Temporal and in the runbooks home', async () => {
    const taskQueue = 'drill-store-test';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../helpers/workflows/drillStandIn'),
    });
    const results = await worker.runUntil(async () => {
      const out: DrillResult[] = [];
      for (const [i, spec] of [{ startedAt: '2026-11-22T10:00:00.000Z' }, { startedAt: '2026-11-29T10:00:00.000Z', recovery: 152 }].entries()) {
        out.push(
          await env.client.workflow.execute('crashDrill', {
            taskQueue,
            workflowId: 'crashDrill-store',
            args: [drill({ ...spec, runId: `placeholder-${i}`, cluster: 'store' })],
            typedSearchAttributes: [
              { key: CLUSTER_NAME_SEARCH_ATTRIBUTE, value: 'store' },
              { key: RUNBOOK_SEARCH_ATTRIBUTE, value: 'crashDrill' },
            ],
          }),
        );
      }
      return out;
    });
    // an older drill only this machine still has, and the latest one saved here too
    const save = drillReportActivities({ ...process.env, PVE_RUNBOOKS_HOME: home }).saveDrillReport;
    const older = drill({ runId: 'older-local-run', startedAt: '2026-11-15T10:00:00.000Z', cluster: 'store' });
    await save(older);
    const latestReport = await save(results[1]);

    const drills = await until('both Temporal runs visible', async () => {
      const r = await cli(['history', '--cluster', 'store', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const found = JSON.parse(r.stdout) as DrillResult[];
      return found.length >= 3 ? found : undefined;
    });
    assert.deepEqual(drills.map((d) => d.runId), [results[1].runId, results[0].runId, 'older-local-run']);
    assert.deepEqual(drills.map((d) => d.verdict), ['fail', 'pass', 'pass']);

    const byWorkflow = await cli(['report', 'crashDrill-store', '--json']);
    assert.equal(byWorkflow.code, 0, byWorkflow.stderr);
    assert.equal((JSON.parse(byWorkflow.stdout) as DrillResult).runId, results[1].runId, "the workflow id's latest drill");
    const byRun = await cli(['report', results[0].runId]);
    assert.equal(byRun.code, 0, byRun.stderr);
    assert.match(byRun.stdout, /^# Crash drill on store: PASS\n[\s\S]*## History[\s\S]*2026-11-15 10:00:00 UTC \| PASS/, 'its history has the older, local drill');
    const latest = await cli(['report', '--cluster', 'store', '--out', path.join(dir, 'out')]);
    assert.equal(latest.code, 0, latest.stderr);
    const trend = fs.readFileSync(path.join(dir, 'out', 'trend.svg'), 'utf8');
    for (const r of [...results, older]) assert.match(trend, new RegExp(`data-run="${r.runId}"`));
    assert.ok(fs.existsSync(latestReport.markdown));

    const unreachable = await runCli(PVE_RUNBOOKS, ['drill', 'history', '--cluster', 'store', '--json'], { ...cliEnv, TEMPORAL_ADDRESS: '127.0.0.1:1' }, dir);
    assert.equal(unreachable.code, 0, unreachable.stderr);
    assert.match(unreachable.stderr, /warning: cannot reach Temporal at 127\.0\.0\.1:1 .* Showing only the drills saved in /);
    assert.deepEqual((JSON.parse(unreachable.stdout) as DrillResult[]).map((d) => d.runId), [results[1].runId, 'older-local-run']);
  });
});
