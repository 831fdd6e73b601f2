import { Context } from '@temporalio/activity';

/**
 * The SSH layer also runs outside activities (the CLI, tests, benchmarks); heartbeats and
 * cancellation only exist inside one.
 */
export function activityHooks(): { heartbeat: (details: unknown) => void; signal: AbortSignal } | undefined {
  try {
    const ctx = Context.current();
    return { heartbeat: (d) => ctx.heartbeat(d), signal: ctx.cancellationSignal };
  } catch {
    return undefined;
  }
}
