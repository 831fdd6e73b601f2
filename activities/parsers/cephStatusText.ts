import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const CephStatusText = z.object({
  fsid: z.string().optional(),
  /** HEALTH_OK | HEALTH_WARN | HEALTH_ERR */
  health: z.string(),
  /** The lines under `health:`, one per failing check; the text form has no check codes. */
  healthMessages: z.array(z.string()),
  monCount: z.number().int().optional(),
  monQuorum: z.array(z.string()).optional(),
  monOutOfQuorum: z.array(z.string()).optional(),
  osds: z.object({ total: z.number().int(), up: z.number().int(), in: z.number().int() }).optional(),
  pools: z.number().int().optional(),
  pgs: z
    .object({
      total: z.number().int().optional(),
      /** Count by state name, e.g. `{"active+undersized+degraded": 78}`. */
      states: z.record(z.string(), z.number().int()),
      /** The other lines of `pgs:`, e.g. `593570/1780710 objects degraded (33.333%)`. */
      notes: z.array(z.string()),
    })
    .optional(),
});
export type CephStatusText = z.infer<typeof CephStatusText>;

/** Sections whose lines are `key: value`; others (progress, task status) hold free text and are skipped. */
const KEYED_SECTIONS = new Set(['cluster', 'services', 'data', 'io']);

/**
 * Plain `ceph -s` (Luminous and later), also just its `health:` part as the Ceph docs show it. For
 * runbooks prefer `ceph -s -f json` (kind ceph-status-json): the text form has no check codes.
 * A line indented deeper than the keys continues the key above it: the health messages and PG
 * states are such lines.
 */
export function parseCephStatusText(text: string): CephStatusText {
  const kind = 'ceph-s';
  const values = new Map<string, { value: string; more: string[]; line: number }>();
  let section = 'cluster';
  let sectionIndent = -1;
  let keyIndent: number | undefined;
  let last: { value: string; more: string[]; line: number } | undefined;
  for (const line of contentLines(kind, text)) {
    const indent = line.text.length - line.text.trimStart().length;
    const s = line.text.trim();
    const heading = /^([a-z][a-z ]*):$/.exec(s);
    if (heading && (keyIndent === undefined || indent < keyIndent)) {
      section = heading[1]!;
      sectionIndent = indent;
      keyIndent = undefined;
      last = undefined;
      continue;
    }
    if (!KEYED_SECTIONS.has(section)) {
      if (indent <= sectionIndent) throw new ParseError(kind, `cannot read ${quote(s)}`, line.no);
      continue;
    }
    keyIndent ??= indent;
    if (indent > keyIndent && last) {
      last.more.push(s);
      continue;
    }
    const kv = /^([a-z][a-z -]*):\s+(.*)$/.exec(s);
    if (indent !== keyIndent || !kv) throw new ParseError(kind, `cannot read ${quote(s)} as "key: value" in the ${section} section`, line.no);
    last = { value: kv[2]!, more: [], line: line.no };
    values.set(`${section}.${kv[1]}`, last);
  }
  const health = values.get('cluster.health');
  if (!health) throw new ParseError(kind, 'no "health:" line');
  const read = <T>(key: string, re: RegExp, f: (m: RegExpExecArray) => T): T | undefined => {
    const v = values.get(key);
    if (!v) return undefined;
    const m = re.exec(v.value);
    if (!m) throw new ParseError(kind, `cannot read ${quote(v.value)} after "${key.split('.')[1]}:"`, v.line);
    return f(m);
  };
  const mon = read('services.mon', /^(\d+) daemons?, quorum (\S+)(?: \(age [^)]*\))?(?:, out of quorum: (.+))?$/, (m) => ({
    monCount: Number(m[1]),
    monQuorum: m[2]!.split(','),
    ...(m[3] ? { monOutOfQuorum: m[3].split(/,\s*/) } : {}),
  }));
  const osds = read('services.osd', /^(\d+) osds: (\d+) up(?: \([^)]*\))?, (\d+) in\b/, (m) => ({ total: Number(m[1]), up: Number(m[2]), in: Number(m[3]) }));
  const pools = read('data.pools', /^(\d+) pools?, (\d+) pgs?$/, (m) => ({ pools: Number(m[1]), pgs: Number(m[2]) }));
  const pgLines = values.get('data.pgs');
  const pgs = pgLines && { total: pools?.pgs, states: {} as Record<string, number>, notes: [] as string[] };
  for (const l of pgLines ? [pgLines.value, ...pgLines.more] : []) {
    const state = /^(\d+)\s+([a-z_]+(?:\+[a-z_]+)*)$/.exec(l);
    if (state) pgs!.states[state[2]!] = Number(state[1]);
    else pgs!.notes.push(l);
  }
  return result(kind, CephStatusText, {
    fsid: values.get('cluster.id')?.value,
    health: health.value,
    healthMessages: health.more,
    ...mon,
    osds,
    pools: pools?.pools,
    pgs,
  });
}
