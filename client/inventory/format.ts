import * as path from 'node:path';

export const INVENTORY_FORMATS = ['yaml', 'ini'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

const BY_EXTENSION: Readonly<Record<string, InventoryFormat>> = {
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.ini': 'ini',
  '.cfg': 'ini',
  '.hosts': 'ini',
};

/**
 * Ansible inventories are often plain `hosts` files, so a file without a known extension is judged
 * by its content: an INI section header anywhere means INI, and INI is the fallback for a file
 * without an extension, as Ansible's own default inventory is.
 */
export function detectFormat(file: string, text: string): InventoryFormat {
  const ext = path.extname(file).toLowerCase();
  const known = BY_EXTENSION[ext];
  if (known) return known;
  if (looksLikeIni(text)) return 'ini';
  return ext === '' && !looksLikeYaml(text) ? 'ini' : 'yaml';
}

export function looksLikeIni(text: string): boolean {
  return /^\s*\[[A-Za-z0-9_.:-]+\]\s*(?:[#;].*)?$/m.test(text);
}

function looksLikeYaml(text: string): boolean {
  return /^(?:---\s*$|[A-Za-z_][\w-]*:(?:\s|$))/m.test(text);
}
