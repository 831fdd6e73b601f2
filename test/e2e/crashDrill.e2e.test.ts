import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { LabEnv } from '../helpers/labEnv';
import { runCli, PVE_RUNBOOKS, START_WORKFLOW, waitFor } from '../helpers/cli';
import type { Lab } from '../../lab/lab';
import type { CreateClusterResult } from '../../workflows/createCluster';
import type { DrillResult, DrillStage } from '../../common/drill/result';
import { progressQuery, type Progress } from '../../workflows/progress';
import { decideUpdate } from '../../workflows/operator/gate';
import { parseCephStatusJson, parseHaStatusJson } from '../../activities/parsers';

/** Lab ms per real ms in these tests, and the drill's poll interval in real seconds: a poll is POLL_LAB_MS of lab time. */
const SCALE = 20;
const POLL_SECONDS = 0.5;
const POLL_LAB_MS = POLL_SECONDS * 1000 * SCALE;

/** The twin's own record of when each stage happened: power log, HA daemons' log, corosync's journal. */
function groundTruth(lab: Lab, victim: string, vm: number, crashFrom: number): Partial<Record<DrillStage['name'], number>> {
  const crash = lab.powerLog().find((p) => p.node === victim && p.event === 'crash' && p.at >= crashFrom);
  assert.ok(crash, `the twin saw ${victim} crash`);
  const ha = lab.ha.log().filter((e) => e.at >= crash.at);
  const at = (pred: (e: (typeof ha)[number]) => boolean) => ha.find(pred)?.at;
  const victimId = lab.nodes.findIndex((n) => n.name === victim) + 1;
  const corosync = lab.nodes
    .filter((n) => n.name !== victim)
    .flatMap((n) => lab.journal(n.name))
    .filter((e) => e.ident === 'corosync' && e.at >= crash.at);
  const left = corosync.filter((e) => new RegExp(`Members left: .*\\b${victimId}\\b`).test(e.message)).map((e) => e.at);
  const joined = corosync.filter((e) => new RegExp(`Members joined: .*\\b${victimId}\\b`).test(e.message)).map((e) => e.at);
  return {
    crash: crash.at,
    offline: left.length ? Math.min(...left) : at((e) => e.message === `node '${victim}': state changed from 'online' => 'unknown'`),
    fence: at((e) => e.message === `node '${victim}': state changed from 'unknown' => 'fence'` || e.message === `FENCE: Try to fence node '${victim}'`),
    fenced: at((e) => e.message === `fencing: acknowledged - got agent lock for node '${victim}'`),
    recovery: at((e) => e.message === `service 'vm:${vm}': state changed from 'fence' to 'recovery'`),
    started: at((e) => e.daemon === 'lrm' && e.node !== victim && e.message === `service status vm:${vm} started`),
    ...(joined.length ? { rejoined: Math.min(...joined) } : {}),
  };
}

function assertStagesMatch(r: DrillResult, truth: Partial<Record<DrillStage['name'], number>>): void {
  for (const name of ['crash', 'offline', 'fence', 'fenced', 'recovery', 'started', 'rejoined'] as const) {
    const s = r.stages.find((x) => x.name === name);
    assert.ok(s, `stage ${name} reported: ${JSON.stringify(r.stages)}`);
    const expected = truth[name];
    assert.ok(expected !== undefined, `the twin has a ground truth for ${name}`);
    const diff = Math.abs(Date.parse(s.at) - expected);
    assert.ok(diff <= POLL_LAB_MS, `${name}: reported ${s.at}, twin ${new Date(expected).toISOString()} (${diff} lab ms apart, allowed ${POLL_LAB_MS})`);
  }
  const order = r.stages.filter((s) => ['crash', 'offline', 'fence', 'fenced', 'recovery', 'started'].includes(s.name)).map((s) => s.name);
  assert.deepEqual(order, ['crash', 'offline', 'fence', 'fenced', 'recovery', 'started']);
}

