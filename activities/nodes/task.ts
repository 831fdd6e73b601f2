import type { RunbookInventory, RunbookNode } from '../../common/inventory';

/** What every per-node activity receives: the node and the inventory's SSH settings, no secret in clear. */
export interface NodeTask {
  node: RunbookNode;
  ssh: RunbookInventory['ssh'];
}
