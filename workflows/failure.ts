import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** The operator-facing text of a failed step: the activity's own message, not the wrapper's. */
export function failureMessage(err: unknown): { message: string; type?: string } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return { message: cause.message, type: cause.type ?? undefined };
  if (cause instanceof Error) return { message: cause.message };
  return { message: String(cause) };
}
