import { z } from 'zod';
import { result } from './result';
import { membership, readQuorumtool } from './quorumtool';

export const PvecmNodes = z.object({
  nodes: z.array(
    z.object({
      nodeid: z.number().int(),
      votes: z.number().int(),
      name: z.string(),
      local: z.boolean(),
    }),
  ),
});
export type PvecmNodes = z.infer<typeof PvecmNodes>;

/** `pvecm nodes`: the membership table of corosync-quorumtool, under a "Membership information" heading. */
export function parsePvecmNodes(text: string): PvecmNodes {
  const kind = 'pvecm-nodes';
  const { members } = membership(kind, readQuorumtool(kind, text));
  return result(kind, PvecmNodes, { nodes: members.map(({ nodeid, votes, name, local }) => ({ nodeid, votes, name, local })) });
}
