import { z } from 'zod';
import { result } from './result';
import { ClusterInfoShape, QdeviceShape, QuorumShape, clusterInfo, membership, quorumInfo, readQuorumtool } from './quorumtool';

export const PvecmStatus = z.object({
  ...ClusterInfoShape,
  ...QuorumShape,
  nodes: z.array(
    z.object({
      nodeid: z.number().int(),
      votes: z.number().int(),
      /** `pvecm status` runs corosync-quorumtool with -i: the Name column holds the link 0 address. */
      address: z.string(),
      local: z.boolean(),
      qdeviceFlags: z.array(z.string()).optional(),
    }),
  ),
  ...QdeviceShape,
});
export type PvecmStatus = z.infer<typeof PvecmStatus>;

/**
 * `pvecm status`, PVE 6 to 9: with or without the "Cluster information" block (PVE 6.0 has none),
 * hex or decimal node ids, Ring ID as `1.d` (corosync 3) or `1/12` (corosync 2), an optional
 * Qdevice column and row.
 */
export function parsePvecmStatus(text: string): PvecmStatus {
  const kind = 'pvecm-status';
  const out = readQuorumtool(kind, text);
  const { members, qdevice } = membership(kind, out);
  return result(kind, PvecmStatus, {
    ...clusterInfo(kind, out),
    ...quorumInfo(kind, out),
    nodes: members.map((m) => ({
      nodeid: m.nodeid,
      votes: m.votes,
      address: m.name,
      local: m.local,
      ...(m.qdeviceFlags ? { qdeviceFlags: m.qdeviceFlags } : {}),
    })),
    ...(qdevice ? { qdevice } : {}),
  });
}
