import { parseClusterStatusJson, ClusterStatusJson } from '../parsers/clusterStatusJson';
import { parseCorosyncCfgtool, CorosyncCfgtool } from '../parsers/corosyncCfgtool';
import { parsePvecmNodes, PvecmNodes } from '../parsers/pvecmNodes';
import { parsePvecmStatus, PvecmStatus } from '../parsers/pvecmStatus';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';

/** A part of the health picture that could not be read, and why: reported, not thrown. */
export interface Unreadable {
  error: string;
}

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

function read<T>(text: string | undefined, parse: (t: string) => T): T | Unreadable {
  try {
    return parse(text ?? '');
  } catch (err) {
    const first = (text ?? '').split('\n').find((l) => l.trim()) ?? '';
    return { error: /^Error:|not part of a cluster|does not exist|Cannot initialize/i.test(first) ? first.trim() : (err as Error).message };
  }
}

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
        clusterStatus: read(s['cluster-status'], parseClusterStatusJson),
        status: read(s.status, parsePvecmStatus),
        nodes: read(s.nodes, parsePvecmNodes),
        links: read(s.links, parseCorosyncCfgtool),
      };
    },
  };
}
