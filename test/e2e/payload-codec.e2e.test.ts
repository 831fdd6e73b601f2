// Payload encryption end to end: with PVE_RUNBOOKS_PAYLOAD_KEY set for the client and the worker,
// a real runbook on the twin leaves a history (as `temporal workflow show --output json` prints
// it) in which nothing of the inventory is readable, while our client reads the result and the
// codec server — the Web UI's codec endpoint — decodes it back.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LabEnv } from '../helpers/labEnv';
import { temporalCliPath } from '../helpers/temporal';
import { historyFromJson } from '../helpers/historyJson';
import { findSecrets, forms, homeSecrets, readableStrings, type SecretForm } from '../helpers/historySecrets';
import { START_WORKFLOW, runCli } from '../helpers/cli';
import { CodecServer, startCodecServer } from '../../client/codecServer';
import { ENCRYPTED_ENCODING, PAYLOAD_KEY_ENV, payloadCodecFromEnv } from '../../common/payloadCodec';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

const run = promisify(execFile);
const KEY = randomBytes(32).toString('base64');

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** Every payload object in the CLI's history JSON (anything with base64 metadata.encoding), with where it is. */
function payloadsOf(json: unknown): { where: string; payload: JsonPayload }[] {
  const out: { where: string; payload: JsonPayload }[] = [];
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.metadata && typeof o.metadata === 'object' && typeof (o.metadata as Record<string, unknown>).encoding === 'string') out.push({ where, payload: o as JsonPayload });
      for (const [k, x] of Object.entries(o)) if (k !== 'metadata') walk(x, `${where}.${k}`);
    }
  };
  walk(json, '$');
  return out;
}

/** The `message` of every failure (and its causes) in the history JSON. */
function failureMessages(json: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, inFailure: boolean): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, inFailure));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (inFailure && typeof o.message === 'string') out.push(o.message);
      for (const [k, x] of Object.entries(o)) walk(x, k === 'failure' || k === 'cause' || (inFailure && k !== 'encodedAttributes'));
    }
  };
  walk(json, false);
  return out;
}

const encodingOf = (p: JsonPayload) => Buffer.from(p.metadata?.encoding ?? '', 'base64').toString('utf8');

