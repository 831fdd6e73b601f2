import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { SshFailure, where } from '../ssh/errors';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import type { NodeTask } from '../nodes/task';
import { pinHeartbeat } from '../ssh/activityHooks';

export type CrashOutcome =
  | { status: 'crashed'; clockMs: number }
  /** An earlier attempt crashed the node: it no longer answers, or answers with another boot id. */
  | { status: 'already'; clockMs?: number; detail: string };

/** Failures that mean the crash took the node (and our session) down: the expected outcome. */
const WENT_DOWN: string[] = [SshFailure.CommandTimeout, SshFailure.ConnectionLost];
/** Failures that mean the node does not answer at all. */
const NOT_ANSWERING: string[] = [SshFailure.ConnectTimeout, SshFailure.Unreachable, SshFailure.ConnectionLost];

const failureType = (err: unknown) => (err instanceof ApplicationFailure ? err.type : undefined);

/** How long the sysrq write may take before the silence counts as the crash. */
const CRASH_SILENCE_MS = 8_000;

export function crashActivities(deps: SshDeps) {
  return {
    /** kernel.panic set (not persistently: it is 0 again after the reboot it causes), checked first. */
    async ensureKernelPanic(task: NodeTask, seconds: number): Promise<{ status: 'done' | 'already' }> {
      const remote = Remote.of(task.node, task, deps);
      const want = String(seconds);
      const out = await remote.check(
        `if [ "$(sysctl -n kernel.panic)" = ${quoteArg(want)} ]; then echo already; else ${cmd('sysctl', '-w', `kernel.panic=${want}`)} >/dev/null && echo done; fi`,
        { label: `sysctl -w kernel.panic=${want}` },
      );
      return { status: out.trim() === 'already' ? 'already' : 'done' };
    },

    /**
     * `echo c > /proc/sysrq-trigger`, exactly once per boot: the write happens only while the node
     * still runs the boot the steady-state check saw, in the same shell line as that check. The
     * session dying (or going silent) is the crash succeeding. A retry after a worker crash finds
     * the node silent or rebooted and reports `already`, with the clock reading its first attempt
     * recorded in a heartbeat.
     */
    async triggerCrash(task: NodeTask, bootId: string): Promise<CrashOutcome> {
      const ctx = Context.current();
      const remote = Remote.of(task.node, task, deps);
      const earlier = ctx.info.heartbeatDetails as { clockMs?: number } | undefined;
      let clock: string;
      try {
        clock = await remote.check('date +%s.%N; cat /proc/sys/kernel/random/boot_id', { label: 'clock and boot id before the crash', timeoutMs: 15_000 });
      } catch (err) {
        if (ctx.info.attempt > 1 && NOT_ANSWERING.includes(failureType(err) ?? '')) {
          deps.pool.drop(remote.target);
          return { status: 'already', clockMs: earlier?.clockMs, detail: `${task.node.name} no longer answers` };
        }
        throw err;
      }
      const [now, boot] = clock.trim().split('\n');
      if (boot?.trim() !== bootId) {
        if (ctx.info.attempt > 1) return { status: 'already', clockMs: earlier?.clockMs, detail: `${task.node.name} has rebooted since (boot id ${boot?.trim()})` };
        throw ApplicationFailure.nonRetryable(`${where(remote.target)}: boot id changed since the steady-state check (${bootId} → ${boot?.trim()}): the node rebooted by itself; nothing was crashed`, 'VictimRebooted');
      }
      const clockMs = Math.round(Number(now) * 1000);
      pinHeartbeat({ clockMs });
      try {
        const r = await remote.run(`[ "$(cat /proc/sys/kernel/random/boot_id)" = ${quoteArg(bootId)} ] && echo c > /proc/sysrq-trigger; echo survived $?`, {
          label: 'echo c > /proc/sysrq-trigger',
          timeoutMs: CRASH_SILENCE_MS,
        });
        throw ApplicationFailure.nonRetryable(
          `${where(remote.target)}: the node is still running after the sysrq write (${r.stdout.trim() || `exit ${r.exitCode}`} ${r.stderr.trim()}); is /proc/sysrq-trigger writable?`,
          'CrashFailed',
        );
      } catch (err) {
        if (!WENT_DOWN.includes(failureType(err) ?? '')) throw err;
      } finally {
        deps.pool.drop(remote.target);
      }
      return { status: 'crashed', clockMs };
    },
  };
}
