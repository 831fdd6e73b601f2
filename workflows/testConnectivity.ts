import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { NodeFacts } from '../activities/nodes/facts';
import type { RunbookInventory, RunbookNode } from '../common/inventory';
import { failureMessage } from './failure';
import { ProgressTracker } from './progress';
import { sshStep } from './retry';

export interface TestConnectivityInput {
  inventory: RunbookInventory;
}

export interface NodeProblem {
  step: string;
  message: string;
  type?: string;
}

export interface NodeConnectivity {
  name: string;
  host: string;
  port: number;
  ok: boolean;
  controllerKey?: 'added' | 'present';
  keyAuth: boolean;
  hostname?: string;
  fqdn?: string;
  pveVersion?: string;
  pveMajor?: number;
  mode?: 'standalone' | 'cluster';
  clusterName?: string;
  problems: NodeProblem[];
}

export interface ConnectivityReport {
  cluster: string;
  ok: boolean;
  nodes: NodeConnectivity[];
  summary: string;
}

const acts = proxyActivities<Activities>(sshStep);

/** Facts that are not failures of the connection but that the operator must see before building. */
function observations(node: RunbookNode, f: NodeFacts): NodeProblem[] {
  const out: NodeProblem[] = [];
  if (f.hostname !== node.name) {
    out.push({ step: 'facts', message: `the server calls itself ${f.hostname}, the inventory names it ${node.name}; PVE uses the hostname as the node name` });
  }
  if (node.hostname && f.fqdn !== node.hostname) {
    out.push({ step: 'facts', message: `FQDN is ${f.fqdn}, the inventory expects ${node.hostname}` });
  }
  return out;
}

async function checkNode(inv: RunbookInventory, node: RunbookNode, progress: ProgressTracker): Promise<NodeConnectivity> {
  const task = { node, ssh: inv.ssh };
  const r: NodeConnectivity = { name: node.name, host: node.host, port: node.port, ok: false, keyAuth: false, problems: [] };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    progress.node(node.name, name, 'running');
    try {
      const v = await fn();
      progress.node(node.name, name, 'done');
      return v;
    } catch (err) {
      const f = failureMessage(err);
      r.problems.push({ step: name, ...f });
      progress.node(node.name, name, 'failed', f.message);
      return undefined;
    }
  };
  const key = await step('install-key', () =>
    acts.installControllerKey.executeWithOptions({ ...sshStep, summary: `install controller key on ${node.name}` }, [task]),
  );
  if (!key) return r;
  r.controllerKey = key.status;
  r.keyAuth = !!(await step('verify-key', () =>
    acts.verifyKeyAuth.executeWithOptions({ ...sshStep, summary: `prove key authentication on ${node.name}` }, [task]),
  ));
  const facts = await step('facts', () =>
    acts.gatherNodeFacts.executeWithOptions({ ...sshStep, summary: `gather facts of ${node.name}` }, [task]),
  );
  if (facts) {
    Object.assign(r, {
      hostname: facts.hostname,
      fqdn: facts.fqdn,
      pveVersion: facts.pveVersion,
      pveMajor: facts.pveMajor,
      mode: facts.mode,
      clusterName: facts.clusterName,
    });
    r.problems.push(...observations(node, facts));
  }
  r.ok = r.keyAuth && !!facts;
  progress.node(node.name, 'report', r.ok ? 'done' : 'failed', r.ok ? undefined : r.problems[0]?.message);
  return r;
}

/**
 * `make test-cluster`: reach every node in parallel, install and prove the controller key, and
 * report what each server is. A failing node never hides the others' results.
 */
export async function testConnectivity(input: TestConnectivityInput): Promise<ConnectivityReport> {
  const inv = input.inventory;
  const progress = new ProgressTracker('testConnectivity', inv.cluster.name, inv.nodes.map((n) => n.name), ['connectivity']);
  progress.phase('connectivity');
  const nodes = await Promise.all(inv.nodes.map((n) => checkNode(inv, n, progress)));
  const failed = nodes.filter((n) => !n.ok).map((n) => n.name);
  const versions = new Set(nodes.filter((n) => n.pveMajor !== undefined).map((n) => n.pveMajor));
  const summary = [
    `${nodes.length - failed.length}/${nodes.length} nodes reachable with key authentication`,
    ...(failed.length ? [`failed: ${failed.join(', ')}`] : []),
    ...(versions.size > 1 ? [`mixed PVE major versions: ${[...versions].join(', ')}`] : []),
  ].join('; ');
  progress.phase(failed.length ? 'done with failures' : 'done');
  return { cluster: inv.cluster.name, ok: failed.length === 0, nodes, summary };
}
