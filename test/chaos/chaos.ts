/**
 * `npm run chaos -- [--kills K] [--seed S] [--time-scale X] [--verbose]`: createCluster of the
 * reference deployment then a crash drill on the twin, the worker killed with SIGKILL K times
 * (every phase boundary, then seeded random points inside activities) and restarted after each
 * kill. Prints one line per kill and a summary line; exits 1 on any failure.
 */
import { Command } from 'commander';
import { intOption } from '../../client/commands';
import { runChaos, type ChaosReport, type KillRecord } from './harness';

const secs = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(1)} s`);

export function killLine(k: KillRecord, of: number): string {
  const [first, ...more] = k.landed;
  const activity = first ? `${first.type} "${first.summary}"${more.length ? ` (+${more.length} more)` : ''}` : '(between activities)';
  return [
    `kill ${String(k.n).padStart(2)}/${of}`,
    secs(k.atMs).padStart(7),
    k.kind.padEnd(8),
    k.workflow.padEnd(13),
    k.phase.padEnd(28),
    activity,
    first ? `attempt ${first.attempt}` : '',
    `resume ${secs(k.resumeMs)}${k.resumedBy ? ` (${k.resumedBy})` : ''}`,
  ]
    .filter(Boolean)
    .join('  ');
}

export function summaryLine(r: ChaosReport): string {
  const once = r.exactlyOnce.filter((c) => c.ok).length;
  const rerun = r.exactlyOnce.filter((c) => c.cut.length).map((c) => `${c.what}: cut by a kill ${c.cut.length}×, ${c.completed === 1 ? 'then completed once' : `completed ${c.completed}×`}`);
  return [
    `summary: seed ${r.seed}`,
    `kills ${r.kills.length}/${r.planned}`,
    `resume median ${secs(r.resume.medianMs)}, max ${secs(r.resume.maxMs)} (target ≤ ${secs(r.resume.targetMs)}: ${r.kills.length === 0 ? '-' : r.resume.medianMs <= r.resume.targetMs ? 'OK' : 'FAIL'}; worker back in ${secs(r.restartMedianMs)})`,
    `exactly once ${once}/${r.exactlyOnce.length} ${once === r.exactlyOnce.length ? 'OK' : 'FAIL'}${rerun.length ? ` (${rerun.join('; ')})` : ''}`,
    `final state ${r.state.every((s) => s.ok) ? 'OK' : 'FAIL'}`,
    `total ${secs(r.totalMs)}`,
    r.failures.length ? `FAILED: ${r.failures.join('; ')}` : 'PASSED',
  ].join(' · ');
}

async function main(): Promise<number> {
  const opts = new Command('chaos')
    .description('kill the worker K times during createCluster and a crash drill on the twin, and check the outcome')
    .option('--kills <K>', 'how many times to kill the worker', intOption('--kills', 0, 1000), 30)
    .option('--seed <S>', 'seed of the random kill points', intOption('--seed', 0, 2 ** 32 - 1), 1)
    .option('--time-scale <X>', 'lab ms per real ms', (v) => Number(v), 20)
    .option('--verbose', 'print every phase change too')
    .parse()
    .opts<{ kills: number; seed: number; timeScale: number; verbose?: boolean }>();
  const r = await runChaos({
    kills: opts.kills,
    seed: opts.seed,
    timeScale: opts.timeScale,
    onInfo: (line) => process.stdout.write(`${line}\n`),
    onKill: (k) => process.stdout.write(`${killLine(k, opts.kills)}\n`),
    ...(opts.verbose ? { onPhase: (w: string, p: string, at: number) => process.stdout.write(`  ${secs(at).padStart(7)}  ${w}: ${p}\n`) } : {}),
  });
  for (const c of r.exactlyOnce) process.stdout.write(`  ${c.ok ? 'OK  ' : 'FAIL'} ${c.what}: ${c.detail}\n`);
  for (const s of r.state) process.stdout.write(`  ${s.ok ? 'OK  ' : 'FAIL'} ${s.what}: ${s.detail}\n`);
  if (r.keptDir) process.stdout.write(`  the twin's state and command log are kept in ${r.keptDir}\n`);
  process.stdout.write(`${summaryLine(r)}\n`);
  return r.failures.length ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
