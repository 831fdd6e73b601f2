import { InMemoryFs, type IFileSystem } from 'just-bash';
import type { LabClock } from './clock';
import type { RunOutcome, RunRequest } from './commandRunner';
import type { LabFs } from './fs/labFs';
import { corosyncStartLines, corosyncStopLines, pmxcfsQuorumLine, quorumFlipLines, ringChangeLog, type PeerRun } from './journal/corosyncLog';
import type { NodeJournal } from './journal/journal';
import { AUTHKEY, COROSYNC_CONF, readConf, type CorosyncConf, type CorosyncView, type MemberInfo } from './pve/corosync';
import { applyOp, PmxcfsMount, ReplicatedDb, seedDatabase, type DbOp, type PmxcfsBacking, type PmxcfsNode } from './pve/pmxcfs';
import type { PveRelease } from './pve/releases';
import type { Services } from './services';
import { RootKeyPool, type KeyPair } from './ssh/rootKeys';

/** What the cluster model needs from a node (LabNode implements it). */
export interface ClusterHost {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly release: PveRelease;
  readonly fs: LabFs;
  readonly services: Services;
  readonly powered: boolean;
  /** root's password (what the join API checks). */
  readonly rootPassword: string;
  /** Lab ms when the node last powered on. */
  readonly bootedAt: number;
  /** The public half of the key the node's sshd presents (`ssh-ed25519 AAAA… root@pve1`). */
  readonly hostKeyPublic: string;
  /** What a TCP connection to port 22 meets: sshd, a closed port, or a host that no longer answers. */
  sshState(): 'listening' | 'closed' | 'silent';
  run(req: RunRequest): Promise<RunOutcome>;
  /** The node's journal, where its corosync and pmxcfs log (and journalctl reads). */
  readonly journal: NodeJournal;
}

export interface ClusterTimings {
  /** Lab ms before a write to /etc/pve on one member is visible on the others. Default 1000. */
  replicationDelayMs?: number;
  /** Lab ms from corosync starting to it being part of the ring with the others. Default 3000. */
  joinMs?: number;
  /** corosync's token timeout in lab ms, before token_coefficient. Default 3000 (corosync's). */
  tokenMs?: number;
}

export type PmxcfsMode = 'off' | 'standalone' | 'cluster' | 'local';

export interface QuorumInfo {
  quorate: boolean;
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
}

interface CorosyncState {
  running: boolean;
  startedAt: number;
  lostAt?: number;
  /** A clean stop is announced to the ring; a crash is noticed at the token timeout. */
  graceful: boolean;
  conf?: CorosyncConf;
  authkey?: string;
  nodeid?: number;
  /** votequorum's expected votes on this node: from the config, `-e`, or raised by the votes present. */
  expected: number;
}

interface PmxcfsState {
  mode: PmxcfsMode;
  /** Started by `pmxcfs -l` rather than by pve-cluster.service. */
  manual: boolean;
  startedAt: number;
  /** pmxcfs learnt the cluster from corosync during this run (its .members then lists the nodes). */
  clinfo?: { name: string; version: number; nodes: MemberInfo[] };
  membersVersion: number;
  membersSig: string;
  vmlistVersion: number;
  vmlistSig: string;
  /** Nodes this pmxcfs has seen online, whose addresses it learnt. */
  seen: Set<string>;
}

class NodeState {
  host?: ClusterHost;
  db: InMemoryFs;
  readonly underlay = new InMemoryFs();
  mount!: PmxcfsMount;
  group?: ReplicatedDb;
  corosync: CorosyncState = { running: false, startedAt: 0, graceful: true, expected: 0 };
  pmxcfs: PmxcfsState;
  ringSig = '';
  ringId = '';
  /** The write (of its copy of the database) up to which pmxcfs looked for a new corosync.conf. */
  confChecked = -1;
  /** Quorum as corosync and pmxcfs last announced it in the journal. */
  quorateLogged = false;

  constructor(
    readonly spec: PmxcfsNode,
    db: InMemoryFs,
    now: number,
  ) {
    this.db = db;
    this.pmxcfs = { mode: 'off', manual: false, startedAt: now, membersVersion: 0, membersSig: '', vmlistVersion: 1, vmlistSig: '', seen: new Set() };
  }

  get name(): string {
    return this.spec.name;
  }
}

export class UnitFailure extends Error {}

/**
 * The cluster model behind the PVE commands: every node's corosync (membership, votes and quorum,
 * computed from each node's own corosync.conf, authkey, power and the lab clock) and pmxcfs (the
 * /etc/pve each node mounts: a private database when standalone, a replicated one shared by the
 * members of a cluster). It is the ground truth tests can ask: `members`, `quorum`, `sharing`.
 */
