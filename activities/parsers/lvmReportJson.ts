import { z } from 'zod';
import { result } from './result';
import { check, readJsonDoc, type JsonDoc } from './json';

export const LvmReportJson = z.object({
  /** Rows of `pvs` (one per PV, or per PV segment when LV columns were asked for). */
  pv: z.array(
    z.object({
      name: z.string(),
      /** Null for a PV in no VG. */
      vg: z.string().nullable(),
      /** Bytes when the report was in bytes (`--units b`); null otherwise or when not asked for. */
      sizeBytes: z.number().nullable(),
      freeBytes: z.number().nullable(),
    }),
  ),
  vg: z.array(
    z.object({
      name: z.string(),
      pvCount: z.number().int().nullable(),
      lvCount: z.number().int().nullable(),
      sizeBytes: z.number().nullable(),
      freeBytes: z.number().nullable(),
      tags: z.array(z.string()),
    }),
  ),
  /** One entry per LV: the rows of a multi-segment LV are merged. */
  lv: z.array(
    z.object({
      name: z.string(),
      vg: z.string().nullable(),
      /** `/dev/VG/LV`; null for hidden LVs (`[pool_tdata]`), which have none. */
      path: z.string().nullable(),
      sizeBytes: z.number().nullable(),
      tags: z.array(z.string()),
      /** Physical devices under the LV, extents stripped: `/dev/md0(0)` → `/dev/md0`. */
      devices: z.array(z.string()),
    }),
  ),
});
export type LvmReportJson = z.infer<typeof LvmReportJson>;

const field = z.union([z.string(), z.number()]).optional();
const PvRow = z.looseObject({ pv_name: z.string(), vg_name: field, pv_size: field, pv_free: field });
const VgRow = z.looseObject({ vg_name: z.string(), pv_count: field, lv_count: field, vg_size: field, vg_free: field, vg_tags: field });
const LvRow = z.looseObject({ lv_name: z.string(), vg_name: field, lv_path: field, lv_size: field, lv_tags: field, devices: field });
const Report = z.looseObject({ pv: z.array(z.unknown()).optional(), vg: z.array(z.unknown()).optional(), lv: z.array(z.unknown()).optional() });
const Input = z.looseObject({ report: z.array(Report) });

/**
 * `pvs|vgs|lvs --reportformat json` and `lvm fullreport --reportformat json`: every value a string,
 * several report objects (fullreport: one per VG). LVM's warnings, which land in the output when
 * stderr is captured with it, are skipped.
 */
export function parseLvmReportJson(text: string): LvmReportJson {
  const kind = 'lvm-report-json';
  // Blanked rather than removed, so that error line numbers stay those of the input.
  const doc = readJsonDoc(kind, text.replace(/^[ \t]*WARNING: .*$/gm, ''));
  const input = check(kind, doc, Input);
  const out: LvmReportJson = { pv: [], vg: [], lv: [] };
  input.report.forEach((report, r) => {
    const base = ['report', r];
    const vgs = (report.vg ?? []).map((row, i) => check(kind, doc, VgRow, row, [...base, 'vg', i]));
    // fullreport lists each VG's PVs and LVs beside it without repeating vg_name.
    const ownVg = vgs.length === 1 ? vgs[0]!.vg_name : undefined;
    for (const vg of vgs) {
      out.vg.push({
        name: vg.vg_name,
        pvCount: count(vg.pv_count),
        lvCount: count(vg.lv_count),
        sizeBytes: bytes(vg.vg_size),
        freeBytes: bytes(vg.vg_free),
        tags: list(vg.vg_tags),
      });
    }
    (report.pv ?? []).forEach((row, i) => {
      const pv = check(kind, doc, PvRow, row, [...base, 'pv', i]);
      out.pv.push({ name: pv.pv_name, vg: nonEmpty(pv.vg_name) ?? ownVg ?? null, sizeBytes: bytes(pv.pv_size), freeBytes: bytes(pv.pv_free) });
    });
    (report.lv ?? []).forEach((row, i) => addLv(out.lv, readLv(kind, doc, row, [...base, 'lv', i], ownVg)));
  });
  return result(kind, LvmReportJson, out);
}

type Lv = LvmReportJson['lv'][number];

function readLv(kind: string, doc: JsonDoc, row: unknown, path: PropertyKey[], ownVg: string | undefined): Lv {
  const lv = check(kind, doc, LvRow, row, path);
  return {
    name: lv.lv_name,
    vg: nonEmpty(lv.vg_name) ?? ownVg ?? null,
    path: nonEmpty(lv.lv_path) ?? null,
    sizeBytes: bytes(lv.lv_size),
    tags: list(lv.lv_tags),
    devices: list(lv.devices).map((d) => d.replace(/\(\d+\)$/, '')),
  };
}

/** `lvs -o devices` prints one row per segment: the rows of one LV become one entry. */
function addLv(lvs: Lv[], lv: Lv): void {
  const same = lvs.find((l) => l.name === lv.name && l.vg === lv.vg);
  if (!same) {
    lvs.push({ ...lv, devices: [...new Set(lv.devices)] });
    return;
  }
  for (const d of lv.devices) if (!same.devices.includes(d)) same.devices.push(d);
}

function nonEmpty(v: string | number | undefined): string | undefined {
  const s = v === undefined ? '' : String(v).trim();
  return s === '' ? undefined : s;
}

/** A byte count as `--units b` prints it, with (`104857600B`) or without (`--nosuffix`) the unit. LVM prints zero as `0 ` in every unit. */
function bytes(v: string | number | undefined): number | null {
  const s = nonEmpty(v);
  if (s === undefined) return null;
  const m = /^(\d+)B?$/.exec(s);
  return m ? Number(m[1]) : null;
}

function count(v: string | number | undefined): number | null {
  const s = nonEmpty(v);
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : null;
}

function list(v: string | number | undefined): string[] {
  return (nonEmpty(v) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
