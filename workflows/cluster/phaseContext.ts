import { ApplicationFailure } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { NodeTask } from '../../activities/nodes/task';
import type { RunbookInventory, RunbookNode } from '../../common/inventory';
import type { ProgressTracker } from '../progress';
import type { OperatorGate } from '../operator/gate';

/** What every phase of a runbook shares: the inventory, progress, and how to fan out over nodes. */
export interface PhaseContext {
  inv: RunbookInventory;
  progress: ProgressTracker;
  task: (n: RunbookNode) => NodeTask;
  node: (name: string) => RunbookNode;
  /** Poll interval and deadline of convergence waits. */
  every: Duration;
  withinMs: number;
  warnings: string[];
  /** Where a failed step waits for its operator and completed steps register their undo. */
  gate: OperatorGate;
}

export function phaseContext(inv: RunbookInventory, progress: ProgressTracker, opts: { every: Duration; withinMs: number; warnings: string[]; gate: OperatorGate }): PhaseContext {
  const byName = new Map(inv.nodes.map((n) => [n.name, n]));
  return {
    inv,
    progress,
    task: (n) => ({ node: n, ssh: inv.ssh }),
    node: (name) => {
      const n = byName.get(name);
      if (!n) throw ApplicationFailure.nonRetryable(`no node ${name} in the inventory`, 'InvalidInventory');
      return n;
    },
    ...opts,
  };
}

const messageOf = (err: unknown) => (err as { cause?: Error }).cause?.message ?? (err as Error).message;

/**
 * Runs a step on every node at once; each node's progress is shown, and the phase fails after
 * all have finished, naming every node that failed, so one bad node does not hide another.
 */
export async function perNode<R>(ctx: PhaseContext, label: string, nodes: RunbookNode[], fn: (n: RunbookNode) => Promise<R>): Promise<Record<string, R>> {
  const out: Record<string, R> = {};
  const failures: string[] = [];
  await Promise.all(
    nodes.map(async (n) => {
      ctx.progress.node(n.name, label, 'running');
      try {
        out[n.name] = await fn(n);
        ctx.progress.node(n.name, label, 'done');
      } catch (err) {
        ctx.progress.node(n.name, label, 'failed', messageOf(err));
        failures.push(`${n.name}: ${messageOf(err)}`);
      }
    }),
  );
  if (failures.length) throw ApplicationFailure.nonRetryable(`${label} failed on ${failures.length} node(s):\n${failures.join('\n')}`, 'PhaseFailed');
  return out;
}

/** One node after the other, for steps that must not overlap (monitors joining, OSD ids allocated). */
export async function eachNode<R>(ctx: PhaseContext, label: string, nodes: RunbookNode[], fn: (n: RunbookNode) => Promise<R>): Promise<Record<string, R>> {
  const out: Record<string, R> = {};
  for (const n of nodes) {
    ctx.progress.node(n.name, label, 'running');
    try {
      out[n.name] = await fn(n);
    } catch (err) {
      ctx.progress.node(n.name, label, 'failed', messageOf(err));
      throw ApplicationFailure.nonRetryable(`${label} failed on ${n.name}: ${messageOf(err)}`, 'PhaseFailed');
    }
    ctx.progress.node(n.name, label, 'done');
  }
  return out;
}
