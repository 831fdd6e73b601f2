import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { closest } from 'fastest-levenshtein';
import { RUNBOOKS, RunbookName, SEARCH_ATTRIBUTES, TASK_QUEUE, workflowIdFor } from '../common/constants';
import { Inventory, RunbookInventory } from '../common/inventory';
import { sealInline, secretKey } from '../activities/secrets';
import { loadInventory, formatProblems } from './inventory';
import { UserError } from './errors';
import { ConnectionFlags, connectClient, resolveTemporal, workflowUrl } from './connection';
import { renderConnectivity } from './render/connectivity';
import { renderCreateCluster } from './render/createCluster';
import { renderHealth } from './render/health';
import type { HealthReport } from '../workflows/clusterHealth';
import { announceOperatorQuestions, followProgress } from './follow';
import type { ConnectivityReport } from '../workflows/testConnectivity';
import type { CreateClusterResult } from '../workflows/createCluster';
import type { DestroyClusterResult } from '../workflows/destroyCluster';
import { confirmUpdate } from '../workflows/destroyCluster';
import type { DrillResult } from '../common/drill/result';
import { renderCrashDrill } from './render/crashDrill';
import { DrillFlags, OperatorFlags, drillFlagsGiven, drillInput } from './drillOptions';

export interface StartFlags extends ConnectionFlags, DrillFlags, OperatorFlags {
  inventory: string;
  format?: 'yaml' | 'ini';
  wait?: boolean;
  follow?: boolean;
  json?: boolean;
  /** destroyCluster: the cluster's exact name, sent as the confirmation Update. */
  confirm?: string;
  /** createCluster: destroy an unreconcilable cluster first (needs --confirm with its name). */
  forceRecreate?: boolean;
  /** destroyCluster: tear down Ceph and HA first. */
  teardown?: boolean;
}

const clusterNameKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.ClusterName, SearchAttributeType.KEYWORD);
const runbookKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.Runbook, SearchAttributeType.KEYWORD);

export function parseRunbook(name: string): RunbookName {
  if ((RUNBOOKS as readonly string[]).includes(name)) return name as RunbookName;
  throw new UserError(`unknown runbook "${name}" (did you mean ${closest(name, [...RUNBOOKS])}?). Runbooks: ${RUNBOOKS.join(', ')}.`);
}

/** Inline secrets leave the client sealed; env and file references travel as they are. */
export function toRunbookInventory(inv: Inventory, env: NodeJS.ProcessEnv = process.env): RunbookInventory {
  const needsKey = inv.nodes.some((n) => n.password && 'inline' in n.password);
  const key = needsKey ? secretKey(env) : undefined;
  return RunbookInventory.parse({
    ...inv,
    nodes: inv.nodes.map((n) => ({ ...n, ...(n.password ? { password: sealInline(n.password, key!) } : {}) })),
  });
}

export function loadForRun(file: string, format?: 'yaml' | 'ini'): Inventory {
  const loaded = loadInventory(file, { format, checkFiles: false, checkEnv: false });
  if (!loaded.ok) throw new UserError(`the inventory has problems, nothing was started:\n${formatProblems(loaded.problems)}`, 1);
  return loaded.inventory;
}

function render(runbook: RunbookName, result: unknown): string {
  switch (runbook) {
    case 'testConnectivity':
      return renderConnectivity(result as ConnectivityReport);
    case 'createCluster':
      return renderCreateCluster(result as CreateClusterResult);
    case 'destroyCluster':
      return `OK: ${(result as DestroyClusterResult).summary}\n`;
    case 'clusterHealth':
      return renderHealth(result as HealthReport);
    case 'crashDrill':
      return renderCrashDrill(result as DrillResult);
  }
}

/**
 * destroyCluster waits for an Update carrying the exact cluster name; `--confirm NAME` sends it
 * (a wrong name is rejected by the workflow's validator and nothing happens).
 */
async function confirmDestroy(handle: WorkflowHandle, name: string | undefined, cluster: string, info: (s: string) => void): Promise<void> {
  if (name === undefined) {
    info(`destroyCluster waits for confirmation: run again with --confirm ${cluster}, or send the Update "confirm" with {"clusterName": "${cluster}"} from the Web UI.`);
    return;
  }
  try {
    await handle.executeUpdate(confirmUpdate, { args: [{ clusterName: name }] });
    info(`confirmed: destroying cluster ${cluster}`);
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) {
      if ((await handle.describe()).status.name !== 'RUNNING') return;
      throw err;
    }
    throw new UserError(`confirmation refused: ${err.cause?.message ?? err.message}. The run keeps waiting for a correct confirmation.`);
  }
}

/**
 * `start-workflow RUNBOOK -i FILE`: one run per runbook and cluster (the workflow id says which),
 * the Web UI link printed, and with --wait the result (with --json, only the result on stdout).
 */
