import { spawn, type ChildProcess } from 'node:child_process';
import { PVE_RUNBOOKS } from './cli';

/**
 * `pve-runbooks worker` as its own process, so a test can kill it the way a crash does
 * (SIGKILL: no shutdown, no flushed state) and start another one.
 */
export class WorkerProcess {
  private child?: ChildProcess;
  /** Everything the worker processes printed, for a failing test to show. */
  output = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Resolves once the worker polls its task queue. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [PVE_RUNBOOKS, 'worker'], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        this.output += d.toString();
        if (this.output.includes('worker polling')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before polling:\n${this.output}`)));
    });
  }

  kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
