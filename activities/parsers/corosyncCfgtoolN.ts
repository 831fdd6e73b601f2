import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const CorosyncCfgtoolN = z.object({
  localNodeId: z.number().int(),
  transport: z.string().optional(),
  /** The other nodes; corosync does not list the local one. */
  nodes: z.array(
    z.object({
      nodeid: z.number().int(),
      reachable: z.boolean(),
      links: z.array(
        z.object({
          id: z.number().int(),
          protocol: z.string().optional(),
          localAddress: z.string(),
          remoteAddress: z.string(),
          enabled: z.boolean(),
          connected: z.boolean(),
          mtu: z.number().int().optional(),
          /** The state words as printed, e.g. `["enabled", "connected"]`. */
          flags: z.array(z.string()),
        }),
      ),
    }),
  ),
});
export type CorosyncCfgtoolN = z.infer<typeof CorosyncCfgtoolN>;

/**
 * `corosync-cfgtool -n` (corosync 3.1+): one `nodeid: N reachable` block per other node, each
 * with `LINK: 0 udp (LOCAL->REMOTE) enabled connected mtu: 1397` lines.
 */
export function parseCorosyncCfgtoolN(text: string): CorosyncCfgtoolN {
  const kind = 'corosync-cfgtool-n';
  let localNodeId: number | undefined;
  let transport: string | undefined;
  const nodes: CorosyncCfgtoolN['nodes'] = [];
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    const node = nodes[nodes.length - 1];
    let m: RegExpExecArray | null;
    if ((m = /^Local node ID (\d+)(?:, transport (\S+))?$/.exec(s))) {
      localNodeId = Number(m[1]);
      transport = m[2];
    } else if ((m = /^nodeid:?\s*(\d+)\s+(reachable|unreachable)\b/.exec(s))) {
      nodes.push({ nodeid: Number(m[1]), reachable: m[2] === 'reachable', links: [] });
    } else if (node && (m = /^LINK:\s*(\d+)(?:\s+([a-z]+))?\s+\(([^)]*?)->([^)]*)\)((?:\s+[a-z]+)*)(?:\s+mtu:\s*(\d+))?$/.exec(s))) {
      const flags = m[5]!.trim().split(/\s+/).filter(Boolean);
      node.links.push({
        id: Number(m[1]),
        ...(m[2] ? { protocol: m[2] } : {}),
        localAddress: m[3]!,
        remoteAddress: m[4]!,
        enabled: flags.includes('enabled'),
        connected: flags.includes('connected'),
        ...(m[6] ? { mtu: Number(m[6]) } : {}),
        flags,
      });
    } else {
      throw new ParseError(kind, `cannot read ${quote(s)}`, line.no);
    }
  }
  if (localNodeId === undefined) throw new ParseError(kind, 'no "Local node ID" line');
  return result(kind, CorosyncCfgtoolN, { localNodeId, transport, nodes });
}
