import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { quote, splitLines } from './text';

/** A corosync.conf section as written: `key: value` strings, subsections, repeated subsections. */
export type ConfSection = { [key: string]: string | ConfSection | ConfSection[] };
export const ConfSection: z.ZodType<ConfSection> = z.lazy(() =>
  z.record(z.string(), z.union([z.string(), ConfSection, z.array(ConfSection)])),
);

export const CorosyncConf = z.object({
  /** totem.cluster_name */
  clusterName: z.string(),
  /** totem.config_version: PVE bumps it on every change, and corosync only reloads a higher one. */
  configVersion: z.number().int(),
  /** nodelist.node, in file order (PVE writes them sorted by name). */
  nodes: z.array(
    z.object({
      name: z.string(),
      nodeid: z.number().int(),
      /** quorum_votes; 1 when the file leaves it out, as corosync assumes. */
      votes: z.number().int(),
      /** Link number → address, from ring0_addr, ring1_addr... */
      links: z.record(z.string().regex(/^\d$/), z.string()),
    }),
  ),
  /** The rest of totem as written: version, secauth, ip_version, link_mode, interface blocks... */
  totem: ConfSection,
  /** provider, and device {...} with a QDevice. */
  quorum: ConfSection.optional(),
  logging: ConfSection.optional(),
  /** Any other top-level section (e.g. `system`). */
  otherSections: z.record(z.string(), ConfSection).optional(),
});
export type CorosyncConf = z.infer<typeof CorosyncConf>;

/** Always repeated blocks, even when there is one, as PVE's own parser treats them. */
const ARRAY_SECTIONS = new Set(['node', 'interface']);
const NODE_KEYS = /^(name|nodeid|quorum_votes|ring\d_addr)$/;

