import * as path from 'node:path';
import type { Inventory } from '../../common/inventory';

/**
 * Paths in an inventory mean what they mean to the person who wrote it: `~` is their home, and a
 * relative path sits next to the inventory file, wherever the command is run from. The worker
 * receives absolute paths only.
 */
export function resolveUserPath(p: string, baseDir: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return path.resolve(baseDir, p);
}

export function resolveInventoryPaths(inv: Inventory, baseDir: string, home: string): Inventory {
  const resolve = (p: string) => resolveUserPath(p, baseDir, home);
  return {
    ...inv,
    nodes: inv.nodes.map((n) => ({
      ...n,
      ...(n.privateKeyFile === undefined ? {} : { privateKeyFile: resolve(n.privateKeyFile) }),
      ...(n.password && 'file' in n.password ? { password: { file: resolve(n.password.file) } } : {}),
    })),
  };
}
