import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Lab } from '../../lab/lab';
import type { NodeTask } from '../../activities/nodes/task';
import type { RunbookInventory } from '../../common/inventory';
import { createDeps } from '../../worker/worker';
import { labInventory } from '../../client/labUp';
import { toRunbookInventory } from '../../client/startWorkflow';

/** A twin with what tests that call activities directly need around it, as a worker has it. */
export interface TwinRig {
  lab: Lab;
  /** The worker's SSH pool and controller key, in a runbooks home of the rig's own. */
  deps: ReturnType<typeof createDeps>;
  /** The lab's inventory as a runbook receives it (secrets sealed). */
  inv: RunbookInventory;
  task: (name: string) => NodeTask;
  /** Closes the SSH pool, stops the lab and removes the runbooks home. */
  close: () => Promise<void>;
}

export async function twinRig(start: () => Promise<{ lab: Lab; close: () => Promise<void> }>, opts: { clusterOnly?: boolean } = {}): Promise<TwinRig> {
  const { lab, close } = await start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-rig-'));
  const env = { PVE_RUNBOOKS_HOME: path.join(dir, 'home') };
  const deps = createDeps(env);
  const inv = toRunbookInventory(labInventory(lab, 'lab', opts), env);
  return {
    lab,
    deps,
    inv,
    task: (name) => ({ node: inv.nodes.find((n) => n.name === name)!, ssh: inv.ssh }),
    async close() {
      await deps.pool.closeAll();
      await close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
