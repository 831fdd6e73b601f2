import Table from 'cli-table3';
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleDescription,
  ScheduleNotFoundError,
  ScheduleOptions,
  ScheduleOptionsStartWorkflowAction,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import { z } from 'zod';
import { SEARCH_ATTRIBUTES, TASK_QUEUE } from '../../common/constants';
import { DRILL_WAITS } from '../../common/drill/slo';
import type { RunbookInventory } from '../../common/inventory';
import type { CrashDrillInput } from '../../workflows/crashDrill';
import { ConnectionFlags, TemporalTarget, connectClient, resolveTemporal } from '../connection';
import { UserError } from '../errors';
import { DrillFlags, drillInput } from '../drillOptions';
import { loadForRun, toRunbookInventory } from '../startWorkflow';

const clusterNameKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.ClusterName, SearchAttributeType.KEYWORD);
const runbookKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.Runbook, SearchAttributeType.KEYWORD);

const WORKFLOW_TYPE = 'crashDrill';
const SCHEDULE_ID_RE = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * A drill missed by more than this (server down, schedule paused across its time) is dropped, not
 * run late: crashing a node at an hour nobody planned is worse than skipping a drill.
 */
export const CATCHUP_WINDOW = '10 minutes';

/** The drill's options a schedule carries, besides the inventory. */
export type DrillScheduleOptions = Omit<CrashDrillInput, 'inventory' | 'scheduled'>;

/**
 * Temporal turns cron strings into calendars and does not give them back: the schedule's memo
 * keeps what the operator wrote, for `list` and `describe`.
 */
const ScheduleMemo = z.object({ cluster: z.string(), cron: z.string() });
type ScheduleMemo = z.infer<typeof ScheduleMemo>;

export const defaultScheduleId = (cluster: string) => `${WORKFLOW_TYPE}-${cluster}`;
export const scheduledWorkflowId = (cluster: string) => `${WORKFLOW_TYPE}-${cluster}-scheduled`;

/** What every firing starts: the same workflow, search attributes and sealed inventory as `start-workflow crashDrill`. */
export function drillScheduleAction(inventory: RunbookInventory, options: DrillScheduleOptions): ScheduleOptionsStartWorkflowAction<(input: CrashDrillInput) => Promise<unknown>> {
  const cluster = inventory.cluster.name;
  const input: CrashDrillInput = { inventory, scheduled: true, ...options };
  return {
    type: 'startWorkflow',
    workflowType: WORKFLOW_TYPE,
    taskQueue: TASK_QUEUE,
    workflowId: scheduledWorkflowId(cluster),
    args: [input],
    staticSummary: `crashDrill on cluster ${cluster} (${inventory.nodes.length} nodes), scheduled`,
    typedSearchAttributes: [
      { key: clusterNameKey, value: cluster },
      { key: runbookKey, value: WORKFLOW_TYPE },
    ],
  };
}

export interface CreateFlags extends ConnectionFlags, DrillFlags {
  inventory: string;
  format?: 'yaml' | 'ini';
  cron: string;
  id?: string;
  timezone?: string;
  paused?: boolean;
  note?: string;
}

function checkScheduleId(id: string): string {
  if (!SCHEDULE_ID_RE.test(id)) throw new UserError(`schedule id ${JSON.stringify(id)}: use letters, digits and _ . - (at most 200)`);
  return id;
}

async function withClient<T>(flags: ConnectionFlags, fn: (client: Client, target: TemporalTarget) => Promise<T>): Promise<T> {
  const target = resolveTemporal(flags);
  const client = await connectClient(target);
  try {
    return await fn(client, target);
  } finally {
    await client.connection.close();
  }
}

/** Schedule calls on an id: an unknown one is the operator's typo, said so with where to look. */
async function onSchedule<T>(id: string, target: TemporalTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      throw new UserError(`no schedule ${JSON.stringify(id)} in Temporal at ${target.address} (namespace ${target.namespace}): see \`pve-runbooks drill schedule list\``);
    }
    throw err;
  }
}

