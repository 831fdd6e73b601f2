import type { ExecResult } from 'just-bash';
import { LockTimeout } from '../../cluster';
import { fail, type NodeContext } from '../../commands/types';
import { ADMIN_KEYRING, CEPH_CONF, PVE_CEPH_CONF, cephxKey, keyringText, parseCephConf, writeCephConf, type CephConf } from '../conf';
import { connect, isConnected } from './client';

/** A die outside a worker: the message on stderr, exit 255. */
export function die(message: string): ExecResult {
  return fail(message.replace(/\n?$/, '\n'), 255);
}

/** A die inside a task (fork_worker): the worker's output so far on stdout, the error alone on stderr. */
export class TaskFailure extends Error {}

/** The output of a foreground task (RPCEnvironment::fork_worker in a CLI). */
export class Task {
  stdout = '';
  constructor(readonly node: NodeContext, readonly signal: AbortSignal | undefined) {}

  print(text: string): void {
    this.stdout += text;
  }

  sleep(ms: number): Promise<void> {
    return this.node.clock.sleep(ms, this.signal);
  }

  async run(fn: (t: Task) => Promise<void>): Promise<ExecResult> {
    try {
      await fn(this);
      return { stdout: this.stdout, stderr: '', exitCode: 0 };
    } catch (err) {
      if (err instanceof TaskFailure) return { stdout: this.stdout, stderr: `${err.message.replace(/\n+$/, '')}\n`, exitCode: 255 };
      if (this.signal?.aborted) return { stdout: this.stdout, stderr: '', exitCode: 130 };
      throw err;
    }
  }
}

const BINARIES: Record<string, string> = { ceph_bin: '/usr/bin/ceph', ceph_mon: '/usr/bin/ceph-mon', ceph_mgr: '/usr/bin/ceph-mgr', ceph_osd: '/usr/bin/ceph-osd', ceph_volume: '/usr/sbin/ceph-volume' };

/** PVE::Ceph::Tools::check_ceph_installed. */
export async function checkInstalled(node: NodeContext, service: keyof typeof BINARIES): Promise<string | undefined> {
  const path = BINARIES[service] as string;
  return (await node.fs.exists(path)) ? undefined : `binary not installed: ${path}`;
}

/** check_ceph_inited: the monitor binary and /etc/pve/ceph.conf. */
export async function checkInited(node: NodeContext): Promise<string | undefined> {
  const missing = await checkInstalled(node, 'ceph_mon');
  if (missing) return missing;
  return (await node.fs.exists(PVE_CEPH_CONF)) ? undefined : 'pveceph configuration not initialized';
}

/** check_ceph_configured: initialised and the admin keyring made. */
export async function checkConfigured(node: NodeContext): Promise<string | undefined> {
  const inited = await checkInited(node);
  if (inited) return inited;
  return (await node.fs.exists(ADMIN_KEYRING)) ? undefined : `ceph not fully configured - missing '${ADMIN_KEYRING}'`;
}

export async function readConf(node: NodeContext): Promise<CephConf> {
  const text = await node.fs.readFile(PVE_CEPH_CONF).catch(() => '');
  return parseCephConf(text);
}

/** cfs_write_file('ceph.conf'): through pmxcfs, so refused without quorum. */
export async function writeConf(node: NodeContext, cfg: CephConf): Promise<void> {
  await node.fs.writeFile(PVE_CEPH_CONF, writeCephConf(cfg));
}

/**
 * cfs_lock_file('ceph.conf'): the cluster-wide lock needs quorum, and taking it goes through
 * corosync after every earlier write, so the holder reads what other nodes wrote before.
 */
