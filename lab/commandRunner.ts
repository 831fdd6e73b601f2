import type { ExecResult } from 'just-bash';
import type { LabClock } from './clock';
import type { CommandLog } from './commandLog';
import { type FaultAction, type FaultInjector, garble } from './faults';
import type { NodeShell } from './shell/nodeShell';

export interface RunRequest {
  command: string;
  /** ssh: from the controller; node-ssh: from another lab node's ssh client; internal: the lab itself. */
  via: 'ssh' | 'internal' | 'node-ssh';
  /** The node whose ssh client sent it (via 'node-ssh'). */
  from?: string;
  user: string;
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
  /** Aborted when the session goes away or the node loses power. */
  signal?: AbortSignal;
}

export type RunOutcome =
  | { kind: 'exit'; result: ExecResult }
  /** The connection must be cut without a reply (the command itself ran). */
  | { kind: 'drop' }
  /** The run ended without an exit status: hung or interrupted until its session or node went away. */
  | { kind: 'cut' };

export interface RunnerDeps {
  node: string;
  shell: NodeShell;
  clock: LabClock;
  log: CommandLog;
  faults: FaultInjector;
}

/** Executes command lines on one node the way the node experiences them: faults, timing and the log. */
export class CommandRunner {
  constructor(private readonly deps: RunnerDeps) {}

  async run(req: RunRequest): Promise<RunOutcome> {
    const { clock, log, faults, node, shell } = this.deps;
    const started = clock.now();
    const fault = req.via === 'ssh' ? faults.take(node, req.command) : undefined;
    const finish = (exitCode: number | null, outcome: RunOutcome): RunOutcome => {
      log.record({
        node,
        at: started,
        command: req.command,
        exitCode,
        durationMs: clock.now() - started,
        user: req.user,
        via: req.via,
        ...(req.from ? { from: req.from } : {}),
        ...(fault ? { fault: fault.kind } : {}),
      });
      return outcome;
    };
    try {
      if (fault?.kind === 'fail') return finish(fault.exitCode, { kind: 'exit', result: failure(fault) });
      if (fault?.kind === 'hang') {
        await untilAborted(req.signal);
        return finish(null, { kind: 'cut' });
      }
      if (fault?.kind === 'delay') await clock.sleep(fault.labMs, req.signal);
      const result = await shell.run(req.command, { env: req.env, cwd: req.cwd, stdin: req.stdin, signal: req.signal });
      if (req.signal?.aborted) return finish(null, { kind: 'cut' });
      if (fault?.kind === 'garble') return finish(result.exitCode, { kind: 'exit', result: garbled(result, fault) });
      return finish(result.exitCode, fault?.kind === 'drop' ? { kind: 'drop' } : { kind: 'exit', result });
    } catch (err) {
      if (req.signal?.aborted) return finish(null, { kind: 'cut' });
      throw err;
    }
  }
}

function failure(fault: Extract<FaultAction, { kind: 'fail' }>): ExecResult {
  return { stdout: '', stderr: fault.stderr, exitCode: fault.exitCode };
}

/** Bytes, not text: a cut or inverted byte must reach the client as it is. */
function garbled(result: ExecResult, fault: Extract<FaultAction, { kind: 'garble' }>): ExecResult {
  const out = Buffer.from(result.stdout, result.stdoutKind === 'bytes' ? 'latin1' : 'utf8');
  return { ...result, stdout: garble(out, fault).toString('latin1'), stdoutKind: 'bytes' };
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
