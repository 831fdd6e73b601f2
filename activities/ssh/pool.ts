import { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { ApplicationFailure } from '@temporalio/common';
import { Endpoint, SshFailure, authRefused, classifyConnectError, where } from './errors';
import { KnownHosts } from './knownHosts';
import { activityHooks } from './activityHooks';

export interface SshTarget extends Endpoint {
  /** Resolved on the worker only; never part of a workflow payload. */
  password?: string;
  privateKeys: { label: string; key: string | Buffer }[];
  connectTimeoutMs: number;
}

export interface ExecOptions {
  timeoutMs: number;
  /** Shown in heartbeats and errors instead of the command, which may be long. */
  label?: string;
  stdin?: string;
  /** Cap on captured output per stream, so a runaway command cannot exhaust the worker. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  signal?: string;
  durationMs: number;
}

interface Pooled {
  client: Client;
  ready: Promise<Client>;
  channels: number;
  waiters: (() => void)[];
}

/** OpenSSH's default MaxSessions is 10; stay below it so a busy node never refuses a channel. */
const MAX_CHANNELS = 8;
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * SSH connections pooled per node and authentication set: one handshake serves every command a
 * worker runs on that node, and a dropped connection is replaced on the next use.
 */
export class SshPool {
  private pool = new Map<string, Pooled>();
  handshakes = 0;

  constructor(private readonly knownHosts: KnownHosts) {}

  private key(t: SshTarget): string {
    return `${t.user}@${t.host}:${t.port}|${t.password ? 'pw' : ''}|${t.privateKeys.map((k) => k.label).join(',')}`;
  }

  private authMethods(t: SshTarget): ConnectConfig['authHandler'] {
    const methods: NonNullable<ConnectConfig['authHandler']> = [];
    if (t.password !== undefined) methods.push({ type: 'password', username: t.user, password: t.password } as never);
    for (const k of t.privateKeys) methods.push({ type: 'publickey', username: t.user, key: k.key } as never);
    return methods;
  }

  private connect(t: SshTarget): Pooled {
    const client = new Client();
    const tried = [...(t.password !== undefined ? ['password'] : []), ...t.privateKeys.map((k) => `publickey (${k.label})`)];
    let hostKeyError: Error | undefined;
    client.setMaxListeners(4 * MAX_CHANNELS);
    const entry: Pooled = { client, channels: 0, waiters: [], ready: undefined as never };
    const k = this.key(t);
    entry.ready = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      // A listener must stay for the connection's whole life: an unheard 'error' would crash the worker.
      client.on('error', (err: Error & { level?: string }) => {
        if (this.pool.get(k) === entry) this.pool.delete(k);
        if (hostKeyError) return reject(hostKeyError);
        if (err.level === 'client-authentication') return reject(authRefused(t, tried));
        reject(classifyConnectError(t, err));
      });
      client.once('close', () => {
        if (this.pool.get(k) === entry) this.pool.delete(k);
        reject(ApplicationFailure.retryable(`${where(t)}: connection closed during the handshake`, SshFailure.ConnectionLost));
      });
    });
    entry.ready.catch(() => undefined);
    this.handshakes++;
    client.connect({
      host: t.host,
      port: t.port,
      username: t.user,
      readyTimeout: t.connectTimeoutMs,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      authHandler: this.authMethods(t),
      hostVerifier: (blob: Buffer) => {
        hostKeyError = this.knownHosts.verify(t, blob);
        return hostKeyError === undefined;
      },
    });
    this.pool.set(k, entry);
    return entry;
  }

  private async acquire(t: SshTarget): Promise<Pooled> {
    const entry = this.pool.get(this.key(t)) ?? this.connect(t);
    await entry.ready;
    while (entry.channels >= MAX_CHANNELS) await new Promise<void>((r) => entry.waiters.push(r));
    entry.channels++;
    return entry;
  }

  private release(entry: Pooled): void {
    entry.channels--;
    entry.waiters.shift()?.();
  }

  /**
   * Listeners go on in the exec callback itself: a fast command's output, exit status and close
   * can arrive in the same packet burst as the channel confirmation, before any await resumes.
   */
  private start(t: SshTarget, entry: Pooled, command: string, opts: ExecOptions): Promise<{ result: Promise<ExecResult> }> {
    return new Promise((resolve, reject) =>
      entry.client.exec(command, (err, ch) => (err ? reject(err) : resolve({ result: this.collect(t, entry, ch, opts) }))),
    );
  }

  /**
   * Runs one command. A channel that cannot be opened means the command never started, so that
   * alone is retried once on a fresh connection; a connection lost mid-command is reported as
   * transient and left to the activity's retry, whose check-before-act makes it safe.
   */
  async exec(t: SshTarget, command: string, opts: ExecOptions): Promise<ExecResult> {
    // Beats from before the connection is made: connecting may take longer than the heartbeat timeout.
    const hooks = activityHooks();
    const started = Date.now();
    const beat = setInterval(() => hooks?.heartbeat({ node: t.name, step: opts.label ?? 'command', elapsedMs: Date.now() - started }), HEARTBEAT_EVERY_MS);
    try {
      return await this.execBeating(t, command, opts);
    } finally {
      clearInterval(beat);
    }
  }

  private async execBeating(t: SshTarget, command: string, opts: ExecOptions): Promise<ExecResult> {
    let entry = await this.acquire(t);
    let started: { result: Promise<ExecResult> };
    try {
      started = await this.start(t, entry, command, opts);
    } catch {
      this.release(entry);
      this.drop(t);
      entry = await this.acquire(t);
      try {
        started = await this.start(t, entry, command, opts);
      } catch (err) {
        this.release(entry);
        throw classifyConnectError(t, err);
      }
    }
    try {
      return await started.result;
    } finally {
      this.release(entry);
    }
  }

  private collect(t: SshTarget, entry: Pooled, channel: ClientChannel, opts: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const label = opts.label ?? 'command';
    const max = opts.maxOutputBytes ?? 8 * 1024 * 1024;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    const hooks = activityHooks();
    return new Promise<ExecResult>((resolve, reject) => {
      let exitCode: number | undefined;
      let signal: string | undefined;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        entry.client.off('close', onConnClose);
        hooks?.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const timer = setTimeout(() => {
        channel.close();
        finish(() =>
          reject(ApplicationFailure.retryable(`${where(t)}: ${label} did not finish within ${Math.round(opts.timeoutMs / 1000)} s`, SshFailure.CommandTimeout)),
        );
      }, opts.timeoutMs);
      const onAbort = () => {
        channel.close();
        finish(() => reject(hooks?.signal.reason ?? new Error('cancelled')));
      };
      hooks?.signal.addEventListener('abort', onAbort);
      const onConnClose = () =>
        finish(() => reject(ApplicationFailure.retryable(`${where(t)}: connection lost while running ${label}`, SshFailure.ConnectionLost)));
      entry.client.once('close', onConnClose);
      channel.on('data', (d: Buffer) => {
        if (outLen < max) out.push(d);
        outLen += d.length;
      });
      channel.stderr.on('data', (d: Buffer) => {
        if (errLen < max) err.push(d);
        errLen += d.length;
      });
      channel.on('exit', (code: number | null, sig?: string) => {
        exitCode = code ?? undefined;
        signal = sig ?? undefined;
      });
      channel.on('close', () => {
        if (exitCode === undefined && signal === undefined) {
          return finish(() =>
            reject(ApplicationFailure.retryable(`${where(t)}: ${label} ended without an exit status`, SshFailure.ConnectionLost)),
          );
        }
        finish(() =>
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            exitCode: exitCode ?? 255,
            signal,
            durationMs: Date.now() - started,
          }),
        );
      });
      if (opts.stdin !== undefined) channel.end(opts.stdin);
      else channel.end();
    });
  }

  /** Forgets a node's connection so the next command makes a new handshake. */
  drop(t: SshTarget): void {
    const k = this.key(t);
    const entry = this.pool.get(k);
    if (!entry) return;
    this.pool.delete(k);
    entry.client.end();
  }

  async closeAll(): Promise<void> {
    for (const e of this.pool.values()) e.client.end();
    this.pool.clear();
  }
}
