import { parsePveMembers } from '../parsers/pveMembers';
import { parsePvecmStatus } from '../parsers/pvecmStatus';
import { ParseError } from '../parsers/errors';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';

/** One node's view of the cluster, cheap to read, polled by convergence waits. */
export interface ClusterView {
  node: string;
  clusterName?: string;
  quorate: boolean;
  expectedVotes?: number;
  totalVotes?: number;
  /** Members in pmxcfs's list, and which of them it sees online. */
  members: string[];
  online: string[];
  /** /etc/pve/nodes/*: a joined node's directory appears once pmxcfs replicated it. */
  nodeDirs: string[];
}

export const PROBE_COMMAND = [
  section('members', 'cat /etc/pve/.members 2>/dev/null || true'),
  section('status', 'pvecm status 2>/dev/null || true'),
  section('dirs', 'ls -1 /etc/pve/nodes 2>/dev/null || true'),
].join('; ');

/** An unreadable answer is a view with nothing in it: the wait polls again rather than failing. */
function tryParse<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ParseError) return undefined;
    throw err;
  }
}

export function viewFromSections(node: string, s: Record<string, string>): ClusterView {
  const members = s.members ? tryParse(() => parsePveMembers(s.members)) : undefined;
  const status = s.status ? tryParse(() => parsePvecmStatus(s.status)) : undefined;
  return {
    node,
    clusterName: members?.clusterName ?? status?.clusterName,
    quorate: !!members?.clusterName && !!status?.quorate,
    expectedVotes: status?.expectedVotes,
    totalVotes: status?.totalVotes,
    members: members?.nodes.map((n) => n.name) ?? [],
    online: members?.nodes.filter((n) => n.online).map((n) => n.name) ?? [],
    nodeDirs: (s.dirs ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
  };
}

export function probeActivities(deps: SshDeps) {
  return {
    async probeCluster(task: NodeTask): Promise<ClusterView> {
      const remote = Remote.of(task.node, task, deps);
      return viewFromSections(task.node.name, parseSections(await remote.check(PROBE_COMMAND, { label: 'cluster probe', timeoutMs: 30_000 })));
    },
  };
}