export async function startWorkflow(runbookName: string, flags: StartFlags): Promise<number> {
  const runbook = parseRunbook(runbookName);
  const inventory = loadForRun(flags.inventory, flags.format);
  const target = resolveTemporal(flags);
  if (flags.forceRecreate && runbook !== 'createCluster') throw new UserError('--force-recreate only applies to createCluster');
  if (flags.teardown && runbook !== 'destroyCluster') throw new UserError('--teardown only applies to destroyCluster');
  const misplaced = runbook === 'crashDrill' ? [] : drillFlagsGiven(flags);
  if (misplaced.length) throw new UserError(`${misplaced.join(', ')} only apply to crashDrill`);
  if (flags.forceRecreate && !flags.confirm) throw new UserError('--force-recreate destroys the existing cluster: add --confirm <its exact name>');
  if (flags.operatorWait !== undefined && !['createCluster', 'destroyCluster', 'crashDrill'].includes(runbook)) throw new UserError(`--operator-wait does not apply to ${runbook}: it never pauses for an operator`);
  if (flags.onNoDecision && runbook !== 'createCluster') throw new UserError('--on-no-decision only applies to createCluster (the only runbook that can roll back)');
  const operator = { ...(flags.operatorWait !== undefined ? { waitSeconds: flags.operatorWait } : {}), ...(flags.onNoDecision ? { onNoDecision: flags.onNoDecision } : {}) };
  const input = {
    inventory: toRunbookInventory(inventory),
    ...(runbook === 'createCluster' && flags.forceRecreate ? { forceRecreate: { confirm: flags.confirm! } } : {}),
    ...(runbook === 'destroyCluster' && flags.teardown ? { teardown: true } : {}),
    ...(runbook === 'crashDrill' ? drillInput(flags, inventory) : {}),
    ...((runbook === 'createCluster' || runbook === 'destroyCluster') && Object.keys(operator).length ? { operator } : {}),
  };
  const client = await connectClient(target);
  const workflowId = workflowIdFor(runbook, inventory.cluster.name);
  const info = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);
  let handle;
  try {
    handle = await client.workflow.start(runbook, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `${runbook} on cluster ${inventory.cluster.name} (${inventory.nodes.length} nodes)`,
      typedSearchAttributes: [
        { key: clusterNameKey, value: inventory.cluster.name },
        { key: runbookKey, value: runbook },
      ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError && runbook === 'destroyCluster' && flags.confirm !== undefined) {
      await confirmDestroy(client.workflow.getHandle(workflowId), flags.confirm, inventory.cluster.name, info);
      return 0;
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new UserError(
        `${runbook} is already running for cluster ${inventory.cluster.name} (workflow id ${workflowId}). ` +
          `Only one may run at a time: watch it at ${workflowUrl(target, workflowId)} or wait until it ends.`,
      );
    }
    if (/search attribute/i.test((err as Error).message)) {
      throw new UserError(
        `Temporal at ${target.address} does not know the search attributes ClusterName and Runbook. Register them once: ` +
          `temporal operator search-attribute create --name ClusterName --type Keyword --name Runbook --type Keyword`,
      );
    }
    throw err;
  } finally {
    if (!handle) await client.connection.close();
  }
  info(`started ${runbook} for cluster ${inventory.cluster.name}: workflow id ${workflowId}, run ${handle.firstExecutionRunId}`);
  info(`Web UI: ${workflowUrl(target, workflowId, handle.firstExecutionRunId)}`);
  try {
    if (runbook === 'destroyCluster') await confirmDestroy(handle, flags.confirm, inventory.cluster.name, info);
    if (!flags.wait && !flags.follow) return 0;
    if (flags.follow) await followProgress(handle);
    const stopAnnouncing = announceOperatorQuestions(handle, (s) => process.stderr.write(`${s}\n`));
    let result: unknown;
    try {
      result = await handle.result();
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw new UserError(`${runbook} failed: ${err.cause?.message ?? err.message}`, 1);
      throw err;
    } finally {
      stopAnnouncing();
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(render(runbook, result));
    if (runbook === 'crashDrill') return exitForDrill(result as DrillResult);
    return (result as { ok?: boolean }).ok === false ? 2 : 0;
  } finally {
    await client.connection.close();
  }
}

/**
 * A drill that failed exits 2, one that was skipped (unhealthy cluster, another run) exits 3:
 * scripts can tell them apart. A dry run is the pre-check before a real drill, so one whose
 * checks all passed exits 0, like a passing drill.
 */
export function exitForDrill(r: Pick<DrillResult, 'verdict' | 'dryRun' | 'checks'>): number {
  if (r.dryRun && r.verdict === 'skipped' && r.checks.length > 0 && r.checks.every((c) => c.ok)) return 0;
  return r.verdict === 'pass' ? 0 : r.verdict === 'fail' ? 2 : 3;
}
