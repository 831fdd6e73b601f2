import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { errorCode, strerror } from '../fs/errors';
import type { NodeContext } from '../commands/types';
import { TaskError, type TaskOutput } from '../commands/pveCli';
import { resolveHost } from '../ssh/client';
import { fingerprint, parseKey, publicLine, randomart } from '../ssh/keys';
import { listGuests } from '../cluster';
import { controlUnits } from '../commands/systemctl';

/**
 * PVE::Cluster::Setup and the PVE::Cluster helpers `pvecm` relies on, over a node's filesystem:
 * the same files, in the same order, with the same messages.
 */

const AUTH_DIR = '/etc/pve/priv';
const CLUSTER_KEYS = `${AUTH_DIR}/authorized_keys`;
const CLUSTER_KNOWN_HOSTS = `${AUTH_DIR}/known_hosts`;
const ROOT_KEYS = '/root/.ssh/authorized_keys';
const ROOT_KEYS_BACKUP = `${ROOT_KEYS}.org`;
const ROOT_RSA = '/root/.ssh/id_rsa';
const ROOT_CLIENT_CONFIG = '/root/.ssh/config';
const SYSTEM_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';
const SSHD_CONFIG = '/etc/ssh/sshd_config';

const isFile = async (node: NodeContext, path: string) => !!(await node.fs.stat(path).catch(() => undefined))?.isFile;
const isLink = async (node: NodeContext, path: string) => !!(await node.fs.lstat(path).catch(() => undefined))?.isSymbolicLink;

/** A message as perl's `$!` would end it. */
function reason(err: unknown): string {
  const code = errorCode(err);
  return code ? strerror(code) : String((err as Error)?.message ?? err);
}

/** PVE::Tools::file_set_contents: a temporary file renamed over the target. */
export async function fileSetContents(node: NodeContext, path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp.${4242}`;
  try {
    await node.fs.writeFile(tmp, content);
  } catch (err) {
    throw new TaskError(`unable to open file '${tmp}' - ${reason(err)}`);
  }
  try {
    await node.fs.mv(tmp, path);
  } catch (err) {
    await node.fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new TaskError(`close (rename) atomic file '${path}' failed: ${reason(err)}`);
  }
}

/** PVE::Cluster::check_cfs_quorum: pmxcfs must report quorum. */
export function cfsQuorate(node: NodeContext): boolean {
  return node.cluster.cfsQuorate(node.name);
}

export function checkCfsQuorum(node: NodeContext): void {
  if (!cfsQuorate(node)) throw new TaskError('cluster not ready - no quorum?');
}

/** PVE::Cluster::remote_node_ip: the address pmxcfs knows for the node, else what its name resolves to. */
export async function remoteNodeIp(node: NodeContext, name: string): Promise<string> {
  const members = await node.fs.readFile('/etc/pve/.members').catch(() => '');
  const m = new RegExp(`"${name}": \\{[^}]*"ip": "([^"]+)"`).exec(members);
  if (m) return m[1] as string;
  const ip = await resolveHost(node, name);
  if (!ip) throw new TaskError(`unable to get IP for node '${name}' - node offline?`);
  if (/^127\./.test(ip) || ip === '::1') throw new TaskError(`hostname lookup '${name}' failed - got local IP address '${ip}'`);
  return ip;
}

