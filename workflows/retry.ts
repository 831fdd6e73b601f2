import type { ActivityOptions } from '@temporalio/workflow';

/** Failure types that retrying cannot fix; the activities raise them as non-retryable too. */
export const PERMANENT_FAILURES = ['SshAuthRefused', 'SshHostKeyChanged', 'SshHostUnknown', 'SecretUnavailable', 'PveMissing'];

/**
 * Short SSH steps: a dead worker is noticed by the heartbeat timeout, a flapping node is retried
 * with backoff, and a permanent failure stops at once.
 */
export const sshStep: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '15 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
};
