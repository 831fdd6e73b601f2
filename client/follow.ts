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

/** What a paused run asks, and the commands that answer it. */
export function operatorLines(workflowId: string, q: NonNullable<Progress['awaiting']>): string {
  return [
    `AWAITING OPERATOR (since ${q.since}): ${q.question}`,
    ...q.choices.map((c) => `  pve-runbooks decide ${workflowId} ${c.action.padEnd(8)}  ${c.effect}`),
    '  (or from the Web UI: Send Update "decide" with {"action": "..."})',
  ].join('\n');
}

/**
 * While a caller waits for a result, says each time the run pauses for its operator, so a
 * `--wait` never hangs in silence. Returns the function that stops watching.
 */
export function announceOperatorQuestions(handle: WorkflowHandle, say: (s: string) => void): () => void {
  let stopped = false;
  let announced = '';
  void (async () => {
    while (!stopped) {
      try {
        const q = (await handle.query(progressQuery)).awaiting;
        if (q && q.since + q.question !== announced) {
          announced = q.since + q.question;
          say(operatorLines(handle.workflowId, q));
        }
      } catch {
        // Not started yet or just ended: the result tells the rest.
      }
      await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    }
  })();
  return () => {
    stopped = true;
  };
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
  let known = -1;
  // A paused run's phase reads `awaiting operator`: it stays in the phase it paused in.
  const indexOf = (p?: Progress) => {
    const at = p ? phases.indexOf(p.phase) : -1;
    if (at >= 0) known = at;
    return p?.awaiting ? known : at;
  };
  const tasks = new Listr(
    phases.map((phase, i) => ({
      title: phase,
      task: async (_ctx: unknown, task: { output: string; title: string }) => {
        for (;;) {
          const at = indexOf(latest);
          if (at > i || latest?.phase === 'done') return;
          if (at === i) task.output = latest?.awaiting ? `${nodeLines(latest)}\n${operatorLines(handle.workflowId, latest.awaiting)}` : nodeLines(latest!);
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
