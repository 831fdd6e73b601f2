import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { sshStep } from '../retry';

export const acts = proxyActivities<Activities>(sshStep);

/** Package installs, mkfs of an OSD, initramfs rebuilds: minutes on real hardware, heartbeats all along. */
export const longStep: ActivityOptions = { ...sshStep, startToCloseTimeout: '45 minutes' };

/** apt's lock is often held for minutes by unattended upgrades: keep retrying, patiently. */
export const aptStep: ActivityOptions = { ...longStep, retry: { ...sshStep.retry, maximumAttempts: 30, maximumInterval: '30 seconds' } };

type Fn<A extends unknown[], R> = { executeWithOptions(o: ActivityOptions, a: A): Promise<R> };

/** An activity with its summary, shown in the Web UI's event history. */
export function step<A extends unknown[], R>(fn: Fn<A, R>, summary: string, args: A, opts: ActivityOptions = sshStep): Promise<R> {
  return fn.executeWithOptions({ ...opts, summary }, args);
}
