import { EXTENT_BYTES, dmName, freeExtents, vgExtents, type LvRecord, type VgRecord } from './lvm';
import type { NodeStorage } from './nodeStorage';
import { lvmSize } from './sizes';

export type ReportType = 'pv' | 'vg' | 'lv';

/** How sizes print: `--units` (h, b, k, m, g, t; upper case for powers of 1000) and `--nosuffix`. */
export interface Units {
  unit: string;
  suffix: boolean;
}

type Value = { text: string; size?: number; number?: boolean };

interface Field {
  heading: string;
  value(row: Row, storage: NodeStorage): Value;
}

interface Row {
  pv?: { path: string; uuid: string; vg?: VgRecord; sizeBytes: number; peCount: number };
  vg?: VgRecord;
  lv?: LvRecord;
}

const size = (bytes: number): Value => ({ text: '', size: bytes });
const num = (n: number): Value => ({ text: String(n), number: true });
const str = (text: string): Value => ({ text });

function lvPath(row: Row): string {
  return row.lv && row.vg && row.lv.kind === 'linear' ? `/dev/${row.vg.name}/${row.lv.name}` : '';
}

function lvAttr(row: Row, storage: NodeStorage): string {
  const { vg, lv } = row;
  if (!vg || !lv) return '';
  if (lv.kind === 'thin-pool') return 'twi-a-tz--';
  const open = storage.openExclusive(`/dev/${vg.name}/${lv.name}`) !== undefined;
  return `-wi-a${open ? 'o' : '-'}----`;
}

