import type { IFileSystem } from 'just-bash';
import type { LabClock } from './clock';
import type { CephCluster } from './ceph/cluster';
import type { ClusterHost, LabCluster } from './cluster';
import type { CommandLog } from './commandLog';
import { CommandRunner, type RunOutcome, type RunRequest } from './commandRunner';
import type { NodeContext } from './commands/types';
import type { FaultInjector } from './faults';
import type { LabFs } from './fs/labFs';
import { pveRelease, type PveRelease } from './pve/releases';
import { Services } from './services';
import { BUILTINS } from './shell/builtins';
import { motd } from './shell/debianFiles';
import { NodeShell, SHELL_COMMANDS } from './shell/nodeShell';
import { buildRootFs } from './shell/rootfs';
import type { HostKey } from './ssh/hostKey';
import { readSshdConfig } from './ssh/sshdConfig';
import { NodeSshd, type SshdNode } from './sshd';
import { NodeVms } from './ha/vmRuntime';
import type { LabNetwork } from './net/labNetwork';
import { NodeNetwork } from './net/nodeNetwork';
import type { DiskOverrides } from './storage/disks';
import { storageRootFs } from './storage/nodeFiles';
import { NodeStorage } from './storage/nodeStorage';

export interface PowerOffOptions {
  /** The port keeps accepting TCP but nothing answers, as with a crashed server; default: refused. */
  silent?: boolean;
}

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A simulated PVE node as the rest of the project sees it. */
export interface SimNode {
  readonly name: string;
  readonly fqdn: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly rootPassword: string;
  readonly pveMajor: 8 | 9;
  /** The address pvecm and /etc/hosts report; nothing ever connects to it. */
  readonly address: string;
  /** `SHA256:…` of the node's ed25519 host key. */
  readonly hostKeyFingerprint: string;
  readonly powered: boolean;
  readonly fs: LabFs;
  /** Disks, md arrays and LVM: ground truth and fault injection (`failMember`) for tests. */
  readonly storage: NodeStorage;
  /** Network devices and what ifupdown2 manages: ground truth for tests. */
  readonly net: NodeNetwork;
  /** Running QEMU processes. */
  readonly vms: NodeVms;
  powerOff(opts?: PowerOffOptions): Promise<void>;
  powerOn(): Promise<void>;
  /** Runs a command line as root in the node's shell, logged with via 'internal'. */
  exec(command: string): Promise<ExecOutput>;
}

export interface NodeSpec {
  name: string;
  fqdn: string;
  address: string;
  pveMajor: 8 | 9;
  rootPassword: string;
  /** 0 for an ephemeral port. */
  port: number;
  hostKey: HostKey;
  /** Changes to the reference deployment's disks (size, rotational, or null for absent). */
  disks?: DiskOverrides;
  /** md resync/recovery speed in KiB/s of lab time. */
  mdSyncSpeedKiBs?: number;
}

export interface NodeDeps {
  clock: LabClock;
  log: CommandLog;
  faults: FaultInjector;
  etcPve: IFileSystem;
  cluster: LabCluster;
  ceph: CephCluster;
  /** The lab's switches, which the node's NICs are cabled to. */
  network: LabNetwork;
}

/**
 * One simulated PVE node: its filesystem, services, shell and SSH server, and its power. Powering
 * off aborts whatever runs on it; its disk (the filesystem) survives until the lab stops.
 */
export class LabNode implements SimNode, SshdNode, NodeContext, ClusterHost {
  readonly host = '127.0.0.1';
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly rootPassword: string;
  readonly release: PveRelease;
  readonly services: Services;
  readonly motd: string;
  readonly clock: LabClock;
  readonly cluster: LabCluster;
  readonly ceph: CephCluster;
  readonly net: NodeNetwork;
  readonly vms: NodeVms;
  bootedAt = 0;
  private readonly hostKey: HostKey;
  private readonly faults: FaultInjector;
  private readonly sshd: NodeSshd;
  private readonly runner: CommandRunner;
  private boot = new AbortController();
  private sshdChange: Promise<void> = Promise.resolve();
  private on = false;

  private constructor(
    spec: NodeSpec,
    deps: NodeDeps,
    readonly fs: LabFs,
    readonly storage: NodeStorage,
  ) {
    this.name = spec.name;
    this.fqdn = spec.fqdn;
    this.address = spec.address;
    this.rootPassword = spec.rootPassword;
    this.release = pveRelease(spec.pveMajor);
    this.motd = motd(spec.name, this.release.kernel, this.release.kernelBuild);
    this.clock = deps.clock;
    this.cluster = deps.cluster;
    this.net = new NodeNetwork(spec.name, spec.address);
    deps.network.attach(spec.name, this.net, () => this.on);
    this.vms = new NodeVms(() => deps.clock.now(), () => ({ powered: this.on, bootedAt: this.bootedAt }), Number(spec.address.split('.').pop()));
    this.ceph = deps.ceph;
    this.services = new Services(() => deps.clock.now());
    this.hostKey = spec.hostKey;
    this.faults = deps.faults;
    this.sshd = new NodeSshd(this, { host: this.host, port: spec.port, hostKey: spec.hostKey.private, ident: this.release.sshIdent });
    const record = (p: { command: string; started: number; exitCode: number | null }) =>
      deps.log.record({ node: spec.name, at: p.started, command: p.command, exitCode: p.exitCode, durationMs: deps.clock.now() - p.started, user: 'root', via: 'program' });
    this.runner = new CommandRunner({ node: spec.name, shell: new NodeShell(this, record), clock: deps.clock, log: deps.log, faults: deps.faults });
    this.services.onChange((unit, state) => {
      if (unit !== 'ssh' || !this.on) return;
      // Closing the port is immediate (established sessions live on); opening it takes a moment.
      if (state !== 'active') {
        void this.sshd.stopListening();
        this.sshdChange = Promise.resolve();
      } else this.sshdChange = this.sshd.listen().catch(() => this.services.set('ssh', 'failed'));
    });
  }

