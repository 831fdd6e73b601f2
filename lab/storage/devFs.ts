import { InMemoryFs, type CpOptions, type FileContent, type FsStat, type IFileSystem, type MkdirOptions, type RmOptions } from 'just-bash';
import { fsError } from '../fs/errors';
import { normalize } from '../fs/paths';
import type { BlockNode, NodeStorage } from './nodeStorage';

type ReadOptions = Parameters<IFileSystem['readFile']>[1];
type WriteOptions = Parameters<IFileSystem['writeFile']>[2];

type Entry = { kind: 'blk' } | { kind: 'dir' } | { kind: 'link'; target: string };

/**
 * /dev as udev keeps it: a node for every block device the storage model has right now (disks,
 * partitions, running arrays, active LVs), the /dev/md/NAME, /dev/VG/LV and /dev/mapper links, over
 * an ordinary in-memory directory for everything else (null, zero, files someone creates).
 */
export class DevFs implements IFileSystem {
  private readonly base = new InMemoryFs();
  private readonly born: Date;

  constructor(
    private readonly storage: NodeStorage,
    now: () => Date,
  ) {
    this.born = now();
  }

  /** Every computed entry, keyed by its path inside /dev (`/sda`, `/mapper/pve-root`). */
  private entries(): Map<string, Entry> {
    const out = new Map<string, Entry>();
    out.set('/mapper', { kind: 'dir' });
    const walk = (nodes: BlockNode[]) => {
      for (const n of nodes) {
        out.set(`/${n.name}`, { kind: 'blk' });
        if (n.type === 'lvm') out.set(`/mapper/${n.displayName}`, { kind: 'link', target: `../${n.name}` });
        walk(n.children);
      }
    };
    walk(this.storage.tree());
    for (const a of this.storage.arrays()) {
      if (!a.name) continue;
      out.set('/md', { kind: 'dir' });
      out.set(`/md/${a.label.split(':').pop()}`, { kind: 'link', target: `../${a.name}` });
    }
    // lvm's udev rules link /dev/VG/LV for the LVs one can open, not for thin pools.
    for (const vg of this.storage.vgs()) {
      for (const lv of vg.lvs) {
        const dev = lv.kind === 'linear' ? this.storage.blockDevice(`/dev/${vg.name}/${lv.name}`) : undefined;
        if (!dev) continue;
        out.set(`/${vg.name}`, { kind: 'dir' });
        out.set(`/${vg.name}/${lv.name}`, { kind: 'link', target: `../${dev.name}` });
      }
    }
    return out;
  }

  private entry(path: string): Entry | undefined {
    const p = normalize(path);
    if (p === '/mapper/control') return { kind: 'blk' };
    return this.entries().get(p);
  }

  private stamp(entry: Entry): FsStat {
    return {
      isFile: entry.kind === 'blk',
      isDirectory: entry.kind === 'dir',
      isSymbolicLink: entry.kind === 'link',
      mode: entry.kind === 'dir' ? 0o755 : entry.kind === 'link' ? 0o777 : 0o660,
      size: 0,
      mtime: this.born,
    };
  }

  async readFile(path: string, options?: ReadOptions): Promise<string> {
    const e = this.entry(path);
    if (e?.kind === 'blk') return '';
    if (e?.kind === 'dir') throw fsError('EISDIR', 'read', path);
    return this.base.readFile(path, options);
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    const e = this.entry(path);
    if (e?.kind === 'blk') return new Uint8Array();
    if (e?.kind === 'dir') throw fsError('EISDIR', 'read', path);
    return this.base.readFileBuffer(path);
  }

  /** Writes to a block device are taken and dropped: the model holds no data blocks. */
  async writeFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    const e = this.entry(path);
    if (e?.kind === 'blk') return;
    if (e?.kind === 'dir') throw fsError('EISDIR', 'open', path);
    await this.parentDir(path);
    return this.base.writeFile(path, content, options);
  }

  async appendFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    const e = this.entry(path);
    if (e?.kind === 'blk') return;
    if (e?.kind === 'dir') throw fsError('EISDIR', 'open', path);
    await this.parentDir(path);
    return this.base.appendFile(path, content, options);
  }

  async exists(path: string): Promise<boolean> {
    return this.entry(path) !== undefined || this.base.exists(path);
  }

  async stat(path: string): Promise<FsStat> {
    const e = this.entry(path);
    if (e?.kind === 'link') return this.stamp({ kind: 'blk' });
    return e ? this.stamp(e) : this.base.stat(path);
  }

  async lstat(path: string): Promise<FsStat> {
    const e = this.entry(path);
    return e ? this.stamp(e) : this.base.lstat(path);
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    if (this.entry(path)) {
      if (options?.recursive && this.entry(path)?.kind === 'dir') return;
      throw fsError('EEXIST', 'mkdir', path);
    }
    await this.parentDir(path);
    return this.base.mkdir(path, options);
  }

  async readdir(path: string): Promise<string[]> {
    const p = normalize(path);
    const e = this.entry(p);
    if (e && e.kind !== 'dir') throw fsError('ENOTDIR', 'scandir', path);
    const names = new Set<string>(await this.base.readdir(p).catch((err) => (e || p === '/' ? [] : Promise.reject(err))));
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const key of this.entries().keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      if (rest && !rest.includes('/')) names.add(rest);
    }
    if (p === '/mapper') names.add('control');
    return [...names].sort();
  }

  async readdirWithFileTypes(path: string): Promise<{ name: string; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean }[]> {
    const p = normalize(path);
    return Promise.all(
      (await this.readdir(p)).map(async (name) => {
        const st = await this.lstat(`${p === '/' ? '' : p}/${name}`);
        return { name, isFile: st.isFile, isDirectory: st.isDirectory, isSymbolicLink: st.isSymbolicLink };
      }),
    );
  }

  async rm(path: string, options?: RmOptions): Promise<void> {
    if (this.entry(path)) throw fsError('EPERM', 'rm', path);
    return this.base.rm(path, options);
  }

  async cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    return this.base.cp(src, dest, options);
  }

  async mv(src: string, dest: string): Promise<void> {
    if (this.entry(src)) throw fsError('EPERM', 'rename', src);
    return this.base.mv(src, dest);
  }

  resolvePath(base: string, path: string): string {
    return this.base.resolvePath(base, path);
  }

  getAllPaths(): string[] {
    return [...new Set([...this.base.getAllPaths(), ...this.entries().keys()])];
  }

  async chmod(path: string, mode: number): Promise<void> {
    if (this.entry(path)) return;
    return this.base.chmod(path, mode);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    if (this.entry(linkPath)) throw fsError('EEXIST', 'symlink', linkPath);
    await this.parentDir(linkPath);
    return this.base.symlink(target, linkPath);
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    return this.base.link(existingPath, newPath);
  }

  async readlink(path: string): Promise<string> {
    const e = this.entry(path);
    if (e?.kind === 'link') return e.target;
    if (e) throw fsError('EINVAL', 'readlink', path);
    return this.base.readlink(path);
  }

  async realpath(path: string): Promise<string> {
    return normalize(path);
  }

  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    if (this.entry(path)) return;
    return this.base.utimes(path, atime, mtime);
  }

  /** A computed directory (/dev/mapper) exists in the base too once something is created in it. */
  private async parentDir(path: string): Promise<void> {
    const parent = normalize(path).replace(/\/[^/]+$/, '') || '/';
    if (parent !== '/' && this.entry(parent)?.kind === 'dir') await this.base.mkdir(parent, { recursive: true });
  }
}
