/** One section of /etc/pve/storage.cfg: `TYPE: ID` then tab-indented `key value` lines. */
export interface StorageSection {
  type: string;
  id: string;
  props: Record<string, string>;
}

export const STORAGE_CFG = '/etc/pve/storage.cfg';

export function parseStorageCfg(text: string): StorageSection[] {
  const out: StorageSection[] = [];
  let current: StorageSection | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\w+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      current = { type: head[1] as string, id: head[2] as string, props: {} };
      out.push(current);
      continue;
    }
    const kv = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line);
    if (kv && current) current.props[kv[1] as string] = kv[2] ?? '1';
  }
  return out;
}

function render(s: StorageSection): string {
  return `${s.type}: ${s.id}\n${Object.entries(s.props).map(([k, v]) => `\t${k} ${v}\n`).join('')}`;
}

/** Appends a section as PVE::SectionConfig writes it, a blank line after each; the others stay as they are. */
export function addSection(text: string, section: StorageSection): string {
  const base = text.trim() ? `${text.replace(/\n*$/, '')}\n\n` : '';
  return `${base}${render(section)}\n`;
}

/** Drops the section with this id; sections are blocks separated by blank lines. */
export function removeSection(text: string, id: string): string {
  const blocks = text.replace(/\n+$/, '').split(/\n\s*\n/);
  const kept = blocks.filter((b) => b.trim() && /^\w+:\s*(\S+)/.exec(b)?.[1] !== id);
  return kept.length ? `${kept.join('\n\n')}\n\n` : '';
}

/** PVE::JSONSchema's pve-storage-id. */
export function isStorageId(id: string): boolean {
  return /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(id);
}

/**
 * The storage `pveceph pool create --add_storages 1` defines for a pool on the local cluster:
 * `rbd: NAME` with content images,rootdir, krbd 0 and the pool (keys sorted as PVE writes them).
 */
export function rbdStorage(id: string, pool: string): StorageSection {
  return { type: 'rbd', id, props: { content: 'images,rootdir', krbd: '0', pool } };
}
