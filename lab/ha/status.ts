import type { LabCluster } from '../cluster';
import type { LabFs } from '../fs/labFs';
import { configuredServices, readLrmStatus, readManagerStatus, type ManagerStatus, type ServiceConfig, type ServiceStatus } from './haConfig';

export type StatusRow = Record<string, string | number>;

/** Where a status view is computed: the node the command runs on. */
export interface StatusNode {
  readonly name: string;
  readonly fs: LabFs;
  readonly cluster: LabCluster;
  readonly release: { major: 8 | 9 };
  readonly clock: { now(): number };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Perl's scalar localtime() on a node whose zone is UTC: `Wed Nov 23 11:07:23 2016`. */
export function perlLocaltime(epochSec: number): string {
  const d = new Date(epochSec * 1000);
  const hms = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms} ${d.getUTCFullYear()}`;
}

function timestampStatus(ctime: number, ts: number): string {
  const diff = ctime - ts;
  return diff > 30 ? 'old timestamp - dead?' : diff < -2 ? 'detected time drift!' : 'active';
}

/** PVE::HA::Tools::get_verbose_service_state. */
export function verboseState(ss: ServiceStatus | undefined, sc: ServiceConfig | undefined): string {
  if (!sc) return 'deleting';
  const req = sc.state;
  if (req === 'ignored') return 'ignored';
  if (!sc.node) return 'not found';
  if (!ss) return 'queued';
  const cur = ss.state;
  if (cur === 'stopped') return req === 'started' ? 'starting' : req === 'disabled' ? 'disabled' : cur;
  if (cur === 'started') return !ss.running ? 'starting' : req === 'stopped' || req === 'disabled' ? 'stopping' : cur;
  if (cur === 'error' && req === 'disabled') return 'clearing error flag';
  return cur;
}

/**
 * GET /cluster/ha/status/current (PVE::API2::HA::Status::status): the quorum entry, the
 * master and every LRM from their last status updates, then every service the CRM knows and
 * those it has not picked up yet.
 */
export async function haStatusRows(node: StatusNode): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  const quorate = node.cluster.cfsQuorate(node.name);
  rows.push(quorate ? { id: 'quorum', type: 'quorum', node: node.name, status: 'OK', quorate: 1 } : { id: 'quorum', type: 'quorum', node: node.name, status: `No quorum on node '${node.name}'!`, quorate: 0 });
  const ms: ManagerStatus = await readManagerStatus(node.fs);
  const sc = await configuredServices(node.fs);
  const ctime = Math.floor(node.clock.now() / 1000);
  if (ms.master_node !== undefined && ms.timestamp !== undefined) {
    let str = timestampStatus(ctime, ms.timestamp);
    if (quorate && str !== 'active' && sc.size === 0) str = 'idle';
    rows.push({ id: 'master', type: 'master', node: ms.master_node, status: `${ms.master_node} (${str}, ${perlLocaltime(ms.timestamp)})`, timestamp: ms.timestamp });
  }
  const active: Record<string, number> = {};
  for (const sd of Object.values(ms.service_status)) {
    if (!sd.node) continue;
    active[sd.node] ??= 0;
    if (sd.state !== 'stopped' && sd.state !== 'freeze') active[sd.node] = (active[sd.node] as number) + 1;
  }
  for (const n of Object.keys(ms.node_status).sort()) {
    const lrm = await readLrmStatus(node.fs, n);
    if (!lrm?.timestamp) {
      rows.push({ id: `lrm:${n}`, type: 'lrm', node: n, status: `${n} (unable to read lrm status)` });
      continue;
    }
    let str = timestampStatus(ctime, lrm.timestamp);
    if (str === 'active') {
      const mode = lrm.mode || 'active';
      const state = lrm.state || 'unknown';
      str = mode !== 'active' ? `${mode} mode` : state === 'wait_for_agent_lock' && !active[n] ? 'idle' : state;
    }
    rows.push({ id: `lrm:${n}`, type: 'lrm', node: n, status: `${n} (${str}, ${perlLocaltime(lrm.timestamp)})`, timestamp: lrm.timestamp });
  }
  const keys = node.release.major === 9 ? ['group', 'max_restart', 'max_relocate', 'failback', 'comment'] : ['group', 'max_restart', 'max_relocate', 'comment'];
  const add = (sid: string, cd: ServiceConfig | undefined, sd: ServiceStatus | undefined) => {
    const row: StatusRow = { id: `service:${sid}`, type: 'service', sid };
    const where = sd ? sd.node : cd?.node;
    if (where !== undefined) row.node = where;
    if (sd) row.crm_state = sd.state;
    row.state = verboseState(sd, cd);
    // PVE prints `---` for a service it cannot place (a config tinkered with by hand).
    row.status = `${sid} (${where ?? '---'}, ${row.state})`;
    if (cd) {
      row.request_state = cd.state;
      const values: Record<string, string | number | undefined> = { group: cd.group, max_restart: cd.maxRestart, max_relocate: cd.maxRelocate, failback: cd.failback ? 1 : 0, comment: cd.comment };
      for (const k of keys) if (values[k] !== undefined) row[k] = values[k] as string | number;
    }
    rows.push(row);
  };
  for (const sid of Object.keys(ms.service_status).sort()) add(sid, sc.get(sid), ms.service_status[sid]);
  for (const sid of [...sc.keys()].sort()) if (!ms.service_status[sid]) add(sid, sc.get(sid), undefined);
  return rows;
}

/** PVE::API2::HA::Status::manager_status, what `ha-manager status --verbose` dumps. */
export async function fullClusterState(node: StatusNode): Promise<Record<string, unknown>> {
  const ms = await readManagerStatus(node.fs);
  const lrm: Record<string, unknown> = {};
  for (const n of Object.keys(ms.node_status).sort()) lrm[n] = (await readLrmStatus(node.fs, n)) ?? { mode: 'unknown' };
  const raw = await node.fs.readFile('/etc/pve/ha/manager_status').catch(() => '');
  return {
    manager_status: raw ? (JSON.parse(raw) as unknown) : {},
    quorum: { node: node.name, quorate: node.cluster.cfsQuorate(node.name) ? 1 : 0 },
    ...(Object.keys(lrm).length ? { lrm_status: lrm } : {}),
  };
}

/** Perl's JSON->pretty->canonical: three-space indent, `"key" : value`. */
export function perlPrettyJson(value: unknown, indent = 0): string {
  const pad = '   '.repeat(indent + 1);
  const end = '   '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad + perlPrettyJson(v, indent + 1)).join(',\n')}\n${end}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)} : ${perlPrettyJson((value as Record<string, unknown>)[k], indent + 1)}`).join(',\n')}\n${end}}`;
  }
  return JSON.stringify(value);
}
