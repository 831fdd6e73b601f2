import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { flagProp, nodeListProp, readSectionConfig } from './sectionConfig';

export const HaGroupsCfg = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      /** In the order written; a higher priority is preferred. */
      nodes: z.array(z.object({ node: z.string(), priority: z.number().int().optional() })),
      /** Resources may run only on the group's nodes. */
      restricted: z.boolean(),
      /** Resources do not move back when a higher-priority node returns. */
      nofailback: z.boolean(),
      comment: z.string().optional(),
    }),
  ),
});
export type HaGroupsCfg = z.infer<typeof HaGroupsCfg>;

/** /etc/pve/ha/groups.cfg (PVE 8 and older; PVE 9 migrates groups to rules), also `ha-manager groupconfig`. */
export function parseHaGroupsCfg(text: string): HaGroupsCfg {
  const kind = 'ha-groups-cfg';
  return result(kind, HaGroupsCfg, {
    groups: readSectionConfig(kind, text, ['group']).map((s) => {
      const nodes = nodeListProp(kind, s, 'nodes');
      if (!nodes) throw new ParseError(kind, `group ${s.id} has no nodes property`, s.line);
      return {
        name: s.id,
        nodes,
        restricted: flagProp(kind, s, 'restricted') ?? false,
        nofailback: flagProp(kind, s, 'nofailback') ?? false,
        comment: s.props.get('comment')?.value,
      };
    }),
  });
}
