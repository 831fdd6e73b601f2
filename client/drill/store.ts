import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { DrillResult } from '../../common/drill/result';
import { newestFirst } from '../../common/drill/stages';
import { CLUSTER_NAME_RE } from '../../common/inventory';
import { runbooksHome } from '../../activities/home';
import { drillsRoot, readSavedDrills } from '../../activities/drill/files';
import { ConnectionFlags, TemporalTarget, connectClient, resolveTemporal } from '../connection';
import { UserError } from '../errors';
import { loadForRun } from '../startWorkflow';

export interface StoreFlags extends ConnectionFlags {
  /** Only the drills saved in this machine's runbooks home; Temporal is not asked. */
  local?: boolean;
}

export interface DrillQuery {
  cluster?: string;
  /** A workflow id (its latest drill), a run id, or a saved drill's folder name. */
  id?: string;
  limit: number;
}

export interface FoundDrill {
  result: DrillResult;
  /** The folder holding its saved report, when this machine has it. */
  dir?: string;
}

/** Workflow and run ids as Temporal and the schedules make them; anything else cannot name a drill. */
const ID_RE = /^[A-Za-z0-9_.:-]{1,255}$/;

export function checkCluster(name: string): string {
  if (!CLUSTER_NAME_RE.test(name)) throw new UserError(`--cluster ${JSON.stringify(name)} is not a cluster name (1-15 letters, digits, dashes)`);
  return name;
}

/**
 * Where finished drills are: Temporal keeps every run's result (the primary source, whichever
 * machine ran the worker); the runbooks home keeps the reports this machine's worker saved,
 * which outlive Temporal's retention.
 */
export class DrillStore {
  private constructor(
    private readonly client: Client | undefined,
    readonly home: string,
    /** Where the drills were looked for, for "not found" messages. */
    readonly searched: string[],
  ) {}

  static async open(flags: StoreFlags, warn: (s: string) => void = (s) => process.stderr.write(`${s}\n`)): Promise<DrillStore> {
    if (flags.local) {
      const home = runbooksHome();
      return new DrillStore(undefined, home, [drillsRoot(home)]);
    }
    const target = resolveTemporal(flags);
    const home = runbooksHome();
    try {
      return new DrillStore(await connectClient(target), home, [temporalName(target), drillsRoot(home)]);
    } catch (err) {
      warn(`warning: ${(err as Error).message} Showing only the drills saved in ${drillsRoot(home)}.`);
      return new DrillStore(undefined, home, [drillsRoot(home)]);
    }
  }

  async find(q: DrillQuery): Promise<FoundDrill[]> {
    if (q.id !== undefined && !ID_RE.test(q.id)) throw new UserError(`${JSON.stringify(q.id)} is not a workflow id or run id`);
    if (q.cluster !== undefined) checkCluster(q.cluster);
    const byRun = new Map<string, FoundDrill>();
    for (const r of await this.fromTemporal(q)) byRun.set(r.runId, { result: r });
    for (const s of readSavedDrills(this.home, q.cluster)) {
      const matches = q.id === undefined || s.result.workflowId === q.id || s.result.runId === q.id || path.basename(s.dir) === q.id;
      if (matches) byRun.set(s.result.runId, { result: byRun.get(s.result.runId)?.result ?? s.result, dir: s.dir });
    }
    const order = newestFirst([...byRun.values()].map((f) => f.result));
    return order.slice(0, q.limit).map((r) => byRun.get(r.runId)!);
  }

  async close(): Promise<void> {
    await this.client?.connection.close();
  }

  private async fromTemporal(q: DrillQuery): Promise<DrillResult[]> {
    if (!this.client) return [];
    const clauses = ['Runbook = "crashDrill"', 'ExecutionStatus = "Completed"'];
    if (q.cluster !== undefined) clauses.push(`ClusterName = "${q.cluster}"`);
    if (q.id !== undefined) clauses.push(`(WorkflowId = "${q.id}" OR RunId = "${q.id}")`);
    const out: DrillResult[] = [];
    try {
      for await (const wf of this.client.workflow.list({ query: clauses.join(' AND '), pageSize: q.limit })) {
        const parsed = DrillResult.safeParse(await this.client.workflow.getHandle(wf.workflowId, wf.runId, { followRuns: false }).result());
        if (parsed.success) out.push(parsed.data);
        if (out.length >= q.limit) break;
      }
    } catch (err) {
      if (/search attribute|invalid query/i.test((err as Error).message)) {
        throw new UserError(
          `Temporal cannot search runs by ClusterName and Runbook (${(err as Error).message}). Register them once: ` +
            'temporal operator search-attribute create --name ClusterName --type Keyword --name Runbook --type Keyword',
        );
      }
      throw err;
    }
    return out;
  }
}

function temporalName(t: TemporalTarget): string {
  return `Temporal at ${t.address} (namespace ${t.namespace})`;
}

export interface ClusterFlags {
  inventory?: string;
  format?: 'yaml' | 'ini';
  cluster?: string;
}

/** The cluster named by `-i FILE` or `--cluster NAME`. */
export function clusterFrom(flags: ClusterFlags): string | undefined {
  if (flags.inventory !== undefined && flags.cluster !== undefined) throw new UserError('give -i FILE or --cluster NAME, not both');
  if (flags.inventory !== undefined) return loadForRun(flags.inventory, flags.format).cluster.name;
  return flags.cluster === undefined ? undefined : checkCluster(flags.cluster);
}
