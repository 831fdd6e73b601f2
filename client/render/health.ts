import Table from 'cli-table3';
import type { HealthReport } from '../../workflows/clusterHealth';

const plain = () => (process.stdout.isTTY ? undefined : { head: [], border: [] });

/** `pve-runbooks status`: quorum and membership, as `pvecm status` summarizes them. */
export function renderStatus(r: HealthReport): string {
  const head = [
    `Cluster:        ${r.cluster}`,
    `Quorate:        ${r.quorate ? 'Yes' : 'No'}`,
    `Votes:          ${r.totalVotes ?? '?'} of ${r.expectedVotes ?? '?'} expected`,
  ];
  const t = new Table({ head: ['node id', 'name', 'address', 'online'], style: plain() });
  for (const m of r.members) t.push([m.nodeid, m.name, m.ip ?? '-', m.online ? 'yes' : 'NO']);
  return `${head.join('\n')}\n${t.toString()}\n`;
}

/** `pve-runbooks nodes`: every inventory node, whether it answers and how it sees the membership. */
export function renderNodes(r: HealthReport): string {
  const t = new Table({ head: ['node', 'reachable', 'node id', 'votes', 'members seen', 'error'], style: plain() });
  for (const n of r.nodes) {
    const nodes = n.health && !('error' in n.health.nodes) ? n.health.nodes.nodes : undefined;
    const local = nodes?.find((m) => m.local);
    t.push([n.name, n.reachable ? 'yes' : 'NO', local?.nodeid ?? '-', local?.votes ?? '-', nodes ? nodes.map((m) => m.name).join(', ') : '-', n.error ?? '']);
  }
  return `${t.toString()}\n`;
}

/** One line of Ceph's state as a monitor reports it; its checks are among the problems below it. */
function renderCeph(ceph: NonNullable<HealthReport['ceph']>): string {
  if ('error' in ceph) return `Ceph:           unreadable (${ceph.error})`;
  const pgs = Object.entries(ceph.pgs.states).map(([state, n]) => `${n} ${state}`).join(', ');
  return `Ceph:           ${ceph.health} (from ${ceph.node}); OSDs ${ceph.osds.up} up, ${ceph.osds.in} in of ${ceph.osds.total}; PGs ${ceph.pgs.total}${pgs ? `: ${pgs}` : ''}`;
}

export function renderHealth(r: HealthReport): string {
  return [
    renderStatus(r),
    renderNodes(r),
    ...(r.ceph ? [renderCeph(r.ceph), ''] : []),
    r.healthy ? `HEALTHY: cluster ${r.cluster}` : `UNHEALTHY: cluster ${r.cluster}\n${r.problems.map((p) => `  - ${p}`).join('\n')}`,
    '',
  ].join('\n');
}
