export const TASK_QUEUE = 'pve-runbooks';
export const DEFAULT_NAMESPACE = 'default';

/** Custom search attributes (Keyword) every runbook sets, so runs can be found per cluster in the Web UI. */
export const SEARCH_ATTRIBUTES = { ClusterName: 'ClusterName', Runbook: 'Runbook' } as const;

export const RUNBOOKS = ['testConnectivity', 'createCluster', 'destroyCluster', 'clusterHealth', 'crashDrill'] as const;
export type RunbookName = (typeof RUNBOOKS)[number];

/** One run per runbook and cluster at a time: the workflow id says which. */
export function workflowIdFor(runbook: RunbookName, cluster: string): string {
  return `${runbook}-${cluster}`;
}
