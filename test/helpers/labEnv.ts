import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { CLUSTER_NAME_SEARCH_ATTRIBUTE, RUNBOOK_SEARCH_ATTRIBUTE, createDevEnv } from './temporal';
import { Lab, LabOptions } from '../../lab/lab';
import { createWorker, bundleWorkflows } from '../../worker/worker';
import { labInventory } from '../../client/labUp';
import { toYaml } from '../../client/inventory';
import { toRunbookInventory } from '../../client/startWorkflow';
import { Inventory } from '../../common/inventory';
import { TASK_QUEUE } from '../../common/constants';
import { dataConverterFromEnv } from '../../common/payloadCodec';

/**
 * The end-to-end setting: a real dev server, the twin, and the project's own worker in this
 * process, with a runbooks home of its own so keys and pinned host keys never leak between tests.
 */
export class LabEnv {
  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly lab: Lab,
    readonly dir: string,
    readonly home: string,
    private readonly worker: Worker | undefined,
    private readonly running: Promise<void>,
    private readonly closeDeps: () => Promise<void>,
  ) {}

  /** With `worker: false` no worker runs in this process: the test runs `pve-runbooks worker` processes (see WorkerProcess). */
  static async start(opts: Omit<LabOptions, 'stateDir'> = {}, { worker: inProcess = true } = {}): Promise<LabEnv> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-e2e-'));
    const home = path.join(dir, 'home');
    process.env.PVE_RUNBOOKS_HOME = home;
    // With PVE_RUNBOOKS_PAYLOAD_KEY set, the environment's client encrypts like the CLI and the worker do.
    const dataConverter = dataConverterFromEnv(process.env);
    const [env, lab] = await Promise.all([createDevEnv(dataConverter ? { client: { dataConverter } } : {}), Lab.start({ ...opts, stateDir: path.join(dir, 'lab') })]);
    if (!inProcess) return new LabEnv(env, lab, dir, home, undefined, Promise.resolve(), async () => {});
    const { worker, deps } = await createWorker({ connection: env.nativeConnection, env: { ...process.env, PVE_RUNBOOKS_HOME: home }, workflowBundle: await bundleWorkflows() });
    return new LabEnv(env, lab, dir, home, worker, worker.run(), () => deps.pool.closeAll());
  }

  /** The lab's cluster-only inventory (phases 1–6), optionally limited to the first `count` nodes. */
  inventory(cluster = 'e2e', count = this.lab.nodes.length): Inventory {
    const inv = labInventory(this.lab, cluster, { clusterOnly: true });
    return { ...inv, nodes: inv.nodes.slice(0, count) };
  }

  /** The reference deployment: the cluster plus private network, Ceph, HA and validation. */
  referenceInventory(cluster = 'e2e'): Inventory {
    return labInventory(this.lab, cluster);
  }

  writeInventory(inv: Inventory, name = 'inventory.yaml'): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, toYaml(inv));
    return file;
  }

  /** Starts a runbook through the client as the CLI would (sealed secrets, task queue, search attributes). */
  start(runbook: string, workflowId: string, input: Record<string, unknown> & { inventory: Inventory }) {
    return this.env.client.workflow.start(runbook, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ ...input, inventory: toRunbookInventory(input.inventory, { ...process.env, PVE_RUNBOOKS_HOME: this.home }) }],
      typedSearchAttributes: [
        { key: CLUSTER_NAME_SEARCH_ATTRIBUTE, value: input.inventory.cluster.name },
        { key: RUNBOOK_SEARCH_ATTRIBUTE, value: runbook },
      ],
    });
  }

  /** Runs a runbook to its result, started as `start` does. */
  async execute<T>(runbook: string, workflowId: string, input: Record<string, unknown> & { inventory: Inventory }): Promise<T> {
    return (await this.start(runbook, workflowId, input)).result() as Promise<T>;
  }

  cliEnv(): NodeJS.ProcessEnv {
    return { PVE_RUNBOOKS_HOME: this.home, TEMPORAL_ADDRESS: this.env.address };
  }

  async stop(): Promise<void> {
    this.worker?.shutdown();
    await this.running;
    await this.closeDeps();
    await this.lab.stop();
    await this.env.teardown();
  }
}
