// Stands in for the crashDrill workflow where a test needs finished drills in Temporal (the
// results `drill report` and `drill history` read) without a cluster to crash.
import { workflowInfo } from '@temporalio/workflow';
import type { DrillResult } from '../../../common/drill/result';

/** Completes at once with the given result, under its own workflow and run id. */
export async function crashDrill(result: DrillResult): Promise<DrillResult> {
  const info = workflowInfo();
  return { ...result, workflowId: info.workflowId, runId: info.runId };
}
