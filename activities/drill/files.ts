import * as fs from 'node:fs';
import * as path from 'node:path';
import { DrillResult } from '../../common/drill/result';

/**
 * Saved drills: `<home>/drills/<cluster>/<startedAt compact>-<runId>/result.json` next to its
 * report. The worker writes them; a client on the same machine reads them when Temporal cannot
 * tell (its visibility store pruned, or the server unreachable).
 */
export function drillsRoot(home: string): string {
  return path.join(home, 'drills');
}

/** A path segment from text that travelled through Temporal: nothing that could climb or hide. */
function segment(s: string, what: string): string {
  const safe = s.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!safe || safe === '.' || safe === '..') throw new Error(`cannot name a drill folder after ${what} "${s}"`);
  return safe;
}

/**
 * `2026-11-22T10:02:40.123Z` → `20261122T100240Z`: sorts by time and is a valid file name
 * everywhere. A drill stopped before its first check has no start time.
 */
export function compactTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'undated';
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function drillDir(home: string, r: Pick<DrillResult, 'cluster' | 'startedAt' | 'runId'>): string {
  return path.join(drillsRoot(home), segment(r.cluster, 'cluster'), `${compactTime(r.startedAt)}-${segment(r.runId, 'run id')}`);
}

export interface SavedDrill {
  dir: string;
  result: DrillResult;
}

/** Every readable saved drill, of one cluster or all; a file that does not parse is skipped. */
export function readSavedDrills(home: string, cluster?: string): SavedDrill[] {
  const root = drillsRoot(home);
  const clusters = cluster !== undefined ? [segment(cluster, 'cluster')] : listDirs(root);
  const out: SavedDrill[] = [];
  for (const c of clusters) {
    for (const d of listDirs(path.join(root, c))) {
      const dir = path.join(root, c, d);
      try {
        const parsed = DrillResult.safeParse(JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')));
        if (parsed.success) out.push({ dir, result: parsed.data });
      } catch {
        // an interrupted write or a foreign file: not a drill
      }
    }
  }
  return out;
}

function listDirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Replaces a file whole: a reader never sees half of it, a retry rewrites it. */
export function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}
