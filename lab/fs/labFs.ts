import type { CpOptions, FileContent, FsStat, IFileSystem, MkdirOptions, RmOptions } from 'just-bash';
import { errorCode, fsError, type FsErrorCode } from './errors';
import { components, join, normalize, within } from './paths';

type ReadOptions = Parameters<IFileSystem['readFile']>[1];
type WriteOptions = Parameters<IFileSystem['writeFile']>[2];
type Dirent = { name: string; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean };

/** Linux's limit on symbolic links followed while resolving one path. */
const MAX_SYMLINKS = 40;

/** A filesystem attached at a path, like a mount on Linux; `readOnly` can change while mounted. */
export class Mount {
  constructor(
    readonly point: string,
    readonly fs: IFileSystem,
    public readOnly: boolean,
  ) {}
}

/**
 * A mounted filesystem that refuses some writes on its own terms (pmxcfs without quorum answers
 * EACCES, its chmod only accepts the modes it supports): consulted before every change.
 */
export interface WriteGuard {
  /** Why changing `rel` (a path inside the mount) fails now, or undefined when it may. */
  writeError(rel: string, syscall: string): FsErrorCode | undefined;
}

function isGuarded(fs: IFileSystem): fs is IFileSystem & WriteGuard {
  return typeof (fs as Partial<WriteGuard>).writeError === 'function';
}

/** A path that behaves as a character device: writes go to a handler instead of being stored. */
export interface Device {
  /** Content served on read; without it reads fail with EIO, as on /proc/sysrq-trigger. */
  read?(): string;
  write(data: string): void;
}

interface Located {
  mount: Mount;
  rel: string;
}

/**
 * A node's filesystem as the shell sees it: a tree of mounts (the node's own disk at `/`, shared
 * filesystems such as the cluster's /etc/pve) in which every path is resolved the way Linux does,
 * component by component and across mounts, so symbolic links are followed wherever Linux follows
 * them. The backing filesystems only ever receive paths without symlinks, which also protects
 * just-bash's InMemoryFs from its habit of replacing a symlink by a regular file on write.
 */
export class LabFs implements IFileSystem {
  private readonly mountTable: Mount[];
  private readonly devices = new Map<string, Device>();

  constructor(
    root: IFileSystem,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.mountTable = [new Mount('/', root, false)];
  }

  /** Attaches `fs` at `point`, creating the mount point directory in the parent filesystem if needed. */
  async mount(point: string, fs: IFileSystem, opts: { readOnly?: boolean } = {}): Promise<Mount> {
    const at = normalize(point);
    if (this.mountTable.some((m) => m.point === at)) throw fsError('EBUSY', 'mount', at);
    const parent = this.locate(at);
    await parent.mount.fs.mkdir(parent.rel, { recursive: true });
    const mount = new Mount(at, fs, opts.readOnly ?? false);
    this.mountTable.push(mount);
    this.mountTable.sort((a, b) => b.point.length - a.point.length);
    return mount;
  }

  /** Turns a path (symlinks allowed) into a device; its placeholder file shows up in listings. */
  async device(path: string, device: Device, mode = 0o200): Promise<void> {
    const abs = await this.resolve(path, true, 'mknod');
    const { mount, rel } = this.locate(abs);
    await mount.fs.writeFile(rel, '');
    await mount.fs.chmod(rel, mode);
    this.devices.set(abs, device);
  }

  /** Why opening `path` for writing would fail, or undefined when it would succeed. Changes nothing. */
  async probeWrite(path: string): Promise<FsErrorCode | undefined> {
    try {
      const abs = await this.resolve(path, true, 'open');
      if (this.devices.has(abs)) return undefined;
      if ((await this.lstatPhysical(abs))?.isDirectory) return 'EISDIR';
      this.writable(abs, path, 'open');
      return undefined;
    } catch (err) {
      return errorCode(err) ?? 'EIO';
    }
  }

  async readFile(path: string, options?: ReadOptions): Promise<string> {
    const abs = await this.resolve(path, true, 'open');
    const device = this.devices.get(abs);
    if (device) return this.readDevice(device, path);
    return this.call(abs, path, 'open', (fs, rel) => fs.readFile(rel, options));
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    const abs = await this.resolve(path, true, 'open');
    const device = this.devices.get(abs);
    if (device) return Buffer.from(this.readDevice(device, path));
    return this.call(abs, path, 'open', (fs, rel) => fs.readFileBuffer(rel));
  }

  writeFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    return this.store(path, content, options, async (fs, rel) => {
      // open(O_TRUNC) keeps an existing file's mode (`> authorized_keys` stays 0600); the
      // in-memory backend would reset it to 0644.
      const before = (await fs.stat(rel).catch(() => undefined))?.mode;
      await fs.writeFile(rel, content, options);
      if (before !== undefined && ((await fs.stat(rel)).mode & 0o7777) !== (before & 0o7777)) await fs.chmod(rel, before & 0o7777);
    });
  }

  appendFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    return this.store(path, content, options, (fs, rel) => fs.appendFile(rel, content, options));
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch {
      return false;
    }
  }

  async stat(path: string): Promise<FsStat> {
    const abs = await this.resolve(path, true, 'stat');
    return this.call(abs, path, 'stat', (fs, rel) => fs.stat(rel));
  }

  async lstat(path: string): Promise<FsStat> {
    const abs = await this.resolve(path, false, 'lstat');
    return this.call(abs, path, 'lstat', (fs, rel) => fs.lstat(rel));
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    if (!options?.recursive) return this.mkdirOne(path);
    const parts = components(normalize(path));
    for (let i = 1; i <= parts.length; i++) {
      const prefix = `/${parts.slice(0, i).join('/')}`;
      const existing = await this.stat(prefix).catch(() => undefined);
      if (existing?.isDirectory) continue;
      if (existing) throw fsError('EEXIST', 'mkdir', prefix);
      await this.mkdirOne(prefix);
    }
  }

  async readdir(path: string): Promise<string[]> {
    const abs = await this.resolve(path, true, 'scandir');
    return this.call(abs, path, 'scandir', (fs, rel) => fs.readdir(rel));
  }

  async readdirWithFileTypes(path: string): Promise<Dirent[]> {
    const abs = await this.resolve(path, true, 'scandir');
    return this.call(abs, path, 'scandir', async (fs, rel) => {
      if (fs.readdirWithFileTypes) return fs.readdirWithFileTypes(rel);
      const names = await fs.readdir(rel);
      return Promise.all(
        names.map(async (name) => {
          const st = await fs.lstat(join(rel, name));
          return { name, isFile: st.isFile, isDirectory: st.isDirectory, isSymbolicLink: st.isSymbolicLink };
        }),
      );
    });
  }

  async rm(path: string, options?: RmOptions): Promise<void> {
    let abs: string;
    try {
      abs = await this.resolve(path, false, 'rm');
    } catch (err) {
      if (options?.force && errorCode(err) === 'ENOENT') return;
      throw err;
    }
    const st = await this.lstatPhysical(abs);
    if (!st) {
      if (options?.force) return;
      throw fsError('ENOENT', 'rm', path);
    }
    if (this.isMountPoint(abs)) {
      // rm -r crosses into mounted filesystems, empties them, then cannot remove the mount point.
      if (options?.recursive) for (const name of await this.readdir(abs)) await this.rm(join(abs, name), options);
      throw fsError('EBUSY', 'rm', path);
    }
    const nested = this.mountTable.some((m) => m.point !== abs && within(m.point, abs));
    if (st.isDirectory && options?.recursive && nested) return this.rmAcrossMounts(abs, options);
    const { mount, rel } = this.writable(abs, path, 'rm');
    await this.call(abs, path, 'rm', () => mount.fs.rm(rel, options));
    this.devices.delete(abs);
  }

  async cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    const srcAbs = await this.resolve(src, true, 'cp');
    const st = await this.call(srcAbs, src, 'cp', (fs, rel) => fs.stat(rel));
    if (st.isDirectory && !options?.recursive) throw fsError('EISDIR', 'cp', src);
    await this.copy(srcAbs, dest, st);
  }

  async mv(src: string, dest: string): Promise<void> {
    const srcAbs = await this.resolve(src, false, 'rename');
    const destAbs = await this.resolve(dest, false, 'rename');
    if (this.isMountPoint(srcAbs)) throw fsError('EBUSY', 'rename', src);
    const from = this.writable(srcAbs, src, 'rename');
    const to = this.writable(destAbs, dest, 'rename');
    if (from.mount === to.mount) return this.call(srcAbs, src, 'rename', () => from.mount.fs.mv(from.rel, to.rel));
    // Like mv(1) across filesystems: copy without following links, then delete the source.
    const st = await this.call(srcAbs, src, 'rename', (fs, rel) => fs.lstat(rel));
    await this.copy(srcAbs, destAbs, st);
    await this.rm(srcAbs, { recursive: true, force: true });
  }

  resolvePath(base: string, path: string): string {
    return path.startsWith('/') ? normalize(path) : join(base, path);
  }

  getAllPaths(): string[] {
    const paths: string[] = [];
    for (const mount of this.mountTable) {
      for (const rel of mount.fs.getAllPaths()) {
        const abs = join(mount.point, rel);
        if (this.locate(abs).mount === mount) paths.push(abs);
      }
    }
    return paths;
  }

  async chmod(path: string, mode: number): Promise<void> {
    const abs = await this.resolve(path, true, 'chmod');
    const { mount, rel } = this.writable(abs, path, 'chmod');
    await this.call(abs, path, 'chmod', () => mount.fs.chmod(rel, mode));
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const abs = await this.resolve(linkPath, false, 'symlink');
    if (await this.lstatPhysical(abs)) throw fsError('EEXIST', 'symlink', linkPath);
    const { mount, rel } = this.writable(abs, linkPath, 'symlink');
    await this.call(abs, linkPath, 'symlink', () => mount.fs.symlink(target, rel));
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    const fromAbs = await this.resolve(existingPath, false, 'link');
    const toAbs = await this.resolve(newPath, false, 'link');
    const from = this.locate(fromAbs);
    const to = this.writable(toAbs, newPath, 'link');
    if (from.mount !== to.mount) throw fsError('EXDEV', 'link', newPath);
    await this.call(toAbs, newPath, 'link', () => to.mount.fs.link(from.rel, to.rel));
  }

  async readlink(path: string): Promise<string> {
    const abs = await this.resolve(path, false, 'readlink');
    return this.call(abs, path, 'readlink', (fs, rel) => fs.readlink(rel));
  }

  async realpath(path: string): Promise<string> {
    const abs = await this.resolve(path, true, 'realpath');
    if (!(await this.lstatPhysical(abs))) throw fsError('ENOENT', 'realpath', path);
    return abs;
  }

  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    const abs = await this.resolve(path, true, 'utimes');
    const { mount, rel } = this.writable(abs, path, 'utimes');
    await this.call(abs, path, 'utimes', () => mount.fs.utimes(rel, atime, mtime));
  }

  /**
   * The physical path of `path`: every symlink on the way resolved (the last one only when
   * `followLast`), across mounts. A missing last component is allowed, so callers can create it.
   */
  private async resolve(path: string, followLast: boolean, syscall: string): Promise<string> {
    let pending = components(path);
    let done: string[] = [];
    let followed = 0;
    while (pending.length > 0) {
      const name = pending.shift() as string;
      if (name === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, name];
      const last = pending.length === 0;
      if (last && !followLast) {
        done = candidate;
        break;
      }
      const abs = `/${candidate.join('/')}`;
      const st = await this.lstatPhysical(abs);
      if (!st) {
        if (!last) throw fsError('ENOENT', syscall, path);
        done = candidate;
        break;
      }
      if (st.isSymbolicLink) {
        if (++followed > MAX_SYMLINKS) throw fsError('ELOOP', syscall, path);
        const { mount, rel } = this.locate(abs);
        const target = await mount.fs.readlink(rel);
        pending = [...components(target), ...pending];
        if (target.startsWith('/')) done = [];
        continue;
      }
      if (!last && !st.isDirectory) throw fsError('ENOTDIR', syscall, path);
      done = candidate;
    }
    return `/${done.join('/')}`;
  }

  private locate(abs: string): Located {
    const mount = this.mountTable.find((m) => within(abs, m.point)) as Mount;
    const rel = mount.point === '/' ? abs : abs.slice(mount.point.length) || '/';
    return { mount, rel };
  }

  private writable(abs: string, path: string, syscall: string): Located {
    const located = this.locate(abs);
    if (located.mount.readOnly) throw fsError('EROFS', syscall, path);
    const fs = located.mount.fs;
    const refused = isGuarded(fs) ? fs.writeError(located.rel, syscall) : undefined;
    if (refused) throw fsError(refused, syscall, path);
    return located;
  }

  private isMountPoint(abs: string): boolean {
    return abs !== '/' && this.mountTable.some((m) => m.point === abs);
  }

  private async lstatPhysical(abs: string): Promise<FsStat | undefined> {
    const { mount, rel } = this.locate(abs);
    return mount.fs.lstat(rel).catch(() => undefined);
  }

  /** Runs an operation on the backing filesystem, reporting its errors with the caller's path. */
  private async call<T>(abs: string, path: string, syscall: string, op: (fs: IFileSystem, rel: string) => Promise<T>): Promise<T> {
    const { mount, rel } = this.locate(abs);
    try {
      return await op(mount.fs, rel);
    } catch (err) {
      const code = errorCode(err);
      throw code ? fsError(code, syscall, path) : err;
    }
  }

  private readDevice(device: Device, path: string): string {
    if (!device.read) throw fsError('EIO', 'read', path);
    return device.read();
  }

  private async store(
    path: string,
    content: FileContent,
    options: WriteOptions,
    op: (fs: IFileSystem, rel: string) => Promise<void>,
  ): Promise<void> {
    const abs = await this.resolve(path, true, 'open');
    const device = this.devices.get(abs);
    // Opening a device with O_TRUNC, as a redirection does first, writes nothing to it.
    if (device) return content.length > 0 ? device.write(asText(content, options)) : undefined;
    const { mount, rel } = this.writable(abs, path, 'open');
    if ((await this.lstatPhysical(abs))?.isDirectory) throw fsError('EISDIR', 'open', path);
    await this.call(abs, path, 'open', () => op(mount.fs, rel));
    await this.touch(mount, rel);
  }

  private async mkdirOne(path: string): Promise<void> {
    const abs = await this.resolve(path, false, 'mkdir');
    if (await this.lstatPhysical(abs)) throw fsError('EEXIST', 'mkdir', path);
    const { mount, rel } = this.writable(abs, path, 'mkdir');
    await this.call(abs, path, 'mkdir', () => mount.fs.mkdir(rel));
    await this.touch(mount, rel);
  }

  /** Stamps lab time: the backing filesystems only know the host clock. */
  private async touch(mount: Mount, rel: string): Promise<void> {
    const now = this.now();
    await mount.fs.utimes(rel, now, now);
  }

  /** `rm -r` over a tree holding mount points: their contents go, the mount points stay busy. */
  private async rmAcrossMounts(abs: string, options: RmOptions): Promise<void> {
    let busy: Error | undefined;
    for (const name of await this.readdir(abs)) {
      await this.rm(join(abs, name), options).catch((err: Error) => {
        if (errorCode(err) !== 'EBUSY') throw err;
        busy ??= err;
      });
    }
    if (busy) throw busy;
    const { mount, rel } = this.writable(abs, abs, 'rm');
    await mount.fs.rm(rel, { recursive: true });
  }

  /** Copies `srcAbs` (already resolved; its nested symlinks copied as links, like cp -r) to `dest`. */
  private async copy(srcAbs: string, dest: string, st: FsStat): Promise<void> {
    if (st.isSymbolicLink) return this.symlink(await this.readlink(srcAbs), dest);
    if (st.isDirectory) {
      if (!(await this.stat(dest).catch(() => undefined))?.isDirectory) await this.mkdir(dest);
      for (const entry of await this.readdirWithFileTypes(srcAbs)) {
        const child = join(srcAbs, entry.name);
        await this.copy(child, join(dest, entry.name), await this.lstat(child));
      }
    } else {
      await this.writeFile(dest, await this.readFileBuffer(srcAbs));
    }
    await this.chmod(dest, st.mode & 0o7777);
  }
}

function asText(content: FileContent, options: WriteOptions): string {
  if (typeof content !== 'string') return Buffer.from(content).toString('utf8');
  const encoding = typeof options === 'string' ? options : options?.encoding;
  return encoding === 'binary' || encoding === 'latin1' ? Buffer.from(content, 'latin1').toString('utf8') : content;
}
