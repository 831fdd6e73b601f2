import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { jsonFlag, jsonInt, readJson } from './json';

const Entry = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('cluster'),
    name: z.string(),
    quorate: jsonFlag,
    version: jsonInt.optional(),
    nodes: jsonInt.optional(),
  }),
  z.object({
    type: z.literal('node'),
    name: z.string(),
    nodeid: jsonInt.optional(),
    online: jsonFlag.optional(),
    local: jsonFlag.optional(),
    ip: z.string().optional(),
    level: z.string().optional(),
  }),
]);
const Input = z.array(Entry).min(1, 'no entries: /cluster/status always lists at least the local node');

export const ClusterStatusJson = z.object({
  /** False on a standalone node: it has no cluster entry. */
  clustered: z.boolean(),
  clusterName: z.string().optional(),
  /** A standalone node counts as quorate: its /etc/pve is writable. */
  quorate: z.boolean(),
  /** corosync.conf's config_version. */
  configVersion: z.number().int().optional(),
  nodeCount: z.number().int().optional(),
  nodes: z.array(
    z.object({
      name: z.string(),
      /** 0 on a standalone node. */
      nodeid: z.number().int(),
      online: z.boolean(),
      local: z.boolean(),
      ip: z.string().optional(),
      /** Subscription level, "" when none. */
      level: z.string().optional(),
    }),
  ),
});
export type ClusterStatusJson = z.infer<typeof ClusterStatusJson>;

/** `pvesh get /cluster/status --output-format json` (also the API's `{"data": [...]}` response). */
export function parseClusterStatusJson(text: string): ClusterStatusJson {
  const kind = 'cluster-status-json';
  const entries = readJson(kind, text, Input, true);
  const cluster = entries.find((e) => e.type === 'cluster');
  const nodes = entries.flatMap((e) => (e.type === 'node' ? [e] : []));
  if (nodes.length === 0) throw new ParseError(kind, 'no node entries');
  return result(kind, ClusterStatusJson, {
    clustered: cluster !== undefined,
    clusterName: cluster?.name,
    quorate: cluster ? cluster.quorate : true,
    configVersion: cluster?.version,
    nodeCount: cluster?.nodes,
    nodes: nodes
      .map((n) => ({ name: n.name, nodeid: n.nodeid ?? 0, online: n.online ?? false, local: n.local ?? false, ip: n.ip, level: n.level }))
      .sort((a, b) => a.nodeid - b.nodeid || a.name.localeCompare(b.name)),
  });
}
