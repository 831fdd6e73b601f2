import Table from 'cli-table3';
import type { CreateClusterResult } from '../../workflows/createCluster';

const style = () => (process.stdout.isTTY ? undefined : { head: [], border: [] });

/** The hyper-converged phases' validation report: one row per node, then Ceph's checks and HA. */
function renderValidation(r: CreateClusterResult): string[] {
  const v = r.validation;
  if (!v) return [];
  const table = new Table({ head: ['node', 'bridge', 'MTU', 'RAID', 'storage'], style: style() });
  for (const n of r.nodes) {
    const net = r.network?.nodes.find((x) => x.name === n.name);
    const raid = v.raid?.find((x) => x.node === n.name);
    const st = v.storage?.find((x) => x.node === n.name);
    table.push([
      n.name,
      net ? `${net.bridge} ${net.address}` : '-',
      net ? String(net.mtu) : '-',
      raid ? `${raid.status}${raid.progress ? ` ${raid.progress}` : ''}` : '-',
      st ? `${st.storage} ${st.active ? 'active' : 'INACTIVE'}` : '-',
    ]);
  }
  const lines = [table.toString()];
  if (v.ceph) {
    lines.push(`Ceph ${v.ceph.health}: ${v.ceph.osds.up}/${v.ceph.osds.total} OSDs up, ${v.ceph.osds.in} in; PGs ${Object.entries(v.ceph.pgs.states).map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`);
    for (const c of v.ceph.checks) lines.push(`  ${c.severity} ${c.code}: ${c.summary}`);
  }
  if (r.ha) lines.push(`HA ${r.ha.placement} ${r.ha.name} on ${r.ha.nodes.join(', ')}: ${r.ha.resources.map((x) => `${x.sid} ${x.state} on ${x.node}`).join(', ') || 'no resource'}`);
  for (const p of v.problems) lines.push(`problem: ${p}`);
  return lines;
}

export function renderCreateCluster(r: CreateClusterResult): string {
  const table = new Table({ head: ['node', 'node id', 'quorate', 'votes', 'corosync links', 'sshd reads cluster keys'], style: style() });
  for (const n of r.nodes) {
    table.push([n.name, n.nodeid ?? '-', n.quorate ? 'yes' : 'NO', `${n.totalVotes}/${n.expectedVotes}`, n.linksConnected ? 'connected' : 'DOWN', n.sshdConfig]);
  }
  return [table.toString(), `controller key in /etc/pve/priv/authorized_keys: ${r.controllerKey}`, ...renderValidation(r), ...r.warnings.map((w) => `warning: ${w}`), `OK: ${r.summary}`, ''].join('\n');
}
