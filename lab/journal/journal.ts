import { randomBytes, randomInt } from 'node:crypto';

/** The daemons whose lines the twin writes, the unit each runs in, and where its PIDs fall after boot. */
export const DAEMONS = {
  'watchdog-mux': { unit: 'watchdog-mux.service', pidFrom: 780 },
  pmxcfs: { unit: 'pve-cluster.service', pidFrom: 1020 },
  corosync: { unit: 'corosync.service', pidFrom: 1150 },
  'pve-ha-crm': { unit: 'pve-ha-crm.service', pidFrom: 1330 },
  'pve-ha-lrm': { unit: 'pve-ha-lrm.service', pidFrom: 1420 },
} as const;

export type Daemon = keyof typeof DAEMONS;
/** SYSLOG_IDENTIFIERs the journal holds: the daemons, the kernel and systemd itself. */
export type Ident = Daemon | 'kernel' | 'systemd';

/** syslog levels the twin's lines use. */
export const PRIORITY = { crit: 2, err: 3, warning: 4, notice: 5, info: 6 } as const;

export interface JournalEntry {
  /** Lab ms (sub-millisecond digits are the entry's microseconds). */
  at: number;
  /** SYSLOG_IDENTIFIER. */
  ident: string;
  /** _PID; 0 for the kernel, whose lines have none. */
  pid: number;
  message: string;
  /** A daemon's _SYSTEMD_UNIT, or for systemd's own lines the UNIT they are about. */
  unit?: string;
  /** _BOOT_ID: the boot the line was logged in, 32 hex digits. */
  bootId: string;
  /** PRIORITY (syslog level). */
  priority: number;
}

/** A line a daemon logged that the twin records elsewhere (the HA stack's log). */
export interface SyslogLine {
  at: number;
  ident: Daemon;
  message: string;
  priority: number;
}

export interface JournalBoot {
  /** 32 hex digits, as journald stores `/proc/sys/kernel/random/boot_id`. */
  id: string;
  /** Lab ms the kernel started. */
  at: number;
  /** Every daemon's PID during this boot. */
  pids: Record<Daemon, number>;
}

/** Where the cluster model and the node write their lines. */
export interface SyslogWriter {
  log(ident: Ident, message: string, opts?: { at?: number; priority?: number; unit?: string }): void;
  /** The daemon's PID in the current boot. */
  pid(daemon: Daemon): number;
}

/**
 * A node's persistent journal (Debian's /var/log/journal): every boot's lines survive reboots.
 * While the node is down nothing reaches it, so what a crashing kernel prints is lost. The HA
 * daemons' lines are kept by the HA model and merged in when read, with this journal's PIDs.
 */
export class NodeJournal implements SyslogWriter {
  readonly machineId = randomBytes(16).toString('hex');
  private readonly own: JournalEntry[] = [];
  private readonly bootList: JournalBoot[] = [];
  private running = false;

  constructor(
    /** _HOSTNAME: the node's short name. */
    readonly hostname: string,
    private readonly now: () => number,
    private readonly external: () => SyslogLine[] = () => [],
  ) {}

  /** The kernel starts with this boot id (a UUID, as /proc shows it); each daemon gets its PID. */
  boot(uuid: string): JournalBoot {
    // Daemons start in the same order every boot; how many processes ran before them varies a little.
    const skew = randomInt(0, 60);
    const pids = Object.fromEntries(Object.entries(DAEMONS).map(([d, { pidFrom }]) => [d, pidFrom + skew])) as Record<Daemon, number>;
    const boot = { id: uuid.replace(/-/g, ''), at: this.now(), pids };
    this.bootList.push(boot);
    this.running = true;
    return boot;
  }

  /** The node stopped (crash, reset or power cut): nothing it logs from now on reaches the disk. */
  halt(): void {
    this.running = false;
  }

  get current(): JournalBoot | undefined {
    return this.bootList.at(-1);
  }

  boots(): readonly JournalBoot[] {
    return this.bootList;
  }

  pid(daemon: Daemon): number {
    return this.current?.pids[daemon] ?? 0;
  }

  log(ident: Ident, message: string, opts: { at?: number; priority?: number; unit?: string } = {}): void {
    const boot = this.current;
    if (!this.running || !boot) return;
    const pid = ident === 'kernel' ? 0 : ident === 'systemd' ? 1 : boot.pids[ident];
    const unit = ident === 'kernel' || ident === 'systemd' ? opts.unit : DAEMONS[ident].unit;
    this.own.push({ at: opts.at ?? this.now(), ident, pid, message, unit, bootId: boot.id, priority: opts.priority ?? PRIORITY.info });
  }

  /** Everything on disk, oldest first. */
  entries(): JournalEntry[] {
    const merged = [...this.own];
    for (const line of this.external()) {
      const boot = this.bootAt(line.at);
      if (!boot) continue;
      merged.push({ at: line.at, ident: line.ident, pid: boot.pids[line.ident], message: line.message, unit: DAEMONS[line.ident].unit, bootId: boot.id, priority: line.priority });
    }
    return merged.sort((a, b) => a.at - b.at);
  }

  private bootAt(at: number): JournalBoot | undefined {
    for (let i = this.bootList.length - 1; i >= 0; i--) {
      const boot = this.bootList[i] as JournalBoot;
      if (boot.at <= at) return boot;
    }
    return undefined;
  }
}
