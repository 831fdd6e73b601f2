import { ParseError } from './errors';
import { quote, splitLines } from './text';

export interface Section {
  type: string;
  id: string;
  line: number;
  props: Map<string, { value: string; line: number }>;
}

/**
 * PVE's section config format (/etc/pve/ha/*.cfg, and `ha-manager config` which prints the same
 * shape as `vm:100`): a `TYPE: ID` line, then properties indented by a TAB (the docs show spaces),
 * a blank line between sections, `#` comments. An empty file is a valid config with no sections.
 */
export function readSectionConfig(kind: string, text: string, types: readonly string[]): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of splitLines(text)) {
    if (line.text.trim() === '') {
      current = undefined;
      continue;
    }
    if (/^\s*#/.test(line.text)) continue;
    const header = /^(\S+?):\s*(\S+)$/.exec(line.text);
    if (header) {
      if (!types.includes(header[1]!)) {
        throw new ParseError(kind, `cannot read ${quote(line.text)}: section type must be ${types.map((t) => `"${t}"`).join(' or ')}`, line.no);
      }
      current = { type: header[1]!, id: header[2]!, line: line.no, props: new Map() };
      sections.push(current);
      continue;
    }
    const prop = /^\s+(\S+)(?:\s+(.*))?$/.exec(line.text);
    if (!prop) throw new ParseError(kind, `cannot read ${quote(line.text)}: expected "TYPE: ID" or an indented property`, line.no);
    if (!current) throw new ParseError(kind, `cannot read ${quote(line.text)}: a property outside any section`, line.no);
    current.props.set(prop[1]!, { value: (prop[2] ?? '').trim(), line: line.no });
  }
  return sections;
}

/** A 0/1 property; anything else is an error at its line. */
export function flagProp(kind: string, s: Section, key: string): boolean | undefined {
  const p = s.props.get(key);
  if (!p) return undefined;
  if (p.value !== '0' && p.value !== '1') throw new ParseError(kind, `${key} must be 0 or 1, not ${JSON.stringify(p.value)}`, p.line);
  return p.value === '1';
}

export function intProp(kind: string, s: Section, key: string): number | undefined {
  const p = s.props.get(key);
  if (!p) return undefined;
  if (!/^\d+$/.test(p.value)) throw new ParseError(kind, `${key} must be a number, not ${JSON.stringify(p.value)}`, p.line);
  return Number(p.value);
}

/** `node1:2,node2,node3:1`: nodes with optional priorities, in the order written. */
export function nodeListProp(kind: string, s: Section, key: string): { node: string; priority?: number }[] | undefined {
  const p = s.props.get(key);
  if (!p) return undefined;
  return p.value.split(',').map((entry) => {
    const m = /^([^:\s]+)(?::(\d+))?$/.exec(entry.trim());
    if (!m) throw new ParseError(kind, `cannot read ${JSON.stringify(entry)} in ${key}: expected NODE or NODE:PRIORITY`, p.line);
    return { node: m[1]!, ...(m[2] !== undefined ? { priority: Number(m[2]) } : {}) };
  });
}
