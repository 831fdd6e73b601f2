import { z } from 'zod';
import { result } from './result';
import { check, jsonError, jsonInt, readJsonDoc } from './json';

export const CephOsdPoolLsJson = z.object({
  /** In the command's order (by pool id). */
  pools: z.array(
    z.object({
      name: z.string(),
      /** The remaining fields need `detail`; they are null without it. Jewel's detail has no id. */
      id: z.number().int().nullable(),
      size: z.number().int().nullable(),
      minSize: z.number().int().nullable(),
      pgNum: z.number().int().nullable(),
      /** on | warn | off; null before Nautilus, which had no autoscaler. */
      autoscaleMode: z.string().nullable(),
      /** replicated | erasure */
      type: z.string().nullable(),
      /** Enabled applications (rbd, cephfs, rgw, mgr); empty before Luminous. */
      applications: z.array(z.string()),
    }),
  ),
});
export type CephOsdPoolLsJson = z.infer<typeof CephOsdPoolLsJson>;

const Detail = z.looseObject({
  pool_name: z.string(),
  pool: jsonInt.optional(),
  size: jsonInt.optional(),
  min_size: jsonInt.optional(),
  pg_num: jsonInt.optional(),
  pg_autoscale_mode: z.string().optional(),
  type: z.union([jsonInt, z.string()]).optional(),
  // An object keyed by application in the CLI, a list of names in some API views.
  application_metadata: z.union([z.record(z.string(), z.unknown()), z.array(z.string())]).optional(),
});
const Input = z.array(z.union([z.string(), z.looseObject({})]), { error: 'expected a list of pool names or pool objects' });

/** pg_pool_t's type numbers, as `osd pool ls detail` prints them before Quincy switched to names. */
const POOL_TYPES: Record<number, string> = { 1: 'replicated', 3: 'erasure' };

/** `ceph osd pool ls -f json` (names) and `ceph osd pool ls detail -f json` (objects), every release. */
export function parseCephOsdPoolLsJson(text: string): CephOsdPoolLsJson {
  const kind = 'ceph-osd-pool-ls-json';
  const doc = readJsonDoc(kind, text);
  const input = check(kind, doc, Input);
  const detail = input.some((p) => typeof p !== 'string');
  const pools = input.map((p, i) => {
    if (typeof p === 'string') {
      if (detail) throw jsonError(kind, doc, [i], 'a pool name among pool objects');
      return { name: p, id: null, size: null, minSize: null, pgNum: null, autoscaleMode: null, type: null, applications: [] };
    }
    const d = check(kind, doc, Detail, p, [i]);
    const apps = d.application_metadata;
    return {
      name: d.pool_name,
      id: d.pool ?? null,
      size: d.size ?? null,
      minSize: d.min_size ?? null,
      pgNum: d.pg_num ?? null,
      autoscaleMode: d.pg_autoscale_mode ?? null,
      type: typeof d.type === 'number' ? (POOL_TYPES[d.type] ?? String(d.type)) : (d.type ?? null),
      applications: Array.isArray(apps) ? apps : Object.keys(apps ?? {}),
    };
  });
  return result(kind, CephOsdPoolLsJson, { pools });
}
