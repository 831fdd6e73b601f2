import { ApplicationFailure } from '@temporalio/common';
import { parsePveversion } from '../parsers/pveversion';
import { parseCorosyncConf } from '../parsers/corosyncConf';
import { ParseError } from '../parsers/errors';
import { Remote, SshDeps } from '../ssh/remote';
import { where } from '../ssh/errors';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from './task';

export interface NodeFacts {
  hostname: string;
  fqdn: string;
  pveVersion: string;
  pveMajor: number;
  kernel?: string;
  mode: 'standalone' | 'cluster';
  clusterName?: string;
  /** Names in the nodelist of the node's corosync.conf (empty when standalone). */
  clusterMembers: string[];
  /** Node directories under /etc/pve/nodes: the node itself when standalone, every member otherwise. */
  knownNodes: string[];
  /** /etc/corosync/authkey exists: `pvecm create` and `pvecm add` refuse such a node. */
  hasAuthkey: boolean;
  corosyncActive: boolean;
  /** VM and container ids on the node: `pvecm add` refuses a node with guests. */
  guests: number[];
  /** What the node's own hostname resolves to (pve-cluster needs a non-loopback address). */
  resolvedAddress?: string;
  /** Addresses configured on the node's interfaces. */
  localAddresses: string[];
}

/**
 * One round trip with marked sections keeps fact gathering cheap on a pooled connection while
 * each fact stays separately parsable; a missing pveversion is reported, not hidden.
 */
export const FACTS_COMMAND = [
  section('hostname', 'hostname'),
  section('fqdn', 'hostname -f'),
  section('pveversion', 'pveversion 2>&1 || echo __missing__'),
  section('corosync', 'cat /etc/pve/corosync.conf 2>/dev/null || cat /etc/corosync/corosync.conf 2>/dev/null || true'),
  section('nodes', 'ls -1 /etc/pve/nodes 2>/dev/null || true'),
  section('authkey', '[ -e /etc/corosync/authkey ] && echo yes || echo no'),
  section('corosync-active', 'systemctl is-active corosync 2>/dev/null || true'),
  section('guests', '{ qm list 2>/dev/null; pct list 2>/dev/null; } | awk \'$1 ~ /^[0-9]+$/ {print $1}\''),
  section('resolve', 'getent hosts "$(hostname)" 2>/dev/null | awk \'{print $1; exit}\''),
  section('addresses', "ip -o addr show 2>/dev/null | awk '{print $4}' | cut -d/ -f1"),
].join('; ');

export function factsFromSections(s: Record<string, string>, where_: string): NodeFacts {
  if (!s.pveversion || s.pveversion.includes('__missing__') || /command not found/.test(s.pveversion)) {
    throw ApplicationFailure.nonRetryable(`${where_}: pveversion is not available: Proxmox VE does not seem to be installed on this server.`, 'PveMissing');
  }
  const v = parsePveversion(s.pveversion);
  let corosync: ReturnType<typeof parseCorosyncConf> | undefined;
  if (s.corosync) {
    try {
      corosync = parseCorosyncConf(s.corosync);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      throw ApplicationFailure.nonRetryable(`${where_}: its corosync.conf cannot be read (${err.message}); repair it before running a runbook.`, 'CorosyncConfUnreadable');
    }
  }
  const lines = (k: string) => (s[k] ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    hostname: s.hostname ?? '',
    fqdn: s.fqdn ?? '',
    pveVersion: v.manager,
    pveMajor: v.major,
    kernel: v.kernel,
    mode: corosync ? 'cluster' : 'standalone',
    clusterName: corosync?.clusterName,
    clusterMembers: corosync?.nodes.map((n) => n.name) ?? [],
    knownNodes: lines('nodes'),
    hasAuthkey: s.authkey === 'yes',
    corosyncActive: s['corosync-active'] === 'active',
    guests: [...new Set(lines('guests').map(Number))],
    resolvedAddress: lines('resolve')[0],
    localAddresses: lines('addresses'),
  };
}

export function factsActivities(deps: SshDeps) {
  return {
    async gatherNodeFacts(task: NodeTask): Promise<NodeFacts> {
      const remote = Remote.of(task.node, task, deps);
      return factsFromSections(parseSections(await remote.check(FACTS_COMMAND, { label: 'gather facts' })), where(remote.target));
    },
  };
}
