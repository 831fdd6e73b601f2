import { parseCorosyncCfgtool, CorosyncCfgtool } from '../parsers/corosyncCfgtool';
import { parsePvecmNodes, PvecmNodes } from '../parsers/pvecmNodes';
import { parsePvecmStatus, PvecmStatus } from '../parsers/pvecmStatus';
import { ParseError } from '../parsers/errors';
import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';

export interface NodeVerification {
  node: string;
  status: PvecmStatus;
  nodes: PvecmNodes;
  links: CorosyncCfgtool;
}

export const VERIFY_COMMAND = [section('status', 'pvecm status'), section('nodes', 'pvecm nodes'), section('links', 'corosync-cfgtool -s')].join('; ');

/**
 * `make cluster-status`, `cluster-nodes` and the corosync links of one node, parsed. An output
 * that cannot be read is retried (a node mid-reload prints partial tables), then reported.
 */
export function verifyActivities(deps: SshDeps) {
  return {
    async verifyNode(task: NodeTask): Promise<NodeVerification> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(VERIFY_COMMAND, { label: 'pvecm status, pvecm nodes, corosync-cfgtool -s' }));
      try {
        return { node: task.node.name, status: parsePvecmStatus(s.status ?? ''), nodes: parsePvecmNodes(s.nodes ?? ''), links: parseCorosyncCfgtool(s.links ?? '') };
      } catch (err) {
        if (err instanceof ParseError) throw ApplicationFailure.retryable(`${where(remote.target)}: ${err.message}`, 'UnreadableOutput');
        throw err;
      }
    },
  };
}
