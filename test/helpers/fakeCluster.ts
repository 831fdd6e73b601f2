import type { Activities } from '../../activities';
import type { NodeTask } from '../../activities/nodes/task';
import type { NodeFacts } from '../../activities/nodes/facts';
import type { ClusterView } from '../../activities/cluster/probe';

/** A cluster modelled in memory: formation calls change it, probes read it, converging after `lag` polls. */
export function fakeCluster(names: string[], initial: Record<string, NodeFacts>, opts: { lag?: number; neverConverge?: boolean } = {}) {
  const calls: string[] = [];
  const members: string[] = Object.values(initial).find((f) => f.mode === 'cluster')?.clusterMembers.slice() ?? [];
  let joining = 0;
  let maxJoining = 0;
  const polls: Record<string, number> = {};
  const acts: Partial<Activities> = {
    async gatherNodeFacts({ node }: NodeTask) {
      calls.push(`facts ${node.name}`);
      return initial[node.name];
    },
    async installControllerKey({ node }: NodeTask) {
      calls.push(`key ${node.name}`);
      return { status: 'added' as const, file: '/root/.ssh/authorized_keys' };
    },
    async ensureNodeIdentity({ node }: NodeTask) {
      calls.push(`identity ${node.name}`);
      return { name: node.name, rootKey: `ssh-ed25519 AAAA${node.name} root@${node.name}`, hostKeys: [`ssh-ed25519 HOST${node.name}`], generated: false };
    },
    async trustPeers({ node }: NodeTask, peers) {
      calls.push(`trust ${node.name} ${peers.map((p) => p.name).join(',')}`);
      return { added: peers.length * 2, present: 0 };
    },
    async checkPeerSsh({ node }: NodeTask, targets) {
      calls.push(`peer-ssh ${node.name} ${targets.join(',')}`);
      return { ok: targets };
    },
    async createClusterOnPrimary({ node }: NodeTask, name) {
      calls.push(`create ${node.name} ${name}`);
      members.push(node.name);
      return { status: 'done' as const };
    },
    async joinCluster({ node }: NodeTask, _name, via, link0) {
      joining++;
      maxJoining = Math.max(maxJoining, joining);
      calls.push(`join ${node.name} via ${via} link0 ${link0}`);
      await new Promise((r) => setTimeout(r, 50));
      members.push(node.name);
      joining--;
      return { status: 'done' as const };
    },
    async probeCluster({ node }: NodeTask): Promise<ClusterView> {
      const key = members.join(',');
      polls[key] = (polls[key] ?? 0) + 1;
      const visible = !opts.neverConverge && polls[key] > (opts.lag ?? 0) * members.length;
      const seen = visible ? members : members.slice(0, -1);
      calls.push(`probe ${node.name}`);
      return { node: node.name, clusterName: 'prod', quorate: true, expectedVotes: seen.length, totalVotes: seen.length, members: seen, online: seen, nodeDirs: seen };
    },
    async configureClusterSsh({ node }: NodeTask) {
      calls.push(`sshd ${node.name}`);
      return { sshdConfig: 'changed' as const, controllerKey: 'present' as const, symlinkIntact: true };
    },
    async verifyNode({ node }: NodeTask) {
      calls.push(`verify ${node.name}`);
      const n = members.length;
      return {
        node: node.name,
        status: { quorate: true, expectedVotes: n, totalVotes: n, quorum: Math.floor(n / 2) + 1, nodes: [] },
        nodes: { nodes: members.map((m, i) => ({ nodeid: i + 1, votes: 1, name: m, local: m === node.name })) },
        links: { localNodeId: names.indexOf(node.name) + 1, links: [{ id: 0, peers: members.map((m, i) => ({ nodeid: i + 1, connected: true, local: m === node.name })) }] },
      } as never;
    },
  };
  return { acts, calls, members, maxJoining: () => maxJoining };
}
