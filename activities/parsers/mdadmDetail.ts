import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote, type Line } from './text';

const counter = z.number().int().nullable();

export const MdadmDetail = z.object({
  /** `/dev/md0`, from the first line. */
  device: z.string(),
  /** Metadata version: `1.2`, `00.90`; null for containers that print none. */
  version: z.string().nullable(),
  /** raid5, raid1, raid10, raid0, linear... */
  level: z.string(),
  /** As printed, split at the commas: `["clean", "degraded", "recovering"]`, `["active", "FAILED", "Not Started"]`. */
  state: z.array(z.string()),
  /** The counters are null only for an inactive array, for which mdadm prints none. */
  raidDevices: counter,
  totalDevices: z.number().int(),
  activeDevices: counter,
  workingDevices: counter,
  failedDevices: counter,
  spareDevices: counter,
  /** KiB (`Array Size : 40882176 (38.99 GiB 41.86 GB)`). */
  arraySizeKiB: z.number().int().nullable(),
  uuid: z.string().nullable(),
  /** `host:0` without mdadm's `(local to host ...)` remark; 0.90 arrays have none. */
  name: z.string().nullable(),
  /** Percent done of a running rebuild, resync, reshape or check; null when none runs. */
  rebuildPercent: z.number().nullable(),
  resyncPercent: z.number().nullable(),
  reshapePercent: z.number().nullable(),
  checkPercent: z.number().nullable(),
  /** The member table in mdadm's order: slots first (removed ones too), then faulty and spare devices. */
  members: z.array(
    z.object({
      /** md's device number; null for a removed slot. */
      number: z.number().int().nullable(),
      /** The slot; null for faulty and spare devices outside the array. */
      raidDevice: z.number().int().nullable(),
      /** `["active", "sync"]`, `["spare", "rebuilding"]`, `["faulty"]`, `["removed"]`, `["active", "sync", "set-A"]`. */
      state: z.array(z.string()),
      /** Null for a removed slot. */
      device: z.string().nullable(),
    }),
  ),
});
export type MdadmDetail = z.infer<typeof MdadmDetail>;

// An inactive array's table has no State column.
const TABLE_HEADER = /^Number\s+Major\s+Minor\s+RaidDevice(?:\s+State)?$/;
const MEMBER = /^(\d+|-)\s+\d+\s+\d+\s+(\d+|-)\s+(.+)$/;
const FIELD = /^([A-Za-z][\w -]*?)\s*:\s*(.*)$/;
const PROGRESS: Record<string, 'rebuildPercent' | 'resyncPercent' | 'reshapePercent' | 'checkPercent'> = {
  'Rebuild Status': 'rebuildPercent',
  'Resync Status': 'resyncPercent',
  'Reshape Status': 'reshapePercent',
  'Check Status': 'checkPercent',
};

/** `mdadm --detail /dev/mdN` of mdadm 2.x to 4.x: 0.90 and 1.x metadata, degraded, rebuilding, inactive. */
export function parseMdadmDetail(text: string): MdadmDetail {
  const kind = 'mdadm-detail';
  const [first, ...rest] = contentLines(kind, text);
  const head = /^(\/\S+):$/.exec(first!.text.trim());
  if (!head) throw new ParseError(kind, `cannot read ${quote(first!.text)}: expected the array line "/dev/mdN:"`, first!.no);
  const fields = new Map<string, Line>();
  let table: Line | undefined;
  const members: MdadmDetail['members'] = [];
  for (const line of rest) {
    const s = line.text.trim();
    if (table) {
      members.push(readMember(kind, line, s));
    } else if (TABLE_HEADER.test(s)) {
      table = line;
    } else {
      const m = FIELD.exec(s);
      if (!m) throw new ParseError(kind, `cannot read ${quote(s)}: expected "Name : value" or the member table`, line.no);
      fields.set(m[1]!, { no: line.no, text: m[2]!.trim() });
    }
  }
  const value = (key: string) => fields.get(key)?.text;
  const required = (key: string) => {
    const v = value(key);
    if (v === undefined) throw new ParseError(kind, `no "${key} :" line (is the output cut short?)`);
    return v;
  };
  const state = required('State').split(/\s*,\s*/).filter(Boolean);
  const inactive = state.includes('inactive');
  const number = (key: string): number | null => {
    const v = inactive ? value(key) : required(key);
    if (v === undefined) return null;
    const m = /^(\d+)\b/.exec(v);
    if (!m) throw new ParseError(kind, `${key}: ${quote(v)} is not a number`, fields.get(key)!.no);
    return Number(m[1]);
  };
  const level = required('Raid Level');
  const totalDevices = number('Total Devices') ?? 0;
  if (totalDevices > 0 && !table) throw new ParseError(kind, 'no member table "Number Major Minor RaidDevice State" (is the output cut short?)');
  const listed = members.filter((m) => m.device !== null).length;
  if (listed < totalDevices) {
    throw new ParseError(kind, `the member table lists ${listed} devices, "Total Devices" says ${totalDevices} (is the output cut short?)`);
  }
  const size = /^(\d+)\b/.exec(value('Array Size') ?? '');
  const progress = { rebuildPercent: null, resyncPercent: null, reshapePercent: null, checkPercent: null } as Record<string, number | null>;
  for (const [key, field] of Object.entries(PROGRESS)) {
    const m = /^(\d+(?:\.\d+)?)%/.exec(value(key) ?? '');
    if (m) progress[field] = Number(m[1]);
  }
  return result(kind, MdadmDetail, {
    device: head[1],
    version: value('Version') ?? null,
    level,
    state,
    raidDevices: number('Raid Devices'),
    totalDevices,
    activeDevices: number('Active Devices'),
    workingDevices: number('Working Devices'),
    failedDevices: number('Failed Devices'),
    spareDevices: number('Spare Devices'),
    arraySizeKiB: size ? Number(size[1]) : null,
    uuid: value('UUID')?.split(/\s+/)[0] ?? null,
    name: value('Name')?.split(/\s+/)[0] ?? null,
    ...progress,
    members,
  });
}

function readMember(kind: string, line: Line, s: string): MdadmDetail['members'][number] {
  const m = MEMBER.exec(s);
  if (!m) throw new ParseError(kind, `cannot read ${quote(s)} as a member row "Number Major Minor RaidDevice State [device]"`, line.no);
  const tokens = m[3]!.split(/\s+/);
  const device = tokens[tokens.length - 1]!.startsWith('/') ? tokens.pop()! : null;
  return {
    number: m[1] === '-' ? null : Number(m[1]),
    raidDevice: m[2] === '-' ? null : Number(m[2]),
    state: tokens,
    device,
  };
}
