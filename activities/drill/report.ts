import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { DrillResult } from '../../common/drill/result';
import { drillMarkdown } from '../../common/drill/markdown';
import { timelineSvg, trendSvg } from '../../common/drill/svg';
import { newestFirst, startedMs } from '../../common/drill/stages';
import { runbooksHome } from '../home';
import { drillDir, readSavedDrills, writeFileAtomic } from './files';

export type DrillReportFiles = NonNullable<DrillResult['report']>;

/** How many drills the trend shows, and how many earlier ones the report's history table lists. */
export const TREND_DRILLS = 30;
export const HISTORY_ROWS = 10;

/** The drills of the same cluster that started before this one, newest first. */
export function earlierDrills(all: DrillResult[], r: DrillResult): DrillResult[] {
  return newestFirst(all.filter((d) => d.cluster === r.cluster && d.runId !== r.runId && startedMs(d) < startedMs(r)));
}

/** Writes result.json, report.md, timeline.svg and trend.svg of one drill into `dir`. */
export function writeDrillReport(dir: string, r: DrillResult, earlier: DrillResult[]): DrillReportFiles {
  fs.mkdirSync(dir, { recursive: true });
  const files: DrillReportFiles = {
    dir,
    markdown: path.join(dir, 'report.md'),
    timeline: path.join(dir, 'timeline.svg'),
    trend: path.join(dir, 'trend.svg'),
  };
  const saved: DrillResult = { ...r, report: files };
  writeFileAtomic(files.timeline, timelineSvg(saved));
  writeFileAtomic(files.trend, trendSvg([saved, ...earlier.slice(0, TREND_DRILLS - 1)]));
  writeFileAtomic(files.markdown, drillMarkdown(saved, { history: earlier.slice(0, HISTORY_ROWS), images: true }));
  writeFileAtomic(path.join(dir, 'result.json'), `${JSON.stringify(saved, null, 2)}\n`);
  return files;
}

/**
 * The drill's report in the worker's runbooks home. Only earlier drills feed the trend, so a
 * retry, or a late save of an old drill, writes the same files again.
 */
export function drillReportActivities(env: NodeJS.ProcessEnv = process.env) {
  return {
    async saveDrillReport(result: DrillResult): Promise<DrillReportFiles> {
      const parsed = DrillResult.safeParse(result);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`not a drill result: ${parsed.error.message}`, 'InvalidDrillResult');
      const r = parsed.data;
      const home = runbooksHome(env);
      let dir: string;
      try {
        dir = drillDir(home, r);
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidDrillResult');
      }
      const earlier = earlierDrills(readSavedDrills(home, r.cluster).map((s) => s.result), r);
      return writeDrillReport(dir, r, earlier);
    },
  };
}
