import { stringify } from 'yaml';
import type { Inventory, InventoryNode } from '../../common/inventory';
import type { Secret } from '../../common/secrets';
import { readSecret } from './secret-syntax';

/**
 * The normalized inventory as a YAML inventory that loads back to the same value. Every setting is
 * written out (no `defaults`), so the file also documents what was used.
 */
export function toYaml(inv: Inventory): string {
  const doc = {
    cluster: { name: inv.cluster.name },
    ssh: { ...inv.ssh },
    ...(inv.network === undefined ? {} : { network: inv.network }),
    ...(inv.disks === undefined ? {} : { disks: inv.disks }),
    ...(inv.ceph === undefined ? {} : { ceph: inv.ceph }),
    ...(inv.ha === undefined ? {} : { ha: inv.ha }),
    nodes: inv.nodes.map(nodeToYaml),
  };
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

function nodeToYaml(n: InventoryNode): Record<string, unknown> {
  return {
    name: n.name,
    host: n.host,
    port: n.port,
    user: n.user,
    ...(n.hostname === undefined ? {} : { hostname: n.hostname }),
    primary: n.primary,
    ...(n.link0 === undefined ? {} : { link0: n.link0 }),
    ...(n.password === undefined ? {} : { password: writeSecret(n.password) }),
    ...(n.privateKeyFile === undefined ? {} : { privateKeyFile: n.privateKeyFile }),
    ...(n.private === undefined ? {} : { private: n.private }),
    ...(n.disks === undefined ? {} : { disks: n.disks }),
  };
}

/** Inline text is written bare unless the loader would read it as something else (`${X}`, `{{`). */
function writeSecret(s: Secret): unknown {
  if ('env' in s) return `\${${s.env}}`;
  if (!('inline' in s)) return { ...s };
  const reading = readSecret(s.inline, 'yaml');
  const readsBack = 'secret' in reading && 'inline' in reading.secret && reading.secret.inline === s.inline;
  return readsBack ? s.inline : { inline: s.inline };
}
