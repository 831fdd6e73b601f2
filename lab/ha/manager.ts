import { createHash } from 'node:crypto';
import type { HaLogLevel, LrmResult, ManagerStatus, ServiceConfig, ServiceStatus } from './haConfig';
import { FENCE_DELAY_MS, NodeStatus } from './nodeStatus';
import { compileNodeAffinity, nodeUsage, selectServiceNode, type NodeAffinity, type NodePreference } from './placement';
import { parseSections, type SectionFile } from './sectionConfig';

/** PVE::HA::Tools' exit codes of the resource agent. */
export const EXIT = { SUCCESS: 0, ERROR: 1 } as const;

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
  /** groups.cfg and rules.cfg as the master reads them; absent, no service has a node affinity. */
  groups?: SectionFile;
  rules?: SectionFile;
}

export interface ManagerEffects {
  /** The CRM rewrites a resource's requested state (`crm-command stop` makes it `stopped`). */
  setRequestedState(sid: string, state: string): void;
  /** Fencing: takes the node's agent lock in pmxcfs, possible only once its LRM stopped refreshing it long enough. */
  takeAgentLock(node: string): boolean;
  /** PVE2 steal_service: the guest's config moves from the fenced node's directory to the recovery node's. */
  stealService(sid: string, from: string, to: string): Promise<void>;
}

const NO_SECTIONS = parseSections('');

let uidCounter = 0;

/** PVE::HA::Manager::compute_new_uuid: md5_base64 of the state, pid, time and a counter. */
function newUid(state: string, now: number): string {
  uidCounter++;
  return createHash('md5').update(`${state}${process.pid}${Math.floor(now / 1000)}${uidCounter}`).digest('base64').replace(/=+$/, '');
}

/**
 * The master CRM's service state machine (PVE::HA::Manager::manage): node states from the
 * cluster membership, new services added and stale ones dropped, crm commands (stop, migrate,
 * relocate) applied, then every service moved through its states as the configuration, the
 * nodes and the LRMs' results require, repeating until nothing changes. A node away longer
 * than the fence delay has its services put into `fence`; once the master holds the node's
 * agent lock they go to `recovery` and on to the best node their affinity allows.
 */
export class Manager {
  private readonly ms: ManagerStatus;
  private readonly ns: NodeStatus;
  private affinity = new Map<string, NodeAffinity>();

  constructor(
    readonly master: string,
    previous: ManagerStatus,
    private readonly log: (level: HaLogLevel, msg: string) => void,
    private readonly fenceDelayMs = FENCE_DELAY_MS,
  ) {
    // Only what cannot be recomputed survives a change of master: node and service states.
    this.ms = { master_node: master, node_status: { ...previous.node_status }, service_status: structuredClone(previous.service_status) };
    this.ns = new NodeStatus(this.ms.node_status, log);
  }

  get status(): ManagerStatus {
    return this.ms;
  }

  async manage(round: ManagerRound, effects: ManagerEffects): Promise<ManagerStatus> {
    const ss = this.ms.service_status;
    this.ns.update(round.nodes, round.now);

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
    this.affinity = compileNodeAffinity(round.groups ?? NO_SECTIONS, round.rules ?? NO_SECTIONS, round.services, round.nodes.map((n) => n.name));
    this.commands(round.commands);

    for (let repeat = true; repeat; ) {
      repeat = false;
      for (const sid of Object.keys(ss).sort()) {
        const sd = ss[sid] as ServiceStatus;
        const cd = round.services.get(sid) ?? ({ sid, state: 'disabled' } as ServiceConfig);
        const res = round.lrmResults[sd.uid];
        const before = sd.state;
        if (before === 'stopped') this.nextStopped(sid, cd, sd, round.now);
        else if (before === 'request_start') this.change(sid, sd, 'started', round.now, { node: sd.node });
        else if (before === 'started') this.nextStarted(sid, cd, sd, res, round.now, effects);
        else if (before === 'migrate' || before === 'relocate') this.nextMigrate(sid, cd, sd, res, round.now);
        else if (before === 'recovery') await this.nextRecovery(sid, cd, sd, round.now, effects);
        else if (before === 'request_stop') this.nextRequestStop(sid, sd, res, round.now);
        else if (before === 'error' && cd.state === 'disabled') this.change(sid, sd, 'stopped', round.now);
        if (sd.state !== before) repeat = true;
      }
      if (this.fence(round.now, effects)) repeat = true;
    }
    this.ms.timestamp = Math.floor(round.now / 1000);
    return this.ms;
  }

