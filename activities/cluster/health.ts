import { parseClusterStatusJson, ClusterStatusJson } from '../parsers/clusterStatusJson';
import { parseCorosyncCfgtool, CorosyncCfgtool } from '../parsers/corosyncCfgtool';
import { parsePvecmNodes, PvecmNodes } from '../parsers/pvecmNodes';
import { parsePvecmStatus, PvecmStatus } from '../parsers/pvecmStatus';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { readPart, type Unreadable } from '../ssh/readOutput';
import { NodeTask } from '../nodes/task';

export type { Unreadable } from '../ssh/readOutput';

export interface NodeHealth {
  node: string;
  clusterStatus: ClusterStatusJson | Unreadable;
  status: PvecmStatus | Unreadable;
  nodes: PvecmNodes | Unreadable;
  links: CorosyncCfgtool | Unreadable;
}

export const HEALTH_COMMAND = [
  section('cluster-status', 'pvesh get /cluster/status --output-format json 2>&1'),
  section('status', 'pvecm status 2>&1'),
  section('nodes', 'pvecm nodes 2>&1'),
  section('links', 'corosync-cfgtool -s 2>&1'),
].join('; ');

/**
 * `make cluster-health` for one node: every source read in one round trip, each parsed on its
 * own, so one unreadable output (a standalone node's pvecm, a corosync restarting) leaves the
 * others usable.
 */
export function healthActivities(deps: SshDeps) {
  return {
    async nodeHealth(task: NodeTask): Promise<NodeHealth> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections((await remote.run(HEALTH_COMMAND, { label: 'health sources', timeoutMs: 60_000 })).stdout);
      return {
        node: task.node.name,
        clusterStatus: readPart(s['cluster-status'], parseClusterStatusJson),
        status: readPart(s.status, parsePvecmStatus),
        nodes: readPart(s.nodes, parsePvecmNodes),
        links: readPart(s.links, parseCorosyncCfgtool),
      };
    },
  };
}
