import type { LrmResult, LrmStatus, ManagerStatus } from './haConfig';
import { EXIT } from './manager';

export type LrmState = 'wait_for_agent_lock' | 'active' | 'lost_agent_lock';

/** Rounds an active LRM stays active without a service before it gives its lock back. */
const MAX_ACTIVE_IDLE_ROUNDS = 60;

/** What one LRM round may do on its node. */
export interface LrmRound {
  now: number;
  quorate: boolean;
  ms: ManagerStatus;
  /** Takes or refreshes the node's agent lock in pmxcfs; false when another holder has it. */
  lock(): boolean;
  releaseLock(): void;
  /** Starts or stops a guest of this node; the exit code of the resource agent. */
  startGuest(vmid: number): number;
  stopGuest(vmid: number): number;
  log(msg: string): void;
}

/** PVE::HA::Tools::count_active_services. */
export function activeServiceCount(ms: ManagerStatus, node: string): number {
  return Object.values(ms.service_status).filter((sd) => sd.node === node && !['stopped', 'freeze', 'error'].includes(sd.state)).length;
}

/**
 * A node's local resource manager (PVE::HA::LRM): idle until the master gives it a service,
 * then active under its agent lock, carrying out the CRM's requests for its services and
 * reporting each result under the request's uid. Losing quorum or the lock leaves it in
 * `lost_agent_lock`, where the watchdog will fence the node once that is simulated.
 */
export class Lrm {
  state: LrmState = 'wait_for_agent_lock';
  private results: Record<string, LrmResult> = {};
  private idleRounds = 0;

  constructor(readonly node: string) {}

  round(r: LrmRound): LrmStatus {
    const count = activeServiceCount(r.ms, this.node);
    if (this.state === 'wait_for_agent_lock' || this.state === 'lost_agent_lock') {
      if (r.quorate && count > 0 && r.lock()) {
        r.log(`got lock 'ha_agent_${this.node}_lock'`);
        this.setState('active', r);
      }
    } else if (!r.quorate || !r.lock()) {
      this.setState('lost_agent_lock', r);
    }
    if (this.state === 'active') this.work(r, count);
    return { mode: 'active', results: this.results, state: this.state, timestamp: Math.floor(r.now / 1000) };
  }

  private setState(state: LrmState, r: LrmRound): void {
    r.log(`status change ${this.state} => ${state}`);
    this.state = state;
  }

  private work(r: LrmRound, count: number): void {
    const mine = Object.entries(r.ms.service_status).filter(([, sd]) => sd.node === this.node);
    const uids = new Set(mine.map(([, sd]) => sd.uid));
    for (const uid of Object.keys(this.results)) if (!uids.has(uid)) delete this.results[uid];
    for (const [sid, sd] of mine.sort(([a], [b]) => a.localeCompare(b))) {
      if (this.results[sd.uid]) continue;
      const vmid = Number(sid.split(':')[1]);
      if (sd.state === 'started') {
        const code = r.startGuest(vmid);
        if (code === EXIT.SUCCESS && !sd.running) r.log(`service status ${sid} started`);
        this.results[sd.uid] = { sid, exit_code: code, state: 'started' };
      } else if (sd.state === 'request_stop' || sd.state === 'stopped') {
        const code = r.stopGuest(vmid);
        this.results[sd.uid] = { sid, exit_code: code, state: 'stopped' };
      }
    }
    if (count > 0) {
      this.idleRounds = 0;
      return;
    }
    if (++this.idleRounds > MAX_ACTIVE_IDLE_ROUNDS) {
      r.log(`node had no service configured for ${MAX_ACTIVE_IDLE_ROUNDS} rounds, going idle.`);
      r.releaseLock();
      this.idleRounds = 0;
      this.setState('wait_for_agent_lock', r);
    }
  }
}
