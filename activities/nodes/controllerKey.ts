import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { appendLineOnce } from '../ssh/script';
import { NodeTask } from './task';

export interface KeyInstallResult {
  status: 'added' | 'present';
  /** Where the key line lives: the file itself, or the cluster-wide file a symlink points to. */
  file: string;
  /** The exact line: what a rollback removes, even on a worker whose own controller key differs. */
  key?: string;
  /** This call created the file: a rollback that leaves it empty removes it. */
  created?: boolean;
}

/**
 * Appends the controller key to root's authorized_keys unless it is already there. Appending
 * through the path keeps PVE's symlink into /etc/pve/priv intact; the file is never rewritten.
 * Prints added|present, the file the line lives in, and `created` when there was no file before.
 */
export function installKeyCommand(publicKey: string): string {
  const f = '"$HOME/.ssh/authorized_keys"';
  return [
    `mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"`,
    `pvr_new=$([ -e ${f} ] || [ -L ${f} ] || echo created)`,
    `{ ${appendLineOnce('$HOME/.ssh/authorized_keys', publicKey)}; }`,
    `readlink -f ${f}`,
    '{ [ -z "$pvr_new" ] || echo "$pvr_new"; }',
  ].join(' && ');
}

export function controllerKeyActivities(deps: SshDeps) {
  return {
    async installControllerKey(task: NodeTask): Promise<KeyInstallResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(installKeyCommand(deps.controllerKey.publicKey), { label: 'install controller key' });
      const [status, file, created] = r.stdout.trim().split('\n');
      if (r.exitCode !== 0 || (status !== 'added' && status !== 'present')) {
        throw commandFailed(remote.target, 'install controller key', r);
      }
      return { status, file: file ?? '', key: deps.controllerKey.publicKey, created: created === 'created' };
    },

    /** A fresh connection offering only the controller key: proves key authentication alone works. */
    async verifyKeyAuth(task: NodeTask): Promise<{ ok: true }> {
      const remote = Remote.of(task.node, task, deps, 'key');
      await remote.check('true', { label: 'key authentication check' });
      return { ok: true };
    },
  };
}
