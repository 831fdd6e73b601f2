import { z } from 'zod';
import { result } from './result';
import { jsonInt, jsonNumber, readJson } from './json';

const Input = z
  .array(
    z.object({
      node: z.string(),
      status: z.string(),
      cpu: jsonNumber.optional(),
      maxcpu: jsonInt.optional(),
      mem: jsonNumber.optional(),
      maxmem: jsonNumber.optional(),
      disk: jsonNumber.optional(),
      maxdisk: jsonNumber.optional(),
      uptime: jsonNumber.optional(),
      level: z.string().optional(),
      ssl_fingerprint: z.string().optional(),
    }),
  )
  .min(1, 'no nodes: /nodes always lists at least the local node');

export const NodesJson = z.object({
  nodes: z.array(
    z.object({
      name: z.string(),
      /** online | offline | unknown */
      status: z.string(),
      online: z.boolean(),
      /** CPU usage, 0..1 (a fraction of maxcpu). */
      cpu: z.number().optional(),
      maxcpu: z.number().int().optional(),
      /** Bytes. */
      mem: z.number().optional(),
      maxmem: z.number().optional(),
      disk: z.number().optional(),
      maxdisk: z.number().optional(),
      /** Seconds. */
      uptime: z.number().optional(),
      level: z.string().optional(),
      sslFingerprint: z.string().optional(),
    }),
  ),
});
export type NodesJson = z.infer<typeof NodesJson>;

/** `pvesh get /nodes --output-format json` (also the API's `{"data": [...]}` response). Offline nodes carry no usage. */
export function parseNodesJson(text: string): NodesJson {
  const kind = 'nodes-json';
  const entries = readJson(kind, text, Input, true);
  return result(kind, NodesJson, {
    nodes: entries
      .map((n) => ({
        name: n.node,
        status: n.status,
        online: n.status === 'online',
        cpu: n.cpu,
        maxcpu: n.maxcpu,
        mem: n.mem,
        maxmem: n.maxmem,
        disk: n.disk,
        maxdisk: n.maxdisk,
        uptime: n.uptime,
        level: n.level,
        sslFingerprint: n.ssl_fingerprint,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  });
}