export async function withCephConfLock<T>(node: NodeContext, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!node.cluster.cfsQuorate(node.name)) throw new TaskFailure("cfs-lock 'file-ceph_conf' error: no quorum!");
  try {
    return await node.cluster.lock('cluster:ceph', 'file-ceph_conf', 10_000, signal, async () => {
      await node.clock.sleep(node.cluster.replicationDelayMs, signal);
      return fn();
    });
  } catch (err) {
    if (err instanceof LockTimeout) throw new TaskFailure("cfs-lock 'file-ceph_conf' error: got lock request timeout");
    throw err;
  }
}

/** PVE::Ceph::Tools::setup_pve_symlinks. */
export async function setupSymlinks(node: NodeContext): Promise<string | undefined> {
  const st = await node.fs.lstat(CEPH_CONF).catch(() => undefined);
  if (st) {
    const link = st.isSymbolicLink ? await node.fs.readlink(CEPH_CONF) : undefined;
    if (link !== PVE_CEPH_CONF) return `file '${CEPH_CONF}' already exists`;
    return undefined;
  }
  await node.fs.mkdir('/etc/ceph', { recursive: true });
  await node.fs.symlink(PVE_CEPH_CONF, CEPH_CONF);
  return undefined;
}

/** get_or_create_admin_keyring: made once for the cluster in /etc/pve/priv, copied to /etc/ceph on that node. */
export async function getOrCreateAdminKeyring(node: NodeContext): Promise<string> {
  if (!(await node.fs.exists(ADMIN_KEYRING))) {
    const text = keyringText('client.admin', { key: cephxKey(node.clock.now()), caps: { mds: 'allow *', mgr: 'allow *', mon: 'allow *', osd: 'allow *' } });
    await node.fs.writeFile(ADMIN_KEYRING, text);
    if (!(await node.fs.exists('/etc/ceph/ceph.client.admin.keyring'))) await node.fs.writeFile('/etc/ceph/ceph.client.admin.keyring', text);
  }
  return ADMIN_KEYRING;
}

/** PVE::RADOS->new(): the admin client; PVE gives up with "got timeout" when no monitor answers in time. */
export async function rados(node: NodeContext, signal: AbortSignal | undefined, timeoutMs = 5_000): Promise<string | undefined> {
  const r = await connect(node, { name: 'client.admin', connectTimeoutMs: timeoutMs }, signal);
  if (isConnected(r)) return undefined;
  if (/timed out/.test(r.stderr)) return 'got timeout';
  if (/conf_read_file/.test(r.stderr)) return 'rados_connect failed - No such file or directory';
  return `rados_connect failed - ${r.stderr.trim().split('\n').pop()?.replace(/^\[errno \d+\] /, '') ?? 'Connection refused'}`;
}

/** What systemctl prints enabling a unit, in the node's systemd's words (252 on bookworm, 257 on trixie) under PVE's C locale. */
export function createdSymlink(node: NodeContext, wants: string, unit: string, template: string, runtime = false): string {
  const dir = runtime ? '/run/systemd/system' : '/etc/systemd/system';
  if (node.release.major === 8) return `Created symlink ${dir}/${wants}.wants/${unit} -> /lib/systemd/system/${template}.\n`;
  return `Created symlink '${dir}/${wants}.wants/${unit}' -> '/usr/lib/systemd/system/${template}'.\n`;
}

export function removedSymlink(node: NodeContext, wants: string, unit: string, runtime = false): string {
  const dir = runtime ? '/run/systemd/system' : '/etc/systemd/system';
  return node.release.major === 8 ? `Removed "${dir}/${wants}.wants/${unit}".\n` : `Removed '${dir}/${wants}.wants/${unit}'.\n`;
}

/** `systemctl start` of a Ceph daemon's unit (installed as a template instance). */
export async function startUnit(node: NodeContext, unit: string, enabled: boolean): Promise<void> {
  node.services.add(unit, { enabled });
  await node.clock.sleep(300);
  node.services.set(unit, 'active');
}

export async function stopUnit(node: NodeContext, unit: string): Promise<void> {
  if (node.services.state(unit) === undefined) return;
  await node.clock.sleep(200);
  node.services.set(unit, 'inactive');
}
