import type { LabClock } from '../clock';
import type { LabCluster } from '../cluster';
import type { LabFs } from '../fs/labFs';
import type { Services } from '../services';
import {
  configuredServices,
  MANAGER_STATUS,
  readGroups,
  readLrmStatus,
  readManagerStatus,
  readResources,
  readRules,
  takeCrmCommands,
  writeLrmStatus,
  writeManagerStatus,
  writeResources,
  type HaLogLevel,
  type LrmResult,
  type ManagerStatus,
} from './haConfig';
import { Lrm, type LrmGuests } from './lrm';
import { Manager } from './manager';
import { FENCE_DELAY_MS } from './nodeStatus';
import type { NodeVms } from './vmRuntime';

/** What the HA stack needs from a node (LabNode implements it). */
export interface HaHost {
  readonly name: string;
  readonly fs: LabFs;
  readonly services: Services;
  readonly powered: boolean;
  readonly bootedAt: number;
  readonly vms: NodeVms;
  /** The watchdog fired: a hard reset, the node goes down at once (as a crash) and boots again. */
  watchdogReset(): void;
}

export interface HaTimings {
  /** Lab ms of one CRM or LRM work round. Default 10000 (PVE's). */
  roundMs?: number;
  /** Lab ms after its last refresh that a pmxcfs lock (manager, agent) is free to take. Default 120000. */
  lockExpiryMs?: number;
  /** Lab ms a node must have been out of the membership before its services are fenced. Default 60000. */
  fenceDelayMs?: number;
  /** Lab ms watchdog-mux waits for an LRM holding its agent lock to feed it before the node is reset. Default 60000. */
  watchdogMs?: number;
}

export type CrmState = 'wait_for_quorum' | 'slave' | 'master' | 'lost_manager_lock';

export interface HaLogEntry {
  /** Lab ms. */
  at: number;
  node: string;
  daemon: 'crm' | 'lrm';
  level: HaLogLevel;
  message: string;
}

/** A service as the master CRM last left it: ground truth for tests. */
export interface HaService {
  sid: string;
  node: string;
  /** The CRM's state: request_start, started, request_stop, stopped, fence, recovery, migrate, error... */
  state: string;
  /** The LRM reported the guest running (only while `started`). */
  running: boolean;
  /** Where a `migrate` or `relocate` takes it. */
  target?: string;
}

/** A pmxcfs lock (ha_manager_lock, ha_agent_NODE_lock): who took it and when it was last refreshed (lab ms). */
export interface HaLock {
  owner: string;
  renewedAt: number;
}

interface Daemons {
  host: HaHost;
  boot: number;
  crm: CrmState;
  manager?: Manager;
  lrm: Lrm;
  nextCrm: number;
  nextLrm: number;
  /** watchdog-mux's timer for the LRM's watchdog, armed from its last feed. */
  watchdog?: NodeJS.Timeout;
}

const MANAGER_LOCK = 'ha_manager_lock';

/** Where PVE keeps a guest's config, by the service type of its sid. */
function guestConfig(node: string, sid: string): string {
  const [type, id] = sid.split(':') as [string, string];
  return `/etc/pve/nodes/${node}/${type === 'ct' ? 'lxc' : 'qemu-server'}/${id}.conf`;
}

/**
 * The cluster's HA stack: on every node a CRM (one of them elected master through the
 * `ha_manager_lock`) and an LRM, each running a work round every ten lab seconds over the
 * node's own /etc/pve, as pve-ha-crm and pve-ha-lrm do. Locks live in pmxcfs and expire two
 * minutes after their last refresh: a dead master is replaced once its lock expired, and a
 * lost node is fenced once the master could take its agent lock. An LRM holding its lock
 * keeps the node's watchdog fed; cut off from quorum it stops, and the watchdog resets the node.
 */
