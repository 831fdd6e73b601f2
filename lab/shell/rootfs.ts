import { InMemoryFs, type IFileSystem } from 'just-bash';
import type { LabClock } from '../clock';
import type { LabCommand } from '../commands/types';
import { fsError } from '../fs/errors';
import { LabFs } from '../fs/labFs';
import { defaultInterfaces } from '../net/interfaces';
import type { PveRelease } from '../pve/releases';
import { ETC_GROUP, ETC_PASSWD, SSHD_CONFIG, etcHosts } from './debianFiles';

export interface RootFsNode {
  name: string;
  fqdn: string;
  address: string;
  release: PveRelease;
  hostKey: { private: string; public: string };
}

export interface RootFsParts {
  clock: LabClock;
  /** The node's /etc/pve: its own pmxcfs database, or the cluster's. */
  etcPve: IFileSystem;
  commands: readonly LabCommand[];
  builtins: readonly string[];
  /** Receives what is written to /proc/sysrq-trigger. */
  sysrq(key: string): void;
  /**
   * Kernel parameters under /proc/sys by path (`kernel/panic`): what a read shows, and what takes
   * a write (it throws as the kernel refuses, EINVAL); without `write` the file is read-only.
   */
  procSys?: Record<string, { read(): string; write?(data: string): void }>;
  /** The node's block devices: /dev is theirs, /proc/mdstat reads them, their tools' config files ship. */
  storage?: { dev: IFileSystem; mdstat(): string; files: Record<string, string> };
}

const DIRS: Record<string, number> = {
  '/boot': 0o755,
  '/etc/default': 0o755,
  '/etc/network/interfaces.d': 0o755,
  '/etc/ssh/sshd_config.d': 0o755,
  '/home': 0o755,
  '/mnt': 0o755,
  '/opt': 0o755,
  '/root': 0o700,
  '/root/.ssh': 0o700,
  '/run': 0o755,
  '/srv': 0o755,
  '/tmp': 0o1777,
  '/usr/lib': 0o755,
  '/usr/lib64': 0o755,
  '/usr/local/bin': 0o755,
  '/usr/local/sbin': 0o755,
  '/usr/sbin': 0o755,
  '/var/lib/vz': 0o755,
  '/var/log': 0o755,
  '/var/tmp': 0o1777,
};

/** Debian's merged /usr and the os-release indirection. */
const LINKS: Record<string, string> = {
  '/bin': 'usr/bin',
  '/sbin': 'usr/sbin',
  '/lib': 'usr/lib',
  '/lib64': 'usr/lib64',
  '/etc/os-release': '../usr/lib/os-release',
};

/** A freshly installed standalone PVE node's filesystem, as its shell and sshd see it. */
export async function buildRootFs(node: RootFsNode, parts: RootFsParts): Promise<LabFs> {
  const now = parts.clock.date();
  const base = new InMemoryFs({
    '/etc/hostname': `${node.name}\n`,
    '/etc/hosts': etcHosts(node.address, node.fqdn, node.name),
    '/usr/lib/os-release': node.release.osRelease,
    '/etc/debian_version': node.release.major === 8 ? '12.10\n' : '13.0\n',
    '/etc/passwd': ETC_PASSWD,
    '/etc/group': ETC_GROUP,
    '/etc/timezone': 'Etc/UTC\n',
    '/etc/ssh/sshd_config': SSHD_CONFIG,
    '/etc/network/interfaces': interfacesFile(node.address),
    '/etc/ssh/ssh_host_ed25519_key': { content: node.hostKey.private, mode: 0o600 },
    '/etc/ssh/ssh_host_ed25519_key.pub': node.hostKey.public,
    ...commandFiles(parts.commands, parts.builtins),
    ...parts.storage?.files,
  });
  for (const [dir, mode] of Object.entries(DIRS)) {
    await base.mkdir(dir, { recursive: true });
    await base.chmod(dir, mode);
  }
  for (const [link, target] of Object.entries(LINKS)) await base.symlink(target, link);
  for (const path of base.getAllPaths()) await base.utimes(path, now, now).catch(() => undefined);

  const fs = new LabFs(base, () => parts.clock.date());
  const proc = new InMemoryFs({ '/version': `Linux version ${node.release.kernel} (build@proxmox) (${node.release.kernelCompiler}) ${node.release.kernelBuild}\n` });
  await fs.mount('/proc', proc, { readOnly: true });
  await fs.device('/proc/sysrq-trigger', { write: (data) => parts.sysrq(data.trim().charAt(0)) });
  for (const [path, param] of Object.entries(parts.procSys ?? {})) {
    await proc.mkdir(`/sys/${path}`.replace(/\/[^/]+$/, ''), { recursive: true });
    const write = param.write ?? (() => {
      throw fsError('EACCES', 'open', `/proc/sys/${path}`);
    });
    await fs.device(`/proc/sys/${path}`, { read: param.read, write }, param.write ? 0o644 : 0o444);
  }
  const storage = parts.storage;
  if (storage) await fs.device('/proc/mdstat', { read: () => storage.mdstat(), write: () => undefined }, 0o444);
  await fs.mount('/etc/pve', parts.etcPve);
  if (storage) await fs.mount('/dev', storage.dev);
  else await fs.mkdir('/dev');
  // The shell itself handles the standard streams; these entries make them exist, as on Linux.
  for (const dev of ['null', 'zero', 'full', 'stdin', 'stdout', 'stderr'])
    await fs.device(`/dev/${dev}`, { read: () => '', write: () => undefined }, 0o666);
  return fs;
}

/**
 * just-bash runs a registered command only when PATH lookup lands on /bin/NAME or /usr/bin/NAME,
 * so every command gets an executable there; programs that live in /usr/sbin on a real node get a
 * script at their real path that hands over to it.
 */
function commandFiles(commands: readonly LabCommand[], builtins: readonly string[]): Record<string, { content: string; mode: number }> {
  const files: Record<string, { content: string; mode: number }> = {};
  const program = (name: string) => ({ content: `#!/bin/sh\n# ${name}: provided by the lab twin\n`, mode: 0o755 });
  for (const name of builtins) files[`/usr/bin/${name}`] = program(name);
  for (const command of commands) {
    files[`/usr/bin/${command.name}`] = program(command.name);
    if (command.dir !== '/usr/bin')
      files[`${command.dir}/${command.name}`] = { content: `#!/bin/sh\nexec /usr/bin/${command.name} "$@"\n`, mode: 0o755 };
  }
  return files;
}

/** The installer's management bridge on 192.168.100.0/24 and the hoster's private NIC carrying the node's address. */
function interfacesFile(address: string): string {
  const host = address.split('.').pop() as string;
  return defaultInterfaces({ mgmtAddress: `192.168.100.${host}`, gateway: '192.168.100.1', privateAddress: address });
}
