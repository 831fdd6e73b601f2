import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const CorosyncCfgtool = z.object({
  localNodeId: z.number().int(),
  /** `knet` on corosync 3.1+; older versions do not print it. */
  transport: z.string().optional(),
  links: z.array(
    z.object({
      id: z.number().int(),
      /** The link's protocol as printed after its id (`LINK ID 0 udp`). */
      protocol: z.string().optional(),
      address: z.string().optional(),
      /** Corosync 2 rings have one status line instead of per-peer lines: "ring 0 active with no faults". */
      status: z.string().optional(),
      peers: z.array(
        z.object({
          nodeid: z.number().int(),
          connected: z.boolean(),
          local: z.boolean(),
          /** As printed: `connected`, `disconnected`, `localhost`, or corosync 3.0's `link enabled:1 link connected:1`. */
          status: z.string(),
        }),
      ),
    }),
  ),
});
export type CorosyncCfgtool = z.infer<typeof CorosyncCfgtool>;

type Link = CorosyncCfgtool['links'][number];

/**
 * `corosync-cfgtool -s`: corosync 3.1+ (`Local node ID 2, transport knet`, TAB-separated peer lines
 * `nodeid: 1: connected`), corosync 3.0 (`Printing link status.`, `nodeid  1: link enabled:1 link
 * connected:1`) and corosync 2 rings (`RING ID 0`, `status = ring 0 active with no faults`).
 */
export function parseCorosyncCfgtool(text: string): CorosyncCfgtool {
  const kind = 'corosync-cfgtool';
  let localNodeId: number | undefined;
  let transport: string | undefined;
  const links: Link[] = [];
  let inPeers = false;
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    const link = links[links.length - 1];
    let m: RegExpExecArray | null;
    if (/^Printing (ring|link) status\.$/.test(s)) continue;
    if ((m = /^Local node ID (\d+)(?:, transport (\S+))?$/.exec(s))) {
      localNodeId = Number(m[1]);
      transport = m[2];
    } else if ((m = /^(?:LINK|RING) ID (\d+)(?:\s+(\S+))?$/.exec(s))) {
      links.push({ id: Number(m[1]), ...(m[2] ? { protocol: m[2] } : {}), peers: [] });
      inPeers = false;
    } else if (link && (m = /^(?:addr|id)\s*=\s*(\S+)$/.exec(s))) {
      link.address = m[1];
    } else if (link && s === 'status:') {
      inPeers = true;
    } else if (link && (m = /^status\s*=\s*(.+)$/.exec(s))) {
      link.status = m[1];
    } else if (link && inPeers && (m = /^nodeid:?\s*(\d+):\s*(.+)$/.exec(s))) {
      const nodeid = Number(m[1]);
      const status = m[2]!.replace(/\s+/g, ' ');
      const connected = status === 'connected' || status === 'localhost' || /\blink connected:1\b/.test(status);
      link.peers.push({ nodeid, connected, local: status === 'localhost' || nodeid === localNodeId, status });
    } else {
      throw new ParseError(kind, `cannot read ${quote(s)}`, line.no);
    }
  }
  if (localNodeId === undefined) throw new ParseError(kind, 'no "Local node ID" line');
  if (links.length === 0) throw new ParseError(kind, 'no "LINK ID" or "RING ID" section');
  return result(kind, CorosyncCfgtool, { localNodeId, transport, links });
}
