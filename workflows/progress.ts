import { defineQuery, setHandler, setCurrentDetails } from '@temporalio/workflow';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface NodeProgress {
  step: string;
  state: StepState;
  error?: string;
}

export interface Progress {
  runbook: string;
  cluster: string;
  phase: string;
  /** The runbook's phases in order, so a follower can show what is done and what is to come. */
  phases: string[];
  startedAt: string;
  updatedAt: string;
  nodes: Record<string, NodeProgress>;
  lastError?: string;
  /** Set while the runbook waits for an operator's `decide` Update. */
  awaiting?: OperatorQuestion;
}

export interface OperatorQuestion {
  question: string;
  choices: { action: string; effect: string }[];
  since: string;
}

export const progressQuery = defineQuery<Progress>('progress');

/**
 * The runbook's visible state: answered by the `progress` query and mirrored into the Web UI's
 * "current details" so an operator sees the phase and every node without reading history.
 */
export class ProgressTracker {
  private readonly p: Progress;

  constructor(runbook: string, cluster: string, nodes: string[], phases: string[]) {
    const now = new Date().toISOString();
    this.p = { runbook, cluster, phase: 'starting', phases, startedAt: now, updatedAt: now, nodes: {} };
    for (const n of nodes) this.p.nodes[n] = { step: 'waiting', state: 'pending' };
    setHandler(progressQuery, () => this.p);
    this.publish();
  }

  get current(): string {
    return this.p.phase;
  }

  phase(name: string): void {
    this.p.phase = name;
    this.publish();
  }

  node(name: string, step: string, state: StepState, error?: string): void {
    this.p.nodes[name] = { step, state, ...(error ? { error } : {}) };
    if (error) this.p.lastError = `${name}: ${error}`;
    this.publish();
  }

  /** The run pauses for an operator: the query and the Web UI say what is asked and what each answer does. */
  awaitOperator(question: string, choices: OperatorQuestion['choices']): void {
    this.p.awaiting = { question, choices, since: new Date().toISOString() };
    this.p.phase = 'awaiting operator';
    this.publish();
  }

  answered(phase: string): void {
    delete this.p.awaiting;
    this.phase(phase);
  }

  private publish(): void {
    this.p.updatedAt = new Date().toISOString();
    const rows = Object.entries(this.p.nodes).map(([n, s]) => `- **${n}**: ${s.step} — ${s.state}${s.error ? ` (${s.error})` : ''}`);
    setCurrentDetails(
      [
        `**${this.p.runbook}** on cluster **${this.p.cluster}** — phase: **${this.p.phase}**`,
        '',
        ...rows,
        ...(this.p.lastError ? ['', `Last error: ${this.p.lastError}`] : []),
        ...(this.p.awaiting
          ? [
              '',
              `**Awaiting operator** since ${this.p.awaiting.since}: ${this.p.awaiting.question}`,
              'Send the Update `decide` with one of:',
              ...this.p.awaiting.choices.map((c) => `- \`{"action": "${c.action}"}\` — ${c.effect}`),
            ]
          : []),
      ].join('\n'),
    );
  }
}
