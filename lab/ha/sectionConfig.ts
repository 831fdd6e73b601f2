import { createHash } from 'node:crypto';

/** One section of a PVE section config file: `TYPE: ID` and its properties. */
export interface Section {
  type: string;
  id: string;
  props: Record<string, string>;
}

export interface SectionFile {
  sections: Section[];
  /** SHA-1 of the raw file, what the API returns as `digest`. */
  digest: string;
}

/** PVE::SectionConfig::parse_config, leniently: `TYPE: ID` headers, TAB-indented `key value` lines. */
export function parseSections(raw: string): SectionFile {
  const sections: Section[] = [];
  let current: Section | undefined;
  for (const line of raw.split('\n')) {
    if (line.trim() === '' || /^\s*#/.test(line)) {
      if (line.trim() === '') current = undefined;
      continue;
    }
    const header = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (header) {
      current = { type: (header[1] as string).toLowerCase(), id: header[2] as string, props: {} };
      sections.push(current);
      continue;
    }
    const prop = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line);
    if (prop && current) current.props[prop[1] as string] = prop[2] ?? '1';
  }
  return { sections, digest: createHash('sha1').update(raw).digest('hex') };
}

/**
 * PVE::SectionConfig::write_config: sections in order, each `TYPE: ID`, then `comment`, then the
 * type's required options sorted, then the optional ones sorted, every property TAB-indented,
 * and a blank line after each section.
 */
export function writeSections(sections: Section[], required: (type: string) => string[]): string {
  let out = '';
  for (const s of sections) {
    out += `${s.type}: ${s.id}\n`;
    const done = new Set<string>();
    const emit = (k: string) => {
      const v = s.props[k];
      done.add(k);
      if (v !== undefined && v !== '') out += `\t${k} ${v}\n`;
    };
    if (s.props['comment'] !== undefined) emit('comment');
    const req = required(s.type);
    for (const k of [...req].sort()) if (!done.has(k)) emit(k);
    for (const k of Object.keys(s.props).sort()) if (!done.has(k)) emit(k);
    out += '\n';
  }
  return out;
}
