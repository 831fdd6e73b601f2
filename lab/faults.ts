import { matches } from './commandLog';

export type FaultAction =
  | { kind: 'fail'; exitCode: number; stderr: string }
  | { kind: 'hang' }
  /** The command runs to completion, then the SSH connection is cut before its output or exit status is sent. */
  | { kind: 'drop' }
  | { kind: 'delay'; labMs: number }
  /**
   * The command runs to completion and its exit status is sent, but its stdout arrives damaged: cut
   * after `truncateAt` bytes, then `flip` bytes spread evenly over what is left inverted (a UTF-8
   * character cut or inverted is no longer one), as from a daemon that died mid-write or a bad link.
   */
  | { kind: 'garble'; truncateAt?: number; flip?: number };

export interface CommandFault {
  /** Every node when absent. */
  node?: string;
  /** Substring of, or pattern tested against, the whole command line received over SSH. */
  match: string | RegExp;
  action: FaultAction;
  /** How many matching commands it affects; default 1, Infinity allowed. */
  times?: number;
}

/** Makes a node refuse every authentication attempt while the rule is in place. */
export interface AuthFault {
  node: string;
  auth: 'refuse';
}

export type FaultRule = CommandFault | AuthFault;

export interface FaultHandle {
  /** How many times the rule has fired. */
  readonly fired: number;
  /** Firings left (Infinity for auth rules). */
  readonly remaining: number;
  remove(): void;
}

class ActiveRule implements FaultHandle {
  fired = 0;
  remaining: number;

  constructor(
    readonly rule: FaultRule,
    private readonly owner: FaultInjector,
  ) {
    this.remaining = 'auth' in rule ? Infinity : (rule.times ?? 1);
  }

  remove(): void {
    this.owner.remove(this);
  }
}

/**
 * Faults that tests and the demo add while runbooks run. Command faults apply to commands that
 * arrive over SSH (the transport is what drops or hangs); the first matching rule with firings left wins.
 */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): FaultHandle {
    if ('match' in rule && rule.times !== undefined && !(rule.times > 0))
      throw new RangeError(`fault times must be positive, got ${rule.times}`);
    if ('match' in rule && rule.action.kind === 'garble') {
      const { truncateAt, flip } = rule.action;
      const count = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 0);
      if (!count(truncateAt) || !count(flip)) throw new RangeError(`garble takes byte counts, got truncateAt ${truncateAt} and flip ${flip}`);
      if (truncateAt === undefined && !flip) throw new RangeError('garble needs truncateAt or flip: otherwise the output arrives intact');
    }
    const active = new ActiveRule(rule, this);
    this.rules.push(active);
    return active;
  }

  remove(handle: FaultHandle): void {
    this.rules = this.rules.filter((r) => r !== handle);
  }

  clear(): void {
    this.rules = [];
  }

  /** Consumes one firing of the first rule matching this command, if any. */
  take(node: string, commandLine: string): FaultAction | undefined {
    for (const active of this.rules) {
      const rule = active.rule;
      if ('auth' in rule || active.remaining <= 0) continue;
      if (rule.node !== undefined && rule.node !== node) continue;
      if (!matches(rule.match, commandLine)) continue;
      active.fired++;
      active.remaining--;
      if (active.remaining <= 0) this.remove(active);
      return rule.action;
    }
    return undefined;
  }

  /** Whether an auth rule refuses this attempt (counted as a firing). */
  authRefused(node: string): boolean {
    const active = this.rules.find((r) => 'auth' in r.rule && r.rule.node === node);
    if (active) active.fired++;
    return active !== undefined;
  }
}

/** The stdout a `garble` fault delivers instead of `out`. */
export function garble(out: Buffer, action: Extract<FaultAction, { kind: 'garble' }>): Buffer {
  const cut = Buffer.from(out.subarray(0, action.truncateAt ?? out.length));
  const flips = Math.min(action.flip ?? 0, cut.length);
  for (let k = 0; k < flips; k++) {
    const at = Math.floor(((k + 0.5) * cut.length) / flips);
    cut[at] = (cut[at] ?? 0) ^ 0xff;
  }
  return cut;
}
