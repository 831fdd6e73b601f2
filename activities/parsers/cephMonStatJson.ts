import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { check, jsonInt, readJsonDoc } from './json';

export const CephMonStatJson = z.object({
  epoch: z.number().int().optional(),
  leader: z.string().optional(),
  /** The oldest release any monitor runs, e.g. `tentacle`. */
  minMonRelease: z.string().optional(),
  monCount: z.number().int().optional(),
  quorum: z.array(z.string()),
  /**
   * The monitors known by name. Recent releases print only the quorum, so there `mons` equals
   * `quorum` and `monCount` (or `allInQuorum`) tells whether some monitor is missing.
   */
  mons: z.array(z.string()),
  allInQuorum: z.boolean(),
});
export type CephMonStatJson = z.infer<typeof CephMonStatJson>;

const Input = z.object({
  epoch: jsonInt.optional(),
  leader: z.string().optional(),
  min_mon_release_name: z.string().optional(),
  num_mons: jsonInt.optional(),
  quorum: z.array(z.union([z.object({ rank: jsonInt, name: z.string() }), jsonInt])),
  quorum_names: z.array(z.string()).optional(),
  monmap: z.object({ mons: z.array(z.object({ name: z.string() })) }).optional(),
});

/** `ceph mon stat -f json`: quorum as `[{rank, name}]` (recent releases) or ranks with `quorum_names`. */
export function parseCephMonStatJson(text: string): CephMonStatJson {
  const kind = 'ceph-mon-stat-json';
  const doc = readJsonDoc(kind, text);
  const s = check(kind, doc, Input);
  const quorum = s.quorum.every((q) => typeof q === 'object')
    ? s.quorum.map((q) => (q as { name: string }).name)
    : s.quorum_names;
  if (!quorum) throw new ParseError(kind, 'quorum lists ranks but there is no quorum_names to name them');
  const mons = s.monmap?.mons.map((m) => m.name) ?? quorum;
  const monCount = s.num_mons ?? s.monmap?.mons.length;
  return result(kind, CephMonStatJson, {
    epoch: s.epoch,
    leader: s.leader,
    minMonRelease: s.min_mon_release_name,
    monCount,
    quorum,
    mons,
    allInQuorum: quorum.length >= (monCount ?? mons.length),
  });
}