export class LabCluster {
  readonly replicationDelayMs: number;
  readonly joinMs: number;
  readonly tokenMs: number;
  private readonly nodes = new Map<string, NodeState>();
  private readonly groups = new Map<string, ReplicatedDb>();
  private readonly locks = new Set<string>();
  private ringSeq = 4;
  private readonly rootKeys = new RootKeyPool();
  private ticking: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly wakes = new Set<NodeJS.Timeout>();

  constructor(
    /** The name the demo inventory gives the cluster (pvecm create NAME). */
    readonly name: string,
    private readonly clock: LabClock,
    timings: ClusterTimings = {},
  ) {
    this.replicationDelayMs = timings.replicationDelayMs ?? 1000;
    this.joinMs = timings.joinMs ?? 3000;
    this.tokenMs = timings.tokenMs ?? 3000;
  }

  // ---- wiring -------------------------------------------------------------------------------

  /** The /etc/pve the node mounts: its pmxcfs. */
  async etcPve(node: PmxcfsNode): Promise<IFileSystem> {
    let state = this.nodes.get(node.name);
    if (!state) {
      state = new NodeState(node, await seedDatabase(node, this.clock.date()), this.clock.now());
      const s = state;
      state.mount = new PmxcfsMount({
        nodeName: node.name,
        backing: () => this.backing(s),
        writableNow: () => this.writableNow(s),
        statusFile: (name) => this.statusFile(s, name),
      });
      this.nodes.set(node.name, state);
    }
    return state.mount;
  }

  attachHost(host: ClusterHost): void {
    this.state(host.name).host = host;
  }