  /** update_crm_commands: what `ha-manager crm-command` queued, checked against the current state. */
  private commands(lines: string[]): void {
    const ss = this.ms.service_status;
    for (const cmd of lines) {
      const move = /^(migrate|relocate)\s+(\S+)\s+(\S+)$/.exec(cmd);
      const stop = /^stop\s+(\S+)\s+(\S+)$/.exec(cmd);
      if (move) {
        const [, task, sid, node] = move as unknown as [string, string, string, string];
        const sd = ss[sid];
        if (!sd) this.log('err', `crm command error - no such service: ${cmd}`);
        else if (!this.ns.isOnline(node)) this.log('err', `crm command error - node not online: ${cmd}`);
        else if (node === sd.node) this.log('info', `ignore crm command - service already on target node: ${cmd}`);
        else {
          this.log('info', `got crm command: ${cmd}`);
          sd.cmd = [task, node];
        }
      } else if (stop) {
        const sd = ss[stop[1] as string];
        if (sd) {
          this.log('info', `got crm command: ${cmd}`);
          sd.cmd = ['stop', Number(stop[2])];
        } else this.log('err', `crm command error - no such service: ${cmd}`);
      } else this.log('err', `unable to parse crm command: ${cmd}`);
    }
  }

  /**
   * The fencing pass of manage(): each node with services in `fence` is fenced once a round;
   * when that succeeded its services go to `recovery`. A node left in `fence` without services
   * (an admin removed them) is fenced all the same. True when anything changed.
   */
  private fence(now: number, effects: ManagerEffects): boolean {
    const ss = this.ms.service_status;
    const fenced = new Map<string, boolean>();
    let changed = false;
    for (const sid of Object.keys(ss).sort()) {
      const sd = ss[sid] as ServiceStatus;
      if (sd.state !== 'fence') continue;
      if (!fenced.has(sd.node)) fenced.set(sd.node, this.fenceNode(sd.node, effects));
      if (!fenced.get(sd.node)) continue;
      this.change(sid, sd, 'recovery', now);
      changed = true;
    }
    for (const node of Object.keys(this.ms.node_status).sort()) {
      if (fenced.has(node) || this.ns.state(node) !== 'fence') continue;
      this.log('notice', `node '${node}' in fence state but no services to-fence! admin interference?!`);
      if (this.fenceNode(node, effects)) changed = true;
    }
    return changed;
  }