/** `drill schedule create -i FILE --cron EXPR`: a Temporal Schedule that runs the drill, never two at once. */
export async function createSchedule(flags: CreateFlags): Promise<number> {
  const inv = loadForRun(flags.inventory, flags.format);
  const cluster = inv.cluster.name;
  const id = checkScheduleId(flags.id ?? defaultScheduleId(cluster));
  const options = drillInput(flags, inv);
  return withClient(flags, async (client, target) => {
    const memo: ScheduleMemo = { cluster, cron: flags.cron };
    const schedule: ScheduleOptions = {
      scheduleId: id,
      spec: { cronExpressions: [flags.cron], ...(flags.timezone ? { timezone: flags.timezone } : {}) },
      action: drillScheduleAction(toRunbookInventory(inv), options),
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
      memo,
      state: { paused: !!flags.paused, note: flags.note ?? (flags.paused ? 'created paused' : `created by pve-runbooks for cluster ${cluster}`) },
    };
    try {
      await client.schedule.create(schedule);
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) {
        throw new UserError(`a schedule with id ${id} already exists in Temporal at ${target.address}: delete it first (pve-runbooks drill schedule delete ${id}) or choose another --id`);
      }
      const message = [err, (err as Error).cause].map((e) => (e instanceof Error ? e.message : '')).filter(Boolean).join(': ');
      if (err instanceof TypeError || /cron|calendar|spec|timezone|time zone/i.test(message)) {
        throw new UserError(`--cron ${JSON.stringify(flags.cron)}${flags.timezone ? ` --timezone ${flags.timezone}` : ''}: Temporal refused it: ${message}`);
      }
      if (/search attribute/i.test(message)) {
        throw new UserError(`Temporal at ${target.address} does not know the search attributes ClusterName and Runbook. Register them once: temporal operator search-attribute create --name ClusterName --type Keyword --name Runbook --type Keyword`);
      }
      throw err;
    }
    const d = await client.schedule.getHandle(id).describe();
    process.stdout.write(`created schedule ${id}: crashDrill on cluster ${cluster}, cron "${flags.cron}"${flags.timezone ? ` (${flags.timezone})` : ' (UTC)'}, overlap SKIP${flags.paused ? ', PAUSED' : ''}\n`);
    const next = d.info.nextActionTimes[0];
    if (next && !flags.paused) process.stdout.write(`next drill: ${next.toISOString()}\n`);
    // Unattended, a victim that stays down is found hours later: say so while someone is at the keyboard.
    if (options.rebootSeconds === undefined && !options.dryRun) {
      process.stderr.write(
        'warning: no --reboot-after: each drill leaves kernel.panic as the victim has it, and a stock PVE node (0) stays down after the crash until it is powered on; ' +
          `the drill then waits ${options.victimReturnSeconds ?? DRILL_WAITS.victimReturnSeconds} s and asks for an operator. Unless a hardware watchdog resets your nodes, give --reboot-after S (longer than the recovery SLO, e.g. 240).\n`,
      );
    }
    return 0;
  });
}

export interface ScheduleView {
  id: string;
  cluster: string;
  cron: string;
  timezone: string;
  overlap: string;
  paused: boolean;
  note: string;
  workflowId: string;
  taskQueue: string;
  options: DrillScheduleOptions;
  nextRuns: string[];
  recentRuns: { scheduledAt: string; workflowId: string; runId: string }[];
  running: string[];
  actionsTaken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
}

export function scheduleView(d: ScheduleDescription): ScheduleView {
  const memo = ScheduleMemo.safeParse(d.memo);
  const input = (d.action.args?.[0] ?? {}) as Partial<CrashDrillInput>;
  const { inventory: _inventory, scheduled: _scheduled, ...options } = input;
  return {
    id: d.scheduleId,
    cluster: memo.success ? memo.data.cluster : (input.inventory?.cluster.name ?? '?'),
    cron: memo.success ? memo.data.cron : '?',
    timezone: d.spec.timezone || 'UTC',
    overlap: d.policies.overlap ?? '?',
    paused: d.state.paused,
    note: d.state.note ?? '',
    workflowId: d.action.workflowId ?? '',
    taskQueue: String(d.action.taskQueue ?? ''),
    options,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId, runId: a.action.workflow.firstExecutionRunId })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
  };
}

function optionsText(o: DrillScheduleOptions): string {
  const parts = [`victim ${o.victim ?? 'auto'}`];
  if (o.failback) parts.push('failback');
  if (o.rebootSeconds !== undefined) parts.push(`reboot after ${o.rebootSeconds} s`);
  if (o.vms) parts.push(`vms ${o.vms.join(',')}`);
  if (o.slo) parts.push(`SLO recovery ${o.slo.recoverySeconds ?? 'default'} s, started ${o.slo.startedSeconds ?? 'default'} s`);
  if (o.dryRun) parts.push('dry run');
  return parts.join(', ');
}