/** /etc/pve/corosync.conf (PVE writes it with two-space indentation and sorted keys; any layout is read). */
export function parseCorosyncConf(text: string): CorosyncConf {
  const kind = 'corosync-conf';
  const root: ConfSection = {};
  const stack: { section: ConfSection; name: string; line: number }[] = [];
  let current = root;
  let sawContent = false;
  for (const line of splitLines(text)) {
    const s = line.text.trim();
    if (s === '' || s.startsWith('#')) continue;
    sawContent = true;
    let m: RegExpExecArray | null;
    if ((m = /^([\w.-]+)\s*\{$/.exec(s))) {
      const child: ConfSection = {};
      const existing = current[m[1]!];
      if (existing === undefined) current[m[1]!] = ARRAY_SECTIONS.has(m[1]!) ? [child] : child;
      else if (Array.isArray(existing)) existing.push(child);
      else if (typeof existing === 'object') current[m[1]!] = [existing, child];
      else throw new ParseError(kind, `section ${m[1]} has the name of a key above it`, line.no);
      stack.push({ section: current, name: m[1]!, line: line.no });
      current = child;
    } else if (s === '}') {
      const parent = stack.pop();
      if (!parent) throw new ParseError(kind, 'a "}" closes no section', line.no);
      current = parent.section;
    } else if ((m = /^([\w.-]+):\s*(.*)$/.exec(s)) && stack.length > 0) {
      if (m[2] === '') throw new ParseError(kind, `${m[1]} has no value`, line.no);
      current[m[1]!] = m[2]!;
    } else {
      throw new ParseError(kind, `cannot read ${quote(s)}${stack.length === 0 ? ': expected a section such as "totem {"' : ''}`, line.no);
    }
  }
  if (!sawContent) throw new ParseError(kind, 'empty input');
  const open = stack[stack.length - 1];
  if (open) throw new ParseError(kind, `section ${open.name} opened here is never closed`, open.line);

  const { totem, nodelist, quorum, logging, ...others } = root;
  if (!isSection(totem)) throw new ParseError(kind, 'no totem section');
  const { cluster_name: clusterName, config_version: configVersion, ...restTotem } = totem;
  if (typeof clusterName !== 'string') throw new ParseError(kind, 'totem has no cluster_name');
  if (typeof configVersion !== 'string' || !/^\d+$/.test(configVersion)) throw new ParseError(kind, 'totem has no numeric config_version');
  if (!isSection(nodelist) || !Array.isArray(nodelist['node'])) throw new ParseError(kind, 'no nodelist section with node blocks');
  const nodes = nodelist['node'].map((node, i) => {
    const where = `node ${i + 1} of the nodelist`;
    for (const [k, v] of Object.entries(node)) {
      if (!NODE_KEYS.test(k) || typeof v !== 'string') throw new ParseError(kind, `${where} has an unknown entry ${k}`);
    }
    const { name, nodeid, quorum_votes: votes } = node as Record<string, string | undefined>;
    if (!name) throw new ParseError(kind, `${where} has no name`);
    if (!/^\d+$/.test(nodeid ?? '')) throw new ParseError(kind, `node ${name} has no numeric nodeid`);
    if (votes !== undefined && !/^\d+$/.test(votes)) throw new ParseError(kind, `node ${name}: quorum_votes must be a number`);
    const links = Object.fromEntries(
      Object.entries(node).flatMap(([k, v]) => (/^ring\d_addr$/.test(k) ? [[k.slice(4, 5), v as string]] : [])),
    );
    return { name, nodeid: Number(nodeid), votes: votes === undefined ? 1 : Number(votes), links };
  });
  const otherSections = Object.entries(others);
  for (const [k, v] of otherSections) if (!isSection(v)) throw new ParseError(kind, `${k} at the top level is not a section`);
  return result(kind, CorosyncConf, {
    clusterName,
    configVersion: Number(configVersion),
    nodes,
    totem: restTotem,
    ...(isSection(quorum) ? { quorum } : {}),
    ...(isSection(logging) ? { logging } : {}),
    ...(otherSections.length > 0 ? { otherSections: Object.fromEntries(otherSections) } : {}),
  });
}

function isSection(v: ConfSection[string] | undefined): v is ConfSection {
  return typeof v === 'object' && !Array.isArray(v);
}

/**
 * corosync.conf exactly as PVE writes it (PVE::Corosync::write_conf): keys sorted at every level,
 * two-space indentation, nodes sorted by name and totem interfaces by link number, a blank line
 * after each top-level section.
 */
export function renderCorosyncConf(model: CorosyncConf): string {
  const m = CorosyncConf.parse(model);
  const nodes = [...m.nodes].sort((a, b) => byString(a.name, b.name)).map((n) => ({
    name: n.name,
    nodeid: String(n.nodeid),
    quorum_votes: String(n.votes),
    ...Object.fromEntries(Object.entries(n.links).map(([link, addr]) => [`ring${link}_addr`, addr])),
  }));
  const { interface: interfaces, ...totem } = m.totem;
  const sortedInterfaces = Array.isArray(interfaces)
    ? [...interfaces].sort((a, b) => byString(String(a['linknumber'] ?? a['ringnumber']), String(b['linknumber'] ?? b['ringnumber'])))
    : interfaces;
  const root: ConfSection = {
    ...m.otherSections,
    ...(m.logging ? { logging: m.logging } : {}),
    nodelist: { node: nodes },
    ...(m.quorum ? { quorum: m.quorum } : {}),
    totem: {
      ...totem,
      cluster_name: m.clusterName,
      config_version: String(m.configVersion),
      ...(sortedInterfaces !== undefined ? { interface: sortedInterfaces } : {}),
    },
  };
  return dump(root, '');
}

/** Perl's `sort` (string comparison by code unit), which PVE uses. */
function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dump(section: ConfSection, prefix: string): string {
  let raw = '';
  for (const key of Object.keys(section).sort(byString)) {
    const v = section[key]!;
    if (typeof v === 'string') {
      raw += `${prefix}${key}: ${v}\n`;
      continue;
    }
    for (const child of Array.isArray(v) ? v : [v]) raw += `${prefix}${key} {\n${dump(child, `${prefix}  `)}${prefix}}\n`;
    // PVE separates top-level sections only (its arrays never sit at the top).
    if (prefix === '') raw += '\n';
  }
  return raw;
}
