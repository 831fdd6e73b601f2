import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ConnectionFlags, connectClient, resolveTemporal } from './connection';
import { UserError } from './errors';
import { decideUpdate } from '../workflows/operator/gate';

export { DECISIONS } from '../workflows/operator/gate';

/** `pve-runbooks decide WORKFLOW_ID ACTION`: the answer to a runbook awaiting its operator. */
export async function sendDecision(workflowId: string, action: string, flags: ConnectionFlags): Promise<number> {
  const client = await connectClient(resolveTemporal(flags));
  try {
    const r = await client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [{ action }] });
    process.stdout.write(`${workflowId}: accepted: ${r.accepted}\n`);
    return 0;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new UserError(`${workflowId} refused "${action}": ${err.cause?.message ?? err.message}`);
    if (err instanceof WorkflowNotFoundError) throw new UserError(`no running workflow ${workflowId}`);
    throw err;
  } finally {
    await client.connection.close();
  }
}
