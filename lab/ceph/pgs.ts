/**
 * Placement groups: where each PG of a pool maps (a stand-in for CRUSH with a host failure domain:
 * rendezvous hashing over the hosts that have `in` OSDs, then over the host's OSDs) and the state
 * it is in, from what the OSD map says now and how long ago it changed.
 */

export interface PgOsd {
  id: number;
  host: string;
  up: boolean;
  in: boolean;
}

export interface PgPool {
  id: number;
  size: number;
  minSize: number;
  pgNum: number;
  objects: number;
  createdAt: number;
  /** Lab ms until which PGs holding objects catch up on writes a returning OSD missed. */
  recoveryUntil: number;
}

export interface PgChange {
  at: number;
  /** OSDs whose up/in state changed then: PGs mapped to them re-peer. */
  osds: ReadonlySet<number>;
}

export interface PgTimings {
  pgStatsMs: number;
  pgCreateMs: number;
  peeringMs: number;
}

export interface Pg {
  /** `2.1f`. */
  pgid: string;
  state: string;
  /** OSDs the PG maps to that are up, primary first. */
  acting: number[];
  objects: number;
  active: boolean;
  undersized: boolean;
  degraded: boolean;
  /** Copies the PG's objects lack (objects × missing replicas). */
  missingCopies: number;
}

/** FNV-1a: a stable score for rendezvous hashing. */
function score(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The OSDs a PG maps to: `size` distinct hosts among those with an `in` OSD, one `in` OSD on each. */
export function mapPg(poolId: number, pg: number, size: number, osds: readonly PgOsd[]): PgOsd[] {
  const byHost = new Map<string, PgOsd[]>();
  for (const o of osds) if (o.in) byHost.set(o.host, [...(byHost.get(o.host) ?? []), o]);
  const hosts = [...byHost.keys()].sort((a, b) => score(`${poolId}.${pg}@${b}`) - score(`${poolId}.${pg}@${a}`)).slice(0, size);
  return hosts.map((h) => {
    const candidates = byHost.get(h) as PgOsd[];
    return [...candidates].sort((a, b) => score(`${poolId}.${pg}#${b.id}`) - score(`${poolId}.${pg}#${a.id}`))[0] as PgOsd;
  });
}

/** Ceph's pg_state_string order. */
const FLAG_ORDER = ['stale', 'creating', 'active', 'clean', 'recovering', 'undersized', 'degraded', 'peering', 'peered', 'unknown'] as const;
type Flag = (typeof FLAG_ORDER)[number];

function stateString(flags: Set<Flag>): string {
  return FLAG_ORDER.filter((f) => flags.has(f)).join('+');
}

/** Objects spread over the PGs: the first `objects` PGs by hash each hold one (enough for an almost empty pool). */
function objectsIn(pool: PgPool, pg: number): number {
  if (pool.objects === 0) return 0;
  const base = Math.floor(pool.objects / pool.pgNum);
  const extra = pool.objects % pool.pgNum;
  return base + ((score(`${pool.id}:${pg}`) % pool.pgNum) < extra ? 1 : 0);
}

/** When PG `pg` of a new pool is created and active: spread over pgCreateMs after the stats delay. */
function createdAt(pool: PgPool, pg: number, t: PgTimings): number {
  const frac = pool.pgNum <= 1 ? 0 : pg / (pool.pgNum - 1);
  return pool.createdAt + t.pgStatsMs + t.peeringMs + frac * (t.pgCreateMs - t.pgStatsMs - t.peeringMs);
}

export function pgStates(pool: PgPool, osds: readonly PgOsd[], change: PgChange | undefined, now: number, t: PgTimings): Pg[] {
  const out: Pg[] = [];
  for (let pg = 0; pg < pool.pgNum; pg++) {
    const mapped = mapPg(pool.id, pg, pool.size, osds);
    const acting = mapped.filter((o) => o.up).map((o) => o.id);
    const objects = objectsIn(pool, pg);
    const flags = new Set<Flag>();
    const pgid = `${pool.id}.${pg.toString(16)}`;
    const undersizedNow = acting.length < pool.size;
    const missingCopies = objects * Math.max(0, pool.size - acting.length);
    if (now < pool.createdAt + t.pgStatsMs || mapped.length === 0) {
      flags.add('unknown');
    } else if (acting.length === 0) {
      flags.add('stale').add('undersized').add('degraded').add('peered');
    } else if (now < createdAt(pool, pg, t) - t.peeringMs) {
      flags.add('creating').add('peering');
    } else if (now < createdAt(pool, pg, t)) {
      flags.add('peering');
    } else if (change && now < change.at + t.peeringMs && mapped.some((o) => change.osds.has(o.id))) {
      flags.add('peering');
    } else {
      if (acting.length >= pool.minSize) flags.add('active');
      else flags.add('peered');
      if (undersizedNow) flags.add('undersized');
      if (missingCopies > 0) flags.add('degraded');
      if (!undersizedNow && objects > 0 && now < pool.recoveryUntil) flags.add('recovering').add('degraded');
      if (!undersizedNow && !flags.has('degraded') && flags.has('active')) flags.add('clean');
    }
    out.push({
      pgid,
      state: stateString(flags),
      acting,
      objects,
      active: flags.has('active'),
      undersized: flags.has('undersized'),
      degraded: flags.has('degraded'),
      missingCopies: flags.has('recovering') ? objects : missingCopies,
    });
  }
  return out;
}
