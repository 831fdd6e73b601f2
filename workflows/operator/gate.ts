import { ApplicationFailure, CancelledFailure, condition, defineUpdate, patched, setHandler } from '@temporalio/workflow';
import { failureMessage } from '../failure';
import type { ProgressTracker } from '../progress';

export const DECISIONS = ['retry', 'skip', 'abort', 'rollback'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The Update every runbook that pauses for an operator accepts (the CLI's `pve-runbooks decide`). */
export const decideUpdate = defineUpdate<{ accepted: string }, [{ action: string }]>('decide');

/** What the runbook does when nobody answers within `waitSeconds`. */
export interface OperatorPolicy {
  waitSeconds?: number;
  onNoDecision?: 'abort' | 'rollback';
}

export interface GateOptions {
  /** Why this runbook offers no rollback (destroying a cluster cannot be undone by its compensations). */
  rollbackRefused?: string;
}

const DEFAULT_OPERATOR_WAIT_SECONDS = 86_400;

export interface OperatorRecord {
  step: string;
  error: string;
  action: Decision;
  by: 'operator' | 'policy';
  at: string;
}

export interface GatedStep {
  label: string;
  /** Why later steps cannot do without this one; when set, `skip` is refused with this reason. */
  neededBecause?: string;
}

interface Question extends GatedStep {
  error: string;
  choices: Decision[];
}

/** Failure types that end a run on purpose, never to be turned into a question. */
const FINAL = new Set(['OperatorAborted', 'RolledBack']);

/**
 * A step that failed for good (its activity out of retries, or a permanent refusal) pauses the
 * run for its operator instead of failing it: retry the step, skip it when nothing later needs it,
 * abort and leave everything for inspection, or roll back what this run changed. Every completed
 * step registers its compensation here; a rollback runs them newest first.
 *
 * Only the failure path records anything in history (the `operator-gate` patch marker, a timer),
 * so histories of runs that never failed replay unchanged, and so do failed runs of older code.
 */
export class OperatorGate {
  private asked?: Question;
  private decision?: Decision;
  private rollingBack = false;
  private readonly undo: { label: string; run: () => Promise<unknown> }[] = [];
  readonly decisions: OperatorRecord[] = [];
  readonly undone: string[] = [];

  constructor(
    private readonly progress: ProgressTracker,
    private readonly policy: OperatorPolicy = {},
    private readonly opts: GateOptions = {},
  ) {
    setHandler(
      decideUpdate,
      ({ action }) => {
        this.decision = action as Decision;
        return { accepted: action };
      },
      { validator: ({ action }) => this.validate(action) },
    );
  }

  /** Registers how to undo a step this run completed; nothing runs unless the operator (or the policy) rolls back. */
  compensate(label: string, run: () => Promise<unknown>): void {
    this.undo.push({ label, run });
  }

  /** Runs `fn`; on failure asks the operator. Resolves `undefined` only when the operator skipped it. */
  async step<R>(spec: GatedStep, fn: () => Promise<R>): Promise<R | undefined> {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!this.asks(err)) throw err;
        const { message } = failureMessage(err);
        const choice = await this.ask({ ...spec, error: message, choices: this.rollingBack || this.opts.rollbackRefused ? ['retry', 'skip', 'abort'] : [...DECISIONS] });
        if (choice === 'retry') continue;
        if (choice === 'skip') return undefined;
        if (choice === 'abort') {
          throw ApplicationFailure.nonRetryable(`aborted ${this.rollingBack ? 'the rollback ' : ''}at "${spec.label}": ${message}. Nothing more was changed${this.undone.length ? `; undone before: ${this.undone.join(', ')}` : ''}.`, 'OperatorAborted');
        }
        await this.rollback();
        throw ApplicationFailure.nonRetryable(
          `rolled back after "${spec.label}" failed: ${message}. Undone, newest first: ${this.undone.length ? this.undone.join(', ') : 'nothing (this run had changed nothing)'}.`,
          'RolledBack',
        );
      }
    }
  }

  /** A step whose result the rest of the run needs: `skip` is refused, so it never resolves empty. */
  async must<R>(spec: GatedStep & { neededBecause: string }, fn: () => Promise<R>): Promise<R> {
    return (await this.step(spec, fn)) as R;
  }

  private asks(err: unknown): boolean {
    if (err instanceof CancelledFailure) return false;
    if (FINAL.has(failureMessage(err).type ?? '')) return false;
    return patched('operator-gate');
  }

  private async rollback(): Promise<void> {
    this.rollingBack = true;
    this.progress.phase('rollback');
    for (const u of [...this.undo].reverse()) {
      const done = await this.step({ label: `undo ${u.label}` }, async () => {
        await u.run();
        return true;
      });
      if (done) this.undone.push(u.label);
    }
    this.undo.length = 0;
  }

  private async ask(q: Question): Promise<Decision> {
    // Steps failing side by side are asked about one after the other.
    await condition(() => this.asked === undefined);
    const phase = this.progress.current;
    this.asked = q;
    this.progress.awaitOperator(
      `"${q.label}" failed: ${q.error}`,
      q.choices.map((action) => ({ action, effect: this.effect(action, q) })),
    );
    const wait = this.policy.waitSeconds ?? DEFAULT_OPERATOR_WAIT_SECONDS;
    const answered = await condition(() => this.decision !== undefined, `${wait} seconds`);
    const fallback: Decision = q.choices.includes('rollback') && this.policy.onNoDecision === 'rollback' ? 'rollback' : 'abort';
    const action = answered ? this.decision! : fallback;
    this.decisions.push({ step: q.label, error: q.error, action, by: answered ? 'operator' : 'policy', at: new Date().toISOString() });
    this.decision = undefined;
    this.asked = undefined;
    this.progress.answered(phase);
    return action;
  }

  private effect(action: Decision, q: GatedStep): string {
    switch (action) {
      case 'retry':
        return `run "${q.label}" again; what it already finished is found done`;
      case 'skip':
        return q.neededBecause ? `refused: ${q.neededBecause}` : `go on without "${q.label}"`;
      case 'abort':
        return 'stop here and leave everything as it is, for inspection';
      case 'rollback':
        return this.undo.length ? `undo what this run changed, newest first: ${[...this.undo].reverse().map((u) => u.label).join(', ')}` : 'nothing to undo: this run has changed nothing yet';
    }
  }

  private validate(action: string): void {
    if (!(DECISIONS as readonly string[]).includes(action)) throw new Error(`unknown action "${action}": choose one of ${DECISIONS.join(', ')}`);
    const q = this.asked;
    if (!q || this.decision !== undefined) throw new Error('nothing is awaiting a decision: the runbook is running');
    if (!q.choices.includes(action as Decision)) {
      const why = this.rollingBack ? 'a rollback is under way' : (this.opts.rollbackRefused ?? 'this runbook does not offer it');
      throw new Error(`"${action}" is not offered now: ${why} (choose ${q.choices.join(', ')})`);
    }
    if (action === 'skip' && q.neededBecause) throw new Error(`"${q.label}" cannot be skipped: ${q.neededBecause}`);
  }
}
