import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createDevEnv } from '../helpers/temporal';
import { runCli, START_WORKFLOW } from '../helpers/cli';
import { Lab } from '../../lab/lab';
import { createWorker, bundleWorkflows } from '../../worker/worker';
import { labInventory } from '../../client/labUp';
import { toYaml } from '../../client/inventory';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

describe('testConnectivity end to end: twin + dev server + worker + CLI', () => {
  let env: TestWorkflowEnvironment;
  let lab: Lab;
  let worker: Worker;
  let running: Promise<void>;
  let closeDeps: () => Promise<void>;
  let dir: string;
  let inventoryFile: string;
  let cliEnv: NodeJS.ProcessEnv;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-e2e-tc-'));
    const home = path.join(dir, 'home');
    cliEnv = { PVE_RUNBOOKS_HOME: home, TEMPORAL_ADDRESS: '' };
    [env, lab] = await Promise.all([createDevEnv(), Lab.start({ nodes: 3, stateDir: path.join(dir, 'lab'), timeScale: 1 })]);
    cliEnv.TEMPORAL_ADDRESS = env.address;
    inventoryFile = path.join(dir, 'inventory.yaml');
    fs.writeFileSync(inventoryFile, toYaml(labInventory(lab, 'e2e')));
    const created = await createWorker({ connection: env.nativeConnection, env: { ...process.env, PVE_RUNBOOKS_HOME: home }, workflowBundle: await bundleWorkflows() });
    worker = created.worker;
    closeDeps = () => created.deps.pool.closeAll();
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await closeDeps?.();
    await lab?.stop();
    await env?.teardown();
  });

  test('a node refusing authentication gets its clear error; the other two succeed; a connection dropped after the key was written is retried and finds it there', async () => {
    const [pve1, pve2, pve3] = lab.nodes;
    lab.faults.add({ node: pve2.name, auth: 'refuse' });
    lab.faults.add({ node: pve3.name, match: /grep -qxF/, action: { kind: 'drop' }, times: 1 });

    const r = await runCli(START_WORKFLOW, ['testConnectivity', '-i', inventoryFile, '--wait', '--json'], cliEnv);
    assert.equal(r.code, 2, `exit 2 when a node failed; stderr: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as ConnectivityReport;
    assert.match(r.stderr, /Web UI: http:\/\/.*\/namespaces\/default\/workflows\/testConnectivity-e2e\//);

    const byName = Object.fromEntries(report.nodes.map((n) => [n.name, n]));
    for (const n of [pve1, pve3]) {
      const got = byName[n.name];
      assert.equal(got.ok, true, `${n.name}: ${JSON.stringify(got.problems)}`);
      assert.equal(got.keyAuth, true);
      assert.equal(got.hostname, n.name);
      assert.equal(got.fqdn, n.fqdn);
      assert.equal(got.pveMajor, 8);
      assert.equal(got.mode, 'standalone');
    }
    assert.equal(byName[pve1.name].controllerKey, 'added');
    assert.equal(byName[pve3.name].controllerKey, 'present', 'the retry found the work of the dropped attempt done');
    const bad = byName[pve2.name];
    assert.equal(bad.ok, false);
    assert.equal(bad.problems[0].type, 'SshAuthRefused');
    assert.match(bad.problems[0].message, /pve2 \(root@127\.0\.0\.1:\d+\) refused authentication/);

    const keyInstalls = lab.log.entries({ node: pve3.name }).filter((e) => e.command.includes('grep -qxF'));
    assert.equal(keyInstalls.length, 2, 'the dropped attempt and its retry');
    const keys = (await lab.node(pve3.name).exec('cat /root/.ssh/authorized_keys')).stdout.trim().split('\n');
    assert.equal(keys.length, 1, 'the key was appended once');
    assert.equal(lab.log.entries({ node: pve2.name }).length, 0, 'nothing ran on the refusing node');
  });

  test('a second start while one runs is refused with a clear message; a re-run finds the keys present', async () => {
    lab.faults.add({ node: lab.nodes[0].name, match: /@hostname/, action: { kind: 'delay', labMs: 4_000 }, times: 1 });
    const first = await runCli(START_WORKFLOW, ['testConnectivity', '-i', inventoryFile], cliEnv);
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(START_WORKFLOW, ['testConnectivity', '-i', inventoryFile, '--wait'], cliEnv);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /testConnectivity is already running for cluster e2e \(workflow id testConnectivity-e2e\)/);
    assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
    const report = (await env.client.workflow.getHandle('testConnectivity-e2e').result()) as ConnectivityReport;
    const pve1 = report.nodes.find((n) => n.name === lab.nodes[0].name)!;
    assert.equal(pve1.controllerKey, 'present');
  });

  test('no root password appears in the workflow history', async () => {
    const history = await env.client.workflow.getHandle('testConnectivity-e2e').fetchHistory();
    const text = JSON.stringify(history);
    for (const n of lab.nodes) assert.ok(!text.includes(n.rootPassword), `${n.name}'s password is in history`);
    assert.ok(text.includes('sealed') || text.includes('c2VhbGVk'), 'the sealed form travels instead');
  });

  test('bad input: an invalid inventory starts nothing and says what to fix', async () => {
    const badFile = path.join(dir, 'bad.yaml');
    fs.writeFileSync(badFile, fs.readFileSync(inventoryFile, 'utf8').replace('name: e2e', 'name: this-name-is-way-too-long'));
    const before = lab.log.entries().length;
    const r = await runCli(START_WORKFLOW, ['testConnectivity', '-i', badFile, '--wait'], cliEnv);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cluster\.name/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(lab.log.entries().length, before, 'nothing ran on any node');
    const unknown = await runCli(START_WORKFLOW, ['testConectivity', '-i', inventoryFile], cliEnv);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown runbook "testConectivity" \(did you mean testConnectivity\?\)/);
  });
});
