import { z } from 'zod';
import { result } from './result';
import { CephCheck, readCephHealth } from './cephHealthJson';
import { check, jsonInt, jsonNumber, readJsonDoc } from './json';

export const CephStatusJson = z.object({
  fsid: z.string().optional(),
  /** HEALTH_OK | HEALTH_WARN | HEALTH_ERR */
  health: z.string(),
  /** The codes of the failing checks, e.g. `["OSD_DOWN", "PG_DEGRADED"]`; pre-Luminous releases have none. */
  checks: z.array(z.string()),
  /** Every failing check with its summary (detail lines come with `ceph health detail`). */
  checkDetails: z.array(CephCheck),
  monQuorum: z.array(z.string()).optional(),
  monCount: z.number().int().optional(),
  osds: z.object({
    total: z.number().int(),
    up: z.number().int(),
    in: z.number().int(),
    remappedPgs: z.number().int().optional(),
  }),
  pgs: z.object({
    total: z.number().int(),
    /** Count by state name, e.g. `{"active+clean": 16}`. */
    states: z.record(z.string(), z.number().int()),
  }),
  pools: z.number().int().optional(),
  objects: z.number().int().optional(),
  /** Bytes. */
  bytesUsed: z.number().optional(),
  bytesAvail: z.number().optional(),
  bytesTotal: z.number().optional(),
});
export type CephStatusJson = z.infer<typeof CephStatusJson>;

const OsdMap = z.object({
  num_osds: jsonInt,
  num_up_osds: jsonInt,
  num_in_osds: jsonInt,
  num_remapped_pgs: jsonInt.optional(),
});
const Input = z.object({
  fsid: z.string().optional(),
  health: z.looseObject({}),
  quorum_names: z.array(z.string()).optional(),
  monmap: z.object({ num_mons: jsonInt.optional(), mons: z.array(z.object({ name: z.string() })).optional() }).optional(),
  osdmap: z.looseObject({}),
  pgmap: z.object({
    pgs_by_state: z.array(z.object({ state_name: z.string(), count: jsonInt })),
    num_pgs: jsonInt,
    num_pools: jsonInt.optional(),
    num_objects: jsonInt.optional(),
    bytes_used: jsonNumber.optional(),
    bytes_avail: jsonNumber.optional(),
    bytes_total: jsonNumber.optional(),
  }),
});

/**
 * `ceph -s -f json` of every release: Jewel's `health.overall_status`, Luminous to Nautilus with the
 * OSD counts nested in `osdmap.osdmap`, Octopus and later with a flat `osdmap`.
 */
export function parseCephStatusJson(text: string): CephStatusJson {
  const kind = 'ceph-status-json';
  const doc = readJsonDoc(kind, text);
  const s = check(kind, doc, Input);
  const health = readCephHealth(kind, doc, s.health, ['health']);
  const nested = 'osdmap' in s.osdmap;
  const osd = check(kind, doc, OsdMap, nested ? s.osdmap['osdmap'] : s.osdmap, nested ? ['osdmap', 'osdmap'] : ['osdmap']);
  return result(kind, CephStatusJson, {
    fsid: s.fsid,
    health: health.health,
    checks: health.checks.map((c) => c.code).filter(Boolean),
    checkDetails: health.checks,
    monQuorum: s.quorum_names,
    monCount: s.monmap?.num_mons ?? s.monmap?.mons?.length,
    osds: {
      total: osd.num_osds,
      up: osd.num_up_osds,
      in: osd.num_in_osds,
      ...(osd.num_remapped_pgs !== undefined ? { remappedPgs: osd.num_remapped_pgs } : {}),
    },
    pgs: { total: s.pgmap.num_pgs, states: Object.fromEntries(s.pgmap.pgs_by_state.map((p) => [p.state_name, p.count])) },
    pools: s.pgmap.num_pools,
    objects: s.pgmap.num_objects,
    bytesUsed: s.pgmap.bytes_used,
    bytesAvail: s.pgmap.bytes_avail,
    bytesTotal: s.pgmap.bytes_total,
  });
}
