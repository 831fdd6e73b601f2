import { ApplicationFailure } from '@temporalio/common';
import { parseIpLinkJson } from '../parsers';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import { INTERFACES, INTERFACES_BACKUP } from '../network/privateNetwork';
import type { PrivateBridge } from '../network/interfaces';
import type { UndoResult } from './ssh';

/**
 * /etc/network/interfaces back from the copy configurePrivateBridge kept before its first change
 * (replaced in one rename, never half-written) and applied with `ifreload -a`. The backup stays
 * until the running state is checked, so a retry restores and applies again. Also says whether
 * the restored file itself declares the bridge and how the links look now.
 */
export function restoreInterfacesCommand(bridge: string): string {
  return [
    `if [ -e ${INTERFACES_BACKUP} ]; then`,
    `  cp -p ${INTERFACES_BACKUP} ${INTERFACES}.new && mv ${INTERFACES}.new ${INTERFACES} || exit 1;`,
    '  ifreload -a || exit $?;',
    '  echo @restored;',
    'fi;',
    section('declared', `grep -cE ${quoteArg(`^[[:space:]]*iface[[:space:]]+${bridge.replace(/[.+]/g, '\\$&')}([[:space:]]|$)`)} ${INTERFACES} || true`),
    section('link', 'ip -j -d link show'),
  ].join('\n');
}

/** Compensation for the private network (phase 7). */
export function networkRollbackActivities(deps: SshDeps) {
  return {
    /**
     * configurePrivateBridge said `done`: the file as it was before, applied, the backup removed;
     * the bridge (`p` is what configurePrivateBridge was given) is then gone from `ip -j link`
     * unless the original file declared it too.
     */
    async undoPrivateBridge(task: NodeTask, p: Pick<PrivateBridge, 'bridge'>): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(restoreInterfacesCommand(p.bridge), { label: `restore ${INTERFACES} and ifreload -a`, timeoutMs: 120_000 });
      if (r.exitCode !== 0) throw commandFailed(remote.target, `restore ${INTERFACES} and ifreload -a`, r, /error:/i.test(r.stderr) && !/lock/i.test(r.stderr));
      const s = parseSections(r.stdout);
      const links = readOutput(remote.target, 'ip -j -d link show', () => parseIpLinkJson(s.link ?? ''));
      const present = links.links.some((l) => l.ifname === p.bridge);
      const declared = Number(s.declared ?? '0') > 0;
      if (!('restored' in s)) {
        return { status: 'already', detail: present && !declared ? `no ${INTERFACES_BACKUP} left; ${p.bridge} is up but not this run's to remove` : `no ${INTERFACES_BACKUP} left` };
      }
      if (present && !declared) {
        throw ApplicationFailure.retryable(`${where(remote.target)}: after restoring ${INTERFACES} and ifreload -a, ${p.bridge} is still up; ${INTERFACES_BACKUP} kept for a retry.`, 'NetworkNotApplied');
      }
      await remote.check(`rm -f ${INTERFACES_BACKUP}`, { label: `remove ${INTERFACES_BACKUP}` });
      return { status: 'done', detail: `${INTERFACES} restored and applied${declared ? `; ${p.bridge} stays, as the original file declares it` : `; ${p.bridge} gone`}` };
    },
  };
}