function describeText(v: ScheduleView): string {
  return [
    `schedule ${v.id}: crashDrill on cluster ${v.cluster}`,
    `cron:      ${v.cron} (${v.timezone})`,
    `overlap:   ${v.overlap} (a firing while a drill of this schedule runs is skipped)`,
    `state:     ${v.paused ? 'PAUSED' : 'active'}${v.note ? ` (note: ${v.note})` : ''}`,
    `workflow:  ${v.workflowId}-<time> on task queue ${v.taskQueue}; ${optionsText(v.options)}`,
    `next runs: ${v.paused ? '(paused)' : v.nextRuns.slice(0, 3).join(', ') || '-'}`,
    `running:   ${v.running.join(', ') || '-'}`,
    `taken ${v.actionsTaken}, skipped as overlapping ${v.skippedOverlap}, missed (catch-up window ${CATCHUP_WINDOW}) ${v.missedCatchupWindow}`,
    ...v.recentRuns.map((r) => `recent:    ${r.scheduledAt} ${r.workflowId} (run ${r.runId})`),
    '',
  ].join('\n');
}

/** `drill schedule list`: every crash drill schedule of the namespace. */
export async function listSchedules(flags: ConnectionFlags & { json?: boolean }): Promise<number> {
  return withClient(flags, async (client) => {
    const views: ScheduleView[] = [];
    for await (const s of client.schedule.list()) {
      if (s.action?.workflowType !== WORKFLOW_TYPE) continue;
      try {
        views.push(scheduleView(await client.schedule.getHandle(s.scheduleId).describe()));
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err; // deleted between list and describe
      }
    }
    views.sort((a, b) => a.id.localeCompare(b.id));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
      return 0;
    }
    if (views.length === 0) {
      process.stdout.write('no crash drill schedule: create one with `pve-runbooks drill schedule create -i FILE --cron "0 3 * * 1"`\n');
      return 0;
    }
    const t = new Table({ head: ['id', 'cluster', 'cron', 'overlap', 'state', 'next run', 'options', 'note'], style: process.stdout.isTTY ? undefined : { head: [], border: [] } });
    for (const v of views) t.push([v.id, v.cluster, `${v.cron} (${v.timezone})`, v.overlap, v.paused ? 'PAUSED' : 'active', v.paused ? '-' : (v.nextRuns[0] ?? '-'), optionsText(v.options), v.note]);
    process.stdout.write(`${t.toString()}\n`);
    return 0;
  });
}

export async function describeSchedule(id: string, flags: ConnectionFlags & { json?: boolean }): Promise<number> {
  return withClient(flags, async (client, target) => {
    const v = scheduleView(await onSchedule(id, target, () => client.schedule.getHandle(id).describe()));
    process.stdout.write(flags.json ? `${JSON.stringify(v, null, 2)}\n` : describeText(v));
    return 0;
  });
}

export async function pauseSchedule(id: string, flags: ConnectionFlags & { note?: string }): Promise<number> {
  return withClient(flags, async (client, target) => {
    await onSchedule(id, target, () => client.schedule.getHandle(id).pause(flags.note ?? 'paused with pve-runbooks drill schedule pause'));
    process.stdout.write(`paused schedule ${id}\n`);
    return 0;
  });
}

export async function unpauseSchedule(id: string, flags: ConnectionFlags & { note?: string }): Promise<number> {
  return withClient(flags, async (client, target) => {
    await onSchedule(id, target, () => client.schedule.getHandle(id).unpause(flags.note ?? 'unpaused with pve-runbooks drill schedule unpause'));
    process.stdout.write(`unpaused schedule ${id}\n`);
    return 0;
  });
}

export async function deleteSchedule(id: string, flags: ConnectionFlags): Promise<number> {
  return withClient(flags, async (client, target) => {
    await onSchedule(id, target, () => client.schedule.getHandle(id).delete());
    process.stdout.write(`deleted schedule ${id}\n`);
    return 0;
  });
}

/**
 * `drill schedule trigger ID`: one drill now, under the schedule's own overlap rule (a drill of
 * this schedule still running means no second one), then which run it started.
 */
export async function triggerSchedule(id: string, flags: ConnectionFlags, waitMs = 15_000): Promise<number> {
  return withClient(flags, async (client, target) => {
    const handle = client.schedule.getHandle(id);
    const before = await onSchedule(id, target, () => handle.describe());
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const d = await handle.describe();
      if (d.info.numActionsTaken > before.info.numActionsTaken) {
        const started = d.info.recentActions[d.info.recentActions.length - 1]?.action.workflow;
        process.stdout.write(`triggered schedule ${id}: started workflow ${started?.workflowId} (run ${started?.firstExecutionRunId})\n`);
        return 0;
      }
      if (d.info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
        throw new UserError(`schedule ${id} skipped the trigger: a drill it started is still running (${d.info.runningActions.map((a) => a.workflow.workflowId).join(', ')})`, 2);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(`triggered schedule ${id}; its run has not shown yet: see \`pve-runbooks drill schedule describe ${id}\`\n`);
    return 0;
  });
}
