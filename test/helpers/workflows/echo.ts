// A tiny workflow for tests that only need to prove a server + worker round trip works.
import { proxyActivities, sleep } from '@temporalio/workflow';

export interface EchoActivities {
  shout(text: string): Promise<string>;
}

/** Returns its input unchanged. */
export async function echo(text: string): Promise<string> {
  return text;
}

/**
 * Sleeps (a durable timer: instant under the time-skipping server) and then calls the `shout`
 * activity, so a test exercises timers and activities too.
 */
export async function echoAfter(text: string, delayMs: number): Promise<string> {
  const { shout } = proxyActivities<EchoActivities>({ startToCloseTimeout: '10 seconds' });
  await sleep(delayMs);
  return await shout(text);
}
