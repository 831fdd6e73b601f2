import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { appendLineOnce } from '../ssh/script';
import { cmd } from '../ssh/quote';
import { NodeTask } from '../nodes/task';
import { where } from '../ssh/errors';

export interface Peer {
  name: string;
  /** Every name and address other nodes may use to reach it: node name, FQDN, link0 address. */
  aliases: string[];
  rootKey: string;
  hostKeys: string[];
}

export interface TrustResult {
  added: number;
  present: number;
}

/** known_hosts lines are written in one canonical form so "already there" is an exact match. */
export function knownHostsLine(peer: Peer, hostKey: string): string {
  return `${[...new Set(peer.aliases)].join(',')} ${hostKey}`;
}

/**
 * `authorizedKeys` is false on members of an existing cluster but one: their authorized_keys is
 * the same replicated file, and appends from several nodes at once would race past each other's
 * check and duplicate lines.
 */
export function trustCommand(peers: Peer[], authorizedKeys = true): string {
  const lines: string[] = ['mkdir -p /root/.ssh && chmod 700 /root/.ssh'];
  for (const p of peers) {
    if (authorizedKeys) lines.push(appendLineOnce('/root/.ssh/authorized_keys', p.rootKey));
    for (const hk of p.hostKeys) lines.push(appendLineOnce('/root/.ssh/known_hosts', knownHostsLine(p, hk), '644'));
  }
  return lines.join('\n');
}

const TRUST_BATCH = 6;

export function peerSshCommand(targets: string[]): string {
  return targets
    .map((t) => `if ${cmd('ssh', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', `root@${t}`, 'true')} </dev/null >/dev/null 2>&1; then echo ${cmd('ok', t)}; else echo ${cmd('fail', t)}; fi`)
    .join('\n');
}

/**
 * Node-to-node trust, so `pvecm add --use_ssh` finds root's key authorized and the host key known
 * on the node it joins through, instead of hanging at a prompt.
 */
export function trustActivities(deps: SshDeps) {
  return {
    async trustPeers(task: NodeTask, peers: Peer[], authorizedKeys = true): Promise<TrustResult> {
      const remote = Remote.of(task.node, task, deps);
      const total: TrustResult = { added: 0, present: 0 };
      // An SSH exec request must fit in one packet (about 32 KiB): large clusters go in batches.
      for (let i = 0; i < peers.length; i += TRUST_BATCH) {
        const r = await remote.run(trustCommand(peers.slice(i, i + TRUST_BATCH), authorizedKeys), { label: 'trust peers' });
        if (r.exitCode !== 0) throw commandFailed(remote.target, 'trust peers', r);
        const words = r.stdout.split('\n');
        total.added += words.filter((w) => w === 'added').length;
        total.present += words.filter((w) => w === 'present').length;
      }
      return total;
    },

    /** Proves root on this node reaches each target with no prompt; names the ones it cannot. */
    async checkPeerSsh(task: NodeTask, targets: string[]): Promise<{ ok: string[] }> {
      const remote = Remote.of(task.node, task, deps);
      const out = await remote.check(peerSshCommand(targets), { label: 'node-to-node SSH check' });
      const failed = out.split('\n').filter((l) => l.startsWith('fail ')).map((l) => l.slice(5));
      if (failed.length) {
        throw ApplicationFailure.retryable(
          `${where(remote.target)}: root cannot SSH without a prompt to ${failed.join(', ')}; \`pvecm add --use_ssh\` would hang.`,
          'PeerSshFailed',
        );
      }
      return { ok: targets };
    },
  };
}