  /** Builds the node's disk and shell; the node starts powered off. */
  static async create(spec: NodeSpec, deps: NodeDeps): Promise<LabNode> {
    let node: LabNode | undefined;
    const release = pveRelease(spec.pveMajor);
    const storage = new NodeStorage({ node: spec.name, now: () => deps.clock.now(), disks: spec.disks, syncSpeedKiBs: spec.mdSyncSpeedKiBs });
    const fs = await buildRootFs(
      { name: spec.name, fqdn: spec.fqdn, address: spec.address, release, hostKey: spec.hostKey },
      {
        clock: deps.clock,
        etcPve: deps.etcPve,
        commands: SHELL_COMMANDS,
        builtins: BUILTINS,
        sysrq: (key) => node?.sysrq(key),
        storage: storageRootFs(storage, () => deps.clock.date(), release.kernel),
      },
    );
    node = new LabNode(spec, deps, fs, storage);
    return node;
  }

  get port(): number {
    return this.sshd.port;
  }

  get pveMajor(): 8 | 9 {
    return this.release.major;
  }

  get hostKeyFingerprint(): string {
    return this.hostKey.fingerprint;
  }

  get hostKeyPublic(): string {
    return this.hostKey.public.trim();
  }

  /** SSH connections its server has served (from the controller or anyone else outside the lab). */
  get sshHandshakes(): number {
    return this.sshd.handshakes;
  }

  sshState(): 'listening' | 'closed' | 'silent' {
    return this.on ? this.sshd.state : this.sshd.state === 'silent' ? 'silent' : 'closed';
  }

  get powered(): boolean {
    return this.on;
  }

  /** Resolves once sshd has opened or closed its port after the last change of the ssh unit. */
  sshdSettled(): Promise<void> {
    return this.sshdChange;
  }

  authRefused(): boolean {
    return this.faults.authRefused(this.name);
  }

  /** Runs a command line on the node; everything it starts ends when the node loses power. */
  run(req: RunRequest): Promise<RunOutcome> {
    const signal = req.signal ? AbortSignal.any([req.signal, this.boot.signal]) : this.boot.signal;
    return this.runner.run({ ...req, signal });
  }

  async exec(command: string): Promise<ExecOutput> {
    if (!this.on) throw new Error(`${this.name} is powered off`);
    const outcome = await this.run({ command, via: 'internal', user: 'root' });
    if (outcome.kind !== 'exit') throw new Error(`${this.name} lost power while running: ${command}`);
    const { stdout, stderr, exitCode, stdoutKind } = outcome.result;
    return { stdout: stdoutKind === 'bytes' ? Buffer.from(stdout, 'latin1').toString('utf8') : stdout, stderr, exitCode };
  }

  async powerOn(): Promise<void> {
    if (this.on) return;
    this.services.boot();
    this.boot = new AbortController();
    this.sshd.wake();
    this.on = true;
    this.bootedAt = this.clock.now();
    await this.net.boot(this.fs);
    this.storage.booted(await this.fs.readFile('/etc/mdadm/mdadm.conf').catch(() => ''));
    await this.cluster.booted(this.name);
    await this.ceph.booted(this.name);
    // sshd refuses to start on a configuration it cannot parse, leaving the port closed.
    if ((await readSshdConfig(this.fs)).valid) await this.sshd.listen();
    else this.services.set('ssh', 'failed');
  }

  async powerOff(opts: PowerOffOptions = {}): Promise<void> {
    if (!this.on) return;
    this.on = false;
    this.storage.powerLost();
    await this.cluster.powerLost(this.name);
    await this.ceph.powerLost(this.name);
    if (opts.silent) {
      // Frozen before anything running can answer: a hung host sends nothing more.
      const listening = this.sshd.silence();
      this.boot.abort(new Error(`${this.name} stopped responding`));
      await listening;
    } else {
      this.sshd.dropAll();
      this.boot.abort(new Error(`${this.name} powered off`));
      await this.sshd.stopListening();
    }
  }

  /** Lab shutdown: the port is released whatever state the node is in. */
  async shutdown(): Promise<void> {
    this.on = false;
    this.boot.abort(new Error('lab stopped'));
    this.sshd.wake();
    await this.sshd.stopListening();
  }

  /** Magic SysRq: `c` crashes the kernel at once (the write never returns); a crashed server just stops answering. */
  private sysrq(key: string): void {
    if (key === 'c') void this.powerOff({ silent: true });
  }
}
