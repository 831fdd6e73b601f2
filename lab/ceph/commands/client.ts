import { randomBytes } from 'node:crypto';
import type { ExecResult } from 'just-bash';
import { fail, type NodeContext } from '../../commands/types';
import { CEPH_CONF, keyringKey, monHostAddresses, parseCephConf, type CephConf } from '../conf';

/** How a librados client was told to connect (`--name`, `--keyring`, `-c`, `--connect-timeout`). */
export interface ClientOptions {
  conf?: string;
  /** `client.admin`, `client.bootstrap-osd`... */
  name: string;
  keyring?: string;
  connectTimeoutMs?: number;
}

/** A log line of a Ceph client: `2025-06-12T10:00:00.123+0000 7f3a2c7fe6c0 -1 ...`. */
export function clientLog(node: NodeContext, text: string): string {
  const iso = node.clock.date().toISOString();
  return `${iso.slice(0, 23)}+0000 7f${randomBytes(5).toString('hex')} -1 ${text}\n`;
}

export interface Connected {
  conf: CephConf;
  entity: string;
}

function expand(path: string, entity: string): string {
  return path.replace(/\$cluster/g, 'ceph').replace(/\$name/g, entity);
}

/**
 * librados connecting as the node's tools do: read the configuration, find the monitors and the
 * key, then wait (up to client_mount_timeout) for a quorum that accepts the key. Returns the
 * failure as `ceph` prints it (stderr, exit 1), or the connection.
 */
export async function connect(node: NodeContext, opts: ClientOptions, signal: AbortSignal | undefined): Promise<Connected | ExecResult> {
  const confPath = opts.conf ?? CEPH_CONF;
  const text = await node.fs.readFile(confPath).catch(() => undefined);
  if (text === undefined) return fail(`Error initializing cluster client: ObjectNotFound('RADOS object not found (error calling conf_read_file)')\n`);
  const conf = parseCephConf(text);
  const entity = opts.name;
  const global = conf['global'] ?? {};
  const monHosts = monHostAddresses(global['mon_host']);
  if (monHosts.length === 0) {
    return fail(
      `${clientLog(node, 'failed for service _ceph-mon._tcp')}${clientLog(node, 'monclient: get_monmap_and_config cannot identify monitors to contact')}[errno 2] RADOS object not found (error connecting to the cluster)\n`,
    );
  }
  const cephx = (global['auth_client_required'] ?? 'cephx') !== 'none';
  let key: string | undefined;
  if (cephx) {
    const configured = opts.keyring ?? conf[entity]?.['keyring'] ?? conf['client']?.['keyring'] ?? global['keyring'];
    const candidates = configured ? [expand(configured, entity)] : [`/etc/ceph/ceph.${entity}.keyring`, '/etc/ceph/ceph.keyring', '/etc/ceph/keyring', '/etc/ceph/keyring.bin'];
    for (const path of candidates) {
      const content = await node.fs.readFile(path).catch(() => undefined);
      if (content === undefined) continue;
      key = keyringKey(content, entity);
      if (key) break;
    }
    if (!key) {
      const where = candidates.join(',');
      return fail(
        `${clientLog(node, `auth: unable to find a keyring on ${where}: (2) No such file or directory`)}${clientLog(node, `AuthRegistry(0x55d${randomBytes(4).toString('hex')}) no keyring found at ${where}, disabling cephx`)}${clientLog(node, 'monclient: authenticate NOTE: no keyring found; disabled cephx authentication')}[errno 2] RADOS object not found (error connecting to the cluster)\n`,
      );
    }
  }
  const ceph = node.ceph;
  const timeout = opts.connectTimeoutMs ?? ceph.timings.clientMountTimeoutMs;
  const deadline = node.clock.now() + timeout;
  const reachable = () => ceph.quorate() && ceph.mons().some((m) => monHosts.includes(m.addr) && ceph.state().quorum.includes(m.name));
  while (!reachable()) {
    if (node.clock.now() >= deadline) return fail('[errno 110] RADOS timed out (error connecting to the cluster)\n');
    try {
      await node.clock.sleep(Math.min(1000, Math.max(1, deadline - node.clock.now())), signal);
    } catch {
      return fail('', 130);
    }
  }
  if (cephx && ceph.authGet(entity)?.key !== key) return fail('[errno 13] RADOS permission denied (error connecting to the cluster)\n');
  try {
    await node.clock.sleep(ceph.timings.commandMs, signal);
  } catch {
    return fail('', 130);
  }
  return { conf, entity };
}

export function isConnected(v: Connected | ExecResult): v is Connected {
  return (v as Connected).conf !== undefined;
}
