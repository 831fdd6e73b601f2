import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { quoteArg } from '../ssh/quote';
import { parseSections } from '../ssh/script';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import type { KeyInstallResult } from '../nodes/controllerKey';
import type { NodeIdentity } from '../cluster/identity';
import { TRUST_AUTHORIZED_KEYS, TRUST_KNOWN_HOSTS, type TrustAppended } from '../cluster/trust';
import { SSHD_BACKUP, SSHD_CONFIG } from '../cluster/clusterSsh';

/** What every compensation answers: it changed something now, or found nothing of this run's left. */
export interface UndoResult {
  status: 'done' | 'already';
  detail?: string;
}

/**
 * Removes each exact line from the file, writing the rest back through the path: a symlink (PVE's
 * authorized_keys into /etc/pve/priv) stays a symlink, the file keeps its inode and mode, and
 * every other line stays byte for byte. A line already gone is skipped, so a retry finds nothing
 * to do. Prints `removed` once per line it took out. One pattern per grep: a grep that fails
 * (exit 2) aborts before the file is touched, never truncating it. With `created` (the forward
 * step made the file), a regular file left empty is removed too (`deleted`).
 */
export function removeLinesCommand(file: string, lines: string[], created = false): string {
  const f = quoteArg(file);
  return [
    ...lines.map((line) => {
      const l = quoteArg(line);
      return [
        `if grep -qxF -- ${l} ${f} 2>/dev/null; then`,
        `  kept=$(grep -vxF -- ${l} ${f}; [ $? -le 1 ] || exit 2; printf x) || exit 1;`,
        `  printf '%s' "\${kept%x}" > ${f} || exit 1;`,
        '  echo removed;',
        'fi',
      ].join('\n');
    }),
    ...(created ? [`if [ -f ${f} ] && [ ! -L ${f} ] && [ ! -s ${f} ]; then rm -f ${f} && echo deleted || exit 1; fi`] : []),
  ].join('\n');
}

const countOf = (stdout: string, word: string) => stdout.split('\n').filter((l) => l === word).length;

const ROOT_ED25519 = '/root/.ssh/id_ed25519';

/**
 * The key pair ensureNodeIdentity generated goes only while its public half is still the key the
 * record names (`type base64`, the comment aside): a pair made since by someone else stays.
 */
export function removeIdentityCommand(rootKey: string): string {
  const wanted = rootKey.trim().split(/\s+/).slice(0, 2).join(' ');
  return [
    `if [ ! -e ${ROOT_ED25519}.pub ] && [ ! -e ${ROOT_ED25519} ]; then echo @already;`,
    `elif [ -e ${ROOT_ED25519}.pub ] && read -r t k _ < ${ROOT_ED25519}.pub && [ "$t $k" = ${quoteArg(wanted)} ]; then rm -f ${ROOT_ED25519} ${ROOT_ED25519}.pub && echo @done;`,
    'else echo @other; fi',
  ].join('\n');
}

/**
 * sshd_config back as it was before configureClusterSsh: the backup is validated first (`sshd -t
 * -f`), so an invalid file never replaces a working one; then copied over, sshd reloaded, and the
 * backup removed last, so a retry after a crash anywhere in between restores again.
 */
export const RESTORE_SSHD_COMMAND = [
  `if [ ! -e ${SSHD_BACKUP} ]; then echo @already;`,
  `elif ! sshd -t -f ${SSHD_BACKUP}; then echo @invalid;`,
  `else cp -p ${SSHD_BACKUP} ${SSHD_CONFIG} && systemctl reload ssh && rm -f ${SSHD_BACKUP} && echo @done; fi`,
].join('\n');

/**
 * Compensations for the SSH preparation (phase 1) and the post-cluster SSH step (phase 5). Each
 * removes only what its record names, checks before acting, and says `already` when nothing of
 * it is left.
 *
 * Order: undoControllerKey goes last on a node (and, for /etc/pve/priv/authorized_keys, after
 * every undo on any member that shares it): from then on the controller gets in only with the
 * inventory's password or key.
 */
