import * as path from 'node:path';
import { DefaultLogger, LogLevel, NativeConnection, Runtime, Worker, bundleWorkflowCode, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities';
import { runbooksHome } from '../activities/home';
import { KnownHosts } from '../activities/ssh/knownHosts';
import { SshPool } from '../activities/ssh/pool';
import { loadControllerKey } from '../activities/ssh/controllerKey';
import { DEFAULT_NAMESPACE, TASK_QUEUE } from '../common/constants';
import { dataConverterFromEnv, encodedFailureConverterPath, payloadKeysFromEnv } from '../common/payloadCodec';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  env?: NodeJS.ProcessEnv;
  /** A pre-built bundle lets tests and the lab start several workers without re-bundling. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export const workflowsPath = path.join(__dirname, '..', 'workflows');

/**
 * The workflow bundle. With a payload key (PVE_RUNBOOKS_PAYLOAD_KEY) it carries the failure
 * converter that keeps error messages out of clear text; without one it is the SDK's default.
 */
export function bundleWorkflows(env: NodeJS.ProcessEnv = process.env): Promise<WorkflowBundleWithSourceMap> {
  const failureConverterPath = payloadKeysFromEnv(env) ? encodedFailureConverterPath : undefined;
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger, ...(failureConverterPath ? { failureConverterPath } : {}) });
}

/** The bundler reports every module at INFO; only its errors matter to an operator or a test. */
export const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string, meta?: Record<string, unknown>) {
    console.error(message, meta ?? '');
  },
};

/** The SSH pool, known hosts and controller key every activity of this worker shares. */
export function createDeps(env: NodeJS.ProcessEnv = process.env) {
  const home = runbooksHome(env);
  const pool = new SshPool(new KnownHosts(path.join(home, 'known_hosts')));
  return { pool, controllerKey: loadControllerKey(env), env };
}

export async function createWorker(opts: WorkerOptions): Promise<{ worker: Worker; deps: ReturnType<typeof createDeps> }> {
  const deps = createDeps(opts.env);
  // With PVE_RUNBOOKS_PAYLOAD_KEY every payload this worker writes is encrypted (common/payloadCodec.ts).
  const dataConverter = dataConverterFromEnv(opts.env ?? process.env);
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? DEFAULT_NAMESPACE,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowBundle: opts.workflowBundle ?? (await bundleWorkflows(opts.env)),
    activities: createActivities(deps),
    ...(dataConverter ? { dataConverter } : {}),
    // A killed worker's sticky queue holds the next workflow task until this expires (default 10 s):
    // a short one lets a restarted worker pick the run up within seconds.
    stickyQueueScheduleToStartTimeout: '3 seconds',
  });
  return { worker, deps };
}

/**
 * The SDK logs every worker state change at INFO; an operator's terminal wants warnings only
 * unless PVE_RUNBOOKS_LOG_LEVEL asks for more. Must run before the first connection is made.
 */
export function installRuntime(env: NodeJS.ProcessEnv = process.env): void {
  const wanted = (env.PVE_RUNBOOKS_LOG_LEVEL ?? 'WARN').toUpperCase();
  const level = (['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].includes(wanted) ? wanted : 'WARN') as LogLevel;
  Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level === 'WARN' ? 'ERROR' : level, other: 'ERROR' }, forward: {} } } });
}
