import type { LabClock } from '../clock';
import { cephxKey, parseCephConf, type AuthEntity } from './conf';
import { healthChecks, overall, type CephSnapshot, type HealthCheck } from './health';
import { pgStates, type Pg, type PgOsd } from './pgs';
import { statusJson } from './report';
import { clientRelease, type CephRelease } from './releases';
import { DEFAULT_CEPH_TIMINGS, type CephTimings } from './timings';
import type { AutoscaleMode, CephHost, CrushItem, MonRecord, MonStore, NodePackages, OsdRecord, PoolRecord } from './types';

/** A monitor command refused, with the monitors' own text (`Error EBUSY: osd.0 is not `down`.`) and errno. */
export class CephCommandError extends Error {
  constructor(
    message: string,
    readonly errno: number,
  ) {
    super(message);
  }
}

const TiB = 2 ** 40;
const BOOTSTRAP_KINDS = ['mds', 'mgr', 'osd', 'rbd', 'rbd-mirror', 'rgw'];

export interface OsdView extends OsdRecord {
  crush?: CrushItem;
}

export interface PoolView extends PoolRecord {
  objects: number;
  pgs: Pg[];
}

export interface PoolParams {
  pgNum?: number;
  size?: number;
  minSize?: number;
  autoscale?: AutoscaleMode;
  application?: string;
}

/**
 * One Ceph cluster per lab: what its monitors store (maps, auth), computed forward in lab time
 * from each node's power and systemd units (ceph-mon@, ceph-mgr@, ceph-osd@). The files PVE keeps
 * (ceph.conf in /etc/pve, keyrings, the daemons' data directories) live in the nodes' filesystems
 * and are written by the commands; this model is the monitors' side of them.
 */
export class CephCluster {
  readonly timings: CephTimings;
  private readonly hosts = new Map<string, CephHost>();
  private readonly pkgs = new Map<string, NodePackages>();
  private readonly lostAt = new Map<string, number>();
  /** OSDs whose data directory (a tmpfs) is populated on their node. */
  private readonly activated = new Set<number>();
  /** OSDs their node activates at boot: the enabled ceph-volume@lvm-ID-FSID unit. */
  private readonly bootActivate = new Map<number, () => Promise<void>>();
  private store?: MonStore;
  private timer: NodeJS.Timeout | undefined;
  /** Set while update() applies changes, which read the state they are changing. */
  private updating = false;

  constructor(
    private readonly clock: LabClock,
    timings: Partial<CephTimings> = {},
  ) {
    this.timings = { ...DEFAULT_CEPH_TIMINGS, ...timings };
  }

  // ---- wiring ---------------------------------------------------------------------------------

  /** A node of the lab: its ceph-common is the release its PVE ships; the daemons are not installed. */
  async attach(host: CephHost): Promise<void> {
    this.hosts.set(host.name, host);
    this.pkgs.set(host.name, { common: clientRelease(host.release.major) });
    // The shell installs every twin command; ceph-volume only comes with `pveceph install`.
    for (const path of ['/usr/bin/ceph-volume', '/usr/sbin/ceph-volume']) await host.fs.rm(path, { force: true });
    // ceph-common's /etc/ceph, and the installer's enterprise Ceph repository for the node's client release.
    await host.fs.mkdir('/etc/ceph', { recursive: true });
    await host.fs.mkdir('/etc/apt/sources.list.d', { recursive: true });
    const client = clientRelease(host.release.major);
    if (host.release.major === 8) await host.fs.writeFile('/etc/apt/sources.list.d/ceph.list', `deb https://enterprise.proxmox.com/debian/ceph-${client.codename} bookworm enterprise\n`);
    else
      await host.fs.writeFile(
        '/etc/apt/sources.list.d/ceph.sources',
        `Types: deb\nURIs: https://enterprise.proxmox.com/debian/ceph-${client.codename}\nSuites: trixie\nComponents: enterprise\nSigned-By: /usr/share/keyrings/proxmox-archive-keyring.gpg\n`,
      );
    // A running OSD holds its volumes open: LVM and wipefs see them busy until it stops.
    host.services.onChange((unit, state) => {
      const id = /^ceph-osd@(\d+)$/.exec(unit)?.[1];
      if (id === undefined) return;
      for (const lv of host.storage.lvs()) {
        if (!lv.tags.includes(`ceph.osd_id=${id}`)) continue;
        if (state === 'active') host.storage.claim(lv.path, `ceph-osd@${id}`);
        else host.storage.release(lv.path);
      }
    });
  }