export class LabHa {
  readonly roundMs: number;
  readonly lockExpiryMs: number;
  readonly fenceDelayMs: number;
  readonly watchdogMs: number;
  private readonly daemons = new Map<string, Daemons>();
  private readonly locks = new Map<string, HaLock>();
  private readonly entries: HaLogEntry[] = [];
  /** The manager status the last master flushed. */
  private flushed: ManagerStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: LabClock,
    private readonly cluster: LabCluster,
    timings: HaTimings = {},
  ) {
    this.roundMs = timings.roundMs ?? 10_000;
    this.lockExpiryMs = timings.lockExpiryMs ?? 120_000;
    this.fenceDelayMs = timings.fenceDelayMs ?? FENCE_DELAY_MS;
    this.watchdogMs = timings.watchdogMs ?? 60_000;
  }

  attach(host: HaHost): void {
    // Each node's rounds start two seconds after the previous node's, so they do not run in lockstep.
    const next = this.nextSlot((this.daemons.size * 2000) % this.roundMs);
    this.daemons.set(host.name, { host, boot: host.bootedAt, crm: 'wait_for_quorum', lrm: new Lrm(host.name), nextCrm: next, nextLrm: next + 1000 });
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), Math.max(20, this.clock.realMs(1000)));
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const d of this.daemons.values()) clearTimeout(d.watchdog);
  }

  // ---- ground truth ---------------------------------------------------------------------------

  /** The node whose CRM is master now (and still running), if any. */
  master(): string | undefined {
    return [...this.daemons.values()].find((d) => d.crm === 'master' && d.host.powered)?.host.name;
  }

  crmState(node: string): CrmState | undefined {
    return this.daemons.get(node)?.crm;
  }

  lrmState(node: string): string | undefined {
    return this.daemons.get(node)?.lrm.state;
  }

  /** Every service in the manager status the last master flushed (while a new master is awaited, the dead one's). */
  resources(): HaService[] {
    const ms = this.flushed;
    if (!ms) return [];
    return Object.entries(ms.service_status)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sid, sd]) => ({ sid, node: sd.node, state: sd.state, running: sd.running === 1, ...(sd.target ? { target: sd.target } : {}) }));
  }

  /** The master's view of every node: online, unknown, fence... */
  nodeStates(): Record<string, string> {
    return { ...this.flushed?.node_status };
  }

  /** A pmxcfs lock as it stands (expired or not), undefined if never taken. */
  lock(name: string): HaLock | undefined {
    const held = this.locks.get(name);
    return held && { ...held };
  }

  /** What the daemons logged (to syslog on a real node), optionally for one node. */
  log(node?: string): HaLogEntry[] {
    return this.entries.filter((e) => !node || e.node === node);
  }

  // ---- rounds ---------------------------------------------------------------------------------

  private nextSlot(offsetMs: number): number {
    const now = this.clock.now();
    return now - (now % this.roundMs) + offsetMs + (now % this.roundMs >= offsetMs ? this.roundMs : 0);
  }

  private tick(): Promise<void> {
    const run = this.running.then(() => this.step());
    this.running = run.catch(() => undefined);
    return run;
  }

  private async step(): Promise<void> {
    const now = this.clock.now();
    for (const d of this.daemons.values()) {
      if (!d.host.powered) continue;
      if (d.boot !== d.host.bootedAt) this.rebooted(d);
      if (now >= d.nextCrm) {
        d.nextCrm += Math.ceil((now - d.nextCrm + 1) / this.roundMs) * this.roundMs;
        // pmxcfs refuses writes without quorum; the daemon simply tries again next round.
        if (d.host.services.state('pve-ha-crm') === 'active') await this.crmRound(d).catch(() => undefined);
      }
      if (now >= d.nextLrm) {
        d.nextLrm += Math.ceil((now - d.nextLrm + 1) / this.roundMs) * this.roundMs;
        if (d.host.services.state('pve-ha-lrm') === 'active') await this.lrmRound(d).catch(() => undefined);
      }
    }
  }

  /**
   * watchdog-mux: the node is reset when the LRM's watchdog went unfed for the client timeout,
   * on its own clock, whatever the daemons are doing. A stopped pve-ha-lrm closed its watchdog
   * on the way out (it only stops once its services are stopped).
   */
  private armWatchdog(d: Daemons): void {
    clearTimeout(d.watchdog);
    const fed = d.lrm.watchdogFedAt;
    if (fed === undefined) return;
    const boot = d.host.bootedAt;
    d.watchdog = setTimeout(() => {
      if (!d.host.powered || d.host.bootedAt !== boot || d.host.services.state('pve-ha-lrm') !== 'active') return;
      const last = d.lrm.watchdogFedAt;
      if (last === undefined) return;
      if (this.clock.now() - last < this.watchdogMs) return this.armWatchdog(d);
      d.lrm.watchdogFedAt = undefined;
      d.host.watchdogReset();
    }, Math.max(0, Math.ceil(this.clock.realMs(fed + this.watchdogMs - this.clock.now()))));
    d.watchdog.unref();
  }

  /** A node that came back starts its daemons from scratch (its locks are whatever pmxcfs kept). */
  private rebooted(d: Daemons): void {
    clearTimeout(d.watchdog);
    d.boot = d.host.bootedAt;
    d.crm = 'wait_for_quorum';
    d.manager = undefined;
    d.lrm = new Lrm(d.host.name);
  }

  private record(d: Daemons, daemon: 'crm' | 'lrm', level: HaLogLevel, message: string): void {
    this.entries.push({ at: this.clock.now(), node: d.host.name, daemon, level, message });
  }

  /**
   * Takes or refreshes a pmxcfs lock for the daemon's node: refused without quorum (pmxcfs is
   * read-only) and while another node holds it unexpired. Taking it anew is logged.
   */
  private takeLock(name: string, d: Daemons, daemon: 'crm' | 'lrm', now = this.clock.now()): boolean {
    const node = d.host.name;
    if (!this.cluster.cfsQuorate(node)) return false;
    const held = this.locks.get(name);
    if (held && now - held.renewedAt <= this.lockExpiryMs) {
      if (held.owner !== node) return false;
      held.renewedAt = now;
      return true;
    }
    this.locks.set(name, { owner: node, renewedAt: now });
    this.record(d, daemon, 'info', `got lock '${name}'`);
    return true;
  }

  private release(name: string, node: string): void {
    if (this.locks.get(name)?.owner === node) this.locks.delete(name);
  }

  private setCrm(d: Daemons, state: CrmState): void {
    this.record(d, 'crm', 'info', `status change ${d.crm} => ${state}`);
    d.crm = state;
  }

  /** CRM::can_get_active: quorate, no service of this node waiting to be fenced, and HA configured. */
  private async canGetActive(d: Daemons): Promise<boolean> {
    const fs = d.host.fs;
    if (!this.cluster.cfsQuorate(d.host.name)) return false;
    const ms = await readManagerStatus(fs);
    if (Object.values(ms.service_status).some((sd) => sd.node === d.host.name && sd.state === 'fence')) return false;
    return (await configuredServices(fs)).size > 0;
  }

  /** PVE::HA::CRM::work: the state change of this round, then the master's work. */
  private async crmRound(d: Daemons): Promise<void> {
    if (d.crm === 'master') {
      if (!this.takeLock(MANAGER_LOCK, d, 'crm')) {
        // It closes its watchdog on the way down: only the LRM's can reset the node.
        this.setCrm(d, 'lost_manager_lock');
        d.manager = undefined;
        this.setCrm(d, 'wait_for_quorum');
        return;
      }
      await this.manage(d);
      return;
    }
    const active = await this.canGetActive(d);
    if (d.crm === 'slave' && !active) return this.setCrm(d, 'wait_for_quorum');
    if (!active) return;
    if (this.takeLock(MANAGER_LOCK, d, 'crm')) {
      this.setCrm(d, 'master');
      d.manager = new Manager(d.host.name, await readManagerStatus(d.host.fs), (level, msg) => this.record(d, 'crm', level, msg), this.fenceDelayMs);
      await this.manage(d);
    } else if (d.crm !== 'slave') this.setCrm(d, 'slave');
  }

  private async manage(d: Daemons): Promise<void> {
    const fs = d.host.fs;
    const manager = d.manager as Manager;
    const name = d.host.name;
    const view = this.cluster.corosyncView(name);
    const members = new Set(this.cluster.members(name));
    const nodes = view ? view.nodelist.map((n) => ({ name: n.name, online: members.has(n.name) })) : [{ name, online: true }];
    const lrmResults: Record<string, LrmResult> = {};
    for (const n of nodes) Object.assign(lrmResults, (await readLrmStatus(fs, n.name))?.results ?? {});
    const stops: [string, string][] = [];
    try {
      const ms = await manager.manage(
        { now: this.clock.now(), nodes, services: await configuredServices(fs), lrmResults, commands: await takeCrmCommands(fs), groups: await readGroups(fs), rules: await readRules(fs) },
        {
          setRequestedState: (sid, state) => stops.push([sid, state]),
          takeAgentLock: (node) => this.takeLock(`ha_agent_${node}_lock`, d, 'crm'),
          stealService: (sid, from, to) => this.stealService(fs, sid, from, to),
        },
      );
      if (stops.length) {
        const cfg = await readResources(fs);
        for (const [sid, state] of stops) {
          const s = cfg.sections.find((x) => `${x.type}:${x.id}` === sid);
          if (s) s.props['state'] = state;
        }
        await writeResources(fs, cfg.sections);
      }
      await writeManagerStatus(fs, ms);
      this.flushed = structuredClone(ms);
    } catch (err) {
      this.record(d, 'crm', 'err', `got unexpected error - ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** PVE::HA::Env::PVE2::steal_service: the master renames the guest's config into the new node's directory. */
  private async stealService(fs: LabFs, sid: string, from: string, to: string): Promise<void> {
    const [src, dest] = [guestConfig(from, sid), guestConfig(to, sid)];
    if (src === dest) return;
    await fs.mv(src, dest).catch((err: { code?: string }) => {
      throw new Error(`rename '${src}' to '${dest}' failed - ${err.code === 'ENOENT' ? 'No such file or directory' : 'Permission denied'}`);
    });
  }

  private async lrmRound(d: Daemons): Promise<void> {
    const name = d.host.name;
    const fs = d.host.fs;
    // Nobody reads LRM states before HA is configured: the twin keeps pmxcfs quiet until then.
    if (!(await fs.exists(MANAGER_STATUS)) && (await readResources(fs)).sections.length === 0) return;
    const agentLock = `ha_agent_${name}_lock`;
    const ms = await readManagerStatus(fs);
    // The watchdog is fed at the refresh of the lock: one instant for both.
    const now = this.clock.now();
    const status = await d.lrm.round({
      now,
      quorate: this.cluster.cfsQuorate(name),
      ms,
      lock: () => this.takeLock(agentLock, d, 'lrm', now),
      releaseLock: () => this.release(agentLock, name),
      guests: this.guests(d),
      log: (level, msg) => this.record(d, 'lrm', level, msg),
    });
    this.armWatchdog(d);
    await writeLrmStatus(fs, name, status);
  }

  /** The node's QEMU processes; a migration renames the config into the target's directory and moves the process. */
  private guests(d: Daemons): LrmGuests {
    const vms = d.host.vms;
    return {
      running: (vmid) => vms.running(vmid) !== undefined,
      start: (vmid) => void vms.start(vmid),
      stop: (vmid) => vms.stop(vmid),
      migrate: async (sid, target, online) => {
        const vmid = Number(sid.split(':')[1]);
        const moved = await d.host.fs.mv(guestConfig(d.host.name, sid), guestConfig(target, sid)).then(
          () => true,
          () => false,
        );
        if (!moved) return false;
        vms.stop(vmid);
        const dest = this.daemons.get(target)?.host;
        if (online && dest?.powered) dest.vms.start(vmid);
        return true;
      },
    };
  }
}
