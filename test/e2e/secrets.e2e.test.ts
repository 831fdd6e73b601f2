import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabEnv } from '../helpers/labEnv';
import { temporalCliPath } from '../helpers/temporal';
import { historyFromJson } from '../helpers/historyJson';
import { findSecrets, forms, homeSecrets, keyForms, readableStrings, type SecretForm } from '../helpers/historySecrets';
import { generateKeyPair } from '../../activities/ssh/keygen';
import type { Inventory } from '../../common/inventory';
import type { ConnectivityReport } from '../../workflows/testConnectivity';
import type { CreateClusterResult } from '../../workflows/createCluster';
import type { HealthReport } from '../../workflows/clusterHealth';
import type { DrillResult } from '../../common/drill/result';
import type { DestroyClusterResult } from '../../workflows/destroyCluster';

const run = promisify(execFile);

describe('no secret in any workflow history, as `temporal workflow show --output json` prints it', () => {
  let e: LabEnv;
  let keyFile: string;
  let inventory: Inventory;
  before(async () => {
    e = await LabEnv.start({ nodes: 3, pve: 8, timeScale: 60 });
    // pve3 is reached with the inventory's own key only: no password for it anywhere.
    const pair = generateKeyPair({ type: 'ed25519', comment: 'secrets-e2e' });
    keyFile = path.join(e.dir, 'pve3_ed25519');
    fs.writeFileSync(keyFile, pair.private, { mode: 0o600 });
    await e.lab.node('pve3').exec(`mkdir -p /root/.ssh && echo '${pair.public.trim()}' >> /root/.ssh/authorized_keys`);
    const base = e.inventory();
    inventory = { ...base, nodes: base.nodes.map((n) => (n.name === 'pve3' ? { ...n, password: undefined, privateKeyFile: keyFile } : n)) };
  });
  after(async () => {
    await e?.stop();
  });

  test('a refused login, testConnectivity, createCluster, clusterHealth, a dry-run drill and destroyCluster leave no password or key in any payload', async () => {
    // First, before any connection is pooled: a failure's message and details are payloads too.
    const refusal = e.lab.faults.add({ node: 'pve2', auth: 'refuse' });
    const refused = await e.execute<ConnectivityReport>('testConnectivity', 'testConnectivity-e2e-refused', { inventory });
    refusal.remove();
    assert.match(refused.nodes.find((n) => n.name === 'pve2')?.problems[0]?.message ?? '', /refused authentication/);
    const tc = await e.execute<ConnectivityReport>('testConnectivity', 'testConnectivity-e2e', { inventory });
    assert.equal(tc.ok, true, tc.summary);
    const cc = await e.execute<CreateClusterResult>('createCluster', 'createCluster-e2e', { inventory, pollEverySeconds: 0.5 });
    assert.deepEqual(cc.joined.sort(), ['pve2', 'pve3']);
    const h = await e.execute<HealthReport>('clusterHealth', 'clusterHealth-e2e', { inventory });
    assert.equal(h.healthy, true, h.problems.join('; '));
    const drill = await e.execute<DrillResult>('crashDrill', 'crashDrill-e2e', { inventory, dryRun: true, pollSeconds: 0.5 });
    assert.equal(drill.verdict, 'skipped');
    const destroyed = await e.execute<DestroyClusterResult>('destroyCluster', 'destroyCluster-e2e', { inventory, confirm: 'e2e' });
    assert.equal(destroyed.separated.length, 3);

    const secrets: SecretForm[] = [
      ...[...new Set(e.lab.nodes.map((n) => n.rootPassword))].flatMap((pw) => forms('root password', pw)),
      ...keyForms(`private key file ${keyFile}`, fs.readFileSync(keyFile, 'utf8')),
      ...homeSecrets(e.home),
    ];
    assert.ok(secrets.some((s) => s.name === 'sealing key') && secrets.some((s) => s.name === 'controller private key'), 'the sealing key and the controller key exist, so their absence below means something');

    const executions: { workflowId: string; runId: string }[] = [];
    for await (const wf of e.env.client.workflow.list()) executions.push({ workflowId: wf.workflowId, runId: wf.runId });
    assert.deepEqual(executions.map((x) => x.workflowId).sort(), ['clusterHealth-e2e', 'crashDrill-e2e', 'createCluster-e2e', 'destroyCluster-e2e', 'testConnectivity-e2e', 'testConnectivity-e2e-refused']);
    const leaks: string[] = [];
    for (const { workflowId, runId } of executions) {
      const { stdout } = await run(temporalCliPath(), ['workflow', 'show', '--output', 'json', '-w', workflowId, '-r', runId, '--address', e.env.address, '--namespace', 'default'], { maxBuffer: 64 << 20 });
      assert.ok(historyFromJson(JSON.parse(stdout)).events!.length > 2, `${workflowId}: the CLI's JSON is a history`);
      // The inventory is in every run's input, sealed and base64-encoded: seeing it proves the payloads were decoded and searched.
      const strings = readableStrings(stdout);
      assert.ok(strings.some((s) => s.text.includes('"sealed":"v1:')) && strings.some((s) => s.text.includes(keyFile)), `${workflowId}: the decoded input carries the sealed password and the key's path`);
      leaks.push(...findSecrets(stdout, secrets).map((w) => `${workflowId}: ${w}`));
    }
    assert.deepEqual(leaks, []);
  });
});