/** setup_sshd_config: root must be allowed in. */
export async function setupSshdConfig(node: NodeContext): Promise<void> {
  const conf = await node.fs.readFile(SSHD_CONFIG).catch(() => '');
  if (/^PermitRootLogin\s+yes\s*$/m.test(conf)) return;
  let next = conf.replace(/^#?PermitRootLogin.*$/m, 'PermitRootLogin yes');
  if (next === conf) next = `${conf.replace(/\n$/, '')}\nPermitRootLogin yes\n`;
  await node.fs.writeFile(SSHD_CONFIG, next);
  await controlUnits(node, 'reload-or-restart', ['sshd']);
}

/** setup_rootsshconfig: root's RSA key (`echo|ssh-keygen -t rsa -N '' -b 4096 -f /root/.ssh/id_rsa`) and ~/.ssh/config. */
export async function setupRootSshConfig(node: NodeContext, task: TaskOutput): Promise<void> {
  if (!(await isFile(node, `${ROOT_RSA}.pub`))) {
    await node.fs.mkdir('/root/.ssh', { recursive: true });
    const comment = `root@${node.name}`;
    task.print(`Generating public/private rsa key pair.\n`);
    const pair = await node.cluster.rootKeyPair();
    const key = parseKey(pair.public);
    if (!key) throw new TaskError('ssh-keygen failed');
    await node.fs.writeFile(ROOT_RSA, pair.private);
    await node.fs.chmod(ROOT_RSA, 0o600);
    await node.fs.writeFile(`${ROOT_RSA}.pub`, `${publicLine(key, comment)}\n`);
    await node.fs.chmod(`${ROOT_RSA}.pub`, 0o644);
    task.print(
      `Your identification has been saved in ${ROOT_RSA}\nYour public key has been saved in ${ROOT_RSA}.pub\n` +
        `The key fingerprint is:\n${fingerprint(key)} ${comment}\nThe key's randomart image is:\n${randomart(key)}\n`,
    );
  }
  if (!(await isFile(node, ROOT_CLIENT_CONFIG))) {
    await node.fs.writeFile(ROOT_CLIENT_CONFIG, 'Ciphers aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com\n');
    await node.fs.chmod(ROOT_CLIENT_CONFIG, 0o640);
  }
}

/**
 * setup_ssh_keys: the cluster-wide authorized_keys in /etc/pve/priv is seeded with root's own
 * (when it does not exist yet), root's file moves aside to authorized_keys.org, and a symlink
 * to the cluster file takes its place; the backup goes once the import worked.
 */
export async function setupSshKeys(node: NodeContext, task: TaskOutput): Promise<void> {
  await node.fs.mkdir(AUTH_DIR).catch(() => undefined);
  let imported = false;
  if (!(await isFile(node, CLUSTER_KEYS))) {
    const old = (await isFile(node, ROOT_KEYS)) ? await node.fs.readFile(ROOT_KEYS).catch(() => '') : '';
    try {
      await node.fs.writeFile(CLUSTER_KEYS, old);
      imported = true;
    } catch {
      // IO::File O_EXCL failed: reported below.
    }
  }
  if (!(await isFile(node, CLUSTER_KEYS))) task.print(`can't create shared ssh key database '${CLUSTER_KEYS}'\n`);
  if ((await isFile(node, ROOT_KEYS)) && !(await isLink(node, ROOT_KEYS))) {
    await node.fs.mv(ROOT_KEYS, ROOT_KEYS_BACKUP).catch((err) => task.print(`rename ${ROOT_KEYS} failed - ${reason(err)}\n`));
  }
  if (!(await isLink(node, ROOT_KEYS))) {
    await node.fs.mkdir('/root/.ssh', { recursive: true });
    await node.fs.rm(ROOT_KEYS, { force: true }).catch(() => undefined);
    await node.fs.symlink(CLUSTER_KEYS, ROOT_KEYS).catch(() => undefined);
  }
  if (!(await isLink(node, ROOT_KEYS))) task.print(`can't create symlink for ssh keys '${ROOT_KEYS}' -> '${CLUSTER_KEYS}'\n`);
  else if (imported) await node.fs.rm(ROOT_KEYS_BACKUP, { force: true });
}

/** ssh_merge_keys: the cluster file, the backup and root's own RSA key, RSA/DSA duplicates dropped. */
export async function sshMergeKeys(node: NodeContext): Promise<void> {
  let data = '';
  if (await isFile(node, CLUSTER_KEYS)) data = (await node.fs.readFile(CLUSTER_KEYS)).replace(/\n$/, '');
  let foundBackup = false;
  if (await isFile(node, ROOT_KEYS_BACKUP)) {
    data += `\n${(await node.fs.readFile(ROOT_KEYS_BACKUP)).replace(/\n$/, '')}`;
    foundBackup = true;
  }
  if (await isFile(node, `${ROOT_RSA}.pub`)) data += `\n${(await node.fs.readFile(`${ROOT_RSA}.pub`)).replace(/\n$/, '')}\n`;
  const seen = new Set<string>();
  let merged = '';
  // Perl's split(/\n/) drops trailing empty fields: a merge adds no blank line at the end.
  const lines = data.split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const m = /(^|\s)ssh-(rsa|dsa)\s+(\S+)\s+\S+$/.exec(line);
    if (!line.startsWith('#') && m) {
      if (seen.has(m[3] as string)) continue;
      seen.add(m[3] as string);
    }
    merged += `${line}\n`;
  }
  await fileSetContents(node, CLUSTER_KEYS, merged);
  if (foundBackup && (await isLink(node, ROOT_KEYS))) await node.fs.rm(ROOT_KEYS_BACKUP, { force: true });
}

