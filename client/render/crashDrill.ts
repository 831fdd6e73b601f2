import Table from 'cli-table3';
import type { DrillResult } from '../../common/drill/result';
import { formatClusterTime, formatSeconds, stageSlo, verdictLabel } from '../../common/drill/stages';

const style = () => (process.stdout.isTTY ? undefined : { head: [], border: [] });

function judged(seconds: number | undefined, slo: number | undefined): string {
  if (seconds === undefined) return '-';
  return slo !== undefined && seconds > slo ? `${formatSeconds(seconds)} > SLO ${slo}` : formatSeconds(seconds);
}

/** `start-workflow crashDrill --wait`: the verdict first, then what happened when, per VM, and where the report is. */
export function renderCrashDrill(r: DrillResult): string {
  const lines = [`${verdictLabel(r)}: crash drill on cluster ${r.cluster}, victim ${r.victim || '-'}${r.scheduled ? ' (scheduled)' : ''}`, `reason: ${r.reason}`];
  lines.push(`started ${formatClusterTime(r.startedAt)}, crash ${formatClusterTime(r.crashAt)}; SLO recovery ${r.slo.recoverySeconds} s, started ${r.slo.startedSeconds} s`);
  if (r.stages.length > 0) {
    const stages = new Table({ head: ['stage', 'at', 'since crash (s)', 'vm', 'node', 'source'], style: style() });
    for (const s of r.stages) {
      stages.push([s.name, formatClusterTime(s.at), judged(s.sinceCrashSeconds, s.vm !== undefined ? stageSlo(r, s.name) : undefined), s.vm ?? '', s.node ?? '', s.source]);
    }
    lines.push(stages.toString());
  }
  if (r.vms.length > 0) {
    const vms = new Table({ head: ['vm', 'from', 'to', 'recovery (s)', 'started (s)', 'failed back'], style: style() });
    for (const v of r.vms) {
      vms.push([v.id, v.from, v.to ?? 'NOT RECOVERED', judged(v.recoverySeconds, r.slo.recoverySeconds), judged(v.startedSeconds, r.slo.startedSeconds), v.failedBack === undefined ? '-' : v.failedBack ? 'yes' : 'NO']);
    }
    lines.push(vms.toString());
  }
  for (const c of r.checks.filter((x) => !x.ok)) lines.push(`check failed (${c.phase}) ${c.name}: ${c.detail}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.report) lines.push(`report: ${r.report.markdown} (timeline ${r.report.timeline}, trend ${r.report.trend})`);
  return `${lines.join('\n')}\n`;
}
