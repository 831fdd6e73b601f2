import { createHash } from 'node:crypto';
import type { SimNode } from '../../lab/lab';

/**
 * A node's files under some roots, byte for byte, as a map from path to what is there: `absent`,
 * `link TARGET`, `dir MODE`, or `file MODE SIZE sha256:DIGEST` (the digest keeps a failing
 * comparison's diff readable). Symlinks are recorded, not followed, so a symlink replaced by a
 * file (or the reverse) shows. Two snapshots compare with deepEqual, whose diff then names the
 * paths that differ.
 */
export async function snapshotFiles(node: SimNode, roots: string[], opts: { ignore?: RegExp } = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (path: string): Promise<void> => {
    if (opts.ignore?.test(path)) return;
    const st = await node.fs.lstat(path).catch(() => undefined);
    const mode = (st?.mode ?? 0) & 0o7777;
    if (!st) out[path] = 'absent';
    else if (st.isSymbolicLink) out[path] = `link ${await node.fs.readlink(path)}`;
    else if (st.isDirectory) {
      out[path] = `dir ${mode.toString(8)}`;
      for (const name of (await node.fs.readdir(path)).sort()) await visit(`${path.replace(/\/$/, '')}/${name}`);
    } else {
      const bytes = await node.fs.readFileBuffer(path);
      out[path] = `file ${mode.toString(8)} ${bytes.length} sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    }
  };
  for (const root of roots) await visit(root);
  return out;
}

/** The paths whose entries differ between two snapshots, for messages and reports. */
export function changedPaths(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((p) => (before[p] ?? 'absent') !== (after[p] ?? 'absent')).sort();
}

/**
 * What PVE's documented separation (the building blocks destroyCluster and a rollback of
 * `pvecm create`/`add` use) does not put back. On every node: the emptied /etc/corosync and
 * /var/lib/corosync directories (`rm -rf DIR/*`). On the node that ran `pvecm create`: the
 * known_hosts it merged into /etc/pve/priv, and /etc/ssh/ssh_known_hosts, which it made PVE's link
 * to it. On a node that joined: its /etc/pve is the cluster's database, so the CA, the auth and
 * CSRF keys, its certificate (re-signed by the cluster's CA), the merged authorized_keys and
 * known_hosts and the cluster-wide configs (user.cfg) stay the cluster's; its own are only in the
 * backup `pvecm add` left in /var/lib/pve-cluster/backup.
 */
export const SEPARATION_RESIDUE = {
  created: ['/etc/corosync', '/etc/pve/priv/known_hosts', '/etc/ssh/ssh_known_hosts', '/var/lib/corosync'],
  joined: (name: string) => [
    '/etc/corosync',
    '/etc/pve/authkey.pub',
    `/etc/pve/nodes/${name}/pve-ssl.key`,
    `/etc/pve/nodes/${name}/pve-ssl.pem`,
    '/etc/pve/priv/authkey.key',
    '/etc/pve/priv/authorized_keys',
    '/etc/pve/priv/known_hosts',
    '/etc/pve/priv/pve-root-ca.key',
    '/etc/pve/pve-root-ca.pem',
    '/etc/pve/pve-www.key',
    '/etc/pve/user.cfg',
    '/var/lib/corosync',
  ],
};
