import * as path from 'node:path';
import { drillMarkdown } from '../../common/drill/markdown';
import { HISTORY_ROWS, TREND_DRILLS, earlierDrills, writeDrillReport } from '../../activities/drill/report';
import { UserError } from '../errors';
import { ClusterFlags, DrillStore, StoreFlags, clusterFrom } from './store';

export interface ReportFlags extends StoreFlags, ClusterFlags {
  out?: string;
  json?: boolean;
}

/**
 * `drill report [ID]`: one finished drill (the latest by default) as Markdown, with the cluster's
 * earlier drills for its history; `--out DIR` writes the report with its timeline and trend.
 */
export async function drillReport(id: string | undefined, flags: ReportFlags): Promise<number> {
  const cluster = clusterFrom(flags);
  const store = await DrillStore.open(flags);
  try {
    const [found] = await store.find({ id, cluster, limit: 1 });
    if (!found) {
      const what = `${id !== undefined ? ` with id ${id}` : ''}${cluster !== undefined ? ` of cluster ${cluster}` : ''}`;
      throw new UserError(`no finished crash drill${what} in ${store.searched.join(' or ')}`);
    }
    const r = found.result;
    const earlier = earlierDrills((await store.find({ cluster: r.cluster, limit: TREND_DRILLS + 1 })).map((f) => f.result), r);
    if (flags.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    if (flags.out !== undefined) {
      const files = writeDrillReport(path.resolve(flags.out), r, earlier);
      (flags.json ? process.stderr : process.stdout).write(`wrote ${files.markdown}, ${files.timeline}, ${files.trend}\n`);
    }
    if (!flags.json && flags.out === undefined) process.stdout.write(drillMarkdown(r, { history: earlier.slice(0, HISTORY_ROWS) }));
    return 0;
  } finally {
    await store.close();
  }
}
