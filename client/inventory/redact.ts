import type { Inventory, InventoryNode } from '../../common/inventory';

export const REDACTED = '<redacted>';

/** References say where a secret lives, which is what an operator checks; values never show. */
export type RedactedSecret = { env: string } | { file: string } | typeof REDACTED;
export type RedactedNode = Omit<InventoryNode, 'password'> & { password?: RedactedSecret };
export type RedactedInventory = Omit<Inventory, 'nodes'> & { nodes: RedactedNode[] };

export function redactInventory(inv: Inventory): RedactedInventory {
  return {
    ...inv,
    cluster: { ...inv.cluster },
    ssh: { ...inv.ssh },
    nodes: inv.nodes.map(({ password, ...node }) => {
      if (password === undefined) return { ...node };
      if ('env' in password) return { ...node, password: { env: password.env } };
      if ('file' in password) return { ...node, password: { file: password.file } };
      return { ...node, password: REDACTED };
    }),
  };
}
