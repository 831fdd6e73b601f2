import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChaos } from './harness';
import { killLine, summaryLine } from './chaos';

/** More kills than planned phase boundaries (22), so random points inside activities are exercised too. */
const KILLS = 30;
const SEED = 6;

test(`the worker killed ${KILLS} times (SIGKILL) during createCluster and a crash drill: right final state, every destructive command once, fast resume`, { timeout: 20 * 60_000 }, async (t) => {
  const r = await runChaos({ kills: KILLS, seed: SEED, onKill: (k) => t.diagnostic(killLine(k, KILLS)) });
  t.diagnostic(summaryLine(r));
  assert.ok(r.kills.length >= KILLS, `${r.kills.length} kills landed`);
  for (const s of r.state) assert.ok(s.ok, `${s.what}: ${s.detail}`);
  for (const c of r.exactlyOnce) assert.ok(c.ok, `exactly once: ${c.what}: ${c.detail}`);
  assert.ok(r.kills.every((k) => k.resumeMs !== undefined), 'activity progress after every kill');
  assert.ok(r.resume.medianMs <= r.resume.targetMs, `median resume latency ${r.resume.medianMs} ms, target ≤ heartbeat timeout + 2 s = ${r.resume.targetMs} ms`);
  assert.deepEqual(r.failures, []);
});
