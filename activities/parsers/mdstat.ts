import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

const Progress = z.object({
  action: z.enum(['resync', 'recovery', 'reshape', 'check']),
  percent: z.number(),
  /** Blocks done and to do, when printed as `(22409472/1953509824)`. */
  doneBlocks: z.number().int().optional(),
  totalBlocks: z.number().int().optional(),
  finishMinutes: z.number().optional(),
  /** KiB per second. */
  speedKps: z.number().optional(),
});

export const Mdstat = z.object({
  personalities: z.array(z.string()),
  arrays: z.array(
    z.object({
      /** `md0`, `md_d0`, `md127`. */
      name: z.string(),
      active: z.boolean(),
      /** `read-only` or `auto-read-only` when printed after the state. */
      mode: z.string().optional(),
      /** `raid1`, `raid5`...; empty for an inactive array, for which mdstat prints none. */
      level: z.string(),
      /**
       * Slots and working members as printed `[4/3]`; raid0, linear and inactive arrays print none,
       * so they are counted from the members (spares excluded).
       */
      slots: z.number().int(),
      working: z.number().int(),
      /** As printed, e.g. `[UUU_]`; empty when mdstat prints none (raid0, linear, inactive). */
      status: z.string(),
      degraded: z.boolean(),
      /** Sorted by index. */
      members: z.array(
        z.object({
          device: z.string(),
          /** The number in brackets (`sdb1[1]`): md's device number, the slot in a fresh array, higher after replacements. */
          index: z.number().int(),
          failed: z.boolean(),
          spare: z.boolean(),
          /** Every flag as printed: F failed, S spare, W write-mostly, R replacement, J journal. */
          flags: z.array(z.string()),
        }),
      ),
      /** Size in 1 KiB blocks. */
      blocks: z.number().int(),
      /** Metadata version (`1.2`); absent for 0.90 arrays, which do not print it. */
      superblock: z.string().optional(),
      chunkKb: z.number().int().optional(),
      /** RAID5/6 layout algorithm. */
      algorithm: z.number().int().optional(),
      bitmap: z
        .object({
          pagesUsed: z.number().int(),
          pagesTotal: z.number().int(),
          kb: z.number().int(),
          chunkKb: z.number().int(),
          file: z.string().optional(),
        })
        .optional(),
      progress: Progress.nullable(),
      /** `resync=PENDING` (waits for the first write, e.g. auto-read-only) or `resync=DELAYED` (waits for another array on the same disks). */
      resyncWaiting: z.enum(['pending', 'delayed']).optional(),
    }),
  ),
  unusedDevices: z.array(z.string()),
});
export type Mdstat = z.infer<typeof Mdstat>;
type MdArray = Mdstat['arrays'][number];
/** An array being read: its blocks line may still be missing. */
type Draft = Omit<MdArray, 'blocks'> & { blocks?: number; statusPrinted: boolean; line: number };

const LEVEL = /^(raid\d+|linear|multipath|faulty)$/;
/** `[==>....]  recovery = 12.6% (123297280/976630272) finish=74.2min speed=191652K/sec`; the bar and the figures may be missing. */
const PROGRESS =
  /^(?:\[[=>.]*\]\s*)?(resync|recovery|reshape|check)\s*=\s*(\d+(?:\.\d+)?)%\s*(?:\((\d+)\/(\d+)\))?\s*(?:finish=(\d+(?:\.\d+)?)min)?\s*(?:speed=(\d+)K\/sec)?$/;

