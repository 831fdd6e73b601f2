import { z } from 'zod';
import { jsonFlag, jsonInt, readJson } from './json';
import { result } from './result';

const Input = z.object({
  nodename: z.string(),
  version: jsonInt,
  cluster: z.object({ name: z.string(), version: jsonInt, nodes: jsonInt, quorate: jsonFlag }).optional(),
  nodelist: z.record(z.string(), z.object({ id: jsonInt, online: jsonFlag, ip: z.string().optional() })).optional(),
});

export const PveMembers = z.object({
  nodename: z.string(),
  /** pmxcfs's view: absent on a standalone node. */
  clusterName: z.string().optional(),
  quorate: z.boolean(),
  nodes: z.array(z.object({ name: z.string(), nodeid: z.number().int(), online: z.boolean(), ip: z.string().optional() })),
});
export type PveMembers = z.infer<typeof PveMembers>;

/**
 * /etc/pve/.members, pmxcfs's own member list: what a node currently believes about the cluster,
 * updated as corosync membership changes (a standalone node has only `nodename` and `version`).
 */
export function parsePveMembers(text: string): PveMembers {
  const kind = 'pve-members';
  const m = readJson(kind, text, Input);
  return result(kind, PveMembers, {
    nodename: m.nodename,
    clusterName: m.cluster?.name,
    quorate: m.cluster ? m.cluster.quorate : true,
    nodes: Object.entries(m.nodelist ?? {})
      .map(([name, n]) => ({ name, nodeid: n.id, online: n.online, ip: n.ip }))
      .sort((a, b) => a.nodeid - b.nodeid),
  });
}
