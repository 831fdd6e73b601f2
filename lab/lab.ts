import { join } from 'node:path';
import { LabClock } from './clock';
import { CommandLog } from './commandLog';
import { LabCluster, type ClusterTimings } from './cluster';
import { FaultInjector } from './faults';
import { LabNode, type SimNode } from './node';
import { loadOrCreateHostKey } from './ssh/hostKey';
import { loadLabState, nodeStateDir } from './state';

export type { SimNode, PowerOffOptions, ExecOutput } from './node';
export type { CommandLogEntry, CommandLogFilter } from './commandLog';
export type { FaultRule, CommandFault, AuthFault, FaultAction, FaultHandle } from './faults';
export type { ClusterTimings, QuorumInfo, PmxcfsMode } from './cluster';

export interface LabOptions {
  /** Default 3. */
  nodes?: number;
  /** Default 8. */
  pve?: 8 | 9;
  /** Lab ms per real ms; default 1. */
  timeScale?: number;
  stateDir: string;
  /** Default 'lab'. */
  clusterName?: string;
  /** Node i listens on basePort + i; 0 (the default) gives every node an ephemeral port. */
  basePort?: number;
  /** Default: random per lab, stored in the state dir. */
  rootPassword?: string;
  /** Default 'pve' → pve1..pveN. */
  namePrefix?: string;
  /** PVE major per node, overriding `pve` (e.g. `{ pve3: 9 }` for a mixed lab). */
  pveOf?: Record<string, 8 | 9>;
  /** Cluster timings in lab ms (replication delay, corosync join and token timeout). */
  cluster?: ClusterTimings;
}

/** The DNS domain of every lab node (`pve1.lab.internal`). */
const DOMAIN = 'lab.internal';
const MAX_NODES = 32;

/**
 * The lab twin: simulated PVE nodes behind real SSH servers on 127.0.0.1, a shared lab clock, a
 * log of every command and a fault injector. Start it, point an inventory at the nodes' ports.
 */
export class Lab {
  private constructor(
    readonly clock: LabClock,
    readonly log: CommandLog,
    readonly faults: FaultInjector,
    readonly cluster: LabCluster,
    private readonly members: LabNode[],
  ) {}

  get nodes(): SimNode[] {
    return [...this.members];
  }

  static async start(opts: LabOptions): Promise<Lab> {
    const count = opts.nodes ?? 3;
    if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) throw new RangeError(`a lab has 1 to ${MAX_NODES} nodes, got ${count}`);
    const clock = new LabClock({ scale: opts.timeScale ?? 1 });
    const log = new CommandLog(join(opts.stateDir, 'commands.jsonl'));
    const faults = new FaultInjector();
    const cluster = new LabCluster(opts.clusterName ?? 'lab', clock, opts.cluster);
    const { rootPassword } = loadLabState(opts.stateDir, opts.rootPassword);
    const basePort = opts.basePort ?? 0;

    const members: LabNode[] = [];
    const lab = new Lab(clock, log, faults, cluster, members);
    try {
      for (let i = 0; i < count; i++) {
        const name = `${opts.namePrefix ?? 'pve'}${i + 1}`;
        const fqdn = `${name}.${DOMAIN}`;
        const node = await LabNode.create(
          {
            name,
            fqdn,
            address: `10.0.0.${11 + i}`,
            pveMajor: opts.pveOf?.[name] ?? opts.pve ?? 8,
            rootPassword,
            port: basePort === 0 ? 0 : basePort + i,
            hostKey: loadOrCreateHostKey(nodeStateDir(opts.stateDir, name), `root@${name}`),
          },
          { clock, log, faults, cluster, etcPve: await cluster.etcPve({ name, fqdn }) },
        );
        cluster.attachHost(node);
        members.push(node);
        await node.powerOn();
      }
    } catch (err) {
      await lab.stop();
      throw err;
    }
    return lab;
  }

  node(name: string): SimNode {
    const node = this.members.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in this lab (${this.members.map((n) => n.name).join(', ')})`);
    return node;
  }

  /** SSH connections the nodes' servers have served in total: what connection pooling saves. */
  sshHandshakes(): number {
    return this.members.reduce((sum, n) => sum + n.sshHandshakes, 0);
  }

  /** Releases every port; the state dir keeps host keys, password and the command log. */
  async stop(): Promise<void> {
    this.cluster.stop();
    await Promise.all(this.members.map((n) => n.shutdown()));
  }
}
