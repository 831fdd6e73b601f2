import { ageString, healthChecks, monAddrVec, overall, type CephSnapshot, type HealthCheck } from './health';
import type { CephRelease } from './releases';

/** Ceph's utime_t in JSON: `2025-06-12T10:00:00.123456+0000`. */
export function cephTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString();
  const micros = String(Math.floor((ms % 1000) * 1000)).padStart(6, '0');
  return `${iso.slice(0, 19)}.${micros}+0000`;
}

/** byte_u_t: `0 B`, `449 KiB`, `1.3 TiB`, `11 TiB`. */
export function bytesString(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = v < 10 && !Number.isInteger(v) ? (Math.round(v * 10) / 10).toString() : Math.round(v).toString();
  return `${text} ${units[i]}`;
}

/** si_u_t for object counts: `5`, `593.57k`. */
function countString(n: number): string {
  if (n < 1000) return String(n);
  const units = ['k', 'M', 'G'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${(Math.round(v * 100) / 100).toString()}${units[i]}`;
}

/** What a BlueStore OSD uses before any data: its metadata in RocksDB. */
const OSD_BASE_USED = 27 * 2 ** 20;
/** The manager's sqlite database in `.mgr`. */
const MGR_DB_BYTES = 459_280;
const RBD_IMAGE_META_BYTES = 4_096;

type PoolView = CephSnapshot['pools'][number];

/** What a pool stores: the manager's database, RBD headers (images are thin and never written in the lab). */
function storedBytes(p: PoolView): number {
  return (p.name === '.mgr' && p.extraObjects ? MGR_DB_BYTES : 0) + p.images.size * RBD_IMAGE_META_BYTES;
}

export interface Usage {
  total: number;
  used: number;
  avail: number;
  data: number;
}

/** Raw capacity as the OSDs that report (up ones) see it. */
export function usage(snap: CephSnapshot): Usage {
  const up = snap.osds.filter((o) => o.up);
  const total = up.reduce((n, o) => n + o.sizeBytes, 0);
  const data = snap.pools.reduce((n, p) => n + storedBytes(p), 0);
  const replicated = snap.pools.reduce((n, p) => n + storedBytes(p) * p.size, 0);
  const used = up.length * OSD_BASE_USED + replicated;
  return { total, used: Math.min(used, total), avail: Math.max(0, total - used), data };
}

/** A pool's MAX AVAIL: raw space left above the full ratio, divided by its replicas. */
export function poolMaxAvail(snap: CephSnapshot, size: number): number {
  const u = usage(snap);
  return Math.max(0, Math.floor((u.avail - 0.05 * u.total) / Math.max(1, size)));
}

export function poolStored(snap: CephSnapshot, name: string): number {
  const p = snap.pools.find((x) => x.name === name);
  return p ? storedBytes(p) : 0;
}

function pgsByState(snap: CephSnapshot): { state_name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const pg of snap.pools.flatMap((p) => p.pgs)) counts.set(pg.state, (counts.get(pg.state) ?? 0) + 1);
  return [...counts].map(([state_name, count]) => ({ state_name, count })).sort((a, b) => b.count - a.count || a.state_name.localeCompare(b.state_name));
}

function mgrModules(release: CephRelease): string[] {
  return release.codename === 'tentacle' ? ['iostat', 'nfs'] : ['iostat', 'nfs', 'restful'];
}

function checkSummaries(checks: readonly HealthCheck[], detail: boolean): Record<string, unknown> {
  return Object.fromEntries(
    checks.map((c) => [
      c.code,
      { severity: c.severity, summary: { message: c.summary, count: c.count }, ...(detail ? { detail: c.detail.map((message) => ({ message })) } : {}), muted: false },
    ]),
  );
}

/** `ceph health [detail] -f json`. */
export function healthJson(snap: CephSnapshot, detail: boolean): unknown {
  const checks = healthChecks(snap);
  return { status: overall(checks), checks: checkSummaries(checks, detail), mutes: [] };
}

/** `ceph health [detail]`: the summary line, then with detail each check and its lines. */
export function healthText(snap: CephSnapshot, detail: boolean): string {
  const checks = healthChecks(snap);
  const status = overall(checks);
  if (!checks.length) return `${status}\n`;
  let out = `${status} ${checks.map((c) => c.summary).join('; ')}\n`;
  if (detail) {
    for (const c of checks) {
      out += `[${c.severity === 'HEALTH_ERR' ? 'ERR' : 'WRN'}] ${c.code}: ${c.summary}\n`;
      for (const line of c.detail) out += `    ${line}\n`;
    }
  }
  return out;
}

/** `ceph status -f json` in the Octopus+ layout: summarised monmap, flat osdmap, pgmap totals. */
export function statusJson(snap: CephSnapshot): unknown {
  const s = snap.store;
  const checks = healthChecks(snap);
  const pgs = snap.pools.flatMap((p) => p.pgs);
  const u = usage(snap);
  const pgmap: Record<string, unknown> = {
    pgs_by_state: pgsByState(snap),
    num_pgs: pgs.length,
    num_pools: snap.pools.length,
    num_objects: snap.pools.reduce((n, p) => n + p.objects, 0),
    data_bytes: u.data,
    bytes_used: u.used,
    bytes_avail: u.avail,
    bytes_total: u.total,
  };
  const missing = pgs.reduce((n, p) => n + p.missingCopies, 0);
  if (missing > 0) {
    const total = snap.pools.reduce((n, p) => n + p.objects * p.size, 0);
    Object.assign(pgmap, { degraded_objects: missing, degraded_total: total, degraded_ratio: missing / total });
  }
  const inactive = pgs.filter((p) => !p.active).length;
  const unknown = pgs.filter((p) => p.state === 'unknown').length;
  if (pgs.length && inactive) pgmap['inactive_pgs_ratio'] = inactive / pgs.length;
  if (pgs.length && unknown) pgmap['unknown_pgs_ratio'] = unknown / pgs.length;
  const existing = snap.osds;
  return {
    fsid: s.fsid,
    health: { status: overall(checks), checks: checkSummaries(checks, false), mutes: [] },
    election_epoch: s.electionEpoch,
    quorum: s.quorum.map((n) => snap.mons.findIndex((m) => m.name === n)),
    quorum_names: s.quorum,
    quorum_age: Math.floor((snap.now - s.quorumSince) / 1000),
    monmap: { epoch: s.monmapEpoch, min_mon_release_name: s.minMonRelease.codename, num_mons: snap.mons.length },
    osdmap: {
      epoch: s.osdmapEpoch,
      num_osds: existing.length,
      num_up_osds: existing.filter((o) => o.up).length,
      osd_up_since: Math.floor(s.lastUpChange / 1000),
      num_in_osds: existing.filter((o) => o.in).length,
      osd_in_since: Math.floor(s.lastInChange / 1000),
      num_remapped_pgs: 0,
    },
    pgmap,
    fsmap: { epoch: 1, by_rank: [], 'up:standby': 0 },
    mgrmap: { available: s.activeMgr !== undefined, num_standbys: snap.standbyMgrs.length, modules: mgrModules(s.minMonRelease), services: {} },
    servicemap: { epoch: s.mgrEpoch, modified: cephTime(s.activeMgrSince), services: {} },
    progress_events: {},
  };
}

/** `ceph -s`. */
export function statusText(snap: CephSnapshot): string {
  const s = snap.store;
  const checks = healthChecks(snap);
  const age = (since: number) => ageString(snap.now - since);
  let out = `  cluster:\n    id:     ${s.fsid}\n    health: ${overall(checks)}\n`;
  for (const c of checks) out += `            ${c.summary}\n`;
  out += ' \n  services:\n';
  const outOfQuorum = snap.mons.filter((m) => !s.quorum.includes(m.name)).map((m) => m.name);
  out += `    mon: ${snap.mons.length} daemons, quorum ${s.quorum.join(',')} (age ${age(s.quorumSince)})${outOfQuorum.length ? `, out of quorum: ${outOfQuorum.join(', ')}` : ''}\n`;
  if (s.activeMgr !== undefined) {
    out += `    mgr: ${s.activeMgr}(active, since ${age(s.activeMgrSince)})${snap.standbyMgrs.length ? `, standbys: ${snap.standbyMgrs.join(', ')}` : ''}\n`;
  } else out += `    mgr: no daemons active${snap.standbyMgrs.length ? `, standbys: ${snap.standbyMgrs.join(', ')}` : ''}\n`;
  const up = snap.osds.filter((o) => o.up).length;
  const inn = snap.osds.filter((o) => o.in).length;
  out += `    osd: ${snap.osds.length} osds: ${up} up${snap.osds.length ? ` (since ${age(s.lastUpChange)})` : ''}, ${inn} in${snap.osds.length ? ` (since ${age(s.lastInChange)})` : ''}\n`;
  const pgs = snap.pools.flatMap((p) => p.pgs);
  const u = usage(snap);
  const objects = snap.pools.reduce((n, p) => n + p.objects, 0);
  out += ' \n  data:\n';
  out += `    pools:   ${snap.pools.length} pools, ${pgs.length} pgs\n`;
  out += `    objects: ${countString(objects)} objects, ${bytesString(u.data)}\n`;
  out += `    usage:   ${bytesString(u.used)} used, ${bytesString(u.avail)} / ${bytesString(u.total)} avail\n`;
  const states = pgsByState(snap);
  const lines: string[] = [];
  const missing = pgs.reduce((n, p) => n + p.missingCopies, 0);
  const unknown = pgs.filter((p) => p.state === 'unknown').length;
  const inactive = pgs.filter((p) => !p.active).length;
  if (unknown) lines.push(`${((100 * unknown) / pgs.length).toFixed(3)}% pgs unknown`);
  else if (inactive) lines.push(`${((100 * inactive) / pgs.length).toFixed(3)}% pgs not active`);
  if (missing) {
    const total = snap.pools.reduce((n, p) => n + p.objects * p.size, 0);
    lines.push(`${missing}/${total} objects degraded (${((100 * missing) / total).toFixed(3)}%)`);
  }
  for (const st of states) lines.push(`${st.count} ${st.state_name}`);
  out += `    pgs:     ${lines.length ? lines.join('\n             ') : ''}\n`;
  return `${out} \n`;
}

/** `ceph mon stat -f json`: recent releases list the quorum as `{rank, name}`. */
export function monStatJson(snap: CephSnapshot): unknown {
  const s = snap.store;
  return {
    epoch: s.monmapEpoch,
    min_mon_release_name: s.minMonRelease.codename,
    num_mons: snap.mons.length,
    leader: s.quorum[0] ?? '',
    quorum: s.quorum.map((name) => ({ rank: snap.mons.findIndex((m) => m.name === name), name })),
  };
}

export function monStatText(snap: CephSnapshot): string {
  const s = snap.store;
  const mons = snap.mons.map((m) => `${m.name}=${monAddrVec(m.addr)}`).join(',');
  const ranks = s.quorum.map((n) => snap.mons.findIndex((m) => m.name === n));
  const leader = s.quorum[0];
  return `e${s.monmapEpoch}: ${snap.mons.length} mons at {${mons}} removed_ranks: {} disallowed_leaders: {}, election epoch ${s.electionEpoch}, leader ${leader === undefined ? -1 : ranks[0]} ${leader ?? ''}, quorum ${ranks.join(',')} ${s.quorum.join(',')}\n`;
}

interface TreeRow {
  id: number;
  cls: string;
  weight: number | undefined;
  depth: number;
  name: string;
  status: string;
  reweight?: number;
  primaryAffinity?: number;
}

function treeRows(snap: CephSnapshot): { rows: TreeRow[]; json: unknown } {
  const s = snap.store;
  const osdState = (id: number) => {
    const o = snap.osds.find((x) => x.id === id);
    if (!o) return { exists: 0, status: 'DNE', reweight: 0 };
    return { exists: 1, status: o.lifecycle === 'destroyed' ? 'destroyed' : o.up ? 'up' : 'down', reweight: o.in ? 1 : 0 };
  };
  const hosts = [...s.crushHosts].sort(([a], [b]) => a.localeCompare(b));
  const items = [...s.crush].sort(([a], [b]) => a - b);
  const hostWeight = (h: string) => items.filter(([, c]) => c.host === h).reduce((n, [, c]) => n + c.weight, 0);
  const rootWeight = hosts.reduce((n, [h]) => n + hostWeight(h), 0);
  const rows: TreeRow[] = [{ id: -1, cls: '', weight: rootWeight, depth: 0, name: 'root default', status: '' }];
  const nodes: unknown[] = [{ id: -1, name: 'default', type: 'root', type_id: 11, children: hosts.map(([, id]) => id).sort((a, b) => b - a) }];
  for (const [host, bucket] of hosts) {
    const mine = items.filter(([, c]) => c.host === host);
    rows.push({ id: bucket, cls: '', weight: hostWeight(host), depth: 1, name: `host ${host}`, status: '' });
    nodes.push({ id: bucket, name: host, type: 'host', type_id: 1, pool_weights: {}, children: mine.map(([id]) => id).sort((a, b) => b - a) });
    for (const [id, c] of mine) {
      const st = osdState(id);
      rows.push({ id, cls: c.deviceClass ?? '', weight: c.weight, depth: 2, name: `osd.${id}`, status: st.status, reweight: st.reweight, primaryAffinity: 1 });
      nodes.push({
        id,
        ...(c.deviceClass ? { device_class: c.deviceClass } : {}),
        name: `osd.${id}`,
        type: 'osd',
        type_id: 0,
        crush_weight: c.weight,
        depth: 2,
        pool_weights: {},
        exists: st.exists,
        status: st.status,
        reweight: st.reweight,
        primary_affinity: 1,
      });
    }
  }
  const stray = snap.osds
    .filter((o) => !s.crush.has(o.id))
    .map((o) => {
      const st = osdState(o.id);
      rows.push({ id: o.id, cls: '', weight: 0, depth: 0, name: `osd.${o.id}`, status: st.status, reweight: st.reweight, primaryAffinity: 1 });
      return { id: o.id, name: `osd.${o.id}`, type: 'osd', type_id: 0, crush_weight: 0, depth: 0, exists: 1, status: st.status, reweight: st.reweight, primary_affinity: 1 };
    });
  return { rows, json: { nodes, stray } };
}

/** `ceph osd tree -f json`. */
export function osdTreeJson(snap: CephSnapshot): unknown {
  return treeRows(snap).json;
}

/** `ceph osd tree`: TextTable columns, two spaces apart. */
export function osdTreeText(snap: CephSnapshot): string {
  const { rows } = treeRows(snap);
  const cells = rows.map((r) => [
    String(r.id),
    r.cls,
    r.weight === undefined ? '' : r.weight.toFixed(5),
    `${' '.repeat(4 * r.depth)}${r.name}`,
    r.status,
    r.reweight === undefined ? '' : r.reweight.toFixed(5),
    r.primaryAffinity === undefined ? '' : r.primaryAffinity.toFixed(5),
  ]);
  const header = ['ID', 'CLASS', 'WEIGHT', 'TYPE NAME', 'STATUS', 'REWEIGHT', 'PRI-AFF'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  // TextTable: headings left-aligned, values right-aligned except the tree column.
  const line = (c: string[], heading: boolean) =>
    c
      .map((v, i) => (heading || i === 3 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number)))
      .join('  ')
      .replace(/\s+$/, '');
  return `${[line(header, true), ...cells.map((c) => line(c, false))].join('\n')}\n`;
}

function addrVec(ip: string, port: number, nonce: number) {
  return { addrvec: [{ type: 'v2', addr: `${ip}:${port}`, nonce }, { type: 'v1', addr: `${ip}:${port + 1}`, nonce }] };
}

/** `ceph osd dump -f json`: the OSD map (flags, pools, OSDs with their state sets). */
export function osdDumpJson(snap: CephSnapshot, addressOf: (node: string | undefined) => string | undefined): unknown {
  const s = snap.store;
  const none = { addrvec: [] };
  return {
    epoch: s.osdmapEpoch,
    fsid: s.fsid,
    created: cephTime(s.createdAt),
    modified: cephTime(Math.max(s.lastUpChange, s.lastInChange)),
    last_up_change: cephTime(s.lastUpChange),
    last_in_change: cephTime(s.lastInChange),
    flags: 'sortbitwise,recovery_deletes,purged_snapdirs,pglog_hardlimit',
    flags_num: 5799936,
    flags_set: ['pglog_hardlimit', 'purged_snapdirs', 'recovery_deletes', 'sortbitwise'],
    crush_version: s.crushVersion,
    full_ratio: 0.95,
    backfillfull_ratio: 0.9,
    nearfull_ratio: 0.85,
    cluster_snapshot: '',
    pool_max: s.poolMax,
    max_osd: snap.osds.reduce((n, o) => Math.max(n, o.id + 1), 0),
    require_min_compat_client: 'luminous',
    min_compat_client: 'jewel',
    require_osd_release: s.minMonRelease.codename,
    allow_crimson: false,
    pools: snap.pools.map((p) => poolDetail(p, 'pool')),
    osds: snap.osds.map((o) => {
      const ip = o.up ? addressOf(o.node) : undefined;
      const state = o.lifecycle === 'new' ? ['exists', 'new'] : o.lifecycle === 'destroyed' ? ['exists', 'destroyed'] : o.up ? ['exists', 'up'] : o.autoOut ? ['autoout', 'exists'] : ['exists'];
      const unknownAddr = '(unrecognized address family 0)/0';
      return {
        osd: o.id,
        uuid: o.uuid,
        up: o.up ? 1 : 0,
        in: o.in ? 1 : 0,
        weight: o.in ? 1 : 0,
        primary_affinity: 1,
        last_clean_begin: 0,
        last_clean_end: 0,
        up_from: o.upFrom,
        up_thru: o.upThru,
        down_at: o.downAt,
        lost_at: 0,
        public_addrs: ip ? addrVec(ip, 6800, o.nonce) : none,
        cluster_addrs: ip ? addrVec(ip, 6802, o.nonce) : none,
        heartbeat_back_addrs: ip ? addrVec(ip, 6806, o.nonce) : none,
        heartbeat_front_addrs: ip ? addrVec(ip, 6804, o.nonce) : none,
        public_addr: ip ? `${ip}:6801/${o.nonce}` : unknownAddr,
        cluster_addr: ip ? `${ip}:6803/${o.nonce}` : unknownAddr,
        heartbeat_back_addr: ip ? `${ip}:6807/${o.nonce}` : unknownAddr,
        heartbeat_front_addr: ip ? `${ip}:6805/${o.nonce}` : unknownAddr,
        state,
      };
    }),
    osd_xinfo: snap.osds.map((o) => ({ osd: o.id, down_stamp: cephTime(o.downSince ?? 0), laggy_probability: 0, laggy_interval: 0, old_weight: 0, last_purged_snaps_scrub: cephTime(o.upSince ?? 0), dead_epoch: 0 })),
    pg_upmap: [],
    pg_upmap_items: [],
    pg_upmap_primaries: [],
    pg_temp: [],
    primary_temp: [],
    blocklist: {},
    range_blocklist: {},
    erasure_code_profiles: { default: { k: '2', m: '2', plugin: 'isa', technique: 'reed_sol_van' } },
    removed_snaps_queue: [],
    new_removed_snaps: [],
    new_purged_snaps: [],
    crush_node_flags: {},
    device_class_flags: {},
    stretch_mode: { stretch_mode_enabled: false, stretch_bucket_count: 0, degraded_stretch_mode: 0, recovering_stretch_mode: 0, stretch_mode_bucket: 0 },
  };
}

/** One pool as pg_pool_t::dump writes it, after its id (`pool` in the OSD map dump, `pool_id` in `pool ls detail`). */
function poolDetail(p: PoolView, idKey: 'pool' | 'pool_id'): Record<string, unknown> {
  return {
    [idKey]: p.id,
    pool_name: p.name,
    create_time: cephTime(p.createdAt),
    flags: 1,
    flags_names: 'hashpspool',
    type: 1,
    size: p.size,
    min_size: p.minSize,
    crush_rule: 0,
    peering_crush_bucket_count: 0,
    peering_crush_bucket_target: 0,
    peering_crush_bucket_barrier: 0,
    peering_crush_bucket_mandatory_member: 2147483647,
    is_stretch_pool: false,
    object_hash: 2,
    pg_autoscale_mode: p.autoscale,
    pg_num: p.pgNum,
    pg_placement_num: p.pgNum,
    pg_placement_num_target: p.pgNum,
    pg_num_target: p.pgNum,
    pg_num_pending: p.pgNum,
    last_pg_merge_meta: { source_pgid: '0.0', ready_epoch: 0, last_epoch_started: 0, last_epoch_clean: 0, source_version: "0'0", target_version: "0'0" },
    last_change: String(p.lastChange),
    last_force_op_resend: '0',
    last_force_op_resend_prenautilus: '0',
    last_force_op_resend_preluminous: '0',
    auid: 0,
    snap_mode: 'pool',
    snap_seq: 0,
    snap_epoch: 0,
    pool_snaps: [],
    removed_snaps: '[]',
    quota_max_bytes: 0,
    quota_max_objects: 0,
    tiers: [],
    tier_of: -1,
    read_tier: -1,
    write_tier: -1,
    cache_mode: 'none',
    target_max_bytes: 0,
    target_max_objects: 0,
    cache_target_dirty_ratio_micro: 400000,
    cache_target_dirty_high_ratio_micro: 600000,
    cache_target_full_ratio_micro: 800000,
    cache_min_flush_age: 0,
    cache_min_evict_age: 0,
    erasure_code_profile: '',
    hit_set_params: { type: 'none' },
    hit_set_period: 0,
    hit_set_count: 0,
    use_gmt_hitset: true,
    min_read_recency_for_promote: 0,
    min_write_recency_for_promote: 0,
    hit_set_grade_decay_rate: 0,
    hit_set_search_last_n: 0,
    grade_table: [],
    stripe_width: 0,
    expected_num_objects: 0,
    fast_read: false,
    options: p.name === '.mgr' ? { pg_num_max: 32, pg_num_min: 1 } : {},
    application_metadata: p.application ? { [p.application]: {} } : {},
    read_balance: { score_type: 'Fair distribution', score_acting: 1, score_stable: 1, optimal_score: 1, raw_score_acting: 1, raw_score_stable: 1, primary_affinity_weighted: 1, average_primary_affinity: 1, average_primary_affinity_weighted: 1 },
  };
}

/** `ceph osd pool ls detail -f json`. */
export function poolLsDetailJson(snap: CephSnapshot): unknown {
  return [...snap.pools].sort((a, b) => a.id - b.id).map((p) => poolDetail(p, 'pool_id'));
}

/** `ceph osd pool ls detail`: one line per pool. */
export function poolLsDetailText(snap: CephSnapshot): string {
  return [...snap.pools]
    .sort((a, b) => a.id - b.id)
    .map(
      (p) =>
        `pool ${p.id} '${p.name}' replicated size ${p.size} min_size ${p.minSize} crush_rule 0 object_hash rjenkins pg_num ${p.pgNum} pgp_num ${p.pgNum} autoscale_mode ${p.autoscale} last_change ${p.lastChange} flags hashpspool stripe_width 0${p.application ? ` application ${p.application}` : ''}\n`,
    )
    .join('');
}