/** The node's host key line (`type base64`), as the merge functions read it from /etc/ssh. */
async function hostKey(node: NodeContext): Promise<string> {
  // PVE reads ssh_host_rsa_key.pub; the twin's nodes have an ed25519 host key only.
  const text = (await node.fs.readFile('/etc/ssh/ssh_host_rsa_key.pub').catch(() => undefined)) ?? (await node.fs.readFile('/etc/ssh/ssh_host_ed25519_key.pub').catch(() => ''));
  const m = /^(ssh-\S+\s\S+)(\s.*)?$/m.exec(text);
  if (!m) throw new TaskError("can't parse /etc/ssh/ssh_host_rsa_key.pub");
  return m[1] as string;
}

/** ssh_merge_known_hosts: the node's name and address with its host key in the cluster's known_hosts; optionally /etc/ssh/ssh_known_hosts becomes a link to it. */
export async function sshMergeKnownHosts(node: NodeContext, name: string, ip: string, createLink: boolean): Promise<void> {
  const nodename = name.toLowerCase();
  const address = ip.toLowerCase();
  if (!(await isFile(node, CLUSTER_KNOWN_HOSTS))) await node.fs.writeFile(CLUSTER_KNOWN_HOSTS, '');
  const old = await node.fs.readFile(CLUSTER_KNOWN_HOSTS).catch(() => '');
  const extra = !(await isLink(node, SYSTEM_KNOWN_HOSTS)) && (await isFile(node, SYSTEM_KNOWN_HOSTS)) ? await node.fs.readFile(SYSTEM_KNOWN_HOSTS) : '';
  const key = await hostKey(node);
  const seen = new Set<string>();
  let data = '';
  let foundName = false;
  let foundIp = false;
  const merge = (line: string, all: boolean) => {
    if (/^\s*$/.test(line) || line.startsWith('#')) return;
    const m = /^(\S+)\s(ssh-\S+\s\S+)(\s.*)?$/.exec(line);
    if (m) {
      const host = (m[1] as string).toLowerCase();
      if (seen.has(host)) return;
      seen.add(host);
      if (host === address && m[2] === key) foundIp = true;
      if (host === nodename && m[2] === key) foundName = true;
      data += `${line}\n`;
    } else if (all) data += `${line}\n`;
  };
  for (const line of old.split('\n')) merge(line, true);
  for (const line of extra.split('\n')) merge(line, false);
  if (!foundName) data += `${nodename} ${key}\n`;
  if (!foundIp) data += `${address} ${key}\n`;
  await fileSetContents(node, CLUSTER_KNOWN_HOSTS, data);
  if (!createLink) return;
  await node.fs.rm(SYSTEM_KNOWN_HOSTS, { force: true });
  await node.fs.symlink(CLUSTER_KNOWN_HOSTS, SYSTEM_KNOWN_HOSTS);
}

/** ssh_unmerge_known_hosts: /etc/ssh/ssh_known_hosts back to a file of its own. */
export async function sshUnmergeKnownHosts(node: NodeContext): Promise<void> {
  if (!(await isLink(node, SYSTEM_KNOWN_HOSTS))) return;
  const old = (await isFile(node, CLUSTER_KNOWN_HOSTS)) ? await node.fs.readFile(CLUSTER_KNOWN_HOSTS) : '';
  await node.fs.rm(SYSTEM_KNOWN_HOSTS);
  await node.fs.writeFile(SYSTEM_KNOWN_HOSTS, old);
}

/** ssh_create_node_known_hosts: /etc/pve/nodes/NAME/ssh_known_hosts. */
export async function sshCreateNodeKnownHosts(node: NodeContext, name: string): Promise<void> {
  await fileSetContents(node, `/etc/pve/nodes/${name}/ssh_known_hosts`, `${name} ${await hostKey(node)}`);
}

function pem(label: string, bytes: number): string {
  const body = randomBytes(bytes).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** The SHA-256 fingerprint of a PEM certificate, as PVE shows it (`AB:CD:…`). */
export function certFingerprint(text: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----\n([\s\S]+?)\n-----END CERTIFICATE-----/.exec(text);
  if (!m) return undefined;
  const der = Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64');
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) as string[]).join(':');
}