  /**
   * Membership changes happen in lab time whether anyone looks or not (votequorum raising expected
   * votes, ring ids): once a corosync runs, a light periodic pass keeps them, every half lab second.
   */
  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch(() => undefined), Math.max(10, 500 / this.clock.scale));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.wakes) clearTimeout(t);
    this.wakes.clear();
  }

  /** A pass right when a membership change is due, so the journal sees it then rather than at the next periodic pass. */
  private wakeAt(labMs: number): void {
    const t = setTimeout(() => {
      this.wakes.delete(t);
      void this.tick().catch(() => undefined);
    }, Math.max(0, Math.ceil(this.clock.realMs(labMs - this.clock.now()))));
    t.unref();
    this.wakes.add(t);
  }

  host(name: string): ClusterHost | undefined {
    return this.nodes.get(name)?.host;
  }

  hosts(): ClusterHost[] {
    return [...this.nodes.values()].flatMap((s) => (s.host ? [s.host] : []));
  }

  /** A fresh RSA-4096 pair for a node's root (drawn ahead for every node of the lab). */
  rootKeyPair(): Promise<KeyPair> {
    this.rootKeys.prefetch(this.nodes.size);
    return this.rootKeys.take();
  }

  // ---- ground truth -------------------------------------------------------------------------

  /** Names in the node's corosync ring (empty when its corosync is not running). */
  members(name: string): string[] {
    const s = this.state(name);
    return this.ring(s, this.clock.now()).map((m) => m.name);
  }

  /** votequorum's numbers on the node, or undefined when its corosync is not running. */
  quorum(name: string): QuorumInfo | undefined {
    const s = this.state(name);
    if (!s.corosync.running) return undefined;
    return this.votequorum(s, this.clock.now());
  }

  quorate(name: string): boolean {
    return this.quorum(name)?.quorate ?? false;
  }

  /** What PVE::Cluster::check_cfs_quorum sees: pmxcfs mounted and writable (quorate, or not clustered). */
  cfsQuorate(name: string): boolean {
    return this.writableNow(this.state(name)) === true;
  }

  /** How the node's pmxcfs runs: off (not mounted), standalone, cluster, or local (`pmxcfs -l`). */
  mode(name: string): PmxcfsMode {
    return this.state(name).pmxcfs.mode;
  }

  /** Groups of nodes whose /etc/pve is the same replicated database; a standalone node is alone. */
  sharing(): string[][] {
    const out: string[][] = [...this.groups.values()].map((g) => g.members.sort());
    for (const s of this.nodes.values()) {
      if (!s.group && s.pmxcfs.mode !== 'off') out.push([s.name]);
    }
    return out.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
  }

  /** Brings the model up to the current lab time (membership, replication, pmxcfs sync). */
  settle(): Promise<void> {
    return this.tick();
  }

  // ---- corosync -------------------------------------------------------------------------------

  /** The running corosync's view on this node, or undefined when corosync does not run there. */
  corosyncView(name: string): CorosyncView | undefined {
    const s = this.state(name);
    const conf = s.corosync.conf;
    if (!s.corosync.running || !conf || s.corosync.nodeid === undefined) return undefined;
    const now = this.clock.now();
    const q = this.votequorum(s, now);
    return {
      nodeid: s.corosync.nodeid,
      clusterName: conf.clusterName,
      configVersion: conf.configVersion,
      linkAddress: this.entry(s)?.links['0'] ?? '',
      nodelist: nodelist(conf),
      members: this.ring(s, now),
      ringId: s.ringId || `${s.corosync.nodeid.toString(16)}.${this.ringSeq.toString(16)}`,
      ...q,
    };
  }

  /** Starts corosync as its unit does; returns false when the start condition skips it. */
  async startCorosync(name: string): Promise<boolean> {
    await this.tick();
    const s = this.state(name);
    const host = this.hostOf(s);
    if (s.corosync.running) return true;
    const text = await host.fs.readFile(COROSYNC_CONF).catch(() => undefined);
    // corosync.service: ConditionPathExists=/etc/corosync/corosync.conf.
    if (text === undefined) return false;
    const conf = readConf(text);
    if (conf instanceof Error) throw new UnitFailure(`parse error in config: ${conf.message}`);
    const local = this.localEntryFor(host, conf);
    if (!local) throw new UnitFailure('This node is not in the nodelist (no ring0_addr is a local address)');
    const authkey = await host.fs.readFile(AUTHKEY, 'latin1').catch(() => undefined);
    if (authkey === undefined && conf.totem['secauth'] !== 'off') throw new UnitFailure(`Could not open ${AUTHKEY}: No such file or directory`);
    const now = this.clock.now();
    s.corosync = { running: true, startedAt: now, graceful: true, conf, authkey, nodeid: local.nodeid, expected: expectedOf(conf) };
    s.quorateLogged = false;
    for (const line of corosyncStartLines(corosyncVersion(host.release))) host.journal.log('corosync', line, { at: now, priority: 5 });
    this.wakeAt(now + this.joinMs);
    await host.fs.mkdir('/var/lib/corosync', { recursive: true });
    await host.fs.writeFile(`/var/lib/corosync/ringid_${local.nodeid}`, `${this.ringSeq}\n`);
    host.services.set('corosync', 'active');
    this.watch();
    await this.tick();
    return true;
  }

  /** Stops corosync: cleanly (the ring hears it leave), or as a crash (noticed at the token timeout). */
  async stopCorosync(name: string, opts: { graceful?: boolean; failed?: boolean } = {}): Promise<void> {
    const s = this.state(name);
    if (s.corosync.running) {
      s.corosync.running = false;
      s.corosync.lostAt = this.clock.now();
      s.corosync.graceful = opts.graceful ?? true;
      s.corosync.expected = 0;
      if (s.corosync.graceful) for (const line of corosyncStopLines()) s.host?.journal.log('corosync', line, { priority: 5 });
      this.wakeAt(s.corosync.lostAt);
    }
    s.quorateLogged = false;
    s.host?.services.set('corosync', opts.failed ? 'failed' : 'inactive');
    await this.detach(s);
  }

  /** `corosync-quorumtool -e N`: votequorum's validation, then the whole ring takes the value. */
  setExpected(name: string, expected: number): 'ok' | 'CS_ERR_INVALID_PARAM' {
    const s = this.state(name);
    const now = this.clock.now();
    const total = this.votequorum(s, now).totalVotes;
    const quorum = Math.floor(expected / 2) + 1;
    if (quorum < Math.floor(total / 2) || quorum > total) return 'CS_ERR_INVALID_PARAM';
    for (const m of this.ring(s, now)) {
      const peer = this.nodes.get(m.name);
      if (peer) peer.corosync.expected = expected;
    }
    return 'ok';
  }

  /** `corosync-cfgtool -R`: every corosync of the ring rereads its corosync.conf. */
  async reloadRing(name: string): Promise<void> {
    const s = this.state(name);
    for (const m of this.ring(s, this.clock.now())) {
      const peer = this.nodes.get(m.name);
      if (peer) await this.reloadCorosync(peer);
    }
  }

  /** `corosync-cfgtool -k NODEID`: the ring tells that node's corosync to exit. */
  async killNode(name: string, nodeid: number): Promise<boolean> {
    const s = this.state(name);
    const target = this.ring(s, this.clock.now()).find((m) => m.nodeid === nodeid);
    if (!target) return false;
    await this.stopCorosync(target.name, { graceful: true, failed: true });
    return true;
  }

  // ---- pmxcfs -------------------------------------------------------------------------------

  /** pve-cluster.service starting pmxcfs: cluster mode when the node has a cluster configuration. */
  async startPmxcfs(name: string, opts: { local?: boolean; manual?: boolean } = {}): Promise<void> {
    await this.tick();
    const s = this.state(name);
    const host = this.hostOf(s);
    if (s.pmxcfs.mode !== 'off') throw new UnitFailure('unable to acquire pmxcfs lock: Resource temporarily unavailable');
    const localConf = await host.fs.readFile(COROSYNC_CONF).catch(() => undefined);
    const dbConf = await s.db.readFile('/corosync.conf').catch(() => undefined);
    const mode: PmxcfsMode = opts.local ? 'local' : localConf !== undefined || dbConf !== undefined ? 'cluster' : 'standalone';
    s.pmxcfs = { ...s.pmxcfs, mode, manual: !!opts.manual, startedAt: this.clock.now(), clinfo: undefined, seen: new Set([name]), membersVersion: 0, membersSig: '' };
    host.journal.log('pmxcfs', `[main] notice: resolved node name '${name}' to '${host.address}' for default node IP address`, { priority: 5 });
    if (mode === 'cluster') await this.syncLocalConf(s, dbConf, localConf);
    await this.tick();
  }

  async stopPmxcfs(name: string): Promise<void> {
    const s = this.state(name);
    await this.detach(s);
    s.pmxcfs.mode = 'off';
    s.pmxcfs.manual = false;
    s.pmxcfs.clinfo = undefined;
  }

  /** Whether a pmxcfs process runs, and whether pve-cluster.service started it. */
  pmxcfsProcess(name: string): 'none' | 'service' | 'manual' {
    const p = this.state(name).pmxcfs;
    return p.mode === 'off' ? 'none' : p.manual ? 'manual' : 'service';
  }

  /** `pvecm add` throws the old database away (after a backup); pmxcfs then starts from nothing. */
  async replaceDatabase(name: string): Promise<string> {
    const s = this.state(name);
    const dump = dumpDatabase(s.db);
    s.db = new InMemoryFs();
    return dump;
  }

  /** A dump of the node's database, what `sqlite3 config.db .dump` would give. */
  databaseDump(name: string): string {
    return dumpDatabase(this.state(name).db);
  }

  // ---- power ----------------------------------------------------------------------------------

  /** The node lost power or crashed: its corosync vanishes without a word, pmxcfs with it. */
  async powerLost(name: string): Promise<void> {
    const s = this.state(name);
    if (s.corosync.running) {
      s.corosync.running = false;
      s.corosync.lostAt = this.clock.now();
      s.corosync.graceful = false;
      if (s.corosync.conf) this.wakeAt(s.corosync.lostAt + this.detectMs(s.corosync.conf));
    }
    s.quorateLogged = false;
    await this.detach(s);
    s.pmxcfs.mode = 'off';
    s.pmxcfs.manual = false;
    s.pmxcfs.clinfo = undefined;
  }

  /** Boot: pve-cluster starts pmxcfs, then corosync starts when the node has a configuration. */
  async booted(name: string): Promise<void> {
    const s = this.state(name);
    const host = this.hostOf(s);
    try {
      await this.startPmxcfs(name);
      host.services.set('pve-cluster', 'active');
    } catch {
      host.services.set('pve-cluster', 'failed');
    }
    try {
      if (await this.startCorosync(name)) host.services.set('corosync', 'active');
    } catch {
      host.services.set('corosync', 'failed');
    }
  }

  // ---- locks ----------------------------------------------------------------------------------

  /**
   * flock(2) on a node's file with PVE::Tools::lock_file's timeout; the lock goes when the holder
   * finishes (or its node loses power and the command is aborted).
   */
  async lock<T>(node: string, path: string, timeoutMs: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const key = `${node}\0${path}`;
    const deadline = this.clock.now() + timeoutMs;
    while (this.locks.has(key)) {
      if (this.clock.now() >= deadline) throw new LockTimeout(path);
      await this.clock.sleep(Math.min(100, deadline - this.clock.now()), signal);
    }
    this.locks.add(key);
    try {
      return await fn();
    } finally {
      this.locks.delete(key);
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  private state(name: string): NodeState {
    const s = this.nodes.get(name);
    if (!s) throw new Error(`no node ${name} in this lab`);
    return s;
  }

  private hostOf(s: NodeState): ClusterHost {
    if (!s.host) throw new Error(`${s.name} has no host yet`);
    return s.host;
  }

  private entry(s: NodeState) {
    return s.corosync.conf?.nodes.find((n) => n.nodeid === s.corosync.nodeid);
  }

  /** corosync finds itself in the nodelist by a link address configured on the node. */
  private localEntryFor(host: ClusterHost, conf: CorosyncConf) {
    const local = new Set(['127.0.0.1', host.address]);
    return conf.nodes.find((n) => Object.values(n.links).some((a) => local.has(a)));
  }

  /** corosync's effective token timeout: token plus token_coefficient (650 ms) per node past two. */
  private tokenTimeout(conf: CorosyncConf): number {
    return this.tokenMs + 650 * Math.max(0, conf.nodes.length - 2);
  }

  private detectMs(conf: CorosyncConf): number {
    // The token is lost, then consensus (1.2 × token) passes before a new ring forms.
    return this.tokenTimeout(conf) * 2.2;
  }

  /** Whether corosync on x has y in its ring at `now`. */
  private sees(x: NodeState, y: NodeState, now: number): boolean {
    if (!x.corosync.running) return false;
    if (x === y) return true;
    const cx = x.corosync.conf;
    const cy = y.corosync.conf;
    if (!cx || !cy || cx.clusterName !== cy.clusterName || x.corosync.authkey !== y.corosync.authkey) return false;
    const ex = this.entry(x);
    const ey = this.entry(y);
    if (!ex || !ey) return false;
    const lists = (conf: CorosyncConf, e: typeof ex) => conf.nodes.some((n) => n.nodeid === e.nodeid && n.links['0'] === e.links['0']);
    if (!lists(cx, ey) || !lists(cy, ex)) return false;
    const joinedAt = Math.max(x.corosync.startedAt, y.corosync.startedAt) + this.joinMs;
    if (y.corosync.running && y.host?.powered !== false) return now >= joinedAt;
    const lost = y.corosync.lostAt;
    if (y.corosync.graceful || lost === undefined || lost < joinedAt) return false;
    return now < lost + this.detectMs(cx);
  }

  /** The ring as x's corosync sees it, by node id, with x's configuration's votes. */
  private ring(x: NodeState, now: number): MemberInfo[] {
    const conf = x.corosync.conf;
    if (!conf || !x.corosync.running) return [];
    const list = nodelist(conf);
    const out: MemberInfo[] = [];
    for (const y of this.nodes.values()) {
      if (!this.sees(x, y, now)) continue;
      const info = list.find((n) => n.nodeid === y.corosync.nodeid);
      if (info) out.push(info);
    }
    return out.sort((a, b) => a.nodeid - b.nodeid);
  }

  private votequorum(x: NodeState, now: number): QuorumInfo {
    const ring = this.ring(x, now);
    const total = ring.reduce((sum, m) => sum + m.votes, 0);
    let highest = 0;
    for (const m of ring) {
      const peer = this.nodes.get(m.name);
      highest = Math.max(highest, Math.max(peer?.corosync.expected ?? 0, total));
    }
    const quorum = Math.floor(highest / 2) + 1;
    return { quorate: ring.length > 0 && total >= quorum, expectedVotes: Math.max(x.corosync.expected, total), highestExpected: highest, totalVotes: total, quorum };
  }

  private async reloadCorosync(s: NodeState): Promise<void> {
    if (!s.corosync.running || !s.host) return;
    const text = await s.host.fs.readFile(COROSYNC_CONF).catch(() => undefined);
    const conf = text === undefined ? undefined : readConf(text);
    if (!conf || conf instanceof Error) return;
    if (s.corosync.conf && conf.configVersion <= s.corosync.conf.configVersion) return;
    s.corosync.conf = conf;
    s.corosync.expected = expectedOf(conf);
  }

  /** pmxcfs writes /etc/pve/corosync.conf to /etc/corosync/ when newer, and has corosync reload it. */
  private async syncLocalConf(s: NodeState, dbConf: string | undefined, localConf: string | undefined): Promise<void> {
    if (dbConf === undefined || !s.host) return;
    const db = readConf(dbConf);
    if (db instanceof Error) return;
    const local = localConf === undefined ? undefined : readConf(localConf);
    if (local && !(local instanceof Error) && local.configVersion >= db.configVersion) return;
    await s.host.fs.mkdir('/etc/corosync', { recursive: true });
    await s.host.fs.writeFile(COROSYNC_CONF, dbConf);
    await this.reloadCorosync(s);
  }

  private async detach(s: NodeState): Promise<void> {
    const group = s.group;
    if (!group) return;
    s.group = undefined;
    s.db = (await group.detach(s.name)) ?? s.db;
    if (group.members.length === 0) {
      for (const [key, g] of this.groups) if (g === group) this.groups.delete(key);
    }
  }

  private identity(s: NodeState): string | undefined {
    const conf = s.corosync.conf;
    return conf ? `${conf.clusterName}\0${s.corosync.authkey ?? ''}` : undefined;
  }

  private tick(): Promise<void> {
    const run = this.ticking.then(() => this.step());
    this.ticking = run.catch(() => undefined);
    return run;
  }

  private async step(): Promise<void> {
    const now = this.clock.now();
    const states = [...this.nodes.values()].filter((s) => s.host);
    // Rings and their ids; votequorum raises a node's expected votes to the votes present.
    const assigned = new Map<string, string>();
    const changed: [NodeState, string][] = [];
    for (const s of states) {
      const ring = this.ring(s, now);
      const total = ring.reduce((sum, m) => sum + m.votes, 0);
      if (s.corosync.running && total > s.corosync.expected) s.corosync.expected = total;
      const sig = ring.map((m) => m.nodeid).join(',');
      if (sig === s.ringSig) continue;
      changed.push([s, s.ringSig]);
      s.ringSig = sig;
      if (!ring.length) continue;
      const key = `${this.identity(s)}\0${sig}`;
      let id = assigned.get(key);
      if (!id) {
        id = `${(ring[0] as MemberInfo).nodeid.toString(16)}.${(++this.ringSeq).toString(16)}`;
        assigned.set(key, id);
      }
      s.ringId = id;
    }
    for (const [s, before] of changed) this.logRingChange(s, before, now);
    for (const s of states) this.logQuorumFlip(s, now);
    // pmxcfs joins its cluster's database once corosync has it in a ring with a member.
    for (const s of states) {
      const attach = s.pmxcfs.mode === 'cluster' && s.corosync.running && !!s.host?.powered;
      if (s.group && !attach) await this.detach(s);
      if (!s.group && attach) {
        const key = this.identity(s) as string;
        const group = this.groups.get(key);
        if (!group) {
          const created = await ReplicatedDb.from(s.name, s.db, () => this.clock.now(), this.replicationDelayMs);
          this.groups.set(key, created);
          s.group = created;
          s.confChecked = -1;
        } else if (this.ring(s, now).some((m) => m.name !== s.name && group.has(m.name))) {
          s.db = await group.attach(s.name);
          s.group = group;
          s.confChecked = -1;
        }
      }
      if (s.pmxcfs.mode === 'cluster' && s.corosync.running && s.corosync.conf) {
        s.pmxcfs.clinfo = { name: s.corosync.conf.clusterName, version: s.corosync.conf.configVersion, nodes: nodelist(s.corosync.conf) };
      }
    }
    // pmxcfs keeps /etc/corosync/corosync.conf in line with the replicated one.
    for (const s of states) {
      if (!s.group || !s.host) continue;
      const fs = await s.group.read(s.name);
      if (s.group.applied(s.name) === s.confChecked) continue;
      s.confChecked = s.group.applied(s.name);
      const dbConf = await fs.readFile('/corosync.conf').catch(() => undefined);
      if (dbConf === undefined) continue;
      const localConf = await s.host.fs.readFile(COROSYNC_CONF).catch(() => undefined);
      if (localConf !== dbConf) await this.syncLocalConf(s, dbConf, localConf);
    }
  }

  /** The journal lines of the node's corosync (and pmxcfs) for its ring changing from `before` (node ids, comma-separated). */
  private logRingChange(s: NodeState, before: string, now: number): void {
    const host = s.host;
    const conf = s.corosync.conf;
    if (!host?.powered || !s.corosync.running || !conf || !s.ringSig) return;
    const ring = this.ring(s, now);
    const peers = new Map<number, PeerRun>();
    for (const n of nodelist(conf)) {
      const c = this.nodes.get(n.name)?.corosync;
      if (c) peers.set(n.nodeid, { startedAt: c.startedAt, running: c.running, lostAt: c.lostAt, graceful: c.graceful });
    }
    const quorate = this.votequorum(s, now).quorate;
    // A peer that vanished is in pmxcfs's group for as long as it is in corosync's ring.
    const pmxcfsUp = (name: string) => {
      const peer = this.nodes.get(name);
      return peer?.pmxcfs.mode === 'cluster' || peer?.host?.powered === false;
    };
    const lines = ringChangeLog({
      now,
      ringId: s.ringId,
      self: s.corosync.nodeid ?? 0,
      before: before ? before.split(',').map(Number) : [],
      after: ring.map((m) => m.nodeid),
      peers,
      tokenMs: this.tokenTimeout(conf),
      joinMs: this.joinMs,
      quorateBefore: s.quorateLogged,
      quorate,
      pmxcfs: s.pmxcfs.mode === 'cluster'
        ? ring.filter((m) => pmxcfsUp(m.name)).map((m) => ({ nodeid: m.nodeid, pid: this.nodes.get(m.name)?.host?.journal.pid('pmxcfs') ?? 0 }))
        : undefined,
    });
    s.quorateLogged = quorate;
    for (const line of lines) host.journal.log(line.ident, line.message, { at: line.at, priority: line.priority });
  }

  /** votequorum changing its verdict without a membership change (`pvecm expected`). */
  private logQuorumFlip(s: NodeState, now: number): void {
    const host = s.host;
    if (!host?.powered || !s.corosync.running || !s.ringSig) return;
    const quorate = this.votequorum(s, now).quorate;
    if (quorate === s.quorateLogged) return;
    s.quorateLogged = quorate;
    for (const line of quorumFlipLines(quorate, s.ringSig.split(',').map(Number))) host.journal.log('corosync', line, { priority: 5 });
    if (s.pmxcfs.mode === 'cluster') host.journal.log('pmxcfs', pmxcfsQuorumLine(quorate), { priority: 5 });
  }

  private writableNow(s: NodeState): boolean | undefined {
    const mode = s.pmxcfs.mode;
    if (mode === 'off') return undefined;
    if (mode !== 'cluster') return true;
    return !!s.group && this.votequorum(s, this.clock.now()).quorate;
  }

  private async backing(s: NodeState): Promise<PmxcfsBacking> {
    await this.tick();
    const mode = s.pmxcfs.mode;
    if (mode === 'off') return { kind: 'unmounted', fs: s.underlay };
    if (mode !== 'cluster') return { kind: 'mounted', fs: s.db, writable: true, write: (op: DbOp) => applyOp(s.db, op) };
    const group = s.group;
    if (!group) return { kind: 'mounted', fs: s.db, writable: false, write: () => Promise.reject(new Error('no quorum')) };
    return {
      kind: 'mounted',
      fs: await group.read(s.name),
      writable: this.votequorum(s, this.clock.now()).quorate,
      write: (op: DbOp) => group.write(s.name, op),
    };
  }

  /** The status files pmxcfs computes for this node. */
  private async statusFile(s: NodeState, name: string): Promise<string> {
    const b = await this.backing(s);
    const now = this.clock.now();
    if (name === '.members') return this.membersFile(s, now);
    if (name === '.vmlist') return this.vmlistFile(s, b.fs);
    if (name === '.version')
      return `{\n"starttime": ${Math.floor(s.pmxcfs.startedAt / 1000)},\n"clinfo": ${s.pmxcfs.membersVersion},\n"vmlist": ${s.pmxcfs.vmlistVersion},\n"kvstore": {\n"${s.name}": {\n}\n}\n}\n`;
    if (name === '.clusterlog') return '{\n"data": [\n]\n}\n';
    return '';
  }

  /** status.c's cfs_create_memberlist_msg. */
  private membersFile(s: NodeState, now: number): string {
    const clinfo = s.pmxcfs.clinfo;
    let body: string;
    if (!clinfo) {
      body = `"nodename": "${s.name}",\n"version": VERSION\n`;
    } else {
      const ring = new Set(this.ring(s, now).map((m) => m.name));
      const online = (n: string) => ring.has(n) && this.nodes.get(n)?.pmxcfs.mode === 'cluster';
      for (const n of clinfo.nodes) if (online(n.name)) s.pmxcfs.seen.add(n.name);
      const quorate = s.corosync.running && this.votequorum(s, now).quorate ? 1 : 0;
      const entries = clinfo.nodes.map((n) => {
        const ip = s.pmxcfs.seen.has(n.name) ? `, "ip": "${this.nodes.get(n.name)?.host?.address ?? n.address}"` : '';
        return `  "${n.name}": { "id": ${n.nodeid}, "online": ${online(n.name) ? 1 : 0}${ip}}`;
      });
      body =
        `"nodename": "${s.name}",\n"version": VERSION,\n` +
        `"cluster": { "name": "${clinfo.name}", "version": ${clinfo.version}, "nodes": ${clinfo.nodes.length}, "quorate": ${quorate} },\n` +
        `"nodelist": {\n${entries.join(',\n')}\n  }\n`;
    }
    // pmxcfs counts every update of its cluster info; a standalone pmxcfs never gets one.
    if (clinfo && body !== s.pmxcfs.membersSig) {
      s.pmxcfs.membersSig = body;
      s.pmxcfs.membersVersion++;
    }
    return `{\n${body.replace('VERSION', String(s.pmxcfs.membersVersion))}}\n`;
  }

  /** status.c's cfs_create_vmlist_msg, from the guest configs in the node's copy of the database. */
  private async vmlistFile(s: NodeState, fs: IFileSystem): Promise<string> {
    const guests = await listGuests(fs);
    const sig = guests.map((g) => `${g.vmid}:${g.node}:${g.type}`).join(',');
    if (sig !== s.pmxcfs.vmlistSig) {
      s.pmxcfs.vmlistSig = sig;
      s.pmxcfs.vmlistVersion++;
    }
    const v = s.pmxcfs.vmlistVersion;
    if (guests.length === 0) return `{\n"version": ${v}\n\n}\n`;
    const ids = guests.map((g, i) => `"${g.vmid}": { "node": "${g.node}", "type": "${g.type}", "version": ${i + 1} }`);
    return `{\n"version": ${v},\n"ids": {\n${ids.join(',\n')}}\n\n}\n`;
  }
}

export class LockTimeout extends Error {
  constructor(readonly path: string) {
    super(`can't lock file '${path}' - got timeout`);
  }
}

export interface GuestInfo {
  vmid: number;
  node: string;
  type: 'qemu' | 'lxc';
  path: string;
}

/** Every guest config in a pmxcfs database (`/nodes/NODE/{qemu-server,lxc}/VMID.conf`). */
export async function listGuests(fs: IFileSystem): Promise<GuestInfo[]> {
  const out: GuestInfo[] = [];
  for (const node of await fs.readdir('/nodes').catch(() => [] as string[])) {
    for (const [dir, type] of [['qemu-server', 'qemu'], ['lxc', 'lxc']] as const) {
      for (const file of await fs.readdir(`/nodes/${node}/${dir}`).catch(() => [] as string[])) {
        const m = /^(\d+)\.conf$/.exec(file);
        if (m) out.push({ vmid: Number(m[1]), node, type, path: `/nodes/${node}/${dir}/${file}` });
      }
    }
  }
  return out.sort((a, b) => a.vmid - b.vmid);
}

/** The corosync version the node's packages ship (`corosync: 3.1.9-pve1`). */
function corosyncVersion(release: PveRelease): string {
  return /^corosync: ([^-\s]+)/m.exec(release.packages)?.[1] ?? '3';
}

function nodelist(conf: CorosyncConf): MemberInfo[] {
  return conf.nodes.map((n) => ({ nodeid: n.nodeid, name: n.name, votes: n.votes, address: n.links['0'] ?? '' })).sort((a, b) => a.nodeid - b.nodeid);
}

/** votequorum's expected votes from a configuration: quorum.expected_votes, else the sum of the nodelist's votes. */
function expectedOf(conf: CorosyncConf): number {
  const explicit = Number(conf.quorum?.['expected_votes']);
  return Number.isInteger(explicit) && explicit > 0 ? explicit : conf.nodes.reduce((sum, n) => sum + n.votes, 0);
}

/** A textual stand-in for `sqlite3 config.db .dump`: one INSERT per path of the tree table. */
function dumpDatabase(db: InMemoryFs): string {
  const lines = ['PRAGMA foreign_keys=OFF;', 'BEGIN TRANSACTION;', 'CREATE TABLE tree (  inode INTEGER PRIMARY KEY NOT NULL,  parent INTEGER NOT NULL CHECK(typeof(parent)==\'integer\'),  version INTEGER NOT NULL CHECK(typeof(version)==\'integer\'),  writer INTEGER NOT NULL CHECK(typeof(writer)==\'integer\'),  mtime INTEGER NOT NULL CHECK(typeof(mtime)==\'integer\'),  type INTEGER NOT NULL CHECK(typeof(type)==\'integer\'),  name TEXT NOT NULL,  data BLOB);'];
  let inode = 0;
  for (const path of db.getAllPaths().filter((p) => p !== '/')) lines.push(`INSERT INTO tree VALUES(${++inode},0,${inode},0,0,0,'${path.slice(1).replace(/'/g, "''")}',NULL);`);
  lines.push('COMMIT;');
  return `${lines.join('\n')}\n`;
}
