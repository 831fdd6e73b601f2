import { join } from 'node:path';
import { CephCluster } from './ceph/cluster';
import type { CephTimings } from './ceph/timings';
import { LabClock } from './clock';
import { CommandLog } from './commandLog';
import { LabCluster, type ClusterTimings } from './cluster';
import { FaultInjector } from './faults';
import { LabHa, type HaLogEntry, type HaTimings } from './ha/labHa';
import type { JournalEntry, SyslogLine } from './journal/journal';
import { PowerLog, type PowerLogEntry } from './journal/powerLog';
import { LabNetwork } from './net/labNetwork';
import { LabNode, type SimNode } from './node';
import type { DiskOverrides } from './storage/disks';
import { loadOrCreateHostKey } from './ssh/hostKey';
import { loadLabState, nodeStateDir } from './state';

export type { SimNode, PowerOffOptions, ExecOutput } from './node';
export type { CommandLogEntry, CommandLogFilter } from './commandLog';
export type { FaultRule, CommandFault, AuthFault, FaultAction, FaultHandle } from './faults';
export type { ClusterTimings, QuorumInfo, PmxcfsMode } from './cluster';
export type { HaTimings, HaService, HaLogEntry, CrmState } from './ha/labHa';
export type { DiskOverride, DiskOverrides } from './storage/disks';
export type { LogicalVolume, NodeStorage } from './storage/nodeStorage';
export type { JournalEntry } from './journal/journal';
export type { PowerEvent, PowerLogEntry } from './journal/powerLog';

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
  /** HA timings in lab ms (work round, lock expiry); defaults are PVE's (10 s, 120 s). */
  ha?: HaTimings;
  /** Per node (`pve2`), changes to the reference deployment's disks: `{ sdd: null, sda: { sizeBytes: 2e12 } }`. */
  disks?: Record<string, DiskOverrides>;
  /** Ceph's timings in lab ms (OSD down grace, down-out interval, PG peering...); defaults are Ceph's. */
  ceph?: Partial<CephTimings>;
  /** md resync/recovery speed in KiB/s of lab time (default 175000, an HDD's rate: a 4 TB RAID5 builds in about 6 h). */
  mdSyncSpeedKiBs?: number;
  /** Lab ms from a reset or a panic's reboot to the node answering again (POST and boot); default 90000. */
  bootMs?: number;
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
    /** The Ceph cluster model: ground truth (`osds()`, `pools()`, `mons()`, `health()`) and the RBD API. */
    readonly ceph: CephCluster,
    /** The lab's switches: path MTUs between nodes (`setPathMtu`) and NICs' hardware limits (`setMaxMtu`). */
    readonly network: LabNetwork,
    /** The HA stack: ground truth (`master()`, `resources()`, `log()`). */
    readonly ha: LabHa,
    private readonly power: PowerLog,
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
    const ceph = new CephCluster(clock, opts.ceph);
    const network = new LabNetwork();
    const ha = new LabHa(clock, cluster, opts.ha);
    const power = new PowerLog(() => clock.now());
    const bootMs = opts.bootMs ?? 90_000;
    if (!(bootMs >= 0) || !Number.isFinite(bootMs)) throw new RangeError(`bootMs must be a non-negative number of lab ms, got ${bootMs}`);
    const lab = new Lab(clock, log, faults, cluster, members, ceph, network, ha, power);
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
            disks: opts.disks?.[name],
            mdSyncSpeedKiBs: opts.mdSyncSpeedKiBs,
          },
          { clock, log, faults, cluster, ceph, network, power, bootMs, syslog: () => ha.log(name).map(haSyslog), etcPve: await cluster.etcPve({ name, fqdn }) },
        );
        cluster.attachHost(node);
        ha.attach(node);
        await ceph.attach(node);
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
    return this.member(name);
  }

  /** Every power event of every node (crash, panic-reboot, watchdog-reset, power-off, power-on), oldest first. */
  powerLog(): PowerLogEntry[] {
    return this.power.entries();
  }

  /** The node's journal as `journalctl` reads it (HA daemons' lines included), oldest first. */
  journal(node: string): JournalEntry[] {
    return this.member(node).journal.entries();
  }

  private member(name: string): LabNode {
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
    this.ha.stop();
    this.ceph.stop();
    await Promise.all(this.members.map((n) => n.shutdown()));
  }
}

const SYSLOG_LEVEL: Record<string, number> = { err: 3, warning: 4, notice: 5, info: 6 };

/** pve-ha-crm and pve-ha-lrm log through syslog. */
function haSyslog(e: HaLogEntry): SyslogLine {
  return { at: e.at, ident: e.daemon === 'crm' ? 'pve-ha-crm' : 'pve-ha-lrm', message: e.message, priority: SYSLOG_LEVEL[e.level] ?? 6 };
}