/** gen_pve_node_files: node dirs, cluster auth key, CSRF key, the node's key, the CA and the node certificate. */
export async function genPveNodeFiles(node: NodeContext, name: string, force: boolean): Promise<void> {
  const fs = node.fs;
  for (const dir of ['/etc/pve/priv', '/etc/pve/nodes', `/etc/pve/nodes/${name}`, `/etc/pve/nodes/${name}/lxc`, `/etc/pve/nodes/${name}/qemu-server`, `/etc/pve/nodes/${name}/openvz`, `/etc/pve/nodes/${name}/priv`]) {
    if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory) {
      try {
        await fs.mkdir(dir);
      } catch (err) {
        throw new TaskError(`unable to create directory '${dir}' - ${reason(err)}`);
      }
    }
  }
  const make = async (path: string, content: string, ms: number) => {
    await node.clock.sleep(ms);
    try {
      await fs.writeFile(path, content);
    } catch (err) {
      throw new TaskError(`unable to open file '${path}' - ${reason(err)}`);
    }
  };
  if (!(await isFile(node, '/etc/pve/priv/authkey.key'))) {
    await make('/etc/pve/priv/authkey.key', pem('PRIVATE KEY', 1190), 300);
    await make('/etc/pve/authkey.pub', pem('PUBLIC KEY', 294), 0);
  }
  if (!(await isFile(node, '/etc/pve/pve-www.key'))) await make('/etc/pve/pve-www.key', pem('PRIVATE KEY', 1190), 300);
  if (!(await isFile(node, `/etc/pve/nodes/${name}/pve-ssl.key`))) await make(`/etc/pve/nodes/${name}/pve-ssl.key`, pem('PRIVATE KEY', 1190), 300);
  let newCa = false;
  if (!(await isFile(node, '/etc/pve/priv/pve-root-ca.key')) || !(await isFile(node, '/etc/pve/pve-root-ca.pem'))) {
    await make('/etc/pve/priv/pve-root-ca.key', pem('PRIVATE KEY', 2350), 1200);
    await make('/etc/pve/pve-root-ca.pem', pem('CERTIFICATE', 1380), 100);
    newCa = true;
  }
  if (newCa || force || !(await isFile(node, `/etc/pve/nodes/${name}/pve-ssl.pem`))) {
    if (!(await isFile(node, '/etc/pve/priv/pve-root-ca.srl'))) await make('/etc/pve/priv/pve-root-ca.srl', '0000000000000000\n', 0);
    await make(`/etc/pve/nodes/${name}/pve-ssl.pem`, pem('CERTIFICATE', 1300), 300);
  }
}

const VZDUMP_CRON = '# cluster wide vzdump cron schedule\n# Atomatically generated file - do not edit\n\nPATH="/usr/sbin:/usr/bin:/sbin:/bin"\n\n';

/** gen_pve_vzdump_files and gen_pve_vzdump_symlink. */
export async function genPveVzdumpFiles(node: NodeContext): Promise<void> {
  if (!(await isFile(node, '/etc/pve/vzdump.cron'))) await fileSetContents(node, '/etc/pve/vzdump.cron', VZDUMP_CRON);
  await genPveVzdumpSymlink(node);
}

export async function genPveVzdumpSymlink(node: NodeContext): Promise<void> {
  if (!(await isFile(node, '/etc/pve/vzdump.cron')) || (await isLink(node, '/etc/cron.d/vzdump'))) return;
  await node.fs.mkdir('/etc/cron.d', { recursive: true });
  if (await node.fs.exists('/etc/cron.d/vzdump')) await node.fs.mv('/etc/cron.d/vzdump', '/root/etc_cron_vzdump.org');
  await node.fs.symlink('/etc/pve/vzdump.cron', '/etc/cron.d/vzdump');
}

/** PVE::Cluster::cfs_backup_database: the database dumped and gzipped into /var/lib/pve-cluster/backup. */
export async function backupDatabase(node: NodeContext, dump: string, task: TaskOutput): Promise<void> {
  const dir = '/var/lib/pve-cluster/backup';
  await node.fs.mkdir(dir, { recursive: true });
  const file = `${dir}/config-${Math.floor(node.clock.now() / 1000)}.sql.gz`;
  task.print(`backup old database to '${file}'\n`);
  await node.fs.writeFile(file, gzipSync(Buffer.from(dump)));
}

/** The guests pmxcfs knows in the cluster (its .vmlist): what `assert_joinable` checks. */
export async function hasGuests(node: NodeContext): Promise<boolean> {
  const vmlist = await node.fs.readFile('/etc/pve/.vmlist').catch(() => '');
  return /"ids": \{\n"\d+"/.test(vmlist);
}

export { listGuests };