const FIELDS: Record<string, Field> = {
  pv_name: { heading: 'PV', value: (r) => str(r.pv?.path ?? '') },
  pv_fmt: { heading: 'Fmt', value: () => str('lvm2') },
  pv_attr: { heading: 'Attr', value: (r) => str(r.pv?.vg ? 'a--' : '---') },
  pv_size: { heading: 'PSize', value: (r) => size(r.pv ? (r.pv.vg ? pvExtents(r) * EXTENT_BYTES : r.pv.sizeBytes) : 0) },
  pv_free: { heading: 'PFree', value: (r) => size(r.pv ? (r.pv.vg ? freeExtents(r.pv.vg, r.pv.uuid) * EXTENT_BYTES : r.pv.sizeBytes) : 0) },
  pv_used: { heading: 'Used', value: (r) => size(r.pv?.vg ? (pvExtents(r) - freeExtents(r.pv.vg, r.pv.uuid)) * EXTENT_BYTES : 0) },
  pv_uuid: { heading: 'PV UUID', value: (r) => str(r.pv?.uuid ?? '') },
  dev_size: { heading: 'DevSize', value: (r) => size(r.pv?.sizeBytes ?? 0) },
  pe_start: { heading: '1st PE', value: () => size(1024 * 1024) },
  pv_pe_count: { heading: 'PE', value: (r) => num(r.pv?.vg ? pvExtents(r) : 0) },
  pv_pe_alloc_count: { heading: 'Alloc', value: (r) => num(r.pv?.vg ? pvExtents(r) - freeExtents(r.pv.vg, r.pv.uuid) : 0) },
  pv_tags: { heading: 'PV Tags', value: () => str('') },
  vg_name: { heading: 'VG', value: (r) => str(r.vg?.name ?? r.pv?.vg?.name ?? '') },
  vg_uuid: { heading: 'VG UUID', value: (r) => str(r.vg?.uuid ?? r.pv?.vg?.uuid ?? '') },
  vg_attr: { heading: 'Attr', value: (r) => str(r.vg ? 'wz--n-' : '') },
  vg_size: { heading: 'VSize', value: (r) => size(r.vg ? vgExtents(r.vg) * EXTENT_BYTES : 0) },
  vg_free: { heading: 'VFree', value: (r) => size(r.vg ? freeExtents(r.vg) * EXTENT_BYTES : 0) },
  vg_extent_size: { heading: 'Ext', value: () => size(EXTENT_BYTES) },
  vg_extent_count: { heading: '#Ext', value: (r) => num(r.vg ? vgExtents(r.vg) : 0) },
  vg_free_count: { heading: 'Free', value: (r) => num(r.vg ? freeExtents(r.vg) : 0) },
  vg_tags: { heading: 'VG Tags', value: (r) => str(r.vg?.tags.join(',') ?? '') },
  pv_count: { heading: '#PV', value: (r) => num(r.vg?.pvs.length ?? 0) },
  lv_count: { heading: '#LV', value: (r) => num(r.vg?.lvs.length ?? 0) },
  snap_count: { heading: '#SN', value: () => num(0) },
  lv_name: { heading: 'LV', value: (r) => str(r.lv?.name ?? '') },
  lv_full_name: { heading: 'LV', value: (r) => str(r.lv && r.vg ? `${r.vg.name}/${r.lv.name}` : '') },
  lv_uuid: { heading: 'LV UUID', value: (r) => str(r.lv?.uuid ?? '') },
  lv_attr: { heading: 'Attr', value: (r, s) => str(lvAttr(r, s)) },
  lv_size: { heading: 'LSize', value: (r) => size((r.lv?.extents ?? 0) * EXTENT_BYTES) },
  lv_path: { heading: 'Path', value: (r) => str(lvPath(r)) },
  lv_dm_path: { heading: 'DMPath', value: (r) => str(r.lv && r.vg ? `/dev/mapper/${dmName(r.vg.name, r.lv.name)}` : '') },
  lv_tags: { heading: 'LV Tags', value: (r) => str(r.lv?.tags.join(',') ?? '') },
  lv_active: { heading: 'Active', value: (r) => str(r.lv ? 'active' : '') },
  lv_kernel_major: { heading: 'KMaj', value: (r) => num(r.lv ? 252 : -1) },
  lv_kernel_minor: { heading: 'KMin', value: (r) => num(r.lv ? (r.lv.kind === 'thin-pool' ? r.lv.dmMinor + 3 : r.lv.dmMinor) : -1) },
  seg_count: { heading: '#Seg', value: (r) => num(r.lv?.kind === 'thin-pool' ? 1 : (r.lv?.segments.length ?? 0)) },
  pool_lv: { heading: 'Pool', value: () => str('') },
  origin: { heading: 'Origin', value: () => str('') },
  data_percent: { heading: 'Data%', value: (r) => ({ text: r.lv?.kind === 'thin-pool' ? '0.00' : '', number: true }) },
  metadata_percent: { heading: 'Meta%', value: (r) => ({ text: r.lv?.kind === 'thin-pool' ? '0.48' : '', number: true }) },
  move_pv: { heading: 'Move', value: () => str('') },
  mirror_log: { heading: 'Log', value: () => str('') },
  copy_percent: { heading: 'Cpy%Sync', value: () => ({ text: '', number: true }) },
  convert_lv: { heading: 'Convert', value: () => str('') },
  devices: { heading: 'Devices', value: (r, s) => str(devices(r, s)) },
};

function pvExtents(r: Row): number {
  return r.pv?.vg?.pvs.find((p) => p.uuid === r.pv?.uuid)?.peCount ?? 0;
}

function devices(r: Row, storage: NodeStorage): string {
  if (!r.lv) return '';
  if (r.lv.kind === 'thin-pool') return `${r.lv.name}_tdata(0)`;
  return r.lv.segments.map((s) => `${storage.pvPath(s.pv) ?? '[unknown]'}(${s.start})`).join(',');
}

export const DEFAULT_FIELDS: Record<ReportType, string[]> = {
  pv: ['pv_name', 'vg_name', 'pv_fmt', 'pv_attr', 'pv_size', 'pv_free'],
  vg: ['vg_name', 'pv_count', 'lv_count', 'snap_count', 'vg_attr', 'vg_size', 'vg_free'],
  lv: ['lv_name', 'vg_name', 'lv_attr', 'lv_size', 'pool_lv', 'origin', 'data_percent', 'metadata_percent', 'move_pv', 'mirror_log', 'copy_percent', 'convert_lv'],
};

