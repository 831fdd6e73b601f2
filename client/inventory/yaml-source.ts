import { LineCounter, Node as YamlNode, Document, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Dialect, FieldPath, Location } from './dialect';
import { formatPath } from './dialect';
import { looksLikeIni } from './format';
import { emptyFile, type Finding } from './problem';
import { DEFAULTABLE_KEYS, yamlFileSchema } from './schema';
import type { Source } from './source';
import { isPlainObject } from './values';

export function readYamlSource(text: string): Source {
  const lineCounter = new LineCounter();
  // YAML 1.1's !!binary, !!set, !!omap... would become a Buffer, a Set, a Map: left unresolved, they
  // are warned about (inventories need no tags) and read as the text or mapping they are written as.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, resolveKnownTags: false });
  const dialect = yamlDialect(doc, lineCounter);
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const warnings = doc.warnings.map((w): Finding => ({
    field: 'yaml',
    line: lineOf(w.pos[0]),
    message: w.message,
    fix: 'remove the tag or correct it; inventories need no YAML tags',
  }));
  if (doc.errors.length > 0) {
    const fix = looksLikeIni(text)
      ? 'this file looks like an Ansible INI inventory: name it .ini or pass --format ini'
      : 'correct the YAML syntax here: indent with spaces, and quote values that contain `: ` or ` #`';
    return { dialect, warnings, findings: doc.errors.map((e) => syntaxFinding(e.code, e.message, lineOf(e.pos[0]), text, fix)) };
  }
  if (doc.contents === null) return { dialect, warnings, findings: [emptyFile('yaml')] };
  let document: unknown;
  try {
    document = doc.toJS();
  } catch (err) {
    // Aliases are resolved only here: an alias to a missing anchor, or an alias bomb.
    const line = aliasLine(doc, lineOf);
    const fix = 'define each anchor (&name) before its alias (*name), or write the values out';
    return { dialect, warnings, findings: [{ field: 'yaml', ...(line === undefined ? {} : { line }), message: `the YAML cannot be read: ${(err as Error).message}`, fix }] };
  }
  return { dialect, warnings, findings: [], parsed: { document, schema: yamlFileSchema(), draft: applyDefaults(document), incomplete: new Set() } };
}

/** Where an alias went wrong: the first one whose anchor is missing, else the first one (where a bomb starts). */
function aliasLine(doc: Document, lineOf: (offset: number) => number): number | undefined {
  let first: number | undefined;
  let unresolved: number | undefined;
  visit(doc, {
    Alias(_, node) {
      first ??= node.range?.[0];
      if (node.resolve(doc) !== undefined) return undefined;
      unresolved = node.range?.[0];
      return visit.BREAK;
    },
  });
  const at = unresolved ?? first;
  return at === undefined ? undefined : lineOf(at);
}

function syntaxFinding(code: string, message: string, line: number, text: string, fix: string): Finding {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*(?:-\s+)?["']?([^:"']+)/.exec(text.split(/\r?\n/)[line - 1] ?? '')?.[1]?.trim() ?? '';
    return { field: key || 'yaml', line, message: `\`${key}\` is written twice in the same mapping`, fix: 'keep only one of them' };
  }
  if (code === 'MULTIPLE_DOCS') {
    return { field: 'yaml', line, message: 'the file holds more than one YAML document (a second `---`)', fix: 'keep one inventory per file' };
  }
  return { field: 'yaml', line, message: `YAML syntax error: ${message}`, fix };
}

/** `defaults` fill what a node leaves out; the node's own value always wins. */
function applyDefaults(document: unknown): unknown {
  if (!isPlainObject(document)) return document;
  const { defaults, ...rest } = document;
  if (!isPlainObject(defaults) || !Array.isArray(rest.nodes)) return rest;
  const inherited = Object.fromEntries(Object.entries(defaults).filter(([k]) => DEFAULTABLE_KEYS.includes(k)));
  return { ...rest, nodes: rest.nodes.map((n: unknown) => (isPlainObject(n) ? { ...inherited, ...n } : n)) };
}

function yamlDialect(doc: Document, lineCounter: LineCounter): Dialect {
  /** A node's value that the node does not write itself was inherited from `defaults`. */
  const origin = (path: FieldPath): FieldPath => {
    const [first, index, key, ...rest] = path;
    if (first !== 'nodes' || typeof index !== 'number' || typeof key !== 'string' || !DEFAULTABLE_KEYS.includes(key)) return path;
    const node = doc.getIn(['nodes', index], true);
    if (isMap(node) && node.has(key)) return path;
    return doc.hasIn(['defaults', key]) ? ['defaults', key, ...rest] : path;
  };
  const locate = (path: FieldPath): Location => {
    const p = origin(path);
    const line = lineOfPath(doc, p, lineCounter);
    return line === undefined ? { field: formatPath(p) } : { field: formatPath(p), line };
  };
  return {
    format: 'yaml',
    locate,
    howToSet(path, example) {
      const p = origin(path);
      const last = p[p.length - 1];
      if (typeof last === 'number') return `correct ${formatPath(p)}, e.g. \`${example}\``;
      const key = String(last);
      const parent = p.slice(0, -1);
      return parent.length === 0 ? `add \`${key}: ${example}\` at the top level` : `set \`${key}: ${example}\` in ${formatPath(parent)}`;
    },
    hints: {
      noNodes: 'list the nodes under `nodes:`, each one starting with `- name: ...`',
      noPrimary: 'set `primary: true` on the node that creates the cluster (the others join it)',
      manyPrimaries: 'keep `primary: true` on one node only; remove it from the others',
      noAuth: (i) => `add \`password: \${PVE_ROOT_PASSWORD}\` or \`privateKeyFile: ~/.ssh/id_ed25519\` to nodes[${i}], or to \`defaults\` for every node`,
      inlinePassword: 'read it from the environment (`password: ${VAR}`) or a file (`password: {file: /path}`) so the inventory holds no secret',
    },
  };
}

/** The line of the deepest part of `path` that exists: the key for a field, the item for a list entry. */
function lineOfPath(doc: Document, path: FieldPath, lineCounter: LineCounter): number | undefined {
  let node: unknown = doc.contents;
  let found: YamlNode | undefined = isYamlNode(node) ? node : undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      found = isYamlNode(pair.key) ? pair.key : found;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (!isYamlNode(item)) break;
      found = item;
      node = item;
    } else break;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}

function isYamlNode(value: unknown): value is YamlNode {
  return isScalar(value) || isMap(value) || isSeq(value);
}
