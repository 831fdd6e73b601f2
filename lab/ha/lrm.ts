import type { HaLogLevel, LrmResult, LrmStatus, ManagerStatus, ServiceStatus } from './haConfig';
import { EXIT } from './manager';

export type LrmState = 'wait_for_agent_lock' | 'active' | 'lost_agent_lock';

/** Rounds an active LRM stays active without a service before it gives its lock back. */
const MAX_ACTIVE_IDLE_ROUNDS = 60;

/** What the resource agent can do with the guests of this node (PVE::HA::Resources::PVEVM). */
export interface LrmGuests {
  running(vmid: number): boolean;
  start(vmid: number): void;
  stop(vmid: number): void;
  /** `qm migrate` of the service's guest: the config moves to the target node, and with `online` the running guest goes along; false when it did not move. */
  migrate(sid: string, target: string, online: boolean): Promise<boolean>;
}

/** What one LRM round may do on its node. */
export interface LrmRound {
  now: number;
  quorate: boolean;
  ms: ManagerStatus;
  /** Takes or refreshes the node's agent lock in pmxcfs; false when another holder has it or pmxcfs is read-only. */
  lock(): boolean;
  releaseLock(): void;
  guests: LrmGuests;
  log(level: HaLogLevel, msg: string): void;
}

/** The LRM's own services the CRM wants active, counting migrations towards this node (PVE::HA::LRM::active_service_count). */
export function activeServiceCount(ms: ManagerStatus, node: string): number {
  return Object.values(ms.service_status).filter((sd) => (sd.node === node || sd.target === node) && !['stopped', 'freeze', 'error'].includes(sd.state)).length;
}

/** The master wants this node fenced: one of its services is in `fence`, or the node itself. */
function fenceRequested(ms: ManagerStatus, node: string): boolean {
  return ms.node_status[node] === 'fence' || Object.values(ms.service_status).some((sd) => sd.node === node && sd.state === 'fence');
}

/**
 * A node's local resource manager (PVE::HA::LRM): idle until the master gives it a service,
 * then active under its agent lock, carrying out the CRM's requests for its services and
 * reporting each result under the request's uid. Holding the lock arms the node's watchdog and
 * each refresh feeds it; losing quorum or the lock leaves the LRM in `lost_agent_lock`, feeding
 * no more, and the watchdog resets the node unless the lock comes back in time.
 */
export class Lrm {
  state: LrmState = 'wait_for_agent_lock';
  /** Lab ms the watchdog was last fed; undefined while it is closed. */
  watchdogFedAt: number | undefined;
  private results: Record<string, LrmResult> = {};
  private idleRounds = 0;

  constructor(readonly node: string) {}

  async round(r: LrmRound): Promise<LrmStatus> {
    const fence = fenceRequested(r.ms, this.node);
    if (this.state === 'wait_for_agent_lock') {
      if (!fence && activeServiceCount(r.ms, this.node) > 0 && r.quorate && this.protectedLock(r)) this.setState('active', r);
    } else if (this.state === 'lost_agent_lock') {
      if (!fence && r.quorate && this.protectedLock(r)) this.setState('active', r);
    } else if (fence) {
      r.log('err', 'node need to be fenced - releasing agent_lock');
      this.setState('lost_agent_lock', r);
    } else if (!this.protectedLock(r)) {
      this.setState('lost_agent_lock', r);
    } else this.idle(r);
    if (this.state === 'active') await this.manageResources(r);
    return { mode: 'active', results: this.results, state: this.state, timestamp: Math.floor(r.now / 1000) };
  }

  /** get_protected_ha_agent_lock: every successful take or refresh of the lock feeds the watchdog. */
  private protectedLock(r: LrmRound): boolean {
    if (!r.lock()) return false;
    this.watchdogFedAt = r.now;
    return true;
  }

  private setState(state: LrmState, r: LrmRound): void {
    r.log('info', `status change ${this.state} => ${state}`);
    this.state = state;
  }

  /** An active LRM without a service of its own for a while releases its lock and closes the watchdog. */
  private idle(r: LrmRound): void {
    if (Object.values(r.ms.service_status).some((sd) => sd.node === this.node)) {
      this.idleRounds = 0;
      return;
    }
    if (++this.idleRounds <= MAX_ACTIVE_IDLE_ROUNDS) return;
    r.log('info', `node had no service configured for ${MAX_ACTIVE_IDLE_ROUNDS} rounds, going idle.`);
    r.releaseLock();
    this.watchdogFedAt = undefined;
    this.setState('wait_for_agent_lock', r);
    this.idleRounds = 0;
  }

  private async manageResources(r: LrmRound): Promise<void> {
    const mine = Object.entries(r.ms.service_status).filter(([, sd]) => sd.node === this.node);
    const uids = new Set(mine.map(([, sd]) => sd.uid));
    for (const uid of Object.keys(this.results)) if (!uids.has(uid)) delete this.results[uid];
    for (const [sid, sd] of mine.sort(([a], [b]) => a.localeCompare(b))) {
      // `stopped` is carried out every round, even without a master: nothing of it may run here.
      if (sd.state === 'recovery' || sd.state === 'freeze' || (sd.state !== 'stopped' && this.results[sd.uid])) continue;
      const code = await this.execResourceAgent(r, sid, sd);
      if (code !== undefined) this.results[sd.uid] = { sid, exit_code: code, state: sd.state };
    }
  }

  /** exec_resource_agent for a VM: undefined for a state the agent has nothing to do in. */
  private async execResourceAgent(r: LrmRound, sid: string, sd: ServiceStatus): Promise<number | undefined> {
    const vmid = Number(sid.split(':')[1]);
    const running = r.guests.running(vmid);
    if (sd.state === 'error') {
      r.log('err', `service ${sid} is in an error state and needs manual intervention. Look up 'ERROR RECOVERY' in the documentation.`);
      return EXIT.SUCCESS;
    }
    if (sd.state === 'started') {
      if (running) return EXIT.SUCCESS;
      r.log('info', `starting service ${sid}`);
      r.guests.start(vmid);
      r.log('info', `service status ${sid} started`);
      return EXIT.SUCCESS;
    }
    if (sd.state === 'request_stop' || sd.state === 'stopped') {
      if (!running) return EXIT.SUCCESS;
      r.log('info', sd.timeout === undefined ? `stopping service ${sid}` : `stopping service ${sid} (timeout=${sd.timeout})`);
      r.guests.stop(vmid);
      r.log('info', `service status ${sid} stopped`);
      return EXIT.SUCCESS;
    }
    if ((sd.state === 'migrate' || sd.state === 'relocate') && sd.target) {
      const online = sd.state === 'migrate';
      r.log('info', `service ${sid} - start ${sd.state} to node '${sd.target}'`);
      // A relocation shuts the guest down first; it starts again on the target as a new request.
      if (!online && running) {
        r.log('info', `stopping service ${sid} (relocate)`);
        r.guests.stop(vmid);
        r.log('info', `service status ${sid} stopped`);
      }
      if (!(await r.guests.migrate(sid, sd.target, online && running))) {
        r.log('err', `service ${sid} not moved (migration error)`);
        return EXIT.ERROR;
      }
      r.log('info', `service ${sid} - end ${sd.state} to node '${sd.target}'`);
      return EXIT.SUCCESS;
    }
    return undefined;
  }
}
