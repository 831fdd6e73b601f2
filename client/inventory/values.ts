/** Reading loosely typed values, as they come out of a file before validation. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How a value looks to someone reading the file, for "expected X, got Y" messages. */
export function describeShape(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text "${value}"`;
  return `the ${typeof value} ${String(value)}`;
}

/** The kind of a value without its content, for values that may be secrets. */
export function describeKind(value: unknown): string {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'true or false';
  return describeShape(value);
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === 'number') v = v[seg];
    else if (isPlainObject(v) && typeof seg === 'string') v = v[seg];
    else return undefined;
  }
  return v;
}

/** The nodes of a draft that are mappings, with their position in the list. */
export function draftNodes(draft: unknown): { index: number; node: Record<string, unknown> }[] {
  const nodes = valueAt(draft, ['nodes']);
  if (!Array.isArray(nodes)) return [];
  return nodes.flatMap((node: unknown, index) => (isPlainObject(node) ? [{ index, node }] : []));
}

export function textAt(node: Record<string, unknown>, key: string): string | undefined {
  const v = node[key];
  return typeof v === 'string' ? v : undefined;
}