  host(name: string): CephHost | undefined {
    return this.hosts.get(name);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The node crashed or lost power: its OSDs' tmpfs data directories are gone. */
  async powerLost(name: string): Promise<void> {
    this.lostAt.set(name, this.clock.now());
    const host = this.hosts.get(name);
    for (const osd of this.store?.osds.values() ?? []) {
      if (osd.node !== name || !this.activated.delete(osd.id)) continue;
      for (const f of await host?.fs.readdir(osdDir(osd.id)).catch(() => [] as string[]) ?? []) await host?.fs.rm(`${osdDir(osd.id)}/${f}`, { force: true });
    }
  }

  /** Boot: the enabled ceph-volume@lvm units activate their OSDs (which starts ceph-osd@ID). */
  async booted(name: string): Promise<void> {
    for (const [id, activate] of this.bootActivate) {
      if (this.store?.osds.get(id)?.node !== name) continue;
      await activate();
      this.activated.add(id);
    }
  }

  // ---- packages -------------------------------------------------------------------------------

  packages(node: string): NodePackages {
    const p = this.pkgs.get(node);
    if (!p) throw new Error(`no node ${node} in this lab`);
    return p;
  }

  setPackages(node: string, pkgs: NodePackages): void {
    this.pkgs.set(node, pkgs);
  }

  // ---- the monitors' state ---------------------------------------------------------------------

  /** Whether the cluster exists (a first monitor was created). */
  get exists(): boolean {
    return this.store !== undefined;
  }

  get fsid(): string | undefined {
    return this.store?.fsid;
  }

  /** Monitors answer: a majority of the monmap is in quorum. */
  quorate(): boolean {
    this.update();
    return !!this.store && this.store.quorum.length > 0;
  }

  /** The store, brought up to now; throws when no monitor was ever created. */
  state(): MonStore {
    this.update();
    if (!this.store) throw new Error('no ceph cluster in this lab yet');
    return this.store;
  }

  /** The first monitor: the cluster's maps and keys are born with it (AuthMonitor's initial keys). */
  async createFirstMon(mon: MonRecord, opts: { fsid: string; confText: string; adminKey: string; monKey: string; release: CephRelease }): Promise<void> {
    const now = this.clock.now();
    const conf = parseCephConf(opts.confText)['global'] ?? {};
    const auth = new Map<string, AuthEntity>([
      ['mon.', { key: opts.monKey, caps: { mon: 'allow *' } }],
      ['client.admin', { key: opts.adminKey, caps: { mds: 'allow *', mgr: 'allow *', mon: 'allow *', osd: 'allow *' } }],
    ]);
    for (const kind of BOOTSTRAP_KINDS) auth.set(`client.bootstrap-${kind}`, { key: cephxKey(now), caps: { mon: `allow profile bootstrap-${kind}` } });
    this.store = {
      fsid: opts.fsid,
      createdAt: now,
      monmapEpoch: 1,
      mons: [mon],
      minMonRelease: opts.release,
      electionEpoch: 1,
      quorum: [],
      quorumSince: now,
      auth,
      config: new Map([
        ['osd_pool_default_size', conf['osd_pool_default_size'] ?? '3'],
        ['osd_pool_default_min_size', conf['osd_pool_default_min_size'] ?? '0'],
      ]),
      mgrs: new Map(),
      activeMgrSince: now,
      mgrEpoch: 1,
      mgrInactiveSince: now,
      osdmapEpoch: 1,
      osds: new Map(),
      crush: new Map(),
      crushHosts: new Map(),
      pools: new Map(),
      poolMax: 0,
      crushVersion: 1,
      lastUpChange: now,
      lastInChange: now,
    };
    this.watch();
  }

  addMon(mon: MonRecord): void {
    const s = this.state();
    if (s.mons.some((m) => m.name === mon.name)) throw new CephCommandError(`mon.${mon.name} already exists`, 17);
    s.mons.push(mon);
    s.monmapEpoch++;
  }

  removeMon(name: string): void {
    const s = this.state();
    s.mons = s.mons.filter((m) => m.name !== name);
    s.quorum = s.quorum.filter((n) => n !== name);
    s.monmapEpoch++;
    s.electionEpoch += 2;
  }

  /** Monitors ordered by rank (the monmap sorts them by address). */
  mons(): MonRecord[] {
    const s = this.store;
    if (!s) return [];
    this.update();
    return [...s.mons].sort((a, b) => ipOrder(a.addr) - ipOrder(b.addr));
  }

  /** Forgets the cluster: the last monitor's store is gone (pveceph purge). */
  purge(): void {
    this.store = undefined;
    this.activated.clear();
    this.bootActivate.clear();
    this.stop();
  }

  // ---- auth -----------------------------------------------------------------------------------

  authGet(entity: string): AuthEntity | undefined {
    return this.state().auth.get(entity);
  }

  authGetOrCreate(entity: string, caps: Record<string, string>): AuthEntity {
    const s = this.state();
    let e = s.auth.get(entity);
    if (!e) {
      e = { key: cephxKey(this.clock.now()), caps };
      s.auth.set(entity, e);
    }
    return e;
  }

  authDel(entity: string): boolean {
    return this.state().auth.delete(entity);
  }

  setConfig(key: string, value: string): void {
    this.state().config.set(key, value);
  }

  // ---- managers -------------------------------------------------------------------------------

  addMgr(id: string, host: string): void {
    this.state().mgrs.set(id, host);
  }

  removeMgr(id: string): void {
    const s = this.state();
    s.mgrs.delete(id);
    if (s.activeMgr === id) {
      s.activeMgr = undefined;
      s.mgrEpoch++;
      s.mgrInactiveSince = this.clock.now();
    }
  }

  /** Running managers that are not the active one. */
  standbyMgrs(): string[] {
    const s = this.state();
    const now = this.clock.now();
    return [...s.mgrs.keys()].filter((id) => id !== s.activeMgr && this.mgrRunningSince(id, now) !== undefined).sort();
  }

  // ---- OSDs -----------------------------------------------------------------------------------

  /** `osd new UUID`: the OSD id for that uuid (an existing one is returned again), state exists,new. */
  osdNew(uuid: string, cephxSecret: string): number {
    const s = this.state();
    for (const o of s.osds.values()) if (o.uuid === uuid) return o.id;
    let id = 0;
    while (s.osds.has(id)) id++;
    s.osds.set(id, { id, uuid, lifecycle: 'new', up: false, in: false, sizeBytes: 0, upFrom: 0, upThru: 0, downAt: 0, autoOut: false, nonce: 0 });
    s.auth.set(`osd.${id}`, { key: cephxSecret, caps: { mgr: 'allow profile osd', mon: 'allow profile osd', osd: 'allow *' } });
    s.osdmapEpoch++;
    return id;
  }

  /** `osd purge-new`: ceph-volume's rollback of an OSD id it allocated. */
  osdPurgeNew(id: number): void {
    const s = this.state();
    const osd = s.osds.get(id);
    if (!osd) throw new CephCommandError(`osd.${id} does not exist`, 2);
    if (osd.lifecycle !== 'new') throw new CephCommandError(`Error EPERM: osd.${id} is not new`, 1);
    s.osds.delete(id);
    s.auth.delete(`osd.${id}`);
    s.osdmapEpoch++;
  }

  /** What ceph-osd --mkfs leaves: the OSD's node, its size and its device class for CRUSH. */
  osdPrepared(id: number, node: string, sizeBytes: number, deviceClass: string): void {
    const osd = this.state().osds.get(id);
    if (!osd) return;
    osd.node = node;
    osd.sizeBytes = sizeBytes;
    osd.deviceClass = deviceClass;
  }

  /** ceph-volume activate populated the data directory; `atBoot` re-does it when the node boots. */
  osdActivated(id: number, atBoot: () => Promise<void>): void {
    this.activated.add(id);
    this.bootActivate.set(id, atBoot);
  }

  osdDeactivated(id: number): void {
    this.activated.delete(id);
    this.bootActivate.delete(id);
  }

  osd(id: number): OsdView | undefined {
    const s = this.state();
    const o = s.osds.get(id);
    return o ? { ...o, crush: s.crush.get(id) } : undefined;
  }

  /** Ground truth: every OSD of the OSD map, with its CRUSH item. */
  osds(): OsdView[] {
    if (!this.store) return [];
    const s = this.state();
    return [...s.osds.values()].sort((a, b) => a.id - b.id).map((o) => ({ ...o, crush: s.crush.get(o.id) }));
  }

  markOut(id: number): 'done' | 'already' {
    const s = this.state();
    const osd = this.mustOsd(id);
    if (!osd.in) return 'already';
    osd.in = false;
    osd.autoOut = false;
    osd.inSince = this.clock.now();
    this.osdChanged([id], this.clock.now());
    s.lastInChange = this.clock.now();
    return 'done';
  }

  markIn(id: number): 'done' | 'already' {
    const s = this.state();
    const osd = this.mustOsd(id);
    if (osd.in) return 'already';
    osd.in = true;
    osd.autoOut = false;
    osd.inSince = this.clock.now();
    this.osdChanged([id], this.clock.now());
    s.lastInChange = this.clock.now();
    return 'done';
  }

  /** `osd rm`: gone from the OSD map; a CRUSH item left behind shows as DNE. */
  osdRm(id: number): void {
    const s = this.state();
    const osd = this.mustOsd(id);
    if (osd.up) throw new CephCommandError(`Error EBUSY: osd.${id} is still up; must be down before removal. `, 16);
    s.osds.delete(id);
    this.osdDeactivated(id);
    this.osdChanged([id], this.clock.now());
  }

  /** `osd destroy`: keeps the id and CRUSH position for a replacement, drops the keys. */
  osdDestroy(id: number): void {
    const s = this.state();
    const osd = this.mustOsd(id);
    if (osd.up) throw new CephCommandError(`Error EBUSY: osd.${id} is not \`down\`.`, 16);
    osd.lifecycle = 'destroyed';
    osd.in = false;
    s.auth.delete(`osd.${id}`);
    this.osdChanged([id], this.clock.now());
  }

  /** `osd purge`: destroy, then remove from CRUSH and the OSD map. */
  osdPurge(id: number): void {
    const s = this.state();
    const osd = this.mustOsd(id);
    if (osd.up) throw new CephCommandError(`Error EBUSY: osd.${id} is not \`down\`.`, 16);
    s.osds.delete(id);
    s.auth.delete(`osd.${id}`);
    if (s.crush.delete(id)) s.crushVersion++;
    this.osdDeactivated(id);
    this.osdChanged([id], this.clock.now());
  }

  /** `osd crush remove NAME`: an OSD item or an empty host bucket. */
  crushRemove(name: string): 'removed' | 'absent' {
    const s = this.state();
    const m = /^osd\.(\d+)$/.exec(name);
    if (m) {
      const id = Number(m[1]);
      if (!s.crush.delete(id)) return 'absent';
      s.crushVersion++;
      this.osdChanged([id], this.clock.now());
      return 'removed';
    }
    if (!s.crushHosts.has(name)) return 'absent';
    if ([...s.crush.values()].some((c) => c.host === name)) throw new CephCommandError(`Error ENOTEMPTY: (39) Directory not empty`, 39);
    s.crushHosts.delete(name);
    s.crushVersion++;
    return 'removed';
  }

  // ---- pools ----------------------------------------------------------------------------------

  poolExists(name: string): boolean {
    return !!this.store && [...this.store.pools.values()].some((p) => p.name === name);
  }

  pool(name: string): PoolRecord | undefined {
    return this.store ? [...this.store.pools.values()].find((p) => p.name === name) : undefined;
  }

  /** `osd pool create`: Ceph's defaults for what is not given (size from osd_pool_default_size, autoscale on). */
  createPool(name: string, params: PoolParams = {}): PoolRecord {
    const s = this.state();
    const existing = this.pool(name);
    if (existing) return existing;
    const size = params.size ?? Number(s.config.get('osd_pool_default_size') ?? 3);
    const defMin = Number(s.config.get('osd_pool_default_min_size') ?? 0);
    const now = this.clock.now();
    const pool: PoolRecord = {
      id: ++s.poolMax,
      name,
      size,
      minSize: params.minSize ?? (defMin > 0 ? Math.min(defMin, size) : size - Math.floor(size / 2)),
      pgNum: params.pgNum ?? 32,
      autoscale: params.autoscale ?? 'on',
      application: params.application,
      createdAt: now,
      ...([...s.osds.values()].some((o) => o.in && s.crush.has(o.id)) ? { pgsFrom: now } : {}),
      lastChange: ++s.osdmapEpoch,
      images: new Map(),
      extraObjects: 0,
      recoveryUntil: 0,
    };
    s.pools.set(pool.id, pool);
    return pool;
  }

  /** `osd pool set` of one of the settings the twin models; returns whether the value changed. */
  setPool(name: string, key: 'size' | 'min_size' | 'pg_num' | 'pg_autoscale_mode', value: string): boolean {
    const s = this.state();
    const pool = this.pool(name);
    if (!pool) throw new CephCommandError(`Error ENOENT: unrecognized pool '${name}'`, 2);
    const before = JSON.stringify(pool);
    if (key === 'size') {
      pool.size = Number(value);
      pool.minSize = Math.min(pool.minSize, pool.size);
    } else if (key === 'min_size') pool.minSize = Number(value);
    else if (key === 'pg_num') pool.pgNum = Number(value);
    else pool.autoscale = value as AutoscaleMode;
    if (JSON.stringify(pool) === before) return false;
    pool.lastChange = ++s.osdmapEpoch;
    return true;
  }

  setApplication(name: string, app: string): void {
    const pool = this.pool(name);
    if (!pool) throw new CephCommandError(`Error ENOENT: unrecognized pool '${name}'`, 2);
    pool.application = app;
  }

  deletePool(name: string): void {
    const s = this.state();
    const pool = this.pool(name);
    if (!pool) throw new CephCommandError(`Error ENOENT: unrecognized pool '${name}'`, 2);
    s.pools.delete(pool.id);
    s.osdmapEpoch++;
  }

  /** Ground truth: every pool with its objects and PG states now. */
  pools(): PoolView[] {
    if (!this.store) return [];
    const s = this.state();
    const now = this.clock.now();
    const osds = this.pgOsds();
    return [...s.pools.values()].map((p) => {
      const objects = poolObjects(p);
      const pgs = pgStates({ ...p, objects, createdAt: p.pgsFrom ?? p.createdAt }, osds, s.lastOsdChange, now, this.timings);
      // PG states come from the manager: a pool made while none is active has no reported PGs.
      const unreported = s.activeMgr === undefined && p.createdAt >= (s.mgrInactiveSince ?? 0);
      return { ...p, objects, pgs: unreported ? pgs.map((pg) => ({ ...pg, state: 'unknown', active: false })) : pgs };
    });
  }

  /** Everything the reports are made of, at one instant. */
  snapshot(): CephSnapshot {
    const store = this.state();
    return { now: this.clock.now(), store, mons: this.mons(), standbyMgrs: this.standbyMgrs(), osds: this.osds(), pools: this.pools(), timings: this.timings };
  }

  /** Ground truth: what `ceph -s -f json` reports now. */
  status(): unknown {
    return statusJson(this.snapshot());
  }

  /** Ground truth: the health `ceph -s` reports now. */
  health(): { status: string; checks: HealthCheck[] } {
    const checks = healthChecks(this.snapshot());
    return { status: overall(checks), checks };
  }

  // ---- RBD (what `qm create` on an rbd storage and the `rbd` tool use) -------------------------

  /** `rbd create POOL/IMAGE --size`: throws rbd's message when the pool or cluster is not there. */
  rbdCreate(pool: string, image: string, sizeBytes: number): void {
    if (!this.quorate()) throw new Error("rbd: couldn't connect to the cluster!");
    const p = this.pool(pool);
    if (!p) throw new Error(`rbd: error opening pool '${pool}': (2) No such file or directory`);
    if (p.images.has(image)) throw new Error(`rbd: create error: (17) File exists\nlibrbd: rbd image ${image} already exists`);
    p.images.set(image, sizeBytes);
  }

  rbdRemove(pool: string, image: string): void {
    if (!this.quorate()) throw new Error("rbd: couldn't connect to the cluster!");
    const p = this.pool(pool);
    if (!p) throw new Error(`rbd: error opening pool '${pool}': (2) No such file or directory`);
    if (!p.images.delete(image)) throw new Error('rbd: delete error: (2) No such file or directory\nRemoving image: 0% complete...failed.');
  }

  rbdList(pool: string): { name: string; sizeBytes: number }[] {
    const p = this.pool(pool);
    if (!p) throw new Error(`rbd: error opening pool '${pool}': (2) No such file or directory`);
    return [...p.images].map(([name, sizeBytes]) => ({ name, sizeBytes })).sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- daemons, as the monitors see them -------------------------------------------------------

  /** Lab ms since when the daemon behind `unit` on `node` runs, or undefined when it does not. */
  unitRunningSince(node: string, unit: string): number | undefined {
    const host = this.hosts.get(node);
    if (!host?.powered || host.services.state(unit) !== 'active') return undefined;
    return host.services.since(unit) ?? 0;
  }

  private mgrRunningSince(id: string, now: number): number | undefined {
    const node = this.store?.mgrs.get(id);
    const since = node === undefined ? undefined : this.unitRunningSince(node, `ceph-mgr@${id}`);
    return since !== undefined && now >= since + this.timings.mgrStartMs ? since + this.timings.mgrStartMs : undefined;
  }

  /** When a daemon that stopped answering is given up: a clean stop at once, a crash after `grace`. */
  private goneAt(node: string, unit: string, grace: number): number {
    const host = this.hosts.get(node);
    if (!host) return 0;
    // A node that just went down may not have reported its loss yet: it went down now.
    if (!host.powered) return (this.lostAt.get(node) ?? this.clock.now()) + grace;
    return (host.services.since(unit) ?? 0) + 1000;
  }

  private monPresent(m: MonRecord, s: MonStore, now: number): boolean {
    const since = this.unitRunningSince(m.host, `ceph-mon@${m.name}`);
    if (since !== undefined) return now >= since + this.timings.monJoinMs;
    return s.quorum.includes(m.name) && now < this.goneAt(m.host, `ceph-mon@${m.name}`, this.timings.monLostMs);
  }

  /** When OSD `osd` (up in the map) is marked down: at once when stopped, later when its node died. */
  private osdDownAt(osd: OsdRecord, s: MonStore): number {
    const node = osd.node;
    if (node === undefined) return 0;
    const host = this.hosts.get(node);
    if (host?.powered) return host.services.since(`ceph-osd@${osd.id}`) ?? 0;
    const reporters = [...s.osds.values()].some((o) => o.up && o.id !== osd.id && o.node !== node);
    return (this.lostAt.get(node) ?? this.clock.now()) + (reporters ? this.timings.osdDownGraceMs : this.timings.osdReportTimeoutMs);
  }

  private osdAliveSince(osd: OsdRecord, now: number): number | undefined {
    if (osd.node === undefined || osd.lifecycle === 'destroyed' || !this.activated.has(osd.id)) return undefined;
    const since = this.unitRunningSince(osd.node, `ceph-osd@${osd.id}`);
    if (since === undefined || now < since + this.timings.osdBootMs) return undefined;
    return since + this.timings.osdBootMs;
  }

  // ---- time -----------------------------------------------------------------------------------

  /** Keeps the maps moving in lab time (quorum ages, OSDs marked down and out) whether anyone asks or not. */
  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.update(), Math.max(20, 1000 / this.clock.scale));
    this.timer.unref();
  }

