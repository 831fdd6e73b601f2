import Table from 'cli-table3';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

export function renderConnectivity(r: ConnectivityReport): string {
  const table = new Table({ head: ['node', 'address', 'controller key', 'key auth', 'hostname', 'PVE', 'mode', 'problems'], wordWrap: true, style: process.stdout.isTTY ? undefined : { head: [], border: [] } });
  for (const n of r.nodes) {
    table.push([
      n.name,
      `${n.host}:${n.port}`,
      n.controllerKey ?? '-',
      n.keyAuth ? 'yes' : 'no',
      n.fqdn ?? n.hostname ?? '-',
      n.pveVersion ?? '-',
      n.mode ? (n.clusterName ? `cluster ${n.clusterName}` : n.mode) : '-',
      n.problems.map((p) => `${p.step}: ${p.message}`).join('\n') || '-',
    ]);
  }
  return `${table.toString()}\n${r.ok ? 'OK' : 'FAILED'}: ${r.summary}\n`;
}
