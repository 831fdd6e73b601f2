import { z } from 'zod';
import { result } from './result';
import { check, jsonFlag, jsonInt, readJsonDoc } from './json';

export const CephOsdDumpJson = z.object({
  fsid: z.string().optional(),
  /** The OSD map epoch. */
  epoch: z.number().int(),
  /** Cluster flags: sortbitwise, noout, noup, pause... */
  flags: z.array(z.string()),
  /** luminous ... squid: the oldest release OSDs may run. */
  requireOsdRelease: z.string().optional(),
  /** In map order (by id). */
  osds: z.array(
    z.object({
      id: z.number().int(),
      /** Null for a destroyed OSD, which keeps its id with an all-zero uuid. */
      uuid: z.string().nullable(),
      up: z.boolean(),
      in: z.boolean(),
      /** exists, up, destroyed, autoout, new... */
      state: z.array(z.string()),
      /** The override weight (`ceph osd reweight`); 0 for an OSD that is out. */
      weight: z.number().optional(),
    }),
  ),
  pools: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      size: z.number().int(),
      minSize: z.number().int(),
      pgNum: z.number().int().optional(),
    }),
  ),
});
export type CephOsdDumpJson = z.infer<typeof CephOsdDumpJson>;

const Input = z.looseObject({
  fsid: z.string().optional(),
  epoch: jsonInt,
  flags: z.string().optional(),
  require_osd_release: z.string().optional(),
  osds: z.array(
    z.looseObject({
      osd: jsonInt,
      uuid: z.string().optional(),
      up: jsonFlag,
      in: jsonFlag,
      state: z.array(z.string()).optional(),
      weight: z.number().optional(),
    }),
  ),
  pools: z.array(z.looseObject({ pool: jsonInt, pool_name: z.string(), size: jsonInt, min_size: jsonInt, pg_num: jsonInt.optional() })),
});

const NO_UUID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;

/** `ceph osd dump -f json`: OSDs with up/in and state, pools with their replication. */
export function parseCephOsdDumpJson(text: string): CephOsdDumpJson {
  const kind = 'ceph-osd-dump-json';
  const s = check(kind, readJsonDoc(kind, text), Input);
  return result(kind, CephOsdDumpJson, {
    fsid: s.fsid,
    epoch: s.epoch,
    flags: (s.flags ?? '').split(',').filter(Boolean),
    requireOsdRelease: s.require_osd_release,
    osds: s.osds.map((o) => ({
      id: o.osd,
      uuid: o.uuid && !NO_UUID.test(o.uuid) ? o.uuid : null,
      up: o.up,
      in: o.in,
      state: o.state ?? [],
      weight: o.weight,
    })),
    pools: s.pools.map((p) => ({ id: p.pool, name: p.pool_name, size: p.size, minSize: p.min_size, pgNum: p.pg_num })),
  });
}
