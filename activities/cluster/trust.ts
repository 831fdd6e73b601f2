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
  /** The exact lines this call appended, file by file: what a rollback removes, and nothing else. */
  appended?: TrustAppended;
}

export interface TrustAppended {
  authorizedKeys: string[];
  knownHosts: string[];
  /** Files this call created: a rollback that leaves them empty removes them. */
  createdFiles?: string[];
}

export const TRUST_AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
export const TRUST_KNOWN_HOSTS = '/root/.ssh/known_hosts';

interface TrustLine {
  file: 'authorizedKeys' | 'knownHosts';
  line: string;
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
function trustLines(peers: Peer[], authorizedKeys: boolean): TrustLine[] {
  return peers.flatMap((p) => [
    ...(authorizedKeys ? [{ file: 'authorizedKeys' as const, line: p.rootKey }] : []),
    ...p.hostKeys.map((hk) => ({ file: 'knownHosts' as const, line: knownHostsLine(p, hk) })),
  ]);
}

/** `created FILE` for each file it is about to create, then one `added` or `present` per line, in the order of `trustLines`. */
export function trustCommand(peers: Peer[], authorizedKeys = true): string {
  const append = ({ file, line }: TrustLine) =>
    file === 'authorizedKeys' ? appendLineOnce(TRUST_AUTHORIZED_KEYS, line) : appendLineOnce(TRUST_KNOWN_HOSTS, line, '644');
  const lines = trustLines(peers, authorizedKeys);
  const files = [...new Set(lines.map((l) => (l.file === 'authorizedKeys' ? TRUST_AUTHORIZED_KEYS : TRUST_KNOWN_HOSTS)))];
  return [
    'mkdir -p /root/.ssh && chmod 700 /root/.ssh',
    ...files.map((f) => `[ -e ${f} ] || [ -L ${f} ] || echo created ${f}`),
    ...lines.map(append),
  ].join('\n');
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
      const appended: Required<TrustAppended> = { authorizedKeys: [], knownHosts: [], createdFiles: [] };
      const total = { added: 0, present: 0, appended };
      // An SSH exec request must fit in one packet (about 32 KiB): large clusters go in batches.
      for (let i = 0; i < peers.length; i += TRUST_BATCH) {
        const batch = peers.slice(i, i + TRUST_BATCH);
        const r = await remote.run(trustCommand(batch, authorizedKeys), { label: 'trust peers' });
        if (r.exitCode !== 0) throw commandFailed(remote.target, 'trust peers', r);
        const out = r.stdout.split('\n');
        const words = out.filter((w) => w === 'added' || w === 'present');
        const lines = trustLines(batch, authorizedKeys);
        if (words.length !== lines.length) throw commandFailed(remote.target, 'trust peers', r);
        appended.createdFiles.push(...out.filter((l) => l.startsWith('created ')).map((l) => l.slice('created '.length)));
        words.forEach((w, j) => {
          if (w === 'present') return void total.present++;
          total.added++;
          appended[lines[j].file].push(lines[j].line);
        });
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
