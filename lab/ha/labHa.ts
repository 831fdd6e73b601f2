import type { LabClock } from '../clock';
import type { LabCluster } from '../cluster';
import type { LabFs } from '../fs/labFs';
import type { Services } from '../services';
import {
  configuredServices,
  MANAGER_STATUS,
  readLrmStatus,
  readManagerStatus,
  readResources,
  takeCrmCommands,
  writeLrmStatus,
  writeManagerStatus,
  writeResources,
  type LrmResult,
  type ManagerStatus,
} from './haConfig';
import { EXIT, Manager } from './manager';
import { Lrm } from './lrm';
import type { NodeVms } from './vmRuntime';

/** What the HA stack needs from a node (LabNode implements it). */
export interface HaHost {
  readonly name: string;
  readonly fs: LabFs;
  readonly services: Services;
  readonly powered: boolean;
  readonly bootedAt: number;
  readonly vms: NodeVms;
}

export interface HaTimings {
  /** Lab ms of one CRM or LRM work round. Default 10000 (PVE's). */
  roundMs?: number;
  /** Lab ms after its last refresh that a pmxcfs lock (manager, agent) is free to take. Default 120000. */
  lockExpiryMs?: number;
}

export type CrmState = 'wait_for_quorum' | 'slave' | 'master' | 'lost_manager_lock';

export interface HaLogEntry {
  /** Lab ms. */
  at: number;
  node: string;
  daemon: 'crm' | 'lrm';
  level: 'info' | 'err';
  message: string;
}

/** A service as the master CRM last left it: ground truth for tests. */
export interface HaService {
  sid: string;
  node: string;
  /** The CRM's state: request_start, started, request_stop, stopped, error... */
  state: string;
  /** The LRM reported the guest running (only while `started`). */
  running: boolean;
}

interface Daemons {
  host: HaHost;
  boot: number;
  crm: CrmState;
  manager?: Manager;
  lrm: Lrm;
  nextCrm: number;
  nextLrm: number;
}

const MANAGER_LOCK = 'ha_manager_lock';

/**
 * The cluster's HA stack: on every node a CRM (one of them elected master through the
 * `ha_manager_lock`) and an LRM, each running a work round every ten lab seconds over the
 * node's own /etc/pve, as pve-ha-crm and pve-ha-lrm do. Locks live in pmxcfs and expire two
 * minutes after their last refresh: the hook the node-loss, fencing and recovery path needs.
 */
export class LabHa {
  readonly roundMs: number;
  readonly lockExpiryMs: number;
  private readonly daemons = new Map<string, Daemons>();
  private readonly locks = new Map<string, { owner: string; renewedAt: number }>();
  private readonly entries: HaLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: LabClock,
    private readonly cluster: LabCluster,
    timings: HaTimings = {},
  ) {
    this.roundMs = timings.roundMs ?? 10_000;
    this.lockExpiryMs = timings.lockExpiryMs ?? 120_000;
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

  /** Every service the master manages, with its CRM state and node. */
  resources(): HaService[] {
    const master = this.master();
    const ms = master ? this.daemons.get(master)?.manager?.status : undefined;
    if (!ms) return [];
    return Object.entries(ms.service_status)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sid, sd]) => ({ sid, node: sd.node, state: sd.state, running: sd.running === 1 }));
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

  /** A node that came back starts its daemons from scratch (its locks are whatever pmxcfs kept). */
  private rebooted(d: Daemons): void {
    d.boot = d.host.bootedAt;
    d.crm = 'wait_for_quorum';
    d.manager = undefined;
    d.lrm = new Lrm(d.host.name);
  }

  private record(d: Daemons, daemon: 'crm' | 'lrm', level: 'info' | 'err', message: string): void {
    this.entries.push({ at: this.clock.now(), node: d.host.name, daemon, level, message });
  }

  private lock(name: string, node: string): boolean {
    const now = this.clock.now();
    const held = this.locks.get(name);
    if (held && held.owner !== node && now - held.renewedAt < this.lockExpiryMs) return false;
    this.locks.set(name, { owner: node, renewedAt: now });
    return true;
  }

  private release(name: string, node: string): void {
    if (this.locks.get(name)?.owner === node) this.locks.delete(name);
  }

  private setCrm(d: Daemons, state: CrmState): void {
    this.record(d, 'crm', 'info', `status change ${d.crm} => ${state}`);
    d.crm = state;
  }

  private async crmRound(d: Daemons): Promise<void> {
    const name = d.host.name;
    const quorate = this.cluster.cfsQuorate(name);
    if (d.crm === 'master') {
      if (!quorate || !this.lock(MANAGER_LOCK, name)) {
        this.setCrm(d, 'lost_manager_lock');
        d.manager = undefined;
        this.setCrm(d, 'wait_for_quorum');
        return;
      }
      await this.manage(d);
      return;
    }
    if (!quorate) {
      if (d.crm !== 'wait_for_quorum') this.setCrm(d, 'wait_for_quorum');
      return;
    }
    const configured = (await configuredServices(d.host.fs)).size > 0;
    if (configured && this.lock(MANAGER_LOCK, name)) {
      this.record(d, 'crm', 'info', `got lock '${MANAGER_LOCK}'`);
      this.setCrm(d, 'master');
      d.manager = new Manager(name, await readManagerStatus(d.host.fs), (level, msg) => this.record(d, 'crm', level, msg));
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
    const services = await configuredServices(fs);
    const stops: [string, string][] = [];
    const ms = manager.manage(
      { now: this.clock.now(), nodes, services, lrmResults, commands: await takeCrmCommands(fs) },
      { setRequestedState: (sid, state) => stops.push([sid, state]) },
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
  }

  private async lrmRound(d: Daemons): Promise<void> {
    const name = d.host.name;
    const fs = d.host.fs;
    // Nobody reads LRM states before HA is configured: the twin keeps pmxcfs quiet until then.
    if (!(await fs.exists(MANAGER_STATUS)) && (await readResources(fs)).sections.length === 0) return;
    const ms: ManagerStatus = await readManagerStatus(fs);
    const agentLock = `ha_agent_${name}_lock`;
    const status = d.lrm.round({
      now: this.clock.now(),
      quorate: this.cluster.cfsQuorate(name),
      ms,
      lock: () => this.lock(agentLock, name),
      releaseLock: () => this.release(agentLock, name),
      startGuest: (vmid) => this.startGuest(d, vmid),
      stopGuest: (vmid) => this.stopGuest(d, vmid),
      log: (msg) => this.record(d, 'lrm', 'info', msg),
    });
    await writeLrmStatus(fs, name, status);
  }

  private startGuest(d: Daemons, vmid: number): number {
    if (d.host.vms.running(vmid)) return EXIT.SUCCESS;
    this.record(d, 'lrm', 'info', `starting service vm:${vmid}`);
    d.host.vms.start(vmid);
    return EXIT.SUCCESS;
  }

  private stopGuest(d: Daemons, vmid: number): number {
    if (!d.host.vms.running(vmid)) return EXIT.SUCCESS;
    this.record(d, 'lrm', 'info', `stopping service vm:${vmid}`);
    d.host.vms.stop(vmid);
    this.record(d, 'lrm', 'info', `service status vm:${vmid} stopped`);
    return EXIT.SUCCESS;
  }
}
