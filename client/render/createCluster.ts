import Table from 'cli-table3';
import type { CreateClusterResult } from '../../workflows/createCluster';

export function renderCreateCluster(r: CreateClusterResult): string {
  const table = new Table({ head: ['node', 'node id', 'quorate', 'votes', 'corosync links', 'sshd', 'controller key'], style: process.stdout.isTTY ? undefined : { head: [], border: [] } });
  for (const n of r.nodes) {
    table.push([n.name, n.nodeid ?? '-', n.quorate ? 'yes' : 'NO', `${n.totalVotes}/${n.expectedVotes}`, n.linksConnected ? 'connected' : 'DOWN', n.sshdConfig, n.controllerKey]);
  }
  return [table.toString(), ...r.warnings.map((w) => `warning: ${w}`), `OK: ${r.summary}`, ''].join('\n');
}
