import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { flagProp, intProp, readSectionConfig } from './sectionConfig';

export const HaResourcesCfg = z.object({
  resources: z.array(
    z.object({
      /** `vm:100`. */
      sid: z.string(),
      /** vm | ct */
      type: z.string(),
      vmid: z.number().int(),
      /** started | stopped | disabled | ignored; PVE's default is started. */
      state: z.string().optional(),
      /** PVE 8 and older. */
      group: z.string().optional(),
      maxRestart: z.number().int().optional(),
      maxRelocate: z.number().int().optional(),
      /** PVE 9: move back to the highest-priority node of its node-affinity rule. */
      failback: z.boolean().optional(),
      comment: z.string().optional(),
    }),
  ),
});
export type HaResourcesCfg = z.infer<typeof HaResourcesCfg>;

/** `ha-manager config` (`vm:100` then TAB-indented properties) or /etc/pve/ha/resources.cfg (`vm: 100`). */
export function parseHaResourcesCfg(text: string): HaResourcesCfg {
  const kind = 'ha-resources-cfg';
  return result(kind, HaResourcesCfg, {
    resources: readSectionConfig(kind, text, ['vm', 'ct']).map((s) => {
      if (!/^\d+$/.test(s.id)) throw new ParseError(kind, `${s.type}:${s.id}: the guest id must be a number`, s.line);
      return {
        sid: `${s.type}:${s.id}`,
        type: s.type,
        vmid: Number(s.id),
        state: s.props.get('state')?.value,
        group: s.props.get('group')?.value,
        maxRestart: intProp(kind, s, 'max_restart'),
        maxRelocate: intProp(kind, s, 'max_relocate'),
        failback: flagProp(kind, s, 'failback'),
        comment: s.props.get('comment')?.value,
      };
    }),
  });
}
