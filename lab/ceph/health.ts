import type { OsdView, PoolView } from './cluster';
import type { CephTimings } from './timings';
import type { MonRecord, MonStore } from './types';

/** Everything the monitors and the manager know at one instant: what every report is made from. */
export interface CephSnapshot {
  now: number;
  store: MonStore;
  /** Monitors by rank. */
  mons: MonRecord[];
  standbyMgrs: string[];
  osds: OsdView[];
  pools: PoolView[];
  timings: CephTimings;
}

export type Severity = 'HEALTH_WARN' | 'HEALTH_ERR';

export interface HealthCheck {
  code: string;
  severity: Severity;
  summary: string;
  count: number;
  detail: string[];
}

/** mon_health_max_detail: Ceph lists at most this many detail lines per check. */
const MAX_DETAIL = 50;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function monAddrVec(addr: string): string {
  return `[v2:${addr}:3300/0,v1:${addr}:6789/0]`;
}

/** Ceph's utimespan_str: the largest unit that still gives at least two of it. */
export function ageString(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  if (s < 14 * 86400) return `${Math.floor(s / 86400)}d`;
  return `${Math.floor(s / (7 * 86400))}w`;
}

/**
 * The health checks a squid cluster raises, computed as the monitors (MON_DOWN, OSD_*, TOO_FEW_OSDS,
 * AUTH_*), the manager monitor (MGR_DOWN) and the manager's PG map (PG_*) do; sorted by code as
 * the checks map is.
 */
export function healthChecks(snap: CephSnapshot): HealthCheck[] {
  const { store: s, now, timings: t } = snap;
  const checks: HealthCheck[] = [];
  const add = (code: string, severity: Severity, summary: string, count: number, detail: string[] = []) =>
    checks.push({ code, severity, summary, count, detail: detail.slice(0, MAX_DETAIL) });

  const out = snap.mons.filter((m) => !s.quorum.includes(m.name));
  if (out.length > 0) {
    add(
      'MON_DOWN',
      'HEALTH_WARN',
      `${out.length}/${snap.mons.length} mons down, quorum ${s.quorum.join(',')}`,
      out.length,
      out.map((m) => `mon.${m.name} (rank ${snap.mons.indexOf(m)}) addr ${monAddrVec(m.addr)} is down (out of quorum)`),
    );
  }

  if (s.config.get('mon/auth_allow_insecure_global_id_reclaim') !== 'false') {
    add(
      'AUTH_INSECURE_GLOBAL_ID_RECLAIM_ALLOWED',
      'HEALTH_WARN',
      'mon is allowing insecure global_id reclaim',
      s.quorum.length,
      s.quorum.map((n) => `mon.${n} has auth_allow_insecure_global_id_reclaim set to true`),
    );
  }

  const existing = snap.osds.filter((o) => o.lifecycle !== 'destroyed');
  if (s.activeMgr === undefined && existing.length > 0 && now > s.createdAt + t.mgrMkfsGraceMs) {
    const since = s.mgrInactiveSince ?? s.createdAt;
    add('MGR_DOWN', now - since > t.mgrInactiveGraceMs ? 'HEALTH_ERR' : 'HEALTH_WARN', 'no active mgr', 0);
  }

  const location = (host: string | undefined) => `root=default${host ? `,host=${host}` : ''}`;
  const downIn = existing.filter((o) => !o.up && o.in && o.lifecycle === 'exists');
  if (downIn.length > 0) {
    add('OSD_DOWN', 'HEALTH_WARN', `${downIn.length} osds down`, downIn.length, downIn.map((o) => `osd.${o.id} (${location(o.crush?.host)}) is down`));
  }
  const byHost = new Map<string, OsdView[]>();
  for (const o of existing) if (o.crush) byHost.set(o.crush.host, [...(byHost.get(o.crush.host) ?? []), o]);
  const hostsDown = [...byHost].filter(([, list]) => list.every((o) => !o.up)).sort(([a], [b]) => a.localeCompare(b));
  if (hostsDown.length > 0) {
    const n = hostsDown.reduce((sum, [, list]) => sum + list.length, 0);
    add(
      'OSD_HOST_DOWN',
      'HEALTH_WARN',
      `${plural(hostsDown.length, 'host')} (${n} osds) down`,
      hostsDown.length,
      hostsDown.map(([h, list]) => `host ${h} (root=default) (${list.length} osds) is down`),
    );
    if (hostsDown.length === byHost.size) add('OSD_ROOT_DOWN', 'HEALTH_WARN', `1 root (${n} osds) down`, 1, [`root default (${n} osds) is down`]);
  }

  const pgs = snap.pools.flatMap((p) => p.pgs);
  const inactive = pgs.filter((p) => !p.active);
  if (inactive.length > 0) {
    const parts = [`${plural(inactive.length, 'pg')} inactive`];
    const peering = inactive.filter((p) => p.state.includes('peering')).length;
    const stale = pgs.filter((p) => p.state.startsWith('stale')).length;
    if (peering) parts.push(`${plural(peering, 'pg')} peering`);
    if (stale) parts.push(`${plural(stale, 'pg')} stale`);
    add(
      'PG_AVAILABILITY',
      'HEALTH_WARN',
      `Reduced data availability: ${parts.join(', ')}`,
      inactive.length,
      inactive.map((p) => (p.state === 'unknown' ? `pg ${p.pgid} is stuck inactive, current state unknown, last acting []` : `pg ${p.pgid} is ${p.state}, acting [${p.acting.join(',')}]`)),
    );
  }
  const degradedPgs = pgs.filter((p) => p.degraded);
  const undersized = pgs.filter((p) => p.undersized);
  if (degradedPgs.length > 0 || undersized.length > 0) {
    const parts: string[] = [];
    const missing = pgs.reduce((n, p) => n + p.missingCopies, 0);
    const total = snap.pools.reduce((n, p) => n + p.objects * p.size, 0);
    if (missing > 0) parts.push(`${missing}/${total} objects degraded (${((100 * missing) / total).toFixed(3)}%)`);
    if (degradedPgs.length) parts.push(`${plural(degradedPgs.length, 'pg')} degraded`);
    if (undersized.length) parts.push(`${plural(undersized.length, 'pg')} undersized`);
    const affected = pgs.filter((p) => p.degraded || p.undersized);
    add('PG_DEGRADED', 'HEALTH_WARN', `Degraded data redundancy: ${parts.join(', ')}`, affected.length, affected.map((p) => `pg ${p.pgid} is ${p.state}, acting [${p.acting.join(',')}]`));
  }

  const defaultSize = Number(s.config.get('osd_pool_default_size') ?? 3);
  if (existing.length < defaultSize) add('TOO_FEW_OSDS', 'HEALTH_WARN', `OSD count ${existing.length} < osd_pool_default_size ${defaultSize}`, defaultSize - existing.length);

  return checks.sort((a, b) => a.code.localeCompare(b.code));
}

export function overall(checks: readonly HealthCheck[]): 'HEALTH_OK' | Severity {
  if (checks.some((c) => c.severity === 'HEALTH_ERR')) return 'HEALTH_ERR';
  return checks.length ? 'HEALTH_WARN' : 'HEALTH_OK';
}
