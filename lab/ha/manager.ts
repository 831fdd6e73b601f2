import { createHash } from 'node:crypto';
import type { LrmResult, ManagerStatus, ServiceConfig, ServiceStatus } from './haConfig';

/** PVE::HA::Tools' exit code for a request the LRM carried out. */
export const EXIT = { SUCCESS: 0 } as const;

export interface ManagerRound {
  /** Lab ms. */
  now: number;
  /** Every node of the cluster and whether the master's corosync sees it. */
  nodes: { name: string; online: boolean }[];
  services: Map<string, ServiceConfig>;
  /** Every LRM's results, by the uid of the request they answer. */
  lrmResults: Record<string, LrmResult>;
  /** Lines taken from /etc/pve/ha/crm_commands. */
  commands: string[];
}

export interface ManagerEffects {
  /** The CRM rewrites a resource's requested state (`crm-command stop` makes it `stopped`). */
  setRequestedState(sid: string, state: string): void;
}

let uidCounter = 0;

/** PVE::HA::Manager::compute_new_uuid: md5_base64 of the state, pid, time and a counter. */
function newUid(state: string, now: number): string {
  uidCounter++;
  return createHash('md5').update(`${state}${process.pid}${Math.floor(now / 1000)}${uidCounter}`).digest('base64').replace(/=+$/, '');
}

/**
 * The master CRM's service state machine (PVE::HA::Manager::manage): node states from the
 * cluster membership, new services added and stale ones dropped, `crm-command stop` applied,
 * then every service moved through request_start → started → request_stop → stopped as the
 * configuration and the LRMs' results require, repeating until nothing changes. Node loss,
 * fencing and recovery (states `fence`, `recovery`) hook in here: node_status already keeps
 * `unknown` for nodes the membership lost.
 */
export class Manager {
  private readonly ms: ManagerStatus;

  constructor(
    readonly master: string,
    previous: ManagerStatus,
    private readonly log: (level: 'info' | 'err', msg: string) => void,
  ) {
    // Only what cannot be recomputed survives a change of master: node and service states.
    this.ms = { master_node: master, node_status: { ...previous.node_status }, service_status: structuredClone(previous.service_status) };
  }

  get status(): ManagerStatus {
    return this.ms;
  }

  manage(round: ManagerRound, effects: ManagerEffects): ManagerStatus {
    const ns = this.ms.node_status;
    const ss = this.ms.service_status;
    for (const n of round.nodes) {
      const next = n.online ? 'online' : ns[n.name] === undefined ? undefined : 'unknown';
      if (next && ns[n.name] !== next) {
        this.log('info', `node '${n.name}': state changed from '${ns[n.name] ?? 'unknown'}' => '${next}'`);
        ns[n.name] = next;
      }
    }
    for (const name of Object.keys(ns)) if (!round.nodes.some((n) => n.name === name)) delete ns[name];

    for (const [sid, cd] of [...round.services].sort(([a], [b]) => a.localeCompare(b))) {
      if (ss[sid] || cd.state === 'ignored' || !cd.node) continue;
      this.log('info', `adding new service '${sid}' on node '${cd.node}'`);
      ss[sid] = { node: cd.node, state: cd.state === 'started' ? 'request_start' : 'request_stop', uid: newUid('started', round.now) };
    }
    for (const sid of Object.keys(ss)) {
      const cd = round.services.get(sid);
      if (cd && cd.state !== 'ignored') continue;
      this.log('info', `removing stale service '${sid}' (${cd ? 'ignored state requested' : 'no config'})`);
      delete ss[sid];
    }

    for (const cmd of round.commands) {
      const stop = /^stop\s+(\S+)\s+(\S+)$/.exec(cmd);
      const sd = stop ? ss[stop[1] as string] : undefined;
      if (stop && sd) {
        this.log('info', `got crm command: ${cmd}`);
        sd.cmd = ['stop', Number(stop[2])];
      } else if (stop) this.log('err', `crm command error - no such service: ${cmd}`);
      else this.log('err', `unable to parse crm command: ${cmd}`);
    }

    for (let repeat = true; repeat; ) {
      repeat = false;
      for (const sid of Object.keys(ss).sort()) {
        const sd = ss[sid] as ServiceStatus;
        const cd = round.services.get(sid) ?? ({ state: 'disabled' } as ServiceConfig);
        const res = round.lrmResults[sd.uid];
        const before = sd.state;
        if (before === 'stopped') this.nextStopped(sid, cd, sd, round.now);
        else if (before === 'request_start') this.change(sid, sd, 'started', round.now, { node: sd.node });
        else if (before === 'started') this.nextStarted(sid, cd, sd, res, round.now, effects);
        else if (before === 'request_stop') this.nextRequestStop(sid, sd, res, round.now);
        else if (before === 'error' && cd.state === 'disabled') this.change(sid, sd, 'stopped', round.now);
        if (sd.state !== before) repeat = true;
      }
    }
    this.ms.timestamp = Math.floor(round.now / 1000);
    return this.ms;
  }

  private change(sid: string, sd: ServiceStatus, state: string, now: number, params: Record<string, string | number> = {}): void {
    const old = sd.state;
    const keep = { node: sd.node };
    for (const k of Object.keys(sd)) delete (sd as unknown as Record<string, unknown>)[k];
    Object.assign(sd, keep, { state }, params);
    sd.uid = newUid(state, now);
    const text = Object.keys(params).sort().map((k) => `${k} = ${params[k]}`).join(', ');
    this.log('info', `service '${sid}': state changed from '${old}' to '${state}'${text ? `  (${text})` : ''}`);
  }

  private nextStopped(sid: string, cd: ServiceConfig, sd: ServiceStatus, now: number): void {
    if (cd.node && sd.node !== cd.node) {
      this.log('info', `fixup service '${sid}' location (${sd.node} => ${cd.node})`);
      sd.node = cd.node;
    }
    if (sd.cmd) {
      this.log('info', `ignore service '${sid}' ${sd.cmd[0]} request - service already stopped`);
      delete sd.cmd;
    }
    if (cd.state === 'started') this.change(sid, sd, 'request_start', now, { node: sd.node });
  }

  private nextStarted(sid: string, cd: ServiceConfig, sd: ServiceStatus, res: LrmResult | undefined, now: number, effects: ManagerEffects): void {
    if (cd.state === 'disabled' || cd.state === 'stopped') {
      this.change(sid, sd, 'request_stop', now);
      return;
    }
    if (sd.cmd) {
      const timeout = Number(sd.cmd[1]);
      this.log('info', timeout === 0 ? `request immediate service hard-stop for service '${sid}'` : `request graceful stop with timeout '${timeout}' for service '${sid}'`);
      this.change(sid, sd, 'request_stop', now, { timeout });
      effects.setRequestedState(sid, 'stopped');
      return;
    }
    if (!res) return;
    if (res.exit_code === EXIT.SUCCESS) {
      sd.running = 1;
    } else {
      delete sd.running;
      this.log('err', `service '${sid}' got unrecoverable error (exit code ${res.exit_code}))`);
      this.change(sid, sd, 'error', now);
      return;
    }
    // A fresh request makes the LRM check again, so a guest that died is started again.
    sd.uid = newUid(sd.state, now);
  }

  private nextRequestStop(sid: string, sd: ServiceStatus, res: LrmResult | undefined, now: number): void {
    if (!res) return;
    if (res.exit_code === EXIT.SUCCESS) this.change(sid, sd, 'stopped', now);
    else {
      this.log('err', `service '${sid}' stop failed (exit code ${res.exit_code})`);
      this.change(sid, sd, 'error', now);
    }
  }
}
