import { z } from 'zod';
import { result } from './result';
import { QdeviceShape, QuorumShape, membership, quorumInfo, readQuorumtool } from './quorumtool';

export const CorosyncQuorumtool = z.object({
  ...QuorumShape,
  nodes: z.array(
    z.object({
      nodeid: z.number().int(),
      votes: z.number().int(),
      name: z.string(),
      local: z.boolean(),
      qdeviceFlags: z.array(z.string()).optional(),
    }),
  ),
  ...QdeviceShape,
});
export type CorosyncQuorumtool = z.infer<typeof CorosyncQuorumtool>;

/** `corosync-quorumtool -s` (corosync 2 and 3, with or without -H and -i). */
export function parseCorosyncQuorumtool(text: string): CorosyncQuorumtool {
  const kind = 'corosync-quorumtool';
  const out = readQuorumtool(kind, text);
  const { members, qdevice } = membership(kind, out);
  return result(kind, CorosyncQuorumtool, {
    ...quorumInfo(kind, out),
    nodes: members.map(({ nodeid, votes, name, local, qdeviceFlags }) => ({ nodeid, votes, name, local, ...(qdeviceFlags ? { qdeviceFlags } : {}) })),
    ...(qdevice ? { qdevice } : {}),
  });
}
