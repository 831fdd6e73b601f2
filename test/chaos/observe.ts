import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
const PendingState = temporal.api.enums.v1.PendingActivityState;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** An activity the server holds as pending, with the summary its workflow gave it. */
export interface PendingActivity {
  activityId: string;
  type: string;
  summary: string;
  attempt: number;
  /** An attempt is running on a worker (as far as the server knows: a dead worker's attempt stays "started" until its heartbeat timeout). */
  started: boolean;
  startedAt?: number;
  heartbeatAt?: number;
  identity: string;
}

export interface Look {
  open: boolean;
  closedAt?: number;
  pending: PendingActivity[];
}

/** Something an activity did on a given worker: when (server time, epoch ms) and what. */
export interface ActivityProgress {
  at: number;
  what: string;
}

/**
 * One run as the server sees it, from describe (pending activities: attempts, starts, heartbeats,
 * the worker identity behind each) and from history (activity starts and completions, which a
 * short activity leaves nowhere else). History is fetched again only when it grew.
 */
export class RunWatch {
  private events: HistoryEvent[] = [];
  private readonly summaries = new Map<string, string>();
  private last: Look = { open: true, pending: [] };

  constructor(readonly handle: WorkflowHandle) {}

  async look(): Promise<Look> {
    const d = await this.handle.describe();
    if (d.historyLength > this.events.length) await this.readHistory();
    const pending = (d.raw.pendingActivities ?? []).map((p) => ({
      activityId: p.activityId ?? '',
      type: p.activityType?.name ?? '?',
      summary: this.summaries.get(p.activityId ?? '') ?? '',
      attempt: p.attempt ?? 1,
      started: p.state === PendingState.PENDING_ACTIVITY_STATE_STARTED,
      startedAt: optionalTsToMs(p.lastStartedTime),
      heartbeatAt: optionalTsToMs(p.lastHeartbeatTime),
      identity: p.lastWorkerIdentity ?? '',
    }));
    const open = d.status.name === 'RUNNING';
    this.last = { open, pending, ...(open ? {} : { closedAt: d.closeTime?.getTime() }) };
    return this.last;
  }

  /** Attempts running on the worker with this identity, as of the last look. */
  running(identity: string): PendingActivity[] {
    return this.last.pending.filter((p) => p.started && p.identity === identity);
  }

  /**
   * The earliest activity progress made by `identity` at or after `since`, as of the last look: an
   * attempt started or a heartbeat (describe), or an attempt started or finished (history).
   */
  progressBy(identity: string, since: number): ActivityProgress | undefined {
    return this.doneBy(identity, since)[0];
  }

  /** When attempts started on `identity` at or after `since`, oldest first, as of the last look. */
  startsBy(identity: string, since: number): number[] {
    return [...new Set(this.doneBy(identity, since).filter((p) => p.start).map((p) => p.at))];
  }

  private doneBy(identity: string, since: number): (ActivityProgress & { start: boolean })[] {
    const found: (ActivityProgress & { start: boolean })[] = [];
    for (const p of this.last.pending.filter((x) => x.identity === identity)) {
      if (p.startedAt !== undefined && p.startedAt >= since) found.push({ at: p.startedAt, what: `attempt ${p.attempt} of ${p.type} started`, start: true });
      if (p.heartbeatAt !== undefined && p.heartbeatAt >= since) found.push({ at: p.heartbeatAt, what: `heartbeat of ${p.type}`, start: false });
    }
    for (const e of this.events) {
      const at = optionalTsToMs(e.eventTime);
      if (at === undefined || at < since) continue;
      const started = e.activityTaskStartedEventAttributes;
      if (started?.identity === identity) found.push({ at, what: `attempt ${started.attempt ?? 1} of ${this.typeOf(started.scheduledEventId)} started`, start: true });
      const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
      if (done?.identity === identity) found.push({ at, what: `${this.typeOf(done.scheduledEventId)} ${e.activityTaskCompletedEventAttributes ? 'completed' : 'failed'}`, start: false });
    }
    return found.sort((a, b) => a.at - b.at);
  }

  private typeOf(scheduledEventId: unknown): string {
    const id = Number(scheduledEventId);
    return this.events.find((e) => Number(e.eventId) === id)?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'an activity';
  }

  private async readHistory(): Promise<void> {
    this.events = (await this.handle.fetchHistory()).events ?? [];
    for (const e of this.events) {
      const a = e.activityTaskScheduledEventAttributes;
      if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED || !a?.activityId || this.summaries.has(a.activityId)) continue;
      const payload = e.userMetadata?.summary;
      this.summaries.set(a.activityId, payload ? String(defaultPayloadConverter.fromPayload(payload)) : '');
    }
  }
}
