import { randomUUID } from 'node:crypto';
import type { IFileSystem } from 'just-bash';
import type { LabClock } from './clock';
import type { CephCluster } from './ceph/cluster';
import type { ClusterHost, LabCluster } from './cluster';
import type { CommandLog } from './commandLog';
import { CommandRunner, type RunOutcome, type RunRequest } from './commandRunner';
import type { NodeContext } from './commands/types';
import type { FaultInjector } from './faults';
import { fsError } from './fs/errors';
import type { LabFs } from './fs/labFs';
import { logClusterStackUp, logKernelBoot } from './journal/bootLog';
import { NodeJournal, type SyslogLine } from './journal/journal';
import type { PowerLog } from './journal/powerLog';
import { COROSYNC_CONF } from './pve/corosync';
import { pveRelease, type PveRelease } from './pve/releases';
import { Services } from './services';
import { BUILTINS } from './shell/builtins';
import { motd } from './shell/debianFiles';
import { NodeShell, SHELL_COMMANDS } from './shell/nodeShell';
import { buildRootFs } from './shell/rootfs';
import { type HostKey, replaceHostKey } from './ssh/hostKey';
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
  /** A hardware watchdog reset: down at once and silently, up again after the lab's boot time. */
  watchdogReset(): void;
  /** Runs a command line as root in the node's shell, logged with via 'internal'. */
  exec(command: string): Promise<ExecOutput>;
  /**
   * A reinstalled node's new ed25519 host key: in /etc/ssh, in the lab's state dir, and presented
   * to every new SSH connection. Returns its fingerprint.
   */
  regenerateHostKey(): Promise<string>;
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
  /** Where the node's power events are recorded. */
  power: PowerLog;
  /** Lab ms from a reset (or a panic's reboot) to the node being up again. */
  bootMs: number;
  /** Lines of the node's daemons the lab records elsewhere (the HA stack's), for its journal. */
  syslog?: () => SyslogLine[];
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
  /** The node's persistent journal. */
  readonly journal: NodeJournal;
  private hostKey: HostKey;
  private readonly faults: FaultInjector;
  private readonly sshd: NodeSshd;
  private readonly runner: CommandRunner;
  private boot = new AbortController();
  private sshdChange: Promise<void> = Promise.resolve();
  private on = false;
  /** Down but not powered off: crashed, hung, or waiting to reboot. */
  private hung = false;
  /** A reboot the machine will do by itself (after a panic or a watchdog reset). */
  private pendingBoot: AbortController | undefined;
  private readonly power: PowerLog;
  private readonly bootMs: number;
  /** /proc/sys/kernel/panic: seconds a panicked kernel waits before rebooting; 0 waits forever. */
  private kernelPanic = 0;
  /** /proc/sys/kernel/random/boot_id. */
  private bootId = '';

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
    this.power = deps.power;
    this.bootMs = deps.bootMs;
    this.journal = new NodeJournal(spec.name, () => deps.clock.now(), deps.syslog);
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
        procSys: {
          'kernel/panic': { read: () => `${node?.kernelPanic ?? 0}\n`, write: (data) => node?.setKernelPanic(data) },
          'kernel/random/boot_id': { read: () => `${node?.bootId ?? ''}\n` },
        },
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

  async regenerateHostKey(): Promise<string> {
    this.hostKey = replaceHostKey(this.hostKey, `root@${this.name}`);
    await this.fs.writeFile('/etc/ssh/ssh_host_ed25519_key', this.hostKey.private);
    await this.fs.writeFile('/etc/ssh/ssh_host_ed25519_key.pub', this.hostKey.public);
    this.sshd.setHostKey(this.hostKey.private);
    return this.hostKey.fingerprint;
  }

  /** The lab's power button: boots the node now (whatever it was doing, down or waiting to reboot). */
  async powerOn(): Promise<void> {
    this.cancelReboot();
    if (this.on) return;
    await this.start();
  }

  async powerOff(opts: PowerOffOptions = {}): Promise<void> {
    this.cancelReboot();
    if (!this.on) {
      if (!this.hung || opts.silent) return;
      // Cutting the power of a hung machine: its port now refuses, as any powered-off node's.
      this.hung = false;
      this.power.record(this.name, 'power-off');
      this.sshd.wake();
      await this.sshd.stopListening();
      return;
    }
    this.power.record(this.name, 'power-off');
    this.journal.halt();
    this.on = false;
    this.storage.powerLost();
    await this.cluster.powerLost(this.name);
    await this.ceph.powerLost(this.name);
    if (opts.silent) {
      // Frozen before anything running can answer: a hung host sends nothing more.
      this.hung = true;
      const listening = this.sshd.silence();
      this.boot.abort(new Error(`${this.name} stopped responding`));
      await listening;
    } else {
      this.sshd.dropAll();
      this.boot.abort(new Error(`${this.name} powered off`));
      await this.sshd.stopListening();
    }
  }

  /** The watchdog fired: the machine resets at once, silently, and is up again after the boot time. */
  watchdogReset(): void {
    if (this.crash('watchdog-reset')) this.rebootAfter(0);
  }

  /** Lab shutdown: the port is released whatever state the node is in. */
  async shutdown(): Promise<void> {
    this.cancelReboot();
    this.on = false;
    this.boot.abort(new Error('lab stopped'));
    this.sshd.wake();
    await this.sshd.stopListening();
  }

  /** Boot: a new boot id, kernel parameters back to their defaults, services started, sshd listening. */
  private async start(): Promise<void> {
    this.services.boot();
    this.boot = new AbortController();
    this.sshd.wake();
    this.on = true;
    this.hung = false;
    this.bootedAt = this.clock.now();
    this.kernelPanic = 0;
    this.bootId = randomUUID();
    this.journal.boot(this.bootId);
    const corosyncConfigured = await this.fs.exists(COROSYNC_CONF);
    logKernelBoot(this.journal, this.release, corosyncConfigured);
    await this.net.boot(this.fs);
    this.storage.booted(await this.fs.readFile('/etc/mdadm/mdadm.conf').catch(() => ''));
    await this.cluster.booted(this.name);
    logClusterStackUp(this.journal, (unit) => this.services.state(unit), corosyncConfigured);
    await this.ceph.booted(this.name);
    // sshd refuses to start on a configuration it cannot parse, leaving the port closed.
    if ((await readSshdConfig(this.fs)).valid) await this.sshd.listen();
    else this.services.set('ssh', 'failed');
    this.power.record(this.name, 'power-on');
  }

  /**
   * The kernel stops dead: nothing more is sent, the port keeps accepting TCP and never answers,
   * whatever runs is gone, and what the kernel prints never reaches the journal.
   */
  private crash(event: 'crash' | 'watchdog-reset'): boolean {
    if (!this.on) return false;
    this.power.record(this.name, event);
    this.journal.halt();
    this.on = false;
    this.hung = true;
    const listening = this.sshd.silence();
    this.boot.abort(new Error(`${this.name} stopped responding`));
    this.storage.powerLost();
    void (async () => {
      await this.cluster.powerLost(this.name);
      await this.ceph.powerLost(this.name);
      await listening;
    })().catch(() => undefined);
    return true;
  }

  /** The machine restarts by itself after `waitMs` ('panic-reboot' then, for a panic) and is up `bootMs` later. */
  private rebootAfter(waitMs: number, event?: 'panic-reboot'): void {
    const pending = new AbortController();
    this.pendingBoot = pending;
    void (async () => {
      await this.clock.sleep(waitMs, pending.signal);
      if (event) this.power.record(this.name, event);
      await this.clock.sleep(this.bootMs, pending.signal);
      this.pendingBoot = undefined;
      await this.start();
    })().catch(() => undefined);
  }

  private cancelReboot(): void {
    this.pendingBoot?.abort(new Error('power changed'));
    this.pendingBoot = undefined;
  }

  /** Magic SysRq `c`: the kernel crashes at once (the write never returns); with kernel.panic set it reboots that many seconds later. */
  private sysrq(key: string): void {
    if (key !== 'c') return;
    const panic = this.kernelPanic;
    // A negative kernel.panic reboots immediately.
    if (this.crash('crash') && panic !== 0) this.rebootAfter(Math.max(0, panic) * 1000, 'panic-reboot');
  }

  /** proc_dointvec: one decimal integer (surrounding whitespace allowed), else EINVAL. */
  private setKernelPanic(data: string): void {
    const m = /^\s*([-+]?\d+)\s*$/.exec(data);
    const value = m ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) throw fsError('EINVAL', 'write', '/proc/sys/kernel/panic');
    this.kernelPanic = value;
  }
}
