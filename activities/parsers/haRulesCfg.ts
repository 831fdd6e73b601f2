import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { flagProp, nodeListProp, readSectionConfig } from './sectionConfig';

export const HaRulesCfg = z.object({
  rules: z.array(
    z.object({
      type: z.enum(['node-affinity', 'resource-affinity']),
      name: z.string(),
      /** `vm:100`, `ct:300`. */
      resources: z.array(z.string()),
      /** node-affinity: the nodes, with optional priorities, in the order written. */
      nodes: z.array(z.object({ node: z.string(), priority: z.number().int().optional() })).optional(),
      /** node-affinity: resources may run only on these nodes. */
      strict: z.boolean().optional(),
      /** resource-affinity: keep together (positive) or apart (negative). */
      affinity: z.enum(['positive', 'negative']).optional(),
      disable: z.boolean(),
      comment: z.string().optional(),
    }),
  ),
});
export type HaRulesCfg = z.infer<typeof HaRulesCfg>;

/** /etc/pve/ha/rules.cfg (PVE 9): node-affinity and resource-affinity rules. Other rule types are refused, not guessed at. */
export function parseHaRulesCfg(text: string): HaRulesCfg {
  const kind = 'ha-rules-cfg';
  return result(kind, HaRulesCfg, {
    rules: readSectionConfig(kind, text, ['node-affinity', 'resource-affinity']).map((s) => {
      const resources = s.props.get('resources');
      if (!resources) throw new ParseError(kind, `rule ${s.id} has no resources property`, s.line);
      const nodes = nodeListProp(kind, s, 'nodes');
      if (s.type === 'node-affinity' && !nodes) throw new ParseError(kind, `node-affinity rule ${s.id} has no nodes property`, s.line);
      const affinity = s.props.get('affinity');
      if (s.type === 'resource-affinity' && !/^(positive|negative)$/.test(affinity?.value ?? '')) {
        throw new ParseError(kind, `resource-affinity rule ${s.id} needs "affinity positive" or "affinity negative"`, affinity?.line ?? s.line);
      }
      return {
        type: s.type,
        name: s.id,
        resources: resources.value.split(',').map((r) => r.trim()).filter(Boolean),
        nodes,
        strict: s.type === 'node-affinity' ? (flagProp(kind, s, 'strict') ?? false) : undefined,
        affinity: affinity?.value,
        disable: flagProp(kind, s, 'disable') ?? false,
        comment: s.props.get('comment')?.value,
      };
    }),
  });
}