/** A field name as LVM accepts it: the full id, or without its report's prefix (`size` in lvs). */
export function resolveField(type: ReportType, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (FIELDS[lower]) return lower;
  const prefixed = `${type}_${lower}`;
  return FIELDS[prefixed] ? prefixed : undefined;
}

function formatSize(bytes: number, units: Units): string {
  const u = units.unit;
  if (u === 'h' || u === 'H') return units.suffix ? lvmSize(bytes) : lvmSize(bytes).replace(/[a-z ]$/, '');
  if (u === 'b' || u === 'B') return `${bytes}${units.suffix ? 'B' : ''}`;
  const powers = 'bkmgtpe';
  const exp = powers.indexOf(u.toLowerCase());
  const base = u === u.toUpperCase() ? 1000 : 1024;
  return `${(bytes / base ** exp).toFixed(2)}${units.suffix ? u : ''}`;
}

function rows(type: ReportType, storage: NodeStorage): Row[] {
  if (type === 'pv') return storage.pvs().sort((a, b) => a.path.localeCompare(b.path)).map((pv) => ({ pv }));
  const vgs = storage.vgs().sort((a, b) => a.name.localeCompare(b.name));
  if (type === 'vg') return vgs.map((vg) => ({ vg }));
  return vgs.flatMap((vg) => [...vg.lvs].sort((a, b) => a.name.localeCompare(b.name)).map((lv) => ({ vg, lv })));
}

export interface ReportOptions {
  fields: string[];
  units: Units;
  json: boolean;
  headings: boolean;
  separator?: string;
  /** Only these rows (by PV path, VG name or VG/LV). */
  select?: (row: { pv?: string; vg?: string; lv?: string }) => boolean;
}

/** pvs / vgs / lvs output: LVM's aligned columns or its JSON report (every value a string). */
export function renderReport(type: ReportType, storage: NodeStorage, o: ReportOptions): string {
  const selected = rows(type, storage).filter((r) => !o.select || o.select({ pv: r.pv?.path, vg: r.vg?.name ?? r.pv?.vg?.name, lv: r.lv?.name }));
  const table = selected.map((r) =>
    o.fields.map((f) => {
      const v = (FIELDS[f] as Field).value(r, storage);
      return { text: v.size !== undefined ? formatSize(v.size, o.units) : v.text, right: v.size !== undefined || v.number === true };
    }),
  );
  if (o.json) {
    const items = table.map((cells) => `{${cells.map((c, i) => `${JSON.stringify(o.fields[i])}:${JSON.stringify(c.text)}`).join(', ')}}`);
    const body = items.length > 0 ? `${items.map((i) => `                  ${i}`).join(',\n')}\n` : '';
    return `  {\n      "report": [\n          {\n              "${type}": [\n${body}              ]\n          }\n      ]\n  }\n`;
  }
  const headings = o.fields.map((f) => (FIELDS[f] as Field).heading);
  if (o.separator !== undefined) {
    const lines = o.headings ? [headings.join(o.separator)] : [];
    for (const cells of table) lines.push(cells.map((c) => c.text).join(o.separator));
    return lines.map((l) => `  ${l}\n`).join('');
  }
  const widths = o.fields.map((_, i) => Math.max(o.headings ? (headings[i] as string).length : 0, ...table.map((cells) => (cells[i] as { text: string }).text.length)));
  const lines: string[] = [];
  if (o.headings) lines.push(headings.map((h, i) => h.padEnd(widths[i] as number)).join(' '));
  for (const cells of table) lines.push(cells.map((c, i) => (c.right ? c.text.padStart(widths[i] as number) : c.text.padEnd(widths[i] as number))).join(' '));
  return lines.map((l) => `  ${l}\n`).join('');
}
