import { parseCorosyncCfgtool, CorosyncCfgtool } from '../parsers/corosyncCfgtool';
import { parsePvecmNodes, PvecmNodes } from '../parsers/pvecmNodes';
import { parsePvecmStatus, PvecmStatus } from '../parsers/pvecmStatus';
import { ParseError } from '../parsers/errors';
import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps } from '../ssh/remote';
import { quoteArg } from '../ssh/quote';
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

/** The certificate `pvecm add` makes last (updatecerts): a join cut before it leaves a member pveproxy cannot serve. */
export function certificateCheck(node: string): string {
  return section('cert', `test -e ${quoteArg(`/etc/pve/nodes/${node}/pve-ssl.pem`)} && echo present || true`);
}

/**
 * `make cluster-status`, `cluster-nodes` and the corosync links of one node, parsed, and the
 * node's certificate. An output that cannot be read is retried (a node mid-reload prints partial
 * tables), then reported; a missing certificate fails at once, as no retry makes it.
 */
export function verifyActivities(deps: SshDeps) {
  return {
    async verifyNode(task: NodeTask): Promise<NodeVerification> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(`${certificateCheck(task.node.name)}; ${VERIFY_COMMAND}`, { label: 'pvecm status, pvecm nodes, corosync-cfgtool -s' }));
      if (s.cert !== 'present') {
        throw ApplicationFailure.nonRetryable(
          `${where(remote.target)}: /etc/pve/nodes/${task.node.name}/pve-ssl.pem is missing: its join did not finish. Fix: run \`pvecm updatecerts --force\` on it.`,
          'NodeCertificateMissing',
        );
      }
      try {
        return { node: task.node.name, status: parsePvecmStatus(s.status ?? ''), nodes: parsePvecmNodes(s.nodes ?? ''), links: parseCorosyncCfgtool(s.links ?? '') };
      } catch (err) {
        if (err instanceof ParseError) throw ApplicationFailure.retryable(`${where(remote.target)}: ${err.message}`, 'UnreadableOutput');
        throw err;
      }
    },
  };
}
