// `npm run histories`: runs every runbook once end to end on the twin and writes each run's full
// history to test/histories/, in the JSON `temporal workflow show --output json` prints. The
// replay test (test/workflow/replay.test.ts) replays them against the current workflow code, so a
// change that would break a run in flight fails CI. Files it does not write (frozen histories of
// an older shape, kept on purpose) are left alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { LabEnv } from '../helpers/labEnv';
import { projectRoot } from '../helpers/temporal';
import { historyToJson } from '../helpers/historyJson';
import { RECORDED_ROOT_PASSWORD, findSecrets, forms, homeSecrets } from '../helpers/historySecrets';
import { workflowIdFor, type RunbookName } from '../../common/constants';
import type { CreateClusterResult } from '../../workflows/createCluster';
import type { DrillResult } from '../../common/drill/result';
import type { DestroyClusterResult } from '../../workflows/destroyCluster';
import type { HealthReport } from '../../workflows/clusterHealth';
import type { ConnectivityReport } from '../../workflows/testConnectivity';

/** A committed history past this size is worth a look before it goes into git. */
const LARGE_BYTES = 400_000;

interface Recording {
  file: string;
  handle: WorkflowHandle;
}

async function main(): Promise<void> {
  const out = path.join(projectRoot(), 'test', 'histories');
  fs.mkdirSync(out, { recursive: true });
  // Committed histories must replay for everyone: never encrypted with this shell's payload key.
  for (const k of ['PVE_RUNBOOKS_PAYLOAD_KEY', 'PVE_RUNBOOKS_PAYLOAD_KEY_ID', 'PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS']) delete process.env[k];
  // The crash drill's own e2e setting: 20 lab ms per real ms, a minute's boot, so its stages and polls match what it is tuned for.
  const e = await LabEnv.start({ nodes: 3, pve: 8, timeScale: 20, bootMs: 60_000, rootPassword: RECORDED_ROOT_PASSWORD });
  const recordings: Recording[] = [];
  const run = async <T>(runbook: RunbookName, variant: string | undefined, input: Parameters<LabEnv['start']>[2], check: (r: T) => string | undefined) => {
    const id = `${workflowIdFor(runbook, 'e2e')}${variant ? `-${variant}` : ''}`;
    const started = Date.now();
    const handle = await e.start(runbook, id, input);
    const problem = check((await handle.result()) as T);
    if (problem) throw new Error(`${id}: ${problem}`);
    process.stdout.write(`ran ${id} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    recordings.push({ file: `${runbook}${variant ? `-${variant}` : ''}.json`, handle });
  };
  try {
    const inventory = e.referenceInventory();
    await run<ConnectivityReport>('testConnectivity', undefined, { inventory }, (r) => (r.ok ? undefined : r.summary));
    await run<CreateClusterResult>('createCluster', undefined, { inventory, pollEverySeconds: 1, cephWithinSeconds: 600 }, (r) => (r.validation?.ok ? undefined : `not valid: ${r.validation?.problems.join('; ')}`));
    await run<HealthReport>('clusterHealth', undefined, { inventory }, (r) => (r.healthy ? undefined : r.problems.join('; ')));
    await run<DrillResult>('crashDrill', 'dry-run', { inventory, dryRun: true, pollSeconds: 0.5 }, (r) => (r.verdict === 'skipped' && r.stages.length === 0 ? undefined : `${r.verdict}: ${r.reason}`));
    await run<DrillResult>('crashDrill', undefined, { inventory, rebootSeconds: 180, failback: true, pollSeconds: 0.5 }, (r) => (r.verdict === 'pass' ? undefined : `${r.verdict}: ${r.reason}`));
    await run<DestroyClusterResult>('destroyCluster', undefined, { inventory, confirm: 'e2e', teardown: true }, (r) => (r.separated.length === 3 ? undefined : `separated only ${r.separated.join(', ')}`));

    const secrets = [...forms('root password', RECORDED_ROOT_PASSWORD), ...homeSecrets(e.home)];
    const written: { file: string; json: string; events: number }[] = [];
    for (const { file, handle } of recordings) {
      const history = await handle.fetchHistory();
      const json = historyToJson(history);
      const leaks = findSecrets(json, secrets);
      if (leaks.length) throw new Error(`${file} would commit secrets, nothing was written:\n${leaks.join('\n')}`);
      written.push({ file, json, events: history.events?.length ?? 0 });
    }
    for (const w of written) {
      fs.writeFileSync(path.join(out, w.file), w.json);
      const kb = Buffer.byteLength(w.json) / 1000;
      process.stdout.write(`wrote test/histories/${w.file}: ${w.events} events, ${kb.toFixed(0)} kB${kb * 1000 > LARGE_BYTES ? ' (large: check what makes it so)' : ''}\n`);
    }
  } finally {
    await e.stop();
    fs.rmSync(e.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
