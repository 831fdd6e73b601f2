// clusterHealth with its Ceph read but without the patched() guard, registered under the same
// workflow type: the replay test shows that a run recorded before the read then fails to replay,
// which is what the guard in workflows/clusterHealth.ts prevents.
import { assessHealth, readCeph, readNodes, type CephHealth, type ClusterHealthInput, type HealthReport } from '../../../workflows/clusterHealth';
import { ProgressTracker } from '../../../workflows/progress';

export async function clusterHealth(input: ClusterHealthInput): Promise<HealthReport> {
  const inv = input.inventory;
  const progress = new ProgressTracker('clusterHealth', inv.cluster.name, inv.nodes.map((n) => n.name), ['read', 'ceph']);
  const nodes = await readNodes(inv, progress);
  const ceph: CephHealth | undefined = inv.ceph ? await readCeph(inv, nodes) : undefined;
  return { cluster: inv.cluster.name, nodes, ...assessHealth(inv, nodes, ceph), ...(ceph ? { ceph } : {}) };
}