/** `/proc/mdstat`: any number of arrays, clean, degraded, rebuilding, with failed (F) and spare (S) members. */
export function parseMdstat(text: string): Mdstat {
  const kind = 'mdstat';
  let personalities: string[] | undefined;
  let unusedDevices: string[] = [];
  const arrays: Draft[] = [];
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    const md = arrays[arrays.length - 1];
    let m: RegExpExecArray | null;
    if ((m = /^Personalities\s*:\s*(.*)$/.exec(s))) {
      personalities = [...m[1]!.matchAll(/\[([^\]]+)\]/g)].map((p) => p[1]!);
    } else if ((m = /^unused devices:\s*(.*)$/.exec(s))) {
      unusedDevices = m[1] === '<none>' ? [] : m[1]!.split(/\s+/).filter(Boolean);
    } else if ((m = /^(md\S*)\s*:\s*(active|inactive)\b(.*)$/.exec(s))) {
      arrays.push(readArrayLine(kind, line.no, s, m[1]!, m[2] === 'active', m[3]!.trim().split(/\s+/).filter(Boolean)));
    } else if (md && (m = /^(\d+) blocks\b(.*)$/.exec(s))) {
      readBlocksLine(md, Number(m[1]), m[2]!);
    } else if (md && (m = PROGRESS.exec(s))) {
      md.progress = {
        action: m[1] as 'resync',
        percent: Number(m[2]),
        ...(m[3] ? { doneBlocks: Number(m[3]), totalBlocks: Number(m[4]) } : {}),
        ...(m[5] ? { finishMinutes: Number(m[5]) } : {}),
        ...(m[6] ? { speedKps: Number(m[6]) } : {}),
      };
    } else if (md && (m = /^resync=(PENDING|DELAYED)$/.exec(s))) {
      md.resyncWaiting = m[1] === 'PENDING' ? 'pending' : 'delayed';
    } else if (md && (m = /^bitmap:\s*(\d+)\/(\d+) pages \[(\d+)KB\],\s*(\d+)KB chunk(?:,\s*file:\s*(\S+))?$/.exec(s))) {
      md.bitmap = { pagesUsed: Number(m[1]), pagesTotal: Number(m[2]), kb: Number(m[3]), chunkKb: Number(m[4]), ...(m[5] ? { file: m[5] } : {}) };
    } else {
      throw new ParseError(kind, `cannot read ${quote(s)}${md ? '' : ': expected "Personalities :" or an array line "mdN : active ..."'}`, line.no);
    }
  }
  if (personalities === undefined && arrays.length === 0) throw new ParseError(kind, 'no "Personalities" line and no array');
  return result(kind, Mdstat, {
    personalities: personalities ?? [],
    arrays: arrays.map(({ statusPrinted, line, blocks, ...rest }) => {
      if (blocks === undefined) throw new ParseError(kind, `array ${rest.name} has no "N blocks" line (is the output cut short?)`, line);
      const a = { ...rest, blocks };
      if (statusPrinted) return a;
      // raid0, linear and inactive arrays print no [n/m]: count the members instead.
      const inUse = a.members.filter((x) => !x.spare);
      return { ...a, slots: inUse.length, working: inUse.filter((x) => !x.failed).length, degraded: inUse.some((x) => x.failed) };
    }),
    unusedDevices,
  });
}

function readArrayLine(kind: string, lineNo: number, s: string, name: string, active: boolean, tokens: string[]): Draft {
  let mode: string | undefined;
  while (/^\(.*\)$/.test(tokens[0] ?? '')) mode = tokens.shift()!.slice(1, -1);
  const level = LEVEL.test(tokens[0] ?? '') ? tokens.shift()! : '';
  const members = tokens.map((t) => {
    const m = /^(\S+?)\[(\d+)\]((?:\([A-Z]\))*)$/.exec(t);
    if (!m) throw new ParseError(kind, `cannot read ${quote(s)}: ${JSON.stringify(t)} is not a member like "sda1[0]"`, lineNo);
    const flags = [...m[3]!.matchAll(/\(([A-Z])\)/g)].map((f) => f[1]!);
    return { device: m[1]!, index: Number(m[2]), failed: flags.includes('F'), spare: flags.includes('S'), flags };
  });
  // mdstat lists members newest first; by index reads the same on every node.
  members.sort((x, y) => x.index - y.index);
  return {
    name,
    active,
    ...(mode ? { mode } : {}),
    level,
    slots: 0,
    working: 0,
    status: '',
    degraded: false,
    statusPrinted: false,
    line: lineNo,
    members,
    progress: null,
  };
}

function readBlocksLine(md: Draft, blocks: number, rest: string): void {
  md.blocks = blocks;
  const superblock = /\bsuper (\S+)/.exec(rest);
  if (superblock) md.superblock = superblock[1];
  const chunk = /\b(\d+)[kK] chunks?\b/.exec(rest);
  if (chunk) md.chunkKb = Number(chunk[1]);
  const algorithm = /\balgorithm (\d+)/.exec(rest);
  if (algorithm) md.algorithm = Number(algorithm[1]);
  const status = /\[(\d+)\/(\d+)\]\s*(\[[U_]+\])/.exec(rest);
  if (status) {
    md.slots = Number(status[1]);
    md.working = Number(status[2]);
    md.status = status[3]!;
    md.degraded = md.working < md.slots || status[3]!.includes('_');
    md.statusPrinted = true;
  }
}
