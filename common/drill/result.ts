import { z } from 'zod';

export const STAGE_NAMES = ['crash', 'offline', 'fence', 'fenced', 'recovery', 'started', 'rejoined', 'ceph-ok', 'failback', 'steady'] as const;

export const DrillStage = z.object({
  name: z.enum(STAGE_NAMES),
  /** Cluster time, ISO-8601 UTC with milliseconds. */
  at: z.string(),
  sinceCrashSeconds: z.number(),
  vm: z.number().int().optional(),
  node: z.string().optional(),
  /** Where the time comes from: a journal line or a poll (whose error is up to one poll interval). */
  source: z.string(),
});
export type DrillStage = z.infer<typeof DrillStage>;

export const DrillVm = z.object({
  id: z.number().int(),
  from: z.string(),
  to: z.string().nullable(),
  recoverySeconds: z.number().optional(),
  startedSeconds: z.number().optional(),
  failedBack: z.boolean().optional(),
});
export type DrillVm = z.infer<typeof DrillVm>;

export const DrillCheck = z.object({
  phase: z.enum(['before', 'after']),
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});
export type DrillCheck = z.infer<typeof DrillCheck>;

export const DrillResult = z.object({
  workflowId: z.string(),
  runId: z.string(),
  cluster: z.string(),
  pveMajor: z.number().int().optional(),
  verdict: z.enum(['pass', 'fail', 'skipped']),
  reason: z.string(),
  victim: z.string(),
  dryRun: z.boolean(),
  scheduled: z.boolean(),
  /** Cluster time of the first check. */
  startedAt: z.string(),
  crashAt: z.string().optional(),
  slo: z.object({ recoverySeconds: z.number().positive(), startedSeconds: z.number().positive() }),
  stages: z.array(DrillStage),
  vms: z.array(DrillVm),
  checks: z.array(DrillCheck),
  /** Decisions on the victim's return; `at` is the controller's clock, the only one a decision has. */
  operator: z.array(z.object({ at: z.string(), action: z.string(), note: z.string() })),
  notes: z.array(z.string()),
  pollSeconds: z.number().positive(),
  report: z.object({ dir: z.string(), markdown: z.string(), timeline: z.string(), trend: z.string() }).optional(),
});
export type DrillResult = z.infer<typeof DrillResult>;
