import { ApplicationFailure } from '@temporalio/common';
import type { RunbookInventory, RunbookNode } from '../../common/inventory';
import { resolveSecret } from '../secrets';
import { ControllerKey } from './controllerKey';
import { SshFailure, where } from './errors';
import { ExecOptions, ExecResult, SshPool, SshTarget } from './pool';
import * as fs from 'node:fs';

export interface SshDeps {
  pool: SshPool;
  controllerKey: ControllerKey;
  env?: NodeJS.ProcessEnv;
}

/**
 * How to authenticate. `password+key` is the default (the password first, as a fresh PVE install
 * only knows that, then the controller's and the inventory's keys); `key` proves that key
 * authentication alone works.
 */
export type AuthMode = 'password+key' | 'key';

export function targetFor(node: RunbookNode, ssh: RunbookInventory['ssh'], deps: SshDeps, auth: AuthMode = 'password+key'): SshTarget {
  const privateKeys: SshTarget['privateKeys'] = [{ label: 'controller key', key: deps.controllerKey.privateKey }];
  if (auth === 'password+key' && node.privateKeyFile) {
    try {
      privateKeys.push({ label: node.privateKeyFile, key: fs.readFileSync(node.privateKeyFile) });
    } catch (err) {
      throw ApplicationFailure.nonRetryable(
        `${node.name}: cannot read private key ${node.privateKeyFile} on the worker (${(err as NodeJS.ErrnoException).code}).`,
        'SecretUnavailable',
      );
    }
  }
  return {
    name: node.name,
    host: node.host,
    port: node.port,
    user: node.user,
    password: auth === 'password+key' && node.password ? resolveSecret(node.password, `${node.name}.password`, deps.env) : undefined,
    privateKeys,
    connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
  };
}

/** A node as activities see it: run a command, get its result; fail loudly on a non-zero exit. */
export class Remote {
  constructor(
    private readonly deps: SshDeps,
    readonly target: SshTarget,
    private readonly commandTimeoutMs: number,
  ) {}

  static of(node: RunbookNode, inv: Pick<RunbookInventory, 'ssh'>, deps: SshDeps, auth?: AuthMode): Remote {
    return new Remote(deps, targetFor(node, inv.ssh, deps, auth), inv.ssh.commandTimeoutSeconds * 1000);
  }

  run(command: string, opts: Partial<ExecOptions> = {}): Promise<ExecResult> {
    return this.deps.pool.exec(this.target, command, { timeoutMs: this.commandTimeoutMs, ...opts });
  }

  /** Runs and returns stdout; a non-zero exit is a retryable failure carrying stderr. */
  async check(command: string, opts: Partial<ExecOptions> = {}): Promise<string> {
    const r = await this.run(command, opts);
    if (r.exitCode !== 0) throw commandFailed(this.target, opts.label ?? command, r);
    return r.stdout;
  }
}

export function commandFailed(t: SshTarget, label: string, r: ExecResult, nonRetryable = false): ApplicationFailure {
  const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5).join(' | ');
  const message = `${where(t)}: \`${label}\` exited with ${r.exitCode}${detail ? `: ${detail}` : ''}`;
  return ApplicationFailure.create({
    message,
    type: SshFailure.CommandFailed,
    nonRetryable,
    details: [{ node: t.name, exitCode: r.exitCode, stderr: r.stderr.slice(-4000) }],
  });
}
