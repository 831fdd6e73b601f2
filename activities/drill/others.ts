import { Context } from '@temporalio/activity';
import { SEARCH_ATTRIBUTES } from '../../common/constants';

/**
 * The runbooks running on a cluster besides the caller, from Temporal's visibility store: a
 * drill must not crash a node while another runbook (or a scheduled drill) works on the cluster.
 */
export function otherRunsActivities() {
  return {
    async otherRunsOnCluster(cluster: string, selfWorkflowId: string): Promise<{ workflowId: string; runbook: string }[]> {
      const { client } = Context.current();
      const query = `${SEARCH_ATTRIBUTES.ClusterName} = ${JSON.stringify(cluster)} AND ExecutionStatus = "Running"`;
      const out: { workflowId: string; runbook: string }[] = [];
      for await (const wf of client.workflow.list({ query })) {
        if (wf.workflowId !== selfWorkflowId) out.push({ workflowId: wf.workflowId, runbook: wf.type });
      }
      return out;
    },
  };
}
