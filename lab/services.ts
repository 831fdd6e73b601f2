export type UnitState = 'active' | 'inactive' | 'failed';

/** Units running on a freshly booted standalone PVE node. */
const STANDALONE_UNITS: Record<string, UnitState> = {
  chrony: 'active',
  corosync: 'inactive',
  cron: 'active',
  ksmtuned: 'active',
  lxcfs: 'active',
  postfix: 'active',
  'pve-cluster': 'active',
  'pve-firewall': 'active',
  'pve-ha-crm': 'active',
  'pve-ha-lrm': 'active',
  pvedaemon: 'active',
  pveproxy: 'active',
  pvescheduler: 'active',
  pvestatd: 'active',
  qmeventd: 'active',
  rrdcached: 'active',
  spiceproxy: 'active',
  ssh: 'active',
  'systemd-journald': 'active',
  'watchdog-mux': 'active',
};

/** Debian's unit aliases. */
const ALIASES: Record<string, string> = { sshd: 'ssh' };

type Listener = (unit: string, state: UnitState) => void;

/** The systemd units of one node and their states, watched by the parts of the twin they drive. */
export class Services {
  private states = new Map<string, UnitState>();
  private changed = new Map<string, number>();
  private readonly listeners: Listener[] = [];
  /** Units installed at run time (template instances such as ceph-mon@pve1), with whether they start at boot. */
  private readonly added = new Map<string, boolean>();

  /** `now` gives the lab time a unit's state changed (what `systemctl status` shows). */
  constructor(private readonly now: () => number = () => Date.now()) {
    this.boot();
  }

  /** Back to the boot-time states, as after a power cycle. */
  boot(): void {
    this.states = new Map(Object.entries(STANDALONE_UNITS));
    for (const [unit, enabled] of this.added) this.states.set(unit, enabled ? 'active' : 'inactive');
    const at = this.now();
    this.changed = new Map([...this.states.keys()].map((u) => [u, at]));
  }

  /** Lab ms of the unit's last state change. */
  since(name: string): number | undefined {
    const unit = this.unit(name);
    return unit === undefined ? undefined : this.changed.get(unit);
  }

  /** Every unit the node has. */
  units(): string[] {
    return [...this.states.keys()].sort();
  }

  /** Canonical unit name (`sshd.service` → `ssh`), or undefined when the node has no such unit. */
  unit(name: string): string | undefined {
    const bare = name.replace(/\.service$/, '');
    const unit = ALIASES[bare] ?? bare;
    return this.states.has(unit) ? unit : undefined;
  }

  state(name: string): UnitState | undefined {
    const unit = this.unit(name);
    return unit === undefined ? undefined : this.states.get(unit);
  }

  set(name: string, state: UnitState): void {
    const unit = this.unit(name);
    if (unit === undefined) throw new Error(`no unit ${name}`);
    if (this.states.get(unit) === state) return;
    this.states.set(unit, state);
    this.changed.set(unit, this.now());
    for (const listener of this.listeners) listener(unit, state);
  }

  /** Installs a unit (inactive until started); `enabled` ones come up at every boot. */
  add(name: string, opts: { enabled?: boolean } = {}): void {
    this.added.set(name, opts.enabled ?? false);
    if (!this.states.has(name)) {
      this.states.set(name, 'inactive');
      this.changed.set(name, this.now());
    }
  }

  /** `systemctl enable|disable` of an installed unit: whether it starts at boot. */
  setEnabled(name: string, enabled: boolean): void {
    const unit = this.unit(name);
    if (unit !== undefined && this.added.has(unit)) this.added.set(unit, enabled);
  }

  isEnabled(name: string): boolean {
    const unit = this.unit(name);
    return unit === undefined ? false : (this.added.get(unit) ?? unit in STANDALONE_UNITS);
  }

  /** The unit's files are gone (its package purged, its instance destroyed). */
  remove(name: string): void {
    const unit = this.unit(name);
    if (unit === undefined || !this.added.has(unit)) return;
    this.added.delete(unit);
    this.states.delete(unit);
    this.changed.delete(unit);
  }

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }
}