export function sshRollbackActivities(deps: SshDeps) {
  /** How many lines went, and whether the file went too. */
  const removeLines = async (task: NodeTask, file: string, lines: string[], created: boolean, label: string): Promise<{ removed: number; deleted: boolean }> => {
    if (lines.length === 0 && !created) return { removed: 0, deleted: false };
    const remote = Remote.of(task.node, task, deps);
    const r = await remote.run(removeLinesCommand(file, lines, created), { label });
    if (r.exitCode !== 0) throw commandFailed(remote.target, label, r);
    return { removed: countOf(r.stdout, 'removed'), deleted: countOf(r.stdout, 'deleted') > 0 };
  };

  return {
    /**
     * installControllerKey said `added` (record: its result), or configureClusterSsh said
     * `controllerKey: 'added'` (record: `{ file: CLUSTER_KEYS, key: controllerKeyLine }`): that line
     * leaves that file, every other key stays.
     */
    async undoControllerKey(task: NodeTask, record: Pick<KeyInstallResult, 'file' | 'key' | 'created'>): Promise<UndoResult> {
      const key = record.key ?? deps.controllerKey.publicKey;
      const r = await removeLines(task, record.file, [key], !!record.created, `remove the controller key from ${record.file}`);
      if (!r.removed && !r.deleted) return { status: 'already', detail: `controller key not in ${record.file}` };
      return { status: 'done', detail: r.deleted ? `controller key removed; ${record.file}, which the run created, removed as it was left empty` : `controller key removed from ${record.file}` };
    },

    /**
     * ensureNodeIdentity said `generated`: the ed25519 pair it made goes. A pair that existed before
     * the run (generated false) is never touched.
     */
    async undoNodeIdentity(task: NodeTask, record: Pick<NodeIdentity, 'generated' | 'rootKey'>): Promise<UndoResult> {
      if (!record.generated) return { status: 'already', detail: "root's key pair existed before the run" };
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(removeIdentityCommand(record.rootKey), { label: "remove root's generated key pair" }));
      if ('done' in s) return { status: 'done', detail: `${ROOT_ED25519} and ${ROOT_ED25519}.pub removed` };
      if ('other' in s) return { status: 'already', detail: `${ROOT_ED25519} is not the pair this run generated; left alone` };
      return { status: 'already', detail: `${ROOT_ED25519} already gone` };
    },

    /** trustPeers' appended lines leave root's authorized_keys and known_hosts; lines that were there before stay. */
    async undoTrustPeers(task: NodeTask, record: { appended?: TrustAppended }): Promise<UndoResult> {
      const created = record.appended?.createdFiles ?? [];
      const keys = await removeLines(task, TRUST_AUTHORIZED_KEYS, record.appended?.authorizedKeys ?? [], created.includes(TRUST_AUTHORIZED_KEYS), 'remove trusted peer keys');
      const hosts = await removeLines(task, TRUST_KNOWN_HOSTS, record.appended?.knownHosts ?? [], created.includes(TRUST_KNOWN_HOSTS), 'remove trusted peer host keys');
      const deleted = [keys.deleted ? TRUST_AUTHORIZED_KEYS : '', hosts.deleted ? TRUST_KNOWN_HOSTS : ''].filter(Boolean);
      if (keys.removed + hosts.removed === 0 && deleted.length === 0) return { status: 'already', detail: 'no line of this run left' };
      return { status: 'done', detail: `${keys.removed} authorized key(s) and ${hosts.removed} known host line(s) removed${deleted.length ? `; ${deleted.join(' and ')} removed, left empty` : ''}` };
    },

    /**
     * configureClusterSsh said `sshdConfig: 'changed'`: sshd_config back from the backup that call
     * made. Its `controllerKey: 'added'` is undone by undoControllerKey with
     * `{ file: CLUSTER_KEYS, key: controllerKeyLine }`, kept apart so it can run last.
     */
    async undoSshdConfig(task: NodeTask): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(RESTORE_SSHD_COMMAND, { label: `restore ${SSHD_CONFIG}` });
      const s = parseSections(r.stdout);
      if ('invalid' in s) {
        throw ApplicationFailure.nonRetryable(
          `${where(remote.target)}: sshd -t rejects the backup ${SSHD_BACKUP}; ${SSHD_CONFIG} was left as it is. Check the backup by hand.`,
          'SshdConfigInvalid',
        );
      }
      if (r.exitCode !== 0 || !('done' in s || 'already' in s)) throw commandFailed(remote.target, `restore ${SSHD_CONFIG}`, r);
      return 'done' in s ? { status: 'done', detail: `${SSHD_CONFIG} restored from ${SSHD_BACKUP}, ssh reloaded` } : { status: 'already', detail: `no ${SSHD_BACKUP} left` };
    },
  };
}
