import { InMemoryFs } from 'just-bash';

export interface PmxcfsNode {
  name: string;
  fqdn: string;
}

const FILE_MODE = 0o640;

/**
 * The /etc/pve a standalone node's pmxcfs serves (local mode): the node's own directories, the
 * `local`, `lxc`, `qemu-server` and `openvz` links into them, default storage and user config.
 */
export async function standaloneEtcPve(node: PmxcfsNode, now: Date): Promise<InMemoryFs> {
  const fs = new InMemoryFs();
  const dirs = ['/firewall', '/ha', '/mapping', '/sdn', '/virtual-guest', '/nodes', `/nodes/${node.name}`];
  for (const sub of ['lxc', 'qemu-server', 'openvz', 'priv']) dirs.push(`/nodes/${node.name}/${sub}`);
  for (const dir of dirs) await fs.mkdir(dir, { recursive: true });
  await fs.mkdir('/priv');
  await fs.chmod('/priv', 0o700);
  await fs.chmod(`/nodes/${node.name}/priv`, 0o700);

  const files: Record<string, string> = {
    '/.members': `{\n"nodename": "${node.name}",\n"version": 0\n}\n`,
    '/.version': `{\n"starttime": ${Math.floor(now.getTime() / 1000)},\n"clinfo": 0,\n"vmlist": 1\n}\n`,
    '/.vmlist': '{\n"version": 1,\n"ids": {\n}\n}\n',
    '/storage.cfg':
      'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\n' +
      'lvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\n',
    '/user.cfg': `user:root@pam:1:0:::root@${node.fqdn}:::\n`,
  };
  for (const [path, content] of Object.entries(files)) {
    await fs.writeFile(path, content);
    await fs.chmod(path, FILE_MODE);
  }
  await fs.symlink(`nodes/${node.name}`, '/local');
  for (const sub of ['lxc', 'qemu-server', 'openvz']) await fs.symlink(`nodes/${node.name}/${sub}`, `/${sub}`);
  for (const path of fs.getAllPaths()) await fs.utimes(path, now, now).catch(() => undefined);
  return fs;
}