  /** Applies what happened since the last look: elections, manager failover, OSDs up, down and out. */
  private update(): void {
    const s = this.store;
    if (!s || this.updating) return;
    this.updating = true;
    try {
      this.advance(s, this.clock.now());
    } finally {
      this.updating = false;
    }
  }

  private advance(s: MonStore, now: number): void {
    const present = s.mons.filter((m) => this.monPresent(m, s, now));
    const quorum = present.length > s.mons.length / 2 ? present.sort((a, b) => ipOrder(a.addr) - ipOrder(b.addr)).map((m) => m.name) : [];
    if (quorum.join(',') !== s.quorum.join(',')) {
      s.quorum = quorum;
      s.quorumSince = now;
      s.electionEpoch += 2;
    }
    // Without a quorum no map changes: nothing is marked up, down or out.
    if (quorum.length === 0) return;
    this.updateMgr(s, now);
    this.updateOsds(s, now);
    this.updatePools(s, now);
  }

  private updateMgr(s: MonStore, now: number): void {
    const active = s.activeMgr;
    if (active !== undefined) {
      const node = s.mgrs.get(active);
      const running = node !== undefined && this.unitRunningSince(node, `ceph-mgr@${active}`) !== undefined;
      if (!running && (node === undefined || now >= this.goneAt(node, `ceph-mgr@${active}`, this.timings.mgrBeaconGraceMs))) {
        s.activeMgr = undefined;
        s.mgrEpoch++;
        s.mgrInactiveSince = now;
      }
    }
    if (s.activeMgr === undefined) {
      const ready = [...s.mgrs.keys()]
        .map((id) => ({ id, at: this.mgrRunningSince(id, now) }))
        .filter((c): c is { id: string; at: number } => c.at !== undefined)
        .sort((a, b) => a.at - b.at)[0];
      if (ready) {
        s.activeMgr = ready.id;
        s.activeMgrSince = Math.max(ready.at, s.mgrInactiveSince ?? 0);
        s.mgrInactiveSince = undefined;
        s.mgrEpoch++;
      }
    }
  }