describe('payload codec end to end: encrypted histories, readable results, a codec endpoint for the Web UI', () => {
  let e: LabEnv;
  let codecServer: CodecServer;
  const saved = process.env[PAYLOAD_KEY_ENV];
  before(async () => {
    // Set before the environment starts: LabEnv gives its client, and createWorker its worker, the codec of process.env.
    process.env[PAYLOAD_KEY_ENV] = KEY;
    e = await LabEnv.start({ nodes: 2, pve: 8, timeScale: 60, namePrefix: 'hiddennode' });
    codecServer = await startCodecServer({ codec: payloadCodecFromEnv({ [PAYLOAD_KEY_ENV]: KEY })!, port: 0, host: '127.0.0.1', origins: ['http://127.0.0.1:8233'] });
  });
  after(async () => {
    await codecServer?.close();
    await e?.stop();
    if (saved === undefined) delete process.env[PAYLOAD_KEY_ENV];
    else process.env[PAYLOAD_KEY_ENV] = saved;
  });

  const show = async (workflowId: string, extra: string[] = []) => {
    const env = { ...process.env };
    delete env.TEMPORAL_CODEC_ENDPOINT;
    const { stdout } = await run(temporalCliPath(), ['workflow', 'show', '--output', 'json', '-w', workflowId, '--address', e.env.address, '--namespace', 'default', ...extra], { maxBuffer: 64 << 20, env });
    return stdout;
  };

  test('testConnectivity on 2 nodes: the history holds only binary/encrypted payloads and nothing of the inventory; the codec server and our client read it', { timeout: 240_000 }, async () => {
    const inventory = e.inventory('codec');
    const nodes = e.lab.nodes;
    assert.deepEqual(nodes.map((n) => n.name), ['hiddennode1', 'hiddennode2']);

    // First, before any SSH connection is pooled, a node refusing authentication: its failure's message (which names the node) travels encrypted too, yet the report reads it.
    const refusal = e.lab.faults.add({ node: 'hiddennode2', auth: 'refuse' });
    const refused = await e.execute<ConnectivityReport>('testConnectivity', 'testConnectivity-codecfail', { inventory: { ...inventory, cluster: { name: 'codecfail' } } });
    refusal.remove();
    assert.match(refused.nodes.find((n) => n.name === 'hiddennode2')?.problems[0]?.message ?? '', /refused authentication/);

    // Through LabEnv's client (the test environment's, with the codec) ...
    const report = await e.execute<ConnectivityReport>('testConnectivity', 'testConnectivity-codec', { inventory });
    assert.equal(report.ok, true, report.summary);
    assert.deepEqual(report.nodes.map((n) => n.name).sort(), ['hiddennode1', 'hiddennode2'], 'the result read by our client is readable');

    // ... and through the CLI (connectClient), which must read the result the encrypting worker wrote.
    const file = e.writeInventory({ ...inventory, cluster: { name: 'codeccli' } });
    const cli = await runCli(START_WORKFLOW, ['testConnectivity', '-i', file, '--wait', '--json'], { ...e.cliEnv(), [PAYLOAD_KEY_ENV]: KEY });
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual((JSON.parse(cli.stdout) as ConnectivityReport).nodes.map((n) => n.name).sort(), ['hiddennode1', 'hiddennode2']);

    const secrets: SecretForm[] = [
      ...nodes.flatMap((n) => [
        { name: `node name ${n.name}`, value: n.name },
        { name: `hostname of ${n.name}`, value: n.fqdn },
        { name: `link0 address of ${n.name}`, value: n.address },
        { name: `ssh endpoint of ${n.name}`, value: `${n.host}:${n.port}` },
      ]),
      { name: 'ssh host', value: '127.0.0.1' },
      ...[...new Set(nodes.map((n) => n.rootPassword))].flatMap((pw) => forms('root password', pw)),
      ...forms('payload key', KEY),
      ...homeSecrets(e.home),
    ];

    for (const workflowId of ['testConnectivity-codec', 'testConnectivity-codeccli', 'testConnectivity-codecfail']) {
      const stdout = await show(workflowId);
      const json = JSON.parse(stdout) as unknown;
      assert.ok(historyFromJson(json).events!.length > 4, `${workflowId}: the CLI's JSON is a history`);
      assert.deepEqual(findSecrets(stdout, secrets), [], `${workflowId}: nothing of the inventory or any secret is readable`);
      const payloads = payloadsOf(json);
      assert.ok(payloads.length >= 4, `${workflowId}: input, activity inputs and results, the workflow result: ${payloads.length} payloads`);
      // Search attributes are indexed by the server, so they stay in clear (the cluster name and the runbook); every other payload is encrypted.
      const clear = payloads.filter((p) => encodingOf(p.payload) !== ENCRYPTED_ENCODING && !p.where.includes('searchAttributes'));
      assert.deepEqual(clear.map((p) => `${p.where}: ${encodingOf(p.payload)}`), [], `${workflowId}: every payload is binary/encrypted`);
      assert.ok(readableStrings(stdout).every((s) => !s.text.includes('"sealed":"v1:')), 'not even the sealed password shows');
      if (workflowId === 'testConnectivity-codecfail') {
        const messages = failureMessages(json);
        assert.ok(messages.length > 0 && messages.every((m) => m === 'Encoded failure'), `failure messages are encrypted: ${messages.join(' | ')}`);
      }
    }

    // The codec server decodes a payload of that history (the workflow's input) back to readable JSON.
    const history = JSON.parse(await show('testConnectivity-codec')) as { events: Record<string, { input?: { payloads: JsonPayload[] } }>[] };
    const started = history.events[0]!['workflowExecutionStartedEventAttributes']!;
    const res = await fetch(`${codecServer.url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-namespace': 'default' }, body: JSON.stringify({ payloads: started.input!.payloads }) });
    assert.equal(res.status, 200);
    const decoded = (await res.json()) as { payloads: JsonPayload[] };
    assert.equal(encodingOf(decoded.payloads[0]!), 'json/plain');
    const input = JSON.parse(Buffer.from(decoded.payloads[0]!.data!, 'base64').toString('utf8')) as { inventory: { nodes: { name: string; host: string }[] } };
    assert.deepEqual(input.inventory.nodes.map((n) => n.name), ['hiddennode1', 'hiddennode2']);

    // A client without the key cannot read what the worker wrote: the payloads themselves are encrypted.
    const keyless = await runCli(START_WORKFLOW, ['testConnectivity', '-i', e.writeInventory({ ...inventory, cluster: { name: 'codecplain' } }, 'plain.yaml'), '--wait', '--json'], { ...e.cliEnv(), [PAYLOAD_KEY_ENV]: '' });
    assert.notEqual(keyless.code, 0, 'a client without the key cannot use the encrypted result');
    assert.match(keyless.stderr, /binary\/encrypted/);

    // And the Temporal CLI itself, pointed at it as the Web UI would be, shows the whole history decoded.
    const viaCodec = await show('testConnectivity-codec', ['--codec-endpoint', codecServer.url]);
    assert.ok(readableStrings(viaCodec).some((s) => s.text.includes('hiddennode2')), 'the history read through the codec endpoint names the nodes');
    assert.ok(payloadsOf(JSON.parse(viaCodec)).every((p) => encodingOf(p.payload) !== ENCRYPTED_ENCODING), 'every payload decoded');
  });
});