async function healthOk(lab: Lab, within = 120_000): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    const s = parseCephStatusJson((await lab.node('pve2').exec('ceph -s -f json')).stdout);
    if (s.health === 'HEALTH_OK') return;
    if (Date.now() > deadline) throw new Error(`Ceph is ${s.health}: ${s.checks.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function build(e: LabEnv, pve: 8 | 9): Promise<void> {
  const r = await e.execute<CreateClusterResult>('createCluster', `drill-build-${pve}`, { inventory: e.referenceInventory(), pollEverySeconds: 1, cephWithinSeconds: 600 });
  assert.equal(r.validation?.ok, true, r.validation?.problems.join('; '));
}

const drillInput = (e: LabEnv, extra: Record<string, unknown> = {}) => ({ inventory: e.referenceInventory(), pollSeconds: POLL_SECONDS, ...extra });

for (const pve of [8, 9] as const) {
  describe(`the crash drill on a 3-node PVE ${pve} twin`, () => {
    let e: LabEnv;
    before(async () => {
      e = await LabEnv.start({ nodes: 3, pve, timeScale: SCALE, bootMs: 60_000 });
      await build(e, pve);
    });
    after(async () => {
      await e?.stop();
    });

    test('crashes the node running vm:100, which restarts elsewhere; every stage matches the twin; a second drill meanwhile is refused', async () => {
      const victim = e.lab.ha.resources().find((s) => s.sid === 'vm:100')!.node;
      const from = e.lab.clock.now();
      const handle = await e.start('crashDrill', `crashDrill-e2e`, drillInput(e, { rebootSeconds: 180, failback: pve === 9 }));
      await waitFor('the crash', () => (e.lab.powerLog().some((p) => p.event === 'crash' && p.at >= from) ? true : undefined), 120_000);

      // The CLI refuses a second drill under the same id at once.
      const file = e.writeInventory(e.referenceInventory());
      const cli = await runCli(START_WORKFLOW, ['crashDrill', '-i', file], e.cliEnv());
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /crashDrill is already running for cluster e2e/);
      // A second drill under another id (as a Schedule starts them) finds the first running and crashes nothing.
      const second = await e.execute<DrillResult>('crashDrill', 'crashDrill-e2e-second', drillInput(e));
      assert.equal(second.verdict, 'skipped');
      assert.match(second.reason, /already running on this cluster: crashDrill \(crashDrill-e2e\)/);

      const r = (await handle.result()) as DrillResult;
      assert.equal(r.verdict, 'pass', `${r.reason}\n${r.notes.join('\n')}`);
      assert.equal(r.victim, victim);
      assert.equal(r.vms.length, 1);
      assert.ok(r.vms[0]!.to && r.vms[0]!.to !== victim, `vm:100 moved: ${JSON.stringify(r.vms)}`);
      assertStagesMatch(r, groundTruth(e.lab, victim, 100, from));
      assert.ok(r.stages.some((s) => s.name === 'ceph-ok'), 'Ceph came back');
      assert.equal(e.lab.powerLog().filter((p) => p.node === victim && p.event === 'crash' && p.at >= from).length, 1, 'one crash');
      assert.equal(e.lab.log.entries({ node: victim }).filter((x) => x.via === 'ssh' && /sysrq-trigger/.test(x.command)).length, 1, 'one sysrq write');
      if (pve === 9) {
        assert.ok(r.stages.some((s) => s.name === 'failback' && s.vm === 100), 'failed back');
        assert.equal(e.lab.ha.resources().find((s) => s.sid === 'vm:100')?.node, victim);
      }
      assert.ok(r.report && fs.existsSync(r.report.markdown) && fs.existsSync(r.report.timeline), 'report written');
      assert.match(fs.readFileSync(r.report.timeline, 'utf8'), /<svg[\s\S]*<\/svg>/);
      await healthOk(e.lab);
    });

    test('refuses to crash anything while Ceph is HEALTH_WARN, and says why', async () => {
      await healthOk(e.lab);
      await e.lab.node('pve1').exec('ceph osd out 0');
      try {
        const r = await e.execute<DrillResult>('crashDrill', 'crashDrill-e2e-warn', drillInput(e));
        assert.equal(r.verdict, 'skipped');
        assert.match(r.reason, /^skipped: ceph: HEALTH_WARN/);
        assert.equal(e.lab.powerLog().filter((p) => p.event === 'crash' && p.at >= Date.parse(r.startedAt)).length, 0);
      } finally {
        await e.lab.node('pve1').exec('ceph osd in 0');
      }
      await healthOk(e.lab);
    });

    if (pve === 9) {
      test('a victim that never comes back and no operator answers: the drill fails by policy, and its report says so', async () => {
        const victim = e.lab.ha.resources().find((s) => s.sid === 'vm:100')!.node;
        const from = e.lab.clock.now();
        const handle = await e.start('crashDrill', 'crashDrill-e2e-unanswered', drillInput(e, { rebootSeconds: 0, victimReturnSeconds: 60, operatorWaitSeconds: 2 }));
        const r = (await handle.result()) as DrillResult;
        assert.equal(r.verdict, 'fail');
        assert.equal(r.reason, `${victim} did not come back after the crash; no decision within 2 s: aborted by policy`);
        assert.ok(r.vms[0]?.to && r.vms[0].to !== victim, `vm:100 still failed over: ${JSON.stringify(r.vms)}`);
        assert.deepEqual(e.lab.powerLog().filter((p) => p.node === victim && p.at >= from).map((p) => p.event), ['crash'], `${victim} stayed down`);
        const report = fs.readFileSync(r.report!.markdown, 'utf8');
        assert.match(report, /^# Crash drill on e2e: FAIL$/m);
        assert.match(report, new RegExp(`^Reason: ${victim} did not come back after the crash`, 'm'));
        assert.match(report, /## Operator[\s\S]*\| abort \| no decision within 2 s: aborted by policy \|/);
        const cli = await runCli(PVE_RUNBOOKS, ['drill', 'report', handle.workflowId], e.cliEnv());
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(cli.stdout, /did not come back after the crash/);
      });
    }

    if (pve === 8) {
      test('a dry run does every check and crashes nothing; passing checks exit 0', async () => {
        await healthOk(e.lab);
        const victim = e.lab.ha.resources().find((s) => s.sid === 'vm:100')!.node;
        const from = e.lab.clock.now();
        const file = e.writeInventory(e.referenceInventory(), 'dry-run.yaml');
        const cli = await runCli(START_WORKFLOW, ['crashDrill', '-i', file, '--dry-run', '--poll', String(POLL_SECONDS), '--wait', '--json'], e.cliEnv());
        assert.equal(cli.code, 0, cli.stderr);
        const r = JSON.parse(cli.stdout) as DrillResult;
        assert.equal(r.verdict, 'skipped');
        assert.equal(r.dryRun, true);
        assert.equal(r.reason, `dry run: every check passed; ${victim} would be crashed and vm:100 watched`);
        assert.deepEqual(r.checks.map((c) => [c.name, c.ok]), [['nodes online', true], ['quorum', true], ['ceph', true], ['ha errors', true], ['vms started', true], ['no other runbook', true], ['blast radius', true]]);
        assert.deepEqual(r.stages, []);
        assert.equal(e.lab.powerLog().filter((p) => p.at >= from).length, 0, 'nothing crashed');
        assert.deepEqual(e.lab.log.entries({ via: 'ssh', since: from, command: /sysrq-trigger|sysctl/ }), [], 'no sysrq write, no sysctl');
      });

      test('a victim that never comes back pauses the drill for the operator; powered on, the retry completes it', async () => {
        const victim = e.lab.ha.resources().find((s) => s.sid === 'vm:100')!.node;
        const handle = await e.start('crashDrill', 'crashDrill-e2e-noreturn', drillInput(e, { victimReturnSeconds: 60 }));
        let progress: Progress | undefined;
        const deadline = Date.now() + 120_000;
        while (!(progress = await handle.query(progressQuery)).awaiting) {
          if (Date.now() > deadline) throw new Error(`never awaited the operator: ${JSON.stringify(progress)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        assert.match(progress.awaiting.question, new RegExp(`${victim} has not come back`));
        assert.deepEqual(progress.awaiting.choices.map((c) => c.action), ['retry', 'skip', 'abort']);
        await assert.rejects(handle.executeUpdate(decideUpdate, { args: [{ action: 'rollback' }] }), (err: Error & { cause?: Error }) => /nothing that a rollback could undo/.test(err.cause?.message ?? ''));
        // The lab's stand-in for IPMI (`pve-runbooks lab power NODE on` calls this).
        await e.lab.node(victim).powerOn();
        const cli = await runCli(PVE_RUNBOOKS, ['decide', handle.workflowId, 'retry'], e.cliEnv());
        assert.equal(cli.code, 0, cli.stderr);
        assert.match(cli.stdout, /accepted: retry/);
        const r = (await handle.result()) as DrillResult;
        assert.deepEqual(r.operator.map((o) => o.action), ['retry']);
        assert.equal(r.verdict, 'pass', r.reason);
        assert.match(fs.readFileSync(r.report!.markdown, 'utf8'), /retry/);
        await healthOk(e.lab);
      });

      test('a scheduled drill that finds the cluster unhealthy crashes nothing and records a skipped run', async () => {
        await e.lab.node('pve1').exec('ceph osd out 0');
        const file = e.writeInventory(e.referenceInventory(), 'scheduled.yaml');
        try {
          const created = await runCli(PVE_RUNBOOKS, ['drill', 'schedule', 'create', '-i', file, '--cron', '0 3 * * *', '--poll', String(POLL_SECONDS)], e.cliEnv());
          assert.equal(created.code, 0, created.stderr);
          const listed = await runCli(PVE_RUNBOOKS, ['drill', 'schedule', 'list'], e.cliEnv());
          assert.match(listed.stdout, /crashDrill-e2e/);
          const trig = await runCli(PVE_RUNBOOKS, ['drill', 'schedule', 'trigger', 'crashDrill-e2e'], e.cliEnv());
          assert.equal(trig.code, 0, trig.stderr);
          let result: DrillResult | undefined;
          const deadline = Date.now() + 120_000;
          while (!result) {
            for await (const wf of e.env.client.workflow.list({ query: 'WorkflowId STARTS_WITH "crashDrill-e2e-scheduled"' })) {
              if (wf.status.name === 'COMPLETED') result = (await e.env.client.workflow.getHandle(wf.workflowId, wf.runId).result()) as DrillResult;
            }
            if (Date.now() > deadline) throw new Error('the scheduled drill did not complete');
            if (!result) await new Promise((r) => setTimeout(r, 500));
          }
          assert.equal(result.verdict, 'skipped');
          assert.equal(result.scheduled, true);
          assert.match(result.reason, /ceph: HEALTH_WARN/);
          assert.equal(e.lab.powerLog().filter((p) => p.event === 'crash' && p.at >= Date.parse(result.startedAt)).length, 0);
          const history = await runCli(PVE_RUNBOOKS, ['drill', 'history', '-i', file], e.cliEnv());
          assert.equal(history.code, 0, history.stderr);
          assert.match(history.stdout, /SKIPPED +│ scheduled/);
          assert.match(history.stdout, /PASS/);
        } finally {
          await runCli(PVE_RUNBOOKS, ['drill', 'schedule', 'delete', 'crashDrill-e2e'], e.cliEnv());
          await e.lab.node('pve1').exec('ceph osd in 0');
        }
      });

      test('every HA VM on the victim is watched by default; each one is timed on its own', async () => {
        await healthOk(e.lab);
        const victim = e.lab.ha.resources().find((s) => s.sid === 'vm:100')!.node;
        const node = e.lab.node(victim);
        for (const command of ['qm create 101 --name drill-101 --memory 512 --cores 1 --net0 virtio,bridge=vmbr0 --scsihw virtio-scsi-single --scsi0 Stockage-HA:4', 'ha-manager add vm:101 --state started --group Cluster-Prod']) {
          const r = await node.exec(command);
          assert.equal(r.exitCode, 0, `${command}: ${r.stderr}`);
        }
        // Started as `ha-manager status` says it (the LRM's verbose state), which is what the drill checks.
        const deadline = Date.now() + 60_000;
        while (!parseHaStatusJson((await node.exec('pvesh get /cluster/ha/status/current --output-format json')).stdout).services.some((s) => s.sid === 'vm:101' && s.node === victim && s.state === 'started')) {
          if (Date.now() > deadline) throw new Error('vm:101 never started');
          await new Promise((r) => setTimeout(r, 250));
        }
        const from = e.lab.clock.now();
        const r = await e.execute<DrillResult>('crashDrill', 'crashDrill-e2e-two-vms', drillInput(e, { rebootSeconds: 180 }));
        assert.equal(r.verdict, 'pass', `${r.reason}\n${r.notes.join('\n')}`);
        assert.deepEqual(r.vms.map((v) => v.id).sort(), [100, 101]);
        for (const vm of [100, 101]) {
          const v = r.vms.find((x) => x.id === vm)!;
          assert.ok(v.to && v.to !== victim, `vm:${vm} moved: ${JSON.stringify(v)}`);
          const truth = groundTruth(e.lab, victim, vm, from);
          for (const name of ['recovery', 'started'] as const) {
            const s = r.stages.find((x) => x.name === name && x.vm === vm);
            assert.ok(s && truth[name] !== undefined, `${name} of vm:${vm}: ${JSON.stringify(r.stages)}`);
            assert.ok(Math.abs(Date.parse(s.at) - truth[name]) <= POLL_LAB_MS, `${name} of vm:${vm}: reported ${s.at}, twin ${new Date(truth[name]).toISOString()}`);
          }
          assert.equal(r.stages.find((x) => x.name === 'started' && x.vm === vm)?.node, v.to);
        }
        assert.match(r.reason, /^vm:\d+ → pve\d, vm:\d+ → pve\d started within [\d.]+ s of the crash/);
        await healthOk(e.lab);
      });
    }
  });
}

describe('the crash drill on a 2-node cluster', () => {
  let e: LabEnv;
  before(async () => {
    e = await LabEnv.start({ nodes: 2, pve: 8, timeScale: 60 });
    await e.execute('createCluster', 'drill-two-build', { inventory: e.inventory(), pollEverySeconds: 1 });
  });
  after(async () => {
    await e?.stop();
  });

  test('is refused: without a QDevice the survivor loses quorum; the JSON result says so', async () => {
    const file = e.writeInventory(e.inventory());
    const cli = await runCli(START_WORKFLOW, ['crashDrill', '-i', file, '--victim', 'pve2', '--wait', '--json'], e.cliEnv());
    assert.equal(cli.code, 3, cli.stderr);
    const r = JSON.parse(cli.stdout) as DrillResult;
    assert.equal(r.verdict, 'skipped');
    assert.equal(r.victim, 'pve2');
    assert.match(r.reason, /2-node cluster without a QDevice/);
    assert.deepEqual(r.stages, []);
    assert.ok(Array.isArray(r.vms));
    assert.equal(e.lab.powerLog().filter((p) => p.event === 'crash').length, 0);
  });
});
