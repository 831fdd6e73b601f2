// Test helpers around @temporalio/testing that only ever run binaries already on this machine
// (`executable: { type: 'existing-path' }`): the Temporal CLI's dev server and the time-skipping
// test server, as located by scripts/tools.js (TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, then
// PATH, then .tools/ filled by `npm run setup`). Nothing here downloads anything.
import fs from 'node:fs';
import path from 'node:path';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/worker';
import type { LocalTestWorkflowEnvironmentOptions, TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import type * as ToolsModule from '../../scripts/tools';

export type Tools = typeof ToolsModule;
export type Env = ToolsModule.Env;
export type DevServerOptions = NonNullable<LocalTestWorkflowEnvironmentOptions['server']>;
export type TimeSkippingServerOptions = NonNullable<TimeSkippingTestWorkflowEnvironmentOptions['server']>;
export type AnySearchAttributeKey = SearchAttributeKey<SearchAttributeType>;

/** Search attributes the runbooks set; registered on every dev server these helpers start. */
export const CLUSTER_NAME_SEARCH_ATTRIBUTE = defineSearchAttributeKey('ClusterName', SearchAttributeType.KEYWORD);
export const RUNBOOK_SEARCH_ATTRIBUTE = defineSearchAttributeKey('Runbook', SearchAttributeType.KEYWORD);
export const PROJECT_SEARCH_ATTRIBUTES: readonly AnySearchAttributeKey[] = [CLUSTER_NAME_SEARCH_ATTRIBUTE, RUNBOOK_SEARCH_ATTRIBUTE];

let cachedRoot: string | undefined;
let cachedTools: Tools | undefined;

/** The project root (the folder with package.json named pve-runbooks), found from this file's location (works from dist/). */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const pkgFile = path.join(dir, 'package.json');
    if (fs.existsSync(pkgFile)) {
      const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { name?: unknown };
      if (pkg.name === 'pve-runbooks') return (cachedRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the pve-runbooks project root above ${__dirname}`);
    dir = parent;
  }
}

/** scripts/tools.js (plain JS, shared with `npm run setup`), loaded from the project root. */
export function tools(): Tools {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (cachedTools ??= require(path.join(projectRoot(), 'scripts', 'tools.js')) as Tools);
}

/** Absolute path of the `temporal` CLI; throws (telling to run `npm run setup`) when missing. */
export function temporalCliPath(env: Env = process.env): string {
  return tools().resolveTemporalCli(env);
}

/** Absolute path of `temporal-test-server`; throws (telling to run `npm run setup`) when missing. */
export function testServerPath(env: Env = process.env): string {
  return tools().resolveTestServer(env);
}

export interface DevEnvOptions {
  /** Namespace created at start-up; default "default". */
  namespace?: string;
  /** Extra search attributes, registered besides ClusterName and Runbook. */
  searchAttributes?: AnySearchAttributeKey[];
  /** Extra arguments for `temporal server start-dev`. */
  extraArgs?: string[];
  /** Start the Web UI (browser tests); `uiPort` defaults to port + 1000. */
  ui?: boolean;
  uiPort?: number;
  /** Listen port; default a free one. */
  port?: number;
  /** SQLite file to persist to; default in memory. */
  dbFilename?: string;
  /** Server log level; default "warn". */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Options passed to the environment's client. */
  client?: LocalTestWorkflowEnvironmentOptions['client'];
}

/** The `server` options createDevEnv passes to TestWorkflowEnvironment.createLocal (exported for tests). */
export function devServerOptions(opts: DevEnvOptions = {}): DevServerOptions {
  const attrs = new Map<string, AnySearchAttributeKey>();
  for (const sa of [...PROJECT_SEARCH_ATTRIBUTES, ...(opts.searchAttributes ?? [])]) attrs.set(sa.name, sa);
  const server: DevServerOptions = {
    executable: { type: 'existing-path', path: temporalCliPath() },
    namespace: opts.namespace ?? 'default',
    searchAttributes: [...attrs.values()],
    log: { format: 'pretty', level: opts.logLevel ?? 'warn' },
  };
  if (opts.extraArgs?.length) server.extraArgs = [...opts.extraArgs];
  if (opts.ui !== undefined) server.ui = opts.ui;
  if (opts.uiPort !== undefined) server.uiPort = opts.uiPort;
  if (opts.port !== undefined) server.port = opts.port;
  if (opts.dbFilename !== undefined) server.dbFilename = opts.dbFilename;
  return server;
}

let runtimeInstalled = false;

/**
 * Installs the SDK Runtime with a logger at `level` (default: $TEMPORAL_TEST_LOG_LEVEL or WARN), so
 * tests are not drowned in worker state INFO lines. Called by createDevEnv/createTimeSkippingEnv; a
 * no-op once a Runtime exists (the first caller wins). Returns whether it installed one.
 */
export function installTestRuntime(level?: LogLevel): boolean {
  if (runtimeInstalled) return false;
  runtimeInstalled = true;
  const envLevel = process.env.TEMPORAL_TEST_LOG_LEVEL?.toUpperCase();
  const chosen: LogLevel = level ?? (envLevel && ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(envLevel) ? (envLevel as LogLevel) : 'WARN');
  try {
    Runtime.install({
      logger: new DefaultLogger(chosen),
      telemetryOptions: { logging: { filter: { core: chosen === 'WARN' ? 'ERROR' : chosen, other: 'ERROR' }, forward: {} } },
    });
    return true;
  } catch {
    return false; // a Runtime was already installed or instantiated by the caller: keep it
  }
}

/** Starts the real Temporal dev server (`temporal server start-dev`) from the local CLI binary. */
export async function createDevEnv(opts: DevEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const options: LocalTestWorkflowEnvironmentOptions = { server: devServerOptions(opts) };
  if (opts.client) options.client = opts.client;
  return await TestWorkflowEnvironment.createLocal(options);
}

export interface TimeSkippingEnvOptions {
  port?: number;
  extraArgs?: string[];
  client?: TimeSkippingTestWorkflowEnvironmentOptions['client'];
}

/** The `server` options createTimeSkippingEnv passes to TestWorkflowEnvironment.createTimeSkipping (exported for tests). */
export function timeSkippingServerOptions(opts: TimeSkippingEnvOptions = {}): TimeSkippingServerOptions {
  const server: TimeSkippingServerOptions = { executable: { type: 'existing-path', path: testServerPath() } };
  if (opts.port !== undefined) server.port = opts.port;
  if (opts.extraArgs?.length) server.extraArgs = [...opts.extraArgs];
  return server;
}

/**
 * Starts the time-skipping test server from the local binary. It has no search attributes
 * registered: workflows that upsert ClusterName/Runbook need createDevEnv.
 */
export async function createTimeSkippingEnv(opts: TimeSkippingEnvOptions = {}): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  const options: TimeSkippingTestWorkflowEnvironmentOptions = { server: timeSkippingServerOptions(opts) };
  if (opts.client) options.client = opts.client;
  return await TestWorkflowEnvironment.createTimeSkipping(options);
}
