import type { ServiceConfig, ServiceStatus } from './haConfig';
import type { SectionFile } from './sectionConfig';

/** Where a service may run: every allowed node with its priority (higher is preferred). */
export interface NodeAffinity {
  nodes: Map<string, number>;
  /** Move back to a preferred node once it is online again (a group's `nofailback` clears it). */
  failback: boolean;
}

/** `node[:priority]` lists of groups and node-affinity rules (PVE::HA::Tools::parse_node_priority). */
function priorities(list: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of list.split(/[,;\s]+/).filter(Boolean)) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(entry);
    if (m) out.set(m[1] as string, Number(m[2] ?? 0));
  }
  return out;
}

/** A non-strict affinity (unrestricted group) lets the service fall back to any node, at priority -1. */
function effective(listed: Map<string, number>, strict: boolean, nodes: string[]): Map<string, number> {
  const out = new Map(listed);
  if (!strict) for (const n of nodes) if (!out.has(n)) out.set(n, -1);
  return out;
}

/**
 * Every service's node affinity as the CRM compiles it: from its HA group (PVE 8's
 * select_service_node; PVE 9 turns groups into rules the same way, restricted → strict,
 * nofailback → failback 0) or from the enabled node-affinity rule naming it. A service
 * without either may run on any online node.
 */
export function compileNodeAffinity(groups: SectionFile, rules: SectionFile, services: Map<string, ServiceConfig>, nodes: string[]): Map<string, NodeAffinity> {
  const out = new Map<string, NodeAffinity>();
  for (const [sid, cd] of services) {
    const group = cd.group ? groups.sections.find((g) => g.type === 'group' && g.id === cd.group) : undefined;
    if (!group) continue;
    out.set(sid, { nodes: effective(priorities(group.props['nodes'] ?? ''), group.props['restricted'] === '1', nodes), failback: group.props['nofailback'] !== '1' });
  }
  for (const rule of rules.sections) {
    if (rule.type !== 'node-affinity' || rule.props['disable'] === '1') continue;
    const nodesOf = effective(priorities(rule.props['nodes'] ?? ''), rule.props['strict'] === '1', nodes);
    for (const sid of (rule.props['resources'] ?? '').split(/[,;\s]+/).filter(Boolean)) {
      const cd = services.get(sid);
      if (cd) out.set(sid, { nodes: nodesOf, failback: cd.failback });
    }
  }
  return out;
}

/** States whose service loads its node, and those that also load their migration target (PVE::HA::Usage). */
const ON_NODE = ['started', 'request_stop', 'fence', 'freeze', 'error', 'recovery', 'migrate', 'relocate'];
const ON_TARGET = ['migrate', 'relocate', 'request_start_balance'];

/** PVE::HA::Usage::Basic: the online nodes with how many services each runs or receives. */
export function nodeUsage(online: string[], ss: Record<string, ServiceStatus>): Map<string, number> {
  const usage = new Map(online.map((n) => [n, 0]));
  const bump = (n: string | undefined) => {
    if (n !== undefined && usage.has(n)) usage.set(n, (usage.get(n) as number) + 1);
  };
  for (const sd of Object.values(ss)) {
    if (ON_NODE.includes(sd.state)) bump(sd.node);
    if (ON_TARGET.includes(sd.state)) bump(sd.target);
  }
  return usage;
}

/** `none`: stay where the service is if allowed; `best-score`: the best node whatever the current one (recovery). */
export type NodePreference = 'none' | 'best-score';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * PVE::HA::Manager::select_service_node with the basic scheduler: the online nodes of the
 * highest priority the affinity allows, the least loaded first, then by name; undefined when
 * no allowed node is online.
 */
export function selectServiceNode(affinity: NodeAffinity | undefined, usage: Map<string, number>, cd: ServiceConfig, current: string, preference: NodePreference): string | undefined {
  const online = [...usage.keys()];
  let allowed = new Set(online);
  let preferred = new Set(online);
  if (affinity) {
    const byPriority = new Map<number, Set<string>>();
    allowed = new Set();
    for (const [node, pri] of affinity.nodes) {
      if (!usage.has(node)) continue;
      allowed.add(node);
      if (!byPriority.has(pri)) byPriority.set(pri, new Set());
      byPriority.get(pri)?.add(node);
    }
    const top = Math.max(...byPriority.keys());
    preferred = byPriority.get(top) ?? new Set();
  }
  if (preferred.size === 0) return undefined;
  const failback = affinity?.failback ?? cd.failback;
  if (preference === 'none' && !failback && allowed.has(current)) return current;
  if (preference === 'none' && preferred.has(current)) return current;
  return [...preferred].sort((a, b) => (usage.get(a) as number) - (usage.get(b) as number) || byName(a, b))[0];
}
