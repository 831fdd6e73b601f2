import { ApplicationFailure } from '@temporalio/common';
import { haConfig } from '../ha/ha';
import { destroyVm } from '../ceph/teardown';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import type { UndoResult } from './ssh';

/** ha-manager's refusals that a retry cannot fix, as opposed to a lost quorum or a config lock. */
async function haCommand(remote: Remote, argv: string[]): Promise<void> {
  const label = argv.join(' ');
  const r = await remote.run(cmd(...argv), { label });
  if (r.exitCode === 0) return;
  const f = commandFailed(remote.target, label, r);
  if (/is used by|ha groups have been migrated|unknown command|invalid/i.test(r.stderr)) {
    throw ApplicationFailure.nonRetryable(`${f.message}`, 'RollbackRefused');
  }
  throw f;
}

/**
 * Compensations for the HA phase (9), each scoped to what its record names and idempotent. They
 * run in the reverse order of the forward steps, which differs by version:
 *
 *   PVE 8: undoHaResources → undoHaGroup → undoTestVm   (a group in use by a resource cannot go)
 *   PVE 9: undoHaRule → undoHaResources → undoTestVm
 *
 * and all of them before the Ceph undos: the test VM's disk lives on the pool.
 */
export function haRollbackActivities(deps: SshDeps) {
  return {
    /**
     * ensureTestVm said `done`: that VM id, only while its name is still the test VM's: stopped
     * and destroyed with `--purge` on whichever node holds it now (teardown's destroyTestVm).
     */
    async undoTestVm(task: NodeTask, rec: { id?: number; name?: string }): Promise<UndoResult> {
      if (rec.id === undefined || !rec.name) return { status: 'already', detail: 'the record names no VM' };
      const remote = Remote.of(task.node, task, deps);
      const r = await destroyVm(remote, rec.id, rec.name);
      if (r === 'done') return { status: 'done', detail: `VM ${rec.id} (${rec.name}) stopped and destroyed` };
      if (r === 'not ours') return { status: 'already', detail: `VM ${rec.id} exists under another name than ${rec.name}: not this run's, left alone` };
      return { status: 'already', detail: `no VM ${rec.id}` };
    },

    /** ensureHaGroup said `done` (PVE 8): `ha-manager groupremove NAME`. A group still used by a resource is refused by PVE. */
    async undoHaGroup(task: NodeTask, rec: { name?: string }): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      if (!rec.name) return { status: 'already', detail: 'the record names no group' };
      const { groups, resources } = await haConfig(remote);
      if (!groups.some((g) => g.name === rec.name)) return { status: 'already', detail: `no HA group ${rec.name}` };
      const users = resources.filter((r) => r.group === rec.name).map((r) => r.sid);
      if (users.length) {
        throw ApplicationFailure.nonRetryable(`${where(remote.target)}: HA group ${rec.name} is still used by ${users.join(', ')}: undo ensureHaResources first, or move those resources to another group.`, 'RollbackRefused');
      }
      await haCommand(remote, ['ha-manager', 'groupremove', rec.name]);
      return { status: 'done', detail: `HA group ${rec.name} removed` };
    },

    /** ensureHaResources: `ha-manager remove` of each sid of its `added` list still configured; the others (`updated`, pre-existing) stay. */
    async undoHaResources(task: NodeTask, rec: { added: string[] }): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const { resources } = await haConfig(remote);
      const present = rec.added.filter((sid) => resources.some((r) => r.sid === sid));
      for (const sid of present) await haCommand(remote, ['ha-manager', 'remove', sid]);
      if (!present.length) return { status: 'already', detail: rec.added.length ? `${rec.added.join(', ')} no longer HA resources` : 'the record names no resource' };
      return { status: 'done', detail: `removed from HA: ${present.join(', ')}` };
    },

    /** ensureHaRule said `done` (PVE 9): `ha-manager rules remove NAME`. */
    async undoHaRule(task: NodeTask, rec: { name?: string }): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      if (!rec.name) return { status: 'already', detail: 'the record names no rule' };
      const { rules } = await haConfig(remote);
      if (!rules.some((r) => r.name === rec.name)) return { status: 'already', detail: `no HA rule ${rec.name}` };
      await haCommand(remote, ['ha-manager', 'rules', 'remove', rec.name]);
      return { status: 'done', detail: `HA rule ${rec.name} removed` };
    },
  };
}