  /** NodeStatus::fence_node: the node is fenced once the master holds its agent lock. */
  private fenceNode(node: string, effects: ManagerEffects): boolean {
    if (this.ns.state(node) !== 'fence') {
      this.ns.set(node, 'fence');
      // The fence notification (mail); the simulator logs its subject as below.
      this.log('info', `FENCE: Try to fence node '${node}'`);
    }
    if (!effects.takeAgentLock(node)) return false;
    const msg = `fencing: acknowledged - got agent lock for node '${node}'`;
    this.log('info', msg);
    this.ns.set(node, 'unknown');
    this.log('info', `SUCCEED: ${msg}`);
    return true;
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

  private select(sid: string, cd: ServiceConfig, sd: ServiceStatus, preference: NodePreference): string | undefined {
    const usage = nodeUsage(this.ns.onlineNodes(), this.ms.service_status);
    return selectServiceNode(this.affinity.get(sid), usage, cd, sd.node, preference);
  }

  private offline(sd: ServiceStatus, now: number): boolean {
    return this.ns.offlineDelayed(sd.node, now, this.fenceDelayMs);
  }

  private nextStopped(sid: string, cd: ServiceConfig, sd: ServiceStatus, now: number): void {
    if (cd.node && sd.node !== cd.node) {
      this.log('info', `fixup service '${sid}' location (${sd.node} => ${cd.node})`);
      sd.node = cd.node;
    }
    if (sd.cmd) {
      const [cmd, target] = sd.cmd as [string, string];
      delete sd.cmd;
      if (cmd === 'migrate' || cmd === 'relocate') {
        if (!this.ns.isOnline(target)) this.log('err', `ignore service '${sid}' ${cmd} request - node '${target}' not online`);
        else if (sd.node === target) this.log('info', `ignore service '${sid}' ${cmd} request - service already on node '${target}'`);
        else return this.change(sid, sd, cmd, now, { node: sd.node, target });
      } else this.log('info', `ignore service '${sid}' ${cmd} request - service already stopped`);
    }
    // A disabled service is left alone; a stopped one on a lost node is still recovered.
    if (cd.state === 'disabled') return;
    if (this.offline(sd, now)) return this.change(sid, sd, 'fence', now);
    if (cd.state === 'started') this.change(sid, sd, 'request_start', now, { node: sd.node });
  }

  private nextStarted(sid: string, cd: ServiceConfig, sd: ServiceStatus, res: LrmResult | undefined, now: number, effects: ManagerEffects): void {
    if (!this.ns.isOnline(sd.node)) {
      if (this.offline(sd, now)) this.change(sid, sd, 'fence', now);
      return;
    }
    if (cd.state === 'disabled' || cd.state === 'stopped') return this.change(sid, sd, 'request_stop', now);
    if (sd.cmd) {
      const [cmd, arg] = sd.cmd;
      delete sd.cmd;
      if (cmd === 'stop') {
        const timeout = Number(arg);
        this.log('info', timeout === 0 ? `request immediate service hard-stop for service '${sid}'` : `request graceful stop with timeout '${timeout}' for service '${sid}'`);
        this.change(sid, sd, 'request_stop', now, { timeout });
        effects.setRequestedState(sid, 'stopped');
      } else {
        const target = String(arg);
        if (!this.ns.isOnline(target)) this.log('err', `ignore service '${sid}' ${cmd} request - node '${target}' not online`);
        else if (sd.node === target) this.log('info', `ignore service '${sid}' ${cmd} request - service already on node '${target}'`);
        else {
          this.log('info', `${cmd} service '${sid}' to node '${target}'`);
          this.change(sid, sd, String(cmd), now, { node: sd.node, target });
        }
      }
      return;
    }
    if (res) {
      if (res.exit_code !== EXIT.SUCCESS) {
        delete sd.running;
        this.log('err', `service '${sid}' got unrecoverable error (exit code ${res.exit_code}))`);
        return this.change(sid, sd, 'error', now);
      }
      sd.running = 1;
    }
    // Failback: a node of higher priority came back (or the affinity changed).
    const node = this.select(sid, cd, sd, 'none');
    if (node && node !== sd.node) {
      const task = cd.type === 'vm' ? 'migrate' : 'relocate';
      this.log('info', task === 'migrate' ? `migrate service '${sid}' to node '${node}' (running)` : `relocate service '${sid}' to node '${node}'`);
      return this.change(sid, sd, task, now, { node: sd.node, target: node });
    }
    // A fresh request makes the LRM check again, so a guest that died is started again.
    if (res) sd.uid = newUid(sd.state, now);
  }

  private nextMigrate(sid: string, cd: ServiceConfig, sd: ServiceStatus, res: LrmResult | undefined, now: number): void {
    if (res) {
      const next = cd.state === 'started' ? 'started' : 'request_stop';
      if (res.exit_code === EXIT.SUCCESS) return this.change(sid, sd, next, now, { node: sd.target as string });
      this.log('err', `service '${sid}' - migration failed (exit code ${res.exit_code})`);
      return this.change(sid, sd, next, now, { node: sd.node });
    }
    if (this.offline(sd, now)) this.change(sid, sd, 'fence', now);
  }

  private nextRequestStop(sid: string, sd: ServiceStatus, res: LrmResult | undefined, now: number): void {
    if (res) {
      if (res.exit_code === EXIT.SUCCESS) return this.change(sid, sd, 'stopped', now);
      this.log('err', `service '${sid}' stop failed (exit code ${res.exit_code})`);
      return this.change(sid, sd, 'error', now);
    }
    if (this.offline(sd, now)) this.change(sid, sd, 'fence', now);
  }

  /** next_state_recovery: the best node the affinity allows, or retry every round until one is online. */
  private async nextRecovery(sid: string, cd: ServiceConfig, sd: ServiceStatus, now: number, effects: ManagerEffects): Promise<void> {
    const fenced = sd.node;
    const node = this.select(sid, cd, sd, 'best-score');
    if (!node) {
      this.log('err', `recovering service '${sid}' from fenced node '${fenced}' failed, no recovery node found`);
      // An admin gets a service out of recovery by disabling it.
      if (cd.state === 'disabled') this.change(sid, sd, 'stopped', now);
      return;
    }
    // A restricted affinity can bring the service back to the fenced node once it is online again.
    this.log('info', node === fenced ? `recover service '${sid}' to previous failed and fenced node '${fenced}' again` : `recover service '${sid}' from fenced node '${fenced}' to node '${node}'`);
    await effects.stealService(sid, fenced, node);
    cd.node = sd.node = node;
    this.change(sid, sd, cd.state === 'started' ? 'started' : 'request_stop', now, { node });
  }
}
