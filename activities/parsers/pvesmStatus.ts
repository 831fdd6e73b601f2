import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const PvesmStatus = z.object({
  storages: z.array(
    z.object({
      name: z.string(),
      /** dir | lvmthin | zfspool | rbd | nfs | cifs | pbs... */
      type: z.string(),
      /** active | inactive | disabled */
      status: z.string(),
      active: z.boolean(),
      enabled: z.boolean(),
      /** KiB, as printed. */
      total: z.number(),
      used: z.number(),
      available: z.number(),
      /** Used percent; null for a disabled storage, printed `N/A`. */
      percent: z.number().nullable(),
    }),
  ),
});
export type PvesmStatus = z.infer<typeof PvesmStatus>;

/** `pvesm status`: the header without units (PVE 8 and older) or with "(KiB)" (PVE 9). */
export function parsePvesmStatus(text: string): PvesmStatus {
  const kind = 'pvesm-status';
  const [header, ...rows] = contentLines(kind, text);
  if (!/^Name\s+Type\s+Status\s+Total(\s+\(KiB\))?\s+Used(\s+\(KiB\))?\s+Available(\s+\(KiB\))?\s+%$/.test(header!.text.trim())) {
    throw new ParseError(kind, `cannot read ${quote(header!.text)}: expected the header "Name Type Status Total Used Available %"`, header!.no);
  }
  return result(kind, PvesmStatus, {
    storages: rows.map((row) => {
      const m = /^(\S+)\s+(\S+)\s+(active|inactive|disabled)\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:(\d+(?:\.\d+)?)%|N\/A)$/.exec(row.text.trim());
      if (!m) throw new ParseError(kind, `cannot read ${quote(row.text)} as a storage row`, row.no);
      return {
        name: m[1],
        type: m[2],
        status: m[3],
        active: m[3] === 'active',
        enabled: m[3] !== 'disabled',
        total: Number(m[4]),
        used: Number(m[5]),
        available: Number(m[6]),
        percent: m[7] === undefined ? null : Number(m[7]),
      };
    }),
  });
}
