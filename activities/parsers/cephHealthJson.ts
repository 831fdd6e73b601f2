import { z } from 'zod';
import { result } from './result';
import { check, JsonDoc, jsonInt, readJsonDoc } from './json';

export const CephCheck = z.object({
  /** `OSD_DOWN`, `PG_DEGRADED`...; empty for pre-Luminous clusters, which had no check codes. */
  code: z.string(),
  /** HEALTH_WARN | HEALTH_ERR */
  severity: z.string(),
  summary: z.string(),
  detail: z.array(z.string()),
  /** How many things the check counts (Octopus and later). */
  count: z.number().int().optional(),
  muted: z.boolean().optional(),
});
export type CephCheck = z.infer<typeof CephCheck>;

export const CephHealthJson = z.object({
  /** HEALTH_OK | HEALTH_WARN | HEALTH_ERR */
  health: z.string(),
  checks: z.array(CephCheck),
});
export type CephHealthJson = z.infer<typeof CephHealthJson>;

const Modern = z.object({
  status: z.string(),
  checks: z.record(
    z.string(),
    z.object({
      severity: z.string(),
      summary: z.object({ message: z.string(), count: jsonInt.optional() }),
      detail: z.array(z.object({ message: z.string() })).optional(),
      muted: z.boolean().optional(),
    }),
  ),
});
const Legacy = z.object({
  overall_status: z.string(),
  summary: z.array(z.object({ severity: z.string(), summary: z.string() })).optional(),
});

/**
 * The health object of every Ceph release: Luminous and later `{status, checks: {CODE: ...}}`,
 * Jewel and older `{overall_status, summary: [...]}`. Luminous also sends a deprecated
 * `overall_status`, so `status` wins.
 */
export function readCephHealth(kind: string, doc: JsonDoc, value: unknown, path: PropertyKey[]): CephHealthJson {
  if (value !== null && typeof value === 'object' && 'status' in value) {
    const h = check(kind, doc, Modern, value, path);
    return {
      health: h.status,
      checks: Object.entries(h.checks).map(([code, c]) => ({
        code,
        severity: c.severity,
        summary: c.summary.message,
        detail: (c.detail ?? []).map((d) => d.message),
        ...(c.summary.count !== undefined ? { count: c.summary.count } : {}),
        ...(c.muted !== undefined ? { muted: c.muted } : {}),
      })),
    };
  }
  const h = check(kind, doc, Legacy, value, path);
  return { health: h.overall_status, checks: (h.summary ?? []).map((s) => ({ code: '', severity: s.severity, summary: s.summary, detail: [] })) };
}

/** `ceph health detail -f json` (or `ceph health -f json`), any release. */
export function parseCephHealthJson(text: string): CephHealthJson {
  const kind = 'ceph-health-json';
  const doc = readJsonDoc(kind, text);
  return result(kind, CephHealthJson, readCephHealth(kind, doc, doc.value, []));
}
