import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, TASK_QUEUE, workflowIdFor } from '../common/constants';
import type { HealthReport } from '../workflows/clusterHealth';
import { ConnectionFlags, connectClient, resolveTemporal } from './connection';
import { UserError } from './errors';
import { loadForRun, toRunbookInventory } from './startWorkflow';
import { renderHealth, renderNodes, renderStatus } from './render/health';

export type HealthView = 'status' | 'nodes' | 'health';

const RENDER: Record<HealthView, (r: HealthReport) => string> = { status: renderStatus, nodes: renderNodes, health: renderHealth };

/**
 * `pve-runbooks status|nodes|health -i FILE`: the make targets' equivalents, answered by the
 * clusterHealth runbook (the worker does the SSH); a check already running is joined, not doubled.
 */
export async function showHealth(view: HealthView, flags: ConnectionFlags & { inventory: string; format?: 'yaml' | 'ini'; json?: boolean }): Promise<number> {
  const inventory = loadForRun(flags.inventory, flags.format);
  const client = await connectClient(resolveTemporal(flags));
  try {
    const report = await client.workflow.execute('clusterHealth', {
      taskQueue: TASK_QUEUE,
      workflowId: workflowIdFor('clusterHealth', inventory.cluster.name),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [{ inventory: toRunbookInventory(inventory) }],
      typedSearchAttributes: [
        { key: defineSearchAttributeKey(SEARCH_ATTRIBUTES.ClusterName, SearchAttributeType.KEYWORD), value: inventory.cluster.name },
        { key: defineSearchAttributeKey(SEARCH_ATTRIBUTES.Runbook, SearchAttributeType.KEYWORD), value: 'clusterHealth' },
      ],
    });
    const r = report as HealthReport;
    process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : RENDER[view](r));
    return view === 'health' && !r.healthy ? 2 : 0;
  } catch (err) {
    if (err instanceof WorkflowFailedError) throw new UserError(`clusterHealth failed: ${err.cause?.message ?? err.message}`);
    throw err;
  } finally {
    await client.connection.close();
  }
}
