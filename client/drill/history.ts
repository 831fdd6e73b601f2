import Table from 'cli-table3';
import type { DrillResult } from '../../common/drill/result';
import { SUMMARY_STAGES, formatClusterTime, formatSeconds, stageSeconds, stageSlo, verdictLabel } from '../../common/drill/stages';
import { UserError } from '../errors';
import { ClusterFlags, DrillStore, StoreFlags, clusterFrom } from './store';

export interface HistoryFlags extends StoreFlags, ClusterFlags {
  limit: number;
  json?: boolean;
}

const style = () => (process.stdout.isTTY ? undefined : { head: [], border: [] });

/** A stage over its SLO is marked, so a slow drill stands out in a column of numbers. */
function cell(r: DrillResult, stage: (typeof SUMMARY_STAGES)[number]): string {
  const s = stageSeconds(r, stage);
  const slo = stageSlo(r, stage);
  return s !== undefined && slo !== undefined && s > slo ? `${formatSeconds(s)} !` : formatSeconds(s);
}

export function renderHistory(drills: DrillResult[]): string {
  const t = new Table({ head: ['started', 'verdict', 'run', 'victim', ...SUMMARY_STAGES, 'SLO recovery/started'], style: style() });
  for (const r of drills) {
    t.push([formatClusterTime(r.startedAt), verdictLabel(r), r.scheduled ? 'scheduled' : 'by hand', r.victim || '-', ...SUMMARY_STAGES.map((s) => cell(r, s)), `${r.slo.recoverySeconds}/${r.slo.startedSeconds}`]);
  }
  return `${t.toString()}\nseconds since the crash; per-VM stages show the slowest VM; ! over its SLO\n`;
}

/** `drill history (-i FILE | --cluster NAME)`: the cluster's finished drills side by side, newest first. */
export async function drillHistory(flags: HistoryFlags): Promise<number> {
  const cluster = clusterFrom(flags);
  if (cluster === undefined) throw new UserError('give the cluster: -i FILE or --cluster NAME');
  const store = await DrillStore.open(flags);
  try {
    const drills = (await store.find({ cluster, limit: flags.limit })).map((f) => f.result);
    if (flags.json) process.stdout.write(`${JSON.stringify(drills, null, 2)}\n`);
    else if (drills.length === 0) process.stdout.write(`no finished crash drill of cluster ${cluster} in ${store.searched.join(' or ')}\n`);
    else process.stdout.write(renderHistory(drills));
    return 0;
  } finally {
    await store.close();
  }
}
