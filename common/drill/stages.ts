import type { DrillResult } from './result';

/** The stages compared from drill to drill (history table, trend chart, report). */
export const SUMMARY_STAGES = ['offline', 'fence', 'recovery', 'started', 'rejoined', 'ceph-ok'] as const;
export type SummaryStage = (typeof SUMMARY_STAGES)[number];

/**
 * One number per stage and drill. A per-VM stage is judged by its slowest VM, as the SLO is; a
 * node-wide stage by the first time it was seen (later sightings only repeat it).
 */
export function stageSeconds(result: DrillResult, name: SummaryStage): number | undefined {
  const found = result.stages.filter((s) => s.name === name);
  if (found.length === 0) return undefined;
  const seconds = found.map((s) => s.sinceCrashSeconds);
  return found.some((s) => s.vm !== undefined) ? Math.max(...seconds) : Math.min(...seconds);
}

/** The SLO a stage is judged against, when it has one. */
export function stageSlo(result: DrillResult, name: string): number | undefined {
  if (name === 'recovery') return result.slo.recoverySeconds;
  if (name === 'started') return result.slo.startedSeconds;
  return undefined;
}

export function formatSeconds(s: number | undefined): string {
  return s === undefined ? '-' : s.toFixed(1);
}

/** `2026-11-22T10:02:40.123Z` → `2026-11-22 10:02:40 UTC`; anything unparsable is shown as it is. */
export function formatClusterTime(iso: string | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function verdictLabel(result: DrillResult): string {
  return `${result.verdict.toUpperCase()}${result.dryRun ? ' (dry run)' : ''}`;
}

/** When the drill started, for ordering; one stopped before its first check counts as oldest. */
export function startedMs(r: DrillResult): number {
  const t = Date.parse(r.startedAt);
  return Number.isNaN(t) ? -Infinity : t;
}

/** Oldest first, by the cluster time the drill started. */
export function oldestFirst(results: DrillResult[]): DrillResult[] {
  return [...results].sort((a, b) => (startedMs(a) === startedMs(b) ? a.runId.localeCompare(b.runId) : startedMs(a) < startedMs(b) ? -1 : 1));
}

export function newestFirst(results: DrillResult[]): DrillResult[] {
  return oldestFirst(results).reverse();
}
