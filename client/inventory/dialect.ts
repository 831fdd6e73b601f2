import type { InventoryFormat } from './format';

/** A path into the normalized inventory, as zod reports it: `['nodes', 1, 'port']`. */
export type FieldPath = readonly PropertyKey[];

export interface Location {
  /** The field as the file spells it: `nodes[1].port`, `pve2.ansible_port`. */
  field: string;
  line?: number;
}

/**
 * What differs between inventory formats once they are read: where a value was written and how
 * the engineer should write a fix. Checks speak in normalized paths; the dialect translates.
 */
export interface Dialect {
  readonly format: InventoryFormat;
  /** Where the value at this path came from (for YAML `defaults`, for INI group vars included). */
  locate(path: FieldPath): Location;
  /** An instruction to set the value at `path` to `example`, in the file's own syntax. */
  howToSet(path: FieldPath, example: string): string;
  readonly hints: {
    noNodes: string;
    noPrimary: string;
    manyPrimaries: string;
    noAuth(node: number): string;
    inlinePassword: string;
  };
}

/** `['nodes', 1, 'name']` → `nodes[1].name`; a key that would not read as one (empty, spaces, dots) is quoted: `nodes[1]["a b"]`. */
export function formatPath(path: FieldPath): string {
  if (path.length === 0) return 'inventory';
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      const key = String(seg);
      if (!/^[^\s.[\]"]+$/.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

/** How another finding refers to a place: `nodes[0] (line 7)`. */
export function mention(loc: Location): string {
  return loc.line === undefined ? loc.field : `${loc.field} (line ${loc.line})`;
}
