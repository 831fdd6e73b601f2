import type { NodeFacts } from '../../activities/nodes/facts';
import type { RunbookInventory } from '../../common/inventory';

export function inventoryOf(names: string[], cluster = 'prod'): RunbookInventory {
  return {
    cluster: { name: cluster },
    ssh: { connectTimeoutSeconds: 5, commandTimeoutSeconds: 30 },
    nodes: names.map((name, i) => ({ name, host: `10.0.0.${11 + i}`, port: 22, user: 'root', primary: i === 0, password: { env: 'PW' } })),
  };
}

export function standalone(name: string, i: number, over: Partial<NodeFacts> = {}): NodeFacts {
  return {
    hostname: name,
    fqdn: `${name}.lab`,
    pveVersion: '8.4.1',
    pveMajor: 8,
    mode: 'standalone',
    clusterMembers: [],
    knownNodes: [name],
    hasAuthkey: false,
    corosyncActive: false,
    guests: [],
    resolvedAddress: `10.0.0.${11 + i}`,
    localAddresses: ['127.0.0.1', `10.0.0.${11 + i}`],
    ...over,
  };
}

export function member(name: string, i: number, cluster: string, members: string[]): NodeFacts {
  return standalone(name, i, { mode: 'cluster', clusterName: cluster, clusterMembers: members, knownNodes: members, hasAuthkey: true, corosyncActive: true });
}