  private updateOsds(s: MonStore, now: number): void {
    const changed: number[] = [];
    let at = 0;
    for (const osd of [...s.osds.values()].sort((a, b) => a.id - b.id)) {
      const alive = this.osdAliveSince(osd, now);
      if (alive !== undefined && !osd.up) {
        const t = Math.max(alive, s.quorumSince);
        const wasDown = osd.lifecycle === 'exists';
        osd.up = true;
        osd.upSince = t;
        osd.nonce = Math.floor(Math.random() * 4_000_000_000);
        if (osd.lifecycle === 'new' || osd.autoOut) {
          osd.in = true;
          osd.inSince = t;
          osd.autoOut = false;
          s.lastInChange = t;
        }
        osd.lifecycle = 'exists';
        this.placeInCrush(s, osd);
        osd.upFrom = s.osdmapEpoch + 1;
        osd.upThru = osd.upFrom;
        s.lastUpChange = t;
        if (wasDown) this.scheduleRecovery(s, t);
        changed.push(osd.id);
        at = Math.max(at, t);
      } else if (alive === undefined && osd.up) {
        const t = this.osdDownAt(osd, s);
        if (now < t) continue;
        osd.up = false;
        osd.downSince = Math.max(t, s.quorumSince);
        osd.downAt = s.osdmapEpoch + 1;
        s.lastUpChange = osd.downSince;
        changed.push(osd.id);
        at = Math.max(at, osd.downSince);
      }
      if (!osd.up && osd.in && osd.lifecycle === 'exists' && osd.downSince !== undefined && now >= osd.downSince + this.timings.downOutMs) {
        osd.in = false;
        osd.autoOut = true;
        osd.inSince = osd.downSince + this.timings.downOutMs;
        s.lastInChange = osd.inSince;
        changed.push(osd.id);
        at = Math.max(at, osd.inSince);
      }
    }
    if (changed.length) this.osdChanged(changed, at);
  }

