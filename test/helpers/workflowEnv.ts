import { before, after } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { bundleWorkflows } from '../../worker/worker';
import { createDevEnv } from './temporal';
import { dataConverterFromEnv } from '../../common/payloadCodec';

/**
 * A describe block's real dev server and the project's workflow bundle, with a fresh task queue
 * per run so each test's stubbed activities serve only its own workflows.
 */
export function workflowTestEnv(prefix: string) {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let seq = 0;
  const dataConverter = dataConverterFromEnv(process.env);
  before(async () => {
    // The same data converter for the client and the workers (PVE_RUNBOOKS_PAYLOAD_KEY; none when unset).
    [env, bundle] = await Promise.all([createDevEnv(dataConverter ? { client: { dataConverter } } : {}), bundleWorkflows()]);
  });
  after(async () => {
    await env?.teardown();
  });
  return {
    get env() {
      return env;
    },
    /** Runs `fn` while a worker with these activities serves its task queue; `id` is unique per run. */
    async withWorker<T>(acts: Partial<Activities>, fn: (taskQueue: string, id: string) => Promise<T>): Promise<T> {
      const n = ++seq;
      const taskQueue = `${prefix}-${n}`;
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities: acts, ...(dataConverter ? { dataConverter } : {}) });
      return worker.runUntil(fn(taskQueue, `${prefix}-test-${n}`));
    },
  };
}
