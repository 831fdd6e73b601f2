import { Context } from '@temporalio/activity';

/** Details an activity must find again on its next attempt; the SSH layer's progress beats keep them. */
const pinned = new WeakMap<Context, Record<string, unknown>>();

/**
 * The SSH layer also runs outside activities (the CLI, tests, benchmarks); heartbeats and
 * cancellation only exist inside one.
 */
export function activityHooks(): { heartbeat: (details: Record<string, unknown>) => void; signal: AbortSignal } | undefined {
  try {
    const ctx = Context.current();
    return { heartbeat: (d) => ctx.heartbeat({ ...d, ...pinned.get(ctx) }), signal: ctx.cancellationSignal };
  } catch {
    return undefined;
  }
}

/** Heartbeats `details` now and with every later beat of this attempt, so a retry reads them in `heartbeatDetails`. */
export function pinHeartbeat(details: Record<string, unknown>): void {
  const ctx = Context.current();
  const all = { ...pinned.get(ctx), ...details };
  pinned.set(ctx, all);
  ctx.heartbeat(all);
}
