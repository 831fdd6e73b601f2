import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const QmList = z.object({
  vms: z.array(
    z.object({
      vmid: z.number().int(),
      /** PVE names an unnamed VM "VM 100": names may hold a space. */
      name: z.string(),
      /** running | stopped | paused... */
      status: z.string(),
      memMb: z.number(),
      bootDiskGb: z.number(),
      /** 0 when not running. */
      pid: z.number().int(),
    }),
  ),
});
export type QmList = z.infer<typeof QmList>;

/** `qm list` (also `--full`): fixed columns, read from both ends because the name may contain a space. */
export function parseQmList(text: string): QmList {
  const kind = 'qm-list';
  const [header, ...rows] = contentLines(kind, text);
  if (!/^VMID\s+NAME\s+STATUS\s+MEM\(MB\)\s+BOOTDISK\(GB\)\s+PID$/.test(header!.text.trim())) {
    throw new ParseError(kind, `cannot read ${quote(header!.text)}: expected the header "VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID"`, header!.no);
  }
  return result(kind, QmList, {
    vms: rows.map((row) => {
      const m = /^(\d+)\s+(.+?)\s+(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(\d+)$/.exec(row.text.trim());
      if (!m) throw new ParseError(kind, `cannot read ${quote(row.text)} as a VM row`, row.no);
      return { vmid: Number(m[1]), name: m[2], status: m[3], memMb: Number(m[4]), bootDiskGb: Number(m[5]), pid: Number(m[6]) };
    }),
  });
}
