import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { decideUpdate } from '../../workflows/operator/gate';
import { progressQuery, type Progress } from '../../workflows/progress';

/** The question a paused run puts to its operator (the first matching `question`), as the progress query shows it. */
export async function awaiting(h: WorkflowHandle, question = /./): Promise<NonNullable<Progress['awaiting']>> {
  for (let i = 0; i < 300; i++) {
    const p = await h.query(progressQuery);
    if (p.awaiting && question.test(p.awaiting.question)) return p.awaiting;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the run never asked its operator');
}

/** Why the run's `decide` validator refused `action`; fails if it was accepted. */
export async function refusal(h: WorkflowHandle, action: string): Promise<string> {
  try {
    await h.executeUpdate(decideUpdate, { args: [{ action }] });
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
    return String(err.cause?.message);
  }
  throw new Error(`"${action}" was accepted`);
}
