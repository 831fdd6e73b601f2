import { ApplicationFailure } from '@temporalio/workflow';
import type { PingResult } from '../../activities/network/privateNetwork';
import { nodeNetwork } from '../../common/hyperConverged';
import { PhaseContext, perNode } from '../cluster/phaseContext';
import { acts, step } from './steps';

export interface NetworkReport {
  nodes: { name: string; bridge: string; address: string; mtu: number; status: 'done' | 'already' }[];
  pings: PingResult[];
}

/** Every ordered pair once: a→b and b→a can fail differently (one end's MTU), so both are tried. */
export function pairs<T extends { name: string }>(nodes: T[]): [T, T][] {
  return nodes.flatMap((a) => nodes.filter((b) => b !== a).map((b) => [a, b] as [T, T]));
}

export async function jumboPings(ctx: PhaseContext, nodes: { name: string; address: string }[], mtu: number, label: string): Promise<PingResult[]> {
  const results = await perNode(ctx, label, nodes.map((n) => ctx.node(n.name)), (n) =>
    step(acts.jumboPing, `jumbo ping from ${n.name}`, [ctx.task(n), nodes.filter((p) => p.name !== n.name), mtu]),
  );
  return Object.values(results).flat();
}

export const describeFailedPairs = (pings: PingResult[]) =>
  pings.filter((p) => !p.ok).map((p) => `${p.from} → ${p.to} (${p.address}): ${p.detail}`);

/**
 * Phase 7: the private bridge with jumbo frames on every node, then `ping -M do` with a full
 * frame between every pair; a pair that does not pass stops the build before Ceph relies on it.
 */
export async function privateNetworkPhase(ctx: PhaseContext): Promise<NetworkReport> {
  const plans = ctx.inv.nodes.map((n) => ({ n, net: nodeNetwork(ctx.inv, n)! }));
  const gate = ctx.gate;
  const applied = await gate.must({ label: 'private bridges', neededBecause: "Ceph's public and cluster networks run on them" }, () =>
    perNode(ctx, 'private bridge', ctx.inv.nodes, async (n) => {
      const net = plans.find((p) => p.n === n)!.net;
      const r = await step(acts.configurePrivateBridge, `${net.bridge} over ${net.nic} on ${n.name}`, [ctx.task(n), { nic: net.nic, bridge: net.bridge, cidr: net.cidr, mtu: net.mtu }]);
      if (r.status === 'done') gate.compensate(`${net.bridge} on ${n.name}`, () => step(acts.undoPrivateBridge, `restore /etc/network/interfaces on ${n.name}`, [ctx.task(n), { bridge: net.bridge }]));
      return r;
    }),
  );
  const mtu = Math.min(...plans.map((p) => p.net.mtu));
  const pings = await gate.must({ label: `jumbo frames (MTU ${mtu}) between every pair`, neededBecause: 'Ceph drops or stalls traffic on a path that does not pass full frames' }, async () => {
    const all = await jumboPings(ctx, plans.map((p) => ({ name: p.n.name, address: p.net.address })), mtu, 'jumbo ping');
    const failed = describeFailedPairs(all);
    if (failed.length) {
      throw ApplicationFailure.nonRetryable(
        `MTU ${mtu} does not pass end to end on ${failed.length} path(s); check the switch ports and the NICs of these pairs:\n- ${failed.join('\n- ')}`,
        'JumboFramesBlocked',
      );
    }
    return all;
  });
  return {
    nodes: plans.map((p) => ({ name: p.n.name, bridge: p.net.bridge, address: p.net.cidr, mtu: p.net.mtu, status: applied[p.n.name].status })),
    pings,
  };
}
