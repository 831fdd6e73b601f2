import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { appendLineOnce } from '../ssh/script';
import { NodeTask } from './task';

export interface KeyInstallResult {
  status: 'added' | 'present';
  /** Where the key line lives: the file itself, or the cluster-wide file a symlink points to. */
  file: string;
}

/**
 * Appends the controller key to root's authorized_keys unless it is already there. Appending
 * through the path keeps PVE's symlink into /etc/pve/priv intact; the file is never rewritten.
 */
export function installKeyCommand(publicKey: string): string {
  return `mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh" && { ${appendLineOnce('$HOME/.ssh/authorized_keys', publicKey)}; } && readlink -f "$HOME/.ssh/authorized_keys"`;
}

export function controllerKeyActivities(deps: SshDeps) {
  return {
    async installControllerKey(task: NodeTask): Promise<KeyInstallResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(installKeyCommand(deps.controllerKey.publicKey), { label: 'install controller key' });
      const [status, file] = r.stdout.trim().split('\n');
      if (r.exitCode !== 0 || (status !== 'added' && status !== 'present')) {
        throw commandFailed(remote.target, 'install controller key', r);
      }
      return { status, file: file ?? '' };
    },

    /** A fresh connection offering only the controller key: proves key authentication alone works. */
    async verifyKeyAuth(task: NodeTask): Promise<{ ok: true }> {
      const remote = Remote.of(task.node, task, deps, 'key');
      await remote.check('true', { label: 'key authentication check' });
      return { ok: true };
    },
  };
}