  /** osd_crush_update_on_start: a booting OSD puts itself under its host with its size as weight. */
  private placeInCrush(s: MonStore, osd: OsdRecord): void {
    if (s.crush.has(osd.id) || osd.node === undefined) return;
    if (!s.crushHosts.has(osd.node)) s.crushHosts.set(osd.node, -(2 * s.crushHosts.size + 3));
    s.crush.set(osd.id, { host: osd.node, weight: Math.round((osd.sizeBytes / TiB) * 1e5) / 1e5, deviceClass: osd.deviceClass });
    s.crushVersion++;
  }

  /** A returning OSD missed the writes made while it was away: PGs holding objects recover. */
  private scheduleRecovery(s: MonStore, at: number): void {
    for (const pool of s.pools.values()) {
      if (poolObjects(pool) > 0) pool.recoveryUntil = Math.max(pool.recoveryUntil, at + this.timings.peeringMs + this.timings.recoveryMs);
    }
  }

  private osdChanged(ids: number[], at: number): void {
    const s = this.store;
    if (!s) return;
    s.osdmapEpoch++;
    const prev = s.lastOsdChange;
    const keep = prev && at < prev.at + this.timings.peeringMs ? prev.osds : new Set<number>();
    s.lastOsdChange = { at, osds: new Set([...keep, ...ids]) };
  }

