import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { PVE_RUNBOOKS } from '../helpers/cli';

/**
 * `pve-runbooks worker` as a process the harness kills with SIGKILL (no shutdown, nothing
 * flushed, as a crash does) and starts again. Each process is known by the identity the SDK gives
 * it (`PID@HOST`), which is how the harness tells the restarted worker's progress from the dead
 * one's in describe and in history.
 */
export class ChaosWorker {
  private child?: ChildProcess;
  private output = '';
  identity = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /**
   * Resolves, with the real milliseconds it took, once a new process polls its task queue. A
   * process that exits first is tried again a few times: a build running meanwhile can leave
   * dist/ half written for a moment.
   */
  async start(): Promise<number> {
    const started = Date.now();
    for (let tries = 1; ; tries++) {
      try {
        await this.spawn();
        return Date.now() - started;
      } catch (err) {
        if (tries === 3) throw err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async spawn(): Promise<void> {
    const child = spawn(process.execPath, [PVE_RUNBOOKS, 'worker'], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.identity = `${child.pid}@${os.hostname()}`;
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      const keep = (d: Buffer) => {
        // Only the tail matters to a failing run, and a worker restarted dozens of times prints a lot.
        this.output = (this.output + d.toString()).slice(-16_000);
      };
      child.stdout!.on('data', (d: Buffer) => {
        keep(d);
        seen += d.toString();
        if (seen.includes('worker polling')) resolve();
      });
      child.stderr!.on('data', keep);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before polling:\n${this.output}`)));
    });
  }

  kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  tail(): string {
    return this.output;
  }
}
