import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { appendLineOnce, parseSections, section } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';
export const SSHD_BACKUP = '/etc/ssh/sshd_config.pve-runbooks.orig';
export const CLUSTER_KEYS = '/etc/pve/priv/authorized_keys';
export const AUTHORIZED_KEYS_LINE = `AuthorizedKeysFile .ssh/authorized_keys ${CLUSTER_KEYS}`;

export interface ClusterSshResult {
  sshdConfig: 'changed' | 'already';
  /** Absent on the nodes that leave the shared file to one writer. */
  controllerKey?: 'added' | 'present';
  /** The exact line written to /etc/pve/priv/authorized_keys (with `controllerKey`): what a rollback removes. */
  controllerKeyLine?: string;
  /** /root/.ssh/authorized_keys still the symlink PVE made. */
  symlinkIntact: boolean;
}

/**
 * sshd must read the cluster-wide key file too. The original config is backed up once (a
 * retry never overwrites the backup with an edited file), the edit is validated with `sshd -t`
 * before a reload, and an invalid result is rolled back from the backup.
 */
export const SSHD_COMMAND = [
  `if grep -qE '^[[:space:]]*AuthorizedKeysFile[[:space:]].*${CLUSTER_KEYS.replace(/\//g, '\\/')}' ${SSHD_CONFIG}; then echo @already; else`,
  `  [ -e ${SSHD_BACKUP} ] || cp -p ${SSHD_CONFIG} ${SSHD_BACKUP};`,
  `  if grep -qE '^[[:space:]]*AuthorizedKeysFile[[:space:]]' ${SSHD_CONFIG}; then`,
  `    sed -i 's|^[[:space:]]*AuthorizedKeysFile[[:space:]].*|${AUTHORIZED_KEYS_LINE}|' ${SSHD_CONFIG};`,
  `  else printf '%s\\n' '${AUTHORIZED_KEYS_LINE}' >> ${SSHD_CONFIG}; fi;`,
  `  if sshd -t; then systemctl reload ssh && echo @changed; else cp -p ${SSHD_BACKUP} ${SSHD_CONFIG}; echo @invalid; fi;`,
  'fi',
].join('\n');

export function clusterSshActivities(deps: SshDeps) {
  return {
    /**
     * `writeClusterKey` on one member only: /etc/pve/priv/authorized_keys is one replicated file,
     * and appends from every member at once would race past each other's check.
     */
    async configureClusterSsh(task: NodeTask, writeClusterKey: boolean): Promise<ClusterSshResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(
        [
          SSHD_COMMAND,
          ...(writeClusterKey ? [section('key', appendLineOnce(CLUSTER_KEYS, deps.controllerKey.publicKey))] : []),
          section('symlink', `[ -L /root/.ssh/authorized_keys ] && readlink /root/.ssh/authorized_keys || echo not-a-symlink`),
        ].join('\n'),
        { label: 'post-cluster SSH' },
      );
      const s = parseSections(r.stdout);
      if ('invalid' in s) {
        throw ApplicationFailure.nonRetryable(
          `${where(remote.target)}: sshd -t rejected the edited ${SSHD_CONFIG}; the original was restored from ${SSHD_BACKUP}. Check the file by hand.`,
          'SshdConfigInvalid',
        );
      }
      if (r.exitCode !== 0 || (!('already' in s) && !('changed' in s)) || (writeClusterKey && !['added', 'present'].includes(s.key ?? ''))) {
        throw commandFailed(remote.target, 'post-cluster SSH', r);
      }
      return {
        sshdConfig: 'already' in s ? 'already' : 'changed',
        ...(writeClusterKey ? { controllerKey: s.key as 'added' | 'present', controllerKeyLine: deps.controllerKey.publicKey } : {}),
        symlinkIntact: (s.symlink ?? '').trim() === CLUSTER_KEYS,
      };
    },
  };
}
