import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';

export interface NodeIdentity {
  name: string;
  /** root's public key, the one `pvecm add --use_ssh` authenticates with. */
  rootKey: string;
  /** Host public keys (`type base64`), for the peers' known_hosts. */
  hostKeys: string[];
  generated: boolean;
}

const KEYS = ['/root/.ssh/id_rsa.pub', '/root/.ssh/id_ed25519.pub'];

/**
 * PVE creates root's key pair at install; a node missing one (hand-installed, restored) gets an
 * ed25519 pair, generated only when no key exists, so a retry never replaces a key.
 */
export const IDENTITY_COMMAND = [
  `if ! { ${KEYS.map((k) => `[ -f ${k} ]`).join(' || ')}; }; then ssh-keygen -q -t ed25519 -N '' -C "root@$(hostname)" -f /root/.ssh/id_ed25519 && echo @generated; fi`,
  section('rootkey', `for k in ${KEYS.join(' ')}; do if [ -f "$k" ]; then cat "$k"; break; fi; done`),
  section('hostkeys', 'cat /etc/ssh/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_rsa_key.pub 2>/dev/null || true'),
].join('; ');

export function identityActivities(deps: SshDeps) {
  return {
    async ensureNodeIdentity(task: NodeTask): Promise<NodeIdentity> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(IDENTITY_COMMAND, { label: 'root and host keys' });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !s.rootkey) throw commandFailed(remote.target, 'root and host keys', r);
      const hostKeys = (s.hostkeys ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))
        .filter((l) => /^ssh-\S+ \S+$/.test(l) || /^ecdsa-\S+ \S+$/.test(l));
      if (hostKeys.length === 0) throw commandFailed(remote.target, 'read host keys (/etc/ssh/ssh_host_*_key.pub)', r, true);
      return { name: task.node.name, rootKey: s.rootkey.split('\n')[0].trim(), hostKeys, generated: 'generated' in s };
    },
  };
}
