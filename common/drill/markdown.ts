import type { DrillResult } from './result';
import { SUMMARY_STAGES, formatClusterTime, formatSeconds, newestFirst, stageSeconds, stageSlo, verdictLabel } from './stages';

/**
 * Text from the cluster or the operator (reasons, journal sources, notes) must not turn into
 * markup, links or HTML in whatever renders the report, nor break a table row.
 */
export function mdText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\s*[\r\n]\s*/g, ' ')
    .replace(/[\\`*[\]|]/g, (c) => `\\${c}`)
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function overSlo(seconds: number | undefined, slo: number | undefined): string {
  if (seconds === undefined) return '-';
  return slo !== undefined && seconds > slo ? `**${formatSeconds(seconds)}** (SLO ${slo})` : formatSeconds(seconds);
}

function summary(r: DrillResult): string[] {
  const rows: [string, string][] = [
    ['cluster', mdText(r.cluster)],
    ['victim', mdText(r.victim)],
    ['started', formatClusterTime(r.startedAt)],
    ['crash', formatClusterTime(r.crashAt)],
    ['SLO recovery / started', `${r.slo.recoverySeconds} s / ${r.slo.startedSeconds} s`],
    ['run', `${r.scheduled ? 'scheduled' : 'by hand'}${r.dryRun ? ', dry run (nothing was crashed)' : ''}`],
    ['PVE', r.pveMajor === undefined ? '-' : String(r.pveMajor)],
    ['poll interval', `${r.pollSeconds} s (times taken from polls are late by up to this)`],
    ['workflow', `${mdText(r.workflowId)} / ${mdText(r.runId)}`],
  ];
  return table(['', ''], rows);
}

function stagesSection(r: DrillResult): string[] {
  if (r.stages.length === 0) return ['No stage was observed.'];
  return table(
    ['stage', 'at', 'since crash (s)', 'vm', 'node', 'source'],
    r.stages.map((s) => [
      s.name,
      formatClusterTime(s.at),
      overSlo(s.sinceCrashSeconds, s.vm !== undefined ? stageSlo(r, s.name) : undefined),
      s.vm === undefined ? '' : String(s.vm),
      mdText(s.node ?? ''),
      mdText(s.source),
    ]),
  );
}

function vmsSection(r: DrillResult): string[] {
  if (r.vms.length === 0) return ['No HA-managed VM ran on the victim.'];
  return table(
    ['vm', 'from', 'to', 'recovery (s)', 'started (s)', 'failed back'],
    r.vms.map((v) => [
      String(v.id),
      mdText(v.from),
      v.to === null ? '**not recovered**' : mdText(v.to),
      overSlo(v.recoverySeconds, r.slo.recoverySeconds),
      overSlo(v.startedSeconds, r.slo.startedSeconds),
      v.failedBack === undefined ? '-' : v.failedBack ? 'yes' : '**no**',
    ]),
  );
}

function checksSection(r: DrillResult): string[] {
  if (r.checks.length === 0) return ['No check ran.'];
  return table(['phase', 'check', 'ok', 'detail'], r.checks.map((c) => [c.phase, mdText(c.name), c.ok ? 'yes' : '**NO**', mdText(c.detail)]));
}

/** Earlier drills of the cluster side by side with this one, newest first. */
function historySection(current: DrillResult, history: DrillResult[]): string[] {
  const drills = newestFirst([current, ...history.filter((h) => h.runId !== current.runId)]);
  return table(
    ['started', 'verdict', 'victim', ...SUMMARY_STAGES.map((s) => `${s} (s)`)],
    drills.map((d) => [
      `${formatClusterTime(d.startedAt)}${d.runId === current.runId ? ' (this drill)' : ''}`,
      verdictLabel(d),
      mdText(d.victim),
      ...SUMMARY_STAGES.map((s) => overSlo(stageSeconds(d, s), stageSlo(d, s))),
    ]),
  );
}

export interface MarkdownOptions {
  /** Earlier drills of the same cluster, for the history section. */
  history?: DrillResult[];
  /** Link the timeline and trend SVGs written next to the report. */
  images?: boolean;
}

/** The drill's report: what an operator files after a failover test. */
export function drillMarkdown(r: DrillResult, opts: MarkdownOptions = {}): string {
  const lines = [`# Crash drill on ${mdText(r.cluster)}: ${verdictLabel(r)}`, '', `Reason: ${mdText(r.reason)}`, '', ...summary(r), ''];
  if (opts.images) lines.push('![timeline of the drill](timeline.svg)', '');
  lines.push('## Stages', '', ...stagesSection(r), '', '## VMs', '', ...vmsSection(r), '', '## Checks', '', ...checksSection(r), '');
  if (r.operator.length > 0) {
    // A decision is timed by the workflow (the controller's clock), not by a node: in the lab the two differ by the time scale.
    lines.push('## Operator', '', ...table(['at (controller clock)', 'action', 'note'], r.operator.map((o) => [formatClusterTime(o.at), mdText(o.action), mdText(o.note)])), '');
  }
  if (r.notes.length > 0) lines.push('## Notes', '', ...r.notes.map((n) => `- ${mdText(n)}`), '');
  if (opts.history && opts.history.some((h) => h.runId !== r.runId)) {
    lines.push('## History', '', ...historySection(r, opts.history), '');
    if (opts.images) lines.push('![trend of the drills](trend.svg)', '');
  }
  return lines.join('\n');
}