  /** The manager creates its `.mgr` pool once it is active and there are OSDs; its database lands there. */
  private updatePools(s: MonStore, now: number): void {
    const anyUp = [...s.osds.values()].some((o) => o.up);
    const anyIn = [...s.osds.values()].some((o) => o.in && s.crush.has(o.id));
    for (const pool of s.pools.values()) if (pool.pgsFrom === undefined && anyIn) pool.pgsFrom = now;
    if (s.activeMgr !== undefined && anyUp && !this.poolExists('.mgr')) {
      this.createPool('.mgr', { pgNum: 1, autoscale: 'on', application: 'mgr' });
    }
    const mgrPool = this.pool('.mgr');
    if (mgrPool && mgrPool.extraObjects === 0 && anyUp && now >= mgrPool.createdAt + this.timings.pgCreateMs) mgrPool.extraObjects = 2;
  }

  private pgOsds(): PgOsd[] {
    const s = this.store;
    if (!s) return [];
    return [...s.osds.values()]
      .filter((o) => s.crush.has(o.id))
      .map((o) => ({ id: o.id, host: (s.crush.get(o.id) as CrushItem).host, up: o.up, in: o.in }));
  }

  private mustOsd(id: number): OsdRecord {
    const osd = this.state().osds.get(id);
    if (!osd) throw new CephCommandError(`osd.${id} does not exist`, 2);
    return osd;
  }
}

/** RBD's objects: the pool's rbd_directory, then an id, header and object map per image. */
export function poolObjects(pool: PoolRecord): number {
  return (pool.images.size ? 1 + 3 * pool.images.size : 0) + pool.extraObjects;
}

export function osdDir(id: number): string {
  return `/var/lib/ceph/osd/ceph-${id}`;
}

function ipOrder(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
