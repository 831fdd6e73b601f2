import { matches } from './commandLog';

export type FaultAction =
  | { kind: 'fail'; exitCode: number; stderr: string }
  | { kind: 'hang' }
  /** The command runs to completion, then the SSH connection is cut before its output or exit status is sent. */
  | { kind: 'drop' }
  | { kind: 'delay'; labMs: number };

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
