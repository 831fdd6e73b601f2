import { ApplicationFailure } from '@temporalio/common';
import { parsePveversion } from '../parsers/pveversion';
import { Remote, SshDeps } from '../ssh/remote';
import { where } from '../ssh/errors';
import { NodeTask } from './task';

export interface NodeFacts {
  hostname: string;
  fqdn: string;
  pveVersion: string;
  pveMajor: number;
  kernel?: string;
  mode: 'standalone' | 'cluster';
  clusterName?: string;
  /** Node directories under /etc/pve/nodes: the node itself when standalone, every member otherwise. */
  knownNodes: string[];
}

/**
 * One round trip with marked sections keeps fact gathering cheap on a pooled connection while
 * each fact stays separately parsable; a missing pveversion is reported, not hidden.
 */
export const FACTS_COMMAND = [
  'echo "@hostname"; hostname',
  'echo "@fqdn"; hostname -f',
  'echo "@pveversion"; pveversion 2>&1 || echo "__missing__"',
  'echo "@corosync"; if [ -e /etc/pve/corosync.conf ]; then grep -m1 -E "^\\s*cluster_name:" /etc/pve/corosync.conf || echo "cluster_name: "; else echo "__none__"; fi',
  'echo "@nodes"; ls -1 /etc/pve/nodes 2>/dev/null || true',
].join('; ');

export function parseFacts(stdout: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current = '';
  for (const line of stdout.split('\n')) {
    const m = /^@(\w+)$/.exec(line);
    if (m) {
      current = m[1];
      sections[current] = '';
    } else if (current) {
      sections[current] += (sections[current] ? '\n' : '') + line;
    }
  }
  for (const k of Object.keys(sections)) sections[k] = sections[k].trim();
  return sections;
}

export function factsActivities(deps: SshDeps) {
  return {
    async gatherNodeFacts(task: NodeTask): Promise<NodeFacts> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseFacts(await remote.check(FACTS_COMMAND, { label: 'gather facts' }));
      if (!s.pveversion || s.pveversion.includes('__missing__') || /command not found/.test(s.pveversion)) {
        throw ApplicationFailure.nonRetryable(
          `${where(remote.target)}: pveversion is not available: Proxmox VE does not seem to be installed on this server.`,
          'PveMissing',
        );
      }
      const v = parsePveversion(s.pveversion);
      const clustered = s.corosync !== '__none__';
      const clusterName = clustered ? /cluster_name:\s*(\S*)/.exec(s.corosync ?? '')?.[1] || undefined : undefined;
      return {
        hostname: s.hostname ?? '',
        fqdn: s.fqdn ?? '',
        pveVersion: v.manager,
        pveMajor: v.major,
        kernel: v.kernel,
        mode: clustered ? 'cluster' : 'standalone',
        clusterName,
        knownNodes: (s.nodes ?? '').split('\n').filter(Boolean),
      };
    },
  };
}
