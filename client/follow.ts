import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { WorkflowHandle } from '@temporalio/client';
import { progressQuery, Progress } from '../workflows/progress';

const POLL_MS = 1000;
const stderrOnly = () => new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });

function nodeLines(p: Progress): string {
  return Object.entries(p.nodes)
    .map(([n, s]) => `${n}: ${s.step} (${s.state})${s.error ? ` — ${s.error}` : ''}`)
    .join('\n');
}

/**
 * Live progress in the terminal from the runbook's `progress` query: one line per phase, done,
 * running (with every node's step under it) or to come. Returns when the run ends; its result or
 * failure is for the caller to report. Drawn on stderr, so stdout stays for the result.
 */
export async function followProgress(handle: WorkflowHandle): Promise<void> {
  let latest: Progress | undefined;
  let ended = false;
  const finished = handle.result().then(
    () => undefined,
    () => undefined,
  ).finally(() => (ended = true));
  const poll = async () => {
    try {
      latest = await handle.query(progressQuery);
    } catch {
      // The run may not have started its first task yet, or has just ended: keep the last view.
    }
  };
  while (!latest && !ended) {
    await poll();
    if (!latest) await new Promise((r) => setTimeout(r, 200));
  }
  if (!latest) return;
  const phases = latest.phases;
  const indexOf = (p?: Progress) => (p ? phases.indexOf(p.phase) : -1);
  const tasks = new Listr(
    phases.map((phase, i) => ({
      title: phase,
      task: async (_ctx: unknown, task: { output: string; title: string }) => {
        for (;;) {
          const at = indexOf(latest);
          if (at > i || latest?.phase === 'done') return;
          if (at === i) task.output = nodeLines(latest!);
          if (ended) {
            await poll();
            if (indexOf(latest) > i || latest?.phase === 'done') return;
            throw new Error(latest?.lastError ?? 'the run ended here');
          }
          await new Promise((r) => setTimeout(r, POLL_MS));
          await poll();
        }
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      rendererOptions: { logger: stderrOnly() },
      fallbackRendererOptions: { logger: stderrOnly() },
    },
  );
  await tasks.run().catch(() => undefined);
  await finished;
}
