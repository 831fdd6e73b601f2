import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export interface Convergence {
  done: boolean;
  /** What is still missing, for progress and for the failure at the deadline. */
  missing: string;
}

/**
 * Polls a cheap probe with durable timers until the condition holds: never a blind fixed sleep,
 * never a busy loop; a worker restart resumes the wait where it was. At the deadline the runbook
 * fails saying what was not reached.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<Convergence>,
  opts: { every: Duration; withinMs: number; onPoll?: (c: Convergence) => void },
): Promise<void> {
  // In the workflow sandbox Date is Temporal's clock (the task's time, replayed identically), not the host's.
  const deadline = Date.now() + opts.withinMs;
  for (;;) {
    const c = await probe();
    opts.onPoll?.(c);
    if (c.done) return;
    if (Date.now() >= deadline) {
      throw ApplicationFailure.nonRetryable(`${what} was not reached within ${Math.round(opts.withinMs / 1000)} s: ${c.missing}`, 'ConvergenceTimeout');
    }
    await sleep(opts.every);
  }
}
