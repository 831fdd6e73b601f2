import type { NodeFacts } from '../../activities/nodes/facts';
import type { RunbookInventory, RunbookNode } from '../../common/inventory';

/** The corosync link0 address of a node: the inventory's, else the address it is reached at. */
export const link0Of = (n: RunbookNode) => n.link0 ?? n.host;

export type Plan =
  | { kind: 'refuse'; reasons: string[] }
  | {
      kind: 'build';
      /** No node is clustered yet: the primary creates the cluster. */
      create: boolean;
      /** The member new nodes join through (the primary, or the first existing member). */
      via: string;
      /** Standalone inventory nodes to join, in inventory order. */
      joins: string[];
      /** Inventory nodes already members of the cluster. */
      members: string[];
    };

/**
 * The reconcile decision: what the inventory asks for against what the servers are. Re-running on
 * a complete cluster plans nothing; a new node in the inventory plans only its join. A cluster of
 * another name, or members the inventory does not list, is refused: acting on it would destroy
 * what someone else built.
 */
export function planCluster(inv: RunbookInventory, facts: Record<string, NodeFacts>): Plan {
  const name = inv.cluster.name;
  const inInventory = new Set(inv.nodes.map((n) => n.name));
  const reasons: string[] = [];
  const clustered = inv.nodes.filter((n) => facts[n.name]?.mode === 'cluster');
  for (const n of clustered) {
    const f = facts[n.name];
    if (f.clusterName !== name) {
      reasons.push(`${n.name} belongs to cluster ${f.clusterName ?? '(unnamed)'}, not ${name}`);
      continue;
    }
    const strangers = f.clusterMembers.filter((m) => !inInventory.has(m));
    if (strangers.length) reasons.push(`cluster ${name} has members the inventory does not list: ${strangers.join(', ')} (seen from ${n.name})`);
  }
  const members = new Set(clustered.filter((n) => facts[n.name].clusterName === name).flatMap((n) => facts[n.name].clusterMembers));
  for (const n of inv.nodes) {
    if (members.has(n.name) && facts[n.name]?.mode === 'standalone') {
      reasons.push(`${n.name} is in cluster ${name}'s nodelist but is standalone itself: remove it with \`pvecm delnode ${n.name}\` on a member, then run again`);
    }
  }
  if (reasons.length) return { kind: 'refuse', reasons: [...new Set(reasons)] };
  const primary = inv.nodes.find((n) => n.primary) ?? inv.nodes[0];
  const existing = inv.nodes.filter((n) => members.has(n.name));
  const via = existing.length === 0 || members.has(primary.name) ? primary.name : existing[0].name;
  return {
    kind: 'build',
    create: existing.length === 0,
    via,
    joins: inv.nodes.filter((n) => !members.has(n.name) && n.name !== (existing.length === 0 ? primary.name : '')).map((n) => n.name),
    members: existing.map((n) => n.name),
  };
}

/**
 * Everything that would make a step fail half-way, found before anything changes: each problem
 * names the node, what is wrong and how to fix it.
 */
export function preflightProblems(inv: RunbookInventory, facts: Record<string, NodeFacts>, plan: Extract<Plan, { kind: 'build' }>): string[] {
  const problems: string[] = [];
  const majors = new Map<number, string[]>();
  for (const n of inv.nodes) {
    const f = facts[n.name];
    majors.set(f.pveMajor, [...(majors.get(f.pveMajor) ?? []), n.name]);
    if (f.hostname !== n.name) problems.push(`${n.name}: the server's hostname is ${f.hostname}; PVE names a node after its hostname: fix the inventory or the hostname`);
    if (!f.resolvedAddress || /^127\./.test(f.resolvedAddress) || f.resolvedAddress === '::1') {
      problems.push(`${n.name}: its hostname resolves to ${f.resolvedAddress ?? 'nothing'}; pve-cluster needs it to resolve to the node's own address: fix /etc/hosts`);
    }
    const link0 = link0Of(n);
    if (!f.localAddresses.includes(link0)) {
      problems.push(`${n.name}: link0 address ${link0} is not configured on the node (it has ${f.localAddresses.join(', ') || 'no address'}): fix link0 in the inventory or the node's network`);
    }
  }
  if (majors.size > 1) {
    problems.push(`mixed PVE major versions (${[...majors].map(([v, ns]) => `${v}: ${ns.join(', ')}`).join('; ')}): upgrade every node to the same major version`);
  }
  const fresh = plan.create ? [plan.via, ...plan.joins] : plan.joins;
  for (const name of fresh) {
    const f = facts[name];
    const role = name === plan.via && plan.create ? 'create the cluster' : 'join';
    if (role === 'join' && f.guests.length) {
      problems.push(`${name}: has guests (${f.guests.join(', ')}); \`pvecm add\` refuses a node with virtual guests: migrate, back up and remove them first`);
    }
    if (f.hasAuthkey) problems.push(`${name}: /etc/corosync/authkey exists (left from an earlier cluster); it cannot ${role} until it is separated cleanly`);
    if (f.corosyncActive) problems.push(`${name}: corosync is running although the node has no cluster configuration; separate it cleanly first`);
  }
  return problems;
}
