import Table from 'cli-table3';
import type { CreateClusterResult } from '../../workflows/createCluster';

export function renderCreateCluster(r: CreateClusterResult): string {
  const table = new Table({ head: ['node', 'node id', 'quorate', 'votes', 'corosync links', 'sshd reads cluster keys'], style: process.stdout.isTTY ? undefined : { head: [], border: [] } });
  for (const n of r.nodes) {
    table.push([n.name, n.nodeid ?? '-', n.quorate ? 'yes' : 'NO', `${n.totalVotes}/${n.expectedVotes}`, n.linksConnected ? 'connected' : 'DOWN', n.sshdConfig]);
  }
  return [table.toString(), `controller key in /etc/pve/priv/authorized_keys: ${r.controllerKey}`, ...r.warnings.map((w) => `warning: ${w}`), `OK: ${r.summary}`, ''].join('\n');
}
