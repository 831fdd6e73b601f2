import { InMemoryFs, type CpOptions, type FileContent, type FsStat, type IFileSystem, type MkdirOptions, type RmOptions } from 'just-bash';
import { fsError, type FsErrorCode } from '../fs/errors';
import type { WriteGuard } from '../fs/labFs';
import { join, normalize } from '../fs/paths';

export interface PmxcfsNode {
  name: string;
  fqdn: string;
}

type ReadOptions = Parameters<IFileSystem['readFile']>[1];
type WriteOptions = Parameters<IFileSystem['writeFile']>[2];
type Dirent = { name: string; isFile: boolean; isDirectory: boolean; isSymbolicLink: boolean };

/**
 * The database (config.db) a freshly installed standalone node's pmxcfs serves: the node's own
 * directories, default storage and user configuration. What pmxcfs computes (.members, .vmlist,
 * the `local` link...) is not stored: `PmxcfsMount` adds it per node.
 */
export async function seedDatabase(node: PmxcfsNode, now: Date): Promise<InMemoryFs> {
  const fs = new InMemoryFs();
  const dirs = ['/firewall', '/ha', '/mapping', '/sdn', '/virtual-guest', '/priv'];
  for (const dir of dirs) await fs.mkdir(dir, { recursive: true });
  await createNodeDirs(fs, node.name);
  await fs.writeFile('/storage.cfg', 'dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n\tcontent rootdir,images\n\n');
  await fs.writeFile('/user.cfg', `user:root@pam:1:0:::root@${node.fqdn}:::\n`);
  for (const path of fs.getAllPaths()) await fs.utimes(path, now, now).catch(() => undefined);
  return fs;
}

/** PVE::Cluster::Setup::gen_local_dirs, on a backing database. */
export async function createNodeDirs(fs: IFileSystem, name: string): Promise<void> {
  for (const dir of ['/nodes', `/nodes/${name}`, `/nodes/${name}/lxc`, `/nodes/${name}/qemu-server`, `/nodes/${name}/openvz`, `/nodes/${name}/priv`]) {
    if (!(await fs.exists(dir))) await fs.mkdir(dir);
  }
}

/** A deep copy of a backing database, modes and times included. */
export async function cloneFs(src: IFileSystem): Promise<InMemoryFs> {
  const out = new InMemoryFs();
  const paths = src.getAllPaths().filter((p) => p !== '/').sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const path of paths) {
    const st = await src.lstat(path);
    if (st.isSymbolicLink) await out.symlink(await src.readlink(path), path);
    else if (st.isDirectory) await out.mkdir(path, { recursive: true });
    else await out.writeFile(path, await src.readFileBuffer(path));
    if (!st.isSymbolicLink) {
      await out.chmod(path, st.mode & 0o7777);
      await out.utimes(path, st.mtime, st.mtime);
    }
  }
  return out;
}

/** One change to the database, as pmxcfs sends it to every member in total order. */
export type DbOp =
  | { method: 'writeFile' | 'appendFile'; path: string; content: FileContent; options?: WriteOptions }
  | { method: 'mkdir'; path: string; options?: MkdirOptions }
  | { method: 'rm'; path: string; options?: RmOptions }
  | { method: 'mv'; path: string; dest: string }
  | { method: 'cp'; path: string; dest: string; options?: CpOptions }
  | { method: 'utimes'; path: string; atime: Date; mtime: Date };

export async function applyOp(fs: IFileSystem, op: DbOp): Promise<void> {
  switch (op.method) {
    case 'writeFile':
      return fs.writeFile(op.path, op.content, op.options);
    case 'appendFile':
      return fs.appendFile(op.path, op.content, op.options);
    case 'mkdir':
      return fs.mkdir(op.path, op.options);
    case 'rm':
      return fs.rm(op.path, op.options);
    case 'mv':
      return fs.mv(op.path, op.dest);
    case 'cp':
      return fs.cp(op.path, op.dest, op.options);
    case 'utimes':
      return fs.utimes(op.path, op.atime, op.mtime);
  }
}

interface Replica {
  fs: InMemoryFs;
  /** Sequence number of the last operation applied. */
  applied: number;
}

interface LoggedOp {
  seq: number;
  /** Lab ms when the writer's node applied it. */
  at: number;
  op: DbOp;
}

/**
 * A cluster's replicated database: one copy per attached member. A write is applied in total
 * order (after every earlier write, whoever made it) on the writer's copy at once and on every
 * other copy `delayMs` of lab time later, so a node sees another's write after the delay.
 */
export class ReplicatedDb {
  /** The state after every write so far: what a node joining now receives. */
  private readonly head: InMemoryFs;
  private readonly replicas = new Map<string, Replica>();
  private log: LoggedOp[] = [];
  private seq = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    head: InMemoryFs,
    private readonly now: () => number,
    readonly delayMs: number,
  ) {
    this.head = head;
  }

  /** A database started by the first member from its own copy. */
  static async from(first: string, db: InMemoryFs, now: () => number, delayMs: number): Promise<ReplicatedDb> {
    const group = new ReplicatedDb(await cloneFs(db), now, delayMs);
    group.replicas.set(first, { fs: db, applied: 0 });
    return group;
  }

  get members(): string[] {
    return [...this.replicas.keys()];
  }

  /** Writes so far (a counter that only grows). */
  get version(): number {
    return this.seq;
  }

  has(name: string): boolean {
    return this.replicas.has(name);
  }

  /** Sequence number of the last write the member's copy has applied. */
  applied(name: string): number {
    return this.replicas.get(name)?.applied ?? -1;
  }

  /** A member joining: its old copy is replaced by the cluster's state, as pmxcfs's sync does. */
  attach(name: string): Promise<InMemoryFs> {
    return this.serialized(async () => {
      const fs = await cloneFs(this.head);
      this.replicas.set(name, { fs, applied: this.seq });
      return fs;
    });
  }

  /** A member leaving keeps its copy as it was (what it had received by now). */
  detach(name: string): Promise<InMemoryFs | undefined> {
    return this.serialized(async () => {
      const replica = this.replicas.get(name);
      if (!replica) return undefined;
      await this.catchUp(replica, this.now() - this.delayMs);
      this.replicas.delete(name);
      this.trim();
      return replica.fs;
    });
  }

  /** The member's copy with every write that has reached it by now. */
  read(name: string): Promise<InMemoryFs> {
    return this.serialized(async () => {
      const replica = this.replicas.get(name);
      if (!replica) throw new Error(`${name} is not attached to this database`);
      await this.catchUp(replica, this.now() - this.delayMs);
      this.trim();
      return replica.fs;
    });
  }

  /** Applies a write from `name`: in order after every earlier write, then sent to the others. */
  write(name: string, op: DbOp): Promise<void> {
    return this.serialized(async () => {
      const replica = this.replicas.get(name);
      if (!replica) throw fsError('EACCES', op.method, op.path);
      await this.catchUp(replica, Infinity);
      await applyOp(replica.fs, op);
      await applyOp(this.head, op).catch(() => undefined);
      this.seq++;
      replica.applied = this.seq;
      this.log.push({ seq: this.seq, at: this.now(), op });
    });
  }

  private async catchUp(replica: Replica, until: number): Promise<void> {
    for (const entry of this.log) {
      if (entry.seq <= replica.applied) continue;
      if (entry.at > until) break;
      // The writer's copy accepted it from the same state: a failure here cannot happen, and
      // would only leave this copy as the writer's partial result left it.
      await applyOp(replica.fs, entry.op).catch(() => undefined);
      replica.applied = entry.seq;
    }
  }

  /** Forgets the writes every member has applied. */
  private trim(): void {
    let oldest = this.seq;
    for (const r of this.replicas.values()) oldest = Math.min(oldest, r.applied);
    let drop = 0;
    while (drop < this.log.length && (this.log[drop] as LoggedOp).seq <= oldest) drop++;
    if (drop > 0) this.log = this.log.slice(drop);
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

/** What /etc/pve is on a node right now. */
export type PmxcfsBacking =
  /** pmxcfs is not running: the bare mount point directory of the root filesystem. */
  | { kind: 'unmounted'; fs: IFileSystem }
  | {
      kind: 'mounted';
      /** The node's copy of the database, up to date as far as replication has reached it. */
      fs: IFileSystem;
      /** False without quorum: pmxcfs then answers EACCES to every change. */
      writable: boolean;
      write(op: DbOp): Promise<void>;
    };

/** The node-specific side of pmxcfs that `PmxcfsMount` asks for. */
export interface PmxcfsHost {
  readonly nodeName: string;
  backing(): Promise<PmxcfsBacking>;
  /** Synchronous best knowledge, for the write checks done before a write is attempted. */
  writableNow(): boolean | undefined;
  /** Content of a status file pmxcfs computes (`.members`, `.vmlist`...). */
  statusFile(name: string): Promise<string>;
}

const STATUS_FILES = ['.members', '.vmlist', '.version', '.clusterlog', '.rrd'];
const LINKS = ['local', 'qemu-server', 'lxc', 'openvz'];
const DIR_MODE = 0o755;
const FILE_MODE = 0o640;
const PRIV_DIR_MODE = 0o700;
const PRIV_FILE_MODE = 0o600;

/** Private paths: /priv and /nodes/NAME/priv, as pmxcfs's path_is_private decides. */
function isPrivate(path: string): boolean {
  return /^\/priv(\/|$)/.test(path) || /^\/nodes\/[^/]+\/priv(\/|$)/.test(path);
}

/**
 * /etc/pve as one node sees it: the pmxcfs FUSE mount when pmxcfs runs (the node's copy of the
 * cluster database plus what pmxcfs computes for this node: status files and the `local`,
 * `qemu-server`, `lxc` and `openvz` links), the empty mount point directory when it does not.
 * Like pmxcfs: files are 0640 (0600 under priv), chmod accepts only those modes, symlinks and
 * hard links cannot be made, and every change is refused with EACCES while there is no quorum.
 */
export class PmxcfsMount implements IFileSystem, WriteGuard {
  private lastKind: PmxcfsBacking['kind'] = 'unmounted';
  private lastPaths: string[] = ['/'];

  constructor(private readonly host: PmxcfsHost) {}

  writeError(rel: string, syscall: string): FsErrorCode | undefined {
    if (this.lastKind === 'unmounted') return undefined;
    const path = normalize(rel);
    if (this.virtual(path)) return 'EACCES';
    if (syscall === 'symlink' || syscall === 'link') return 'EPERM';
    return this.host.writableNow() === false ? 'EACCES' : undefined;
  }

  async readFile(path: string, options?: ReadOptions): Promise<string> {
    const b = await this.backing();
    const p = normalize(path);
    if (b.kind === 'mounted' && STATUS_FILES.includes(p.slice(1))) return this.host.statusFile(p.slice(1));
    if (b.kind === 'mounted' && LINKS.includes(p.slice(1))) return b.fs.readFile(this.linkTarget(p), options);
    return b.fs.readFile(p, options);
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    const b = await this.backing();
    const p = normalize(path);
    if (b.kind === 'mounted' && STATUS_FILES.includes(p.slice(1))) return Buffer.from(await this.host.statusFile(p.slice(1)));
    return b.fs.readFileBuffer(p);
  }

  writeFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    return this.change({ method: 'writeFile', path: normalize(path), content, options });
  }

  appendFile(path: string, content: FileContent, options?: WriteOptions): Promise<void> {
    return this.change({ method: 'appendFile', path: normalize(path), content, options });
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
    const p = normalize(path);
    const b = await this.backing();
    if (b.kind === 'mounted' && LINKS.includes(p.slice(1))) return this.modes(this.linkTarget(p), await b.fs.stat(this.linkTarget(p)));
    return this.lstatIn(b, p);
  }

  async lstat(path: string): Promise<FsStat> {
    return this.lstatIn(await this.backing(), normalize(path));
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    return this.change({ method: 'mkdir', path: normalize(path), options });
  }

  async readdir(path: string): Promise<string[]> {
    const p = normalize(path);
    const b = await this.backing();
    const dir = b.kind === 'mounted' && LINKS.includes(p.slice(1)) ? this.linkTarget(p) : p;
    const names = await b.fs.readdir(dir);
    return b.kind === 'mounted' && p === '/' ? [...names, ...STATUS_FILES, ...LINKS].sort() : names;
  }

  async readdirWithFileTypes(path: string): Promise<Dirent[]> {
    const p = normalize(path);
    const names = await this.readdir(p);
    const b = await this.backing();
    const dir = b.kind === 'mounted' && LINKS.includes(p.slice(1)) ? this.linkTarget(p) : p;
    return Promise.all(
      names.map(async (name) => {
        const st = await this.lstatIn(b, join(dir, name));
        return { name, isFile: st.isFile, isDirectory: st.isDirectory, isSymbolicLink: st.isSymbolicLink };
      }),
    );
  }

  rm(path: string, options?: RmOptions): Promise<void> {
    return this.change({ method: 'rm', path: normalize(path), options });
  }

  cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    return this.change({ method: 'cp', path: normalize(src), dest: normalize(dest), options });
  }

  mv(src: string, dest: string): Promise<void> {
    return this.change({ method: 'mv', path: normalize(src), dest: normalize(dest) });
  }

  resolvePath(base: string, path: string): string {
    return path.startsWith('/') ? normalize(path) : join(base, path);
  }

  getAllPaths(): string[] {
    return this.lastPaths;
  }

  async chmod(path: string, mode: number): Promise<void> {
    const p = normalize(path);
    const b = await this.backing();
    if (b.kind === 'unmounted') return b.fs.chmod(p, mode);
    const st = await this.lstatIn(b, p);
    // pmxcfs only "changes" a mode to the one it already reports (0600 private, 0640 else).
    const allowed = st.isDirectory ? st.mode & 0o777 : isPrivate(p) ? PRIV_FILE_MODE : FILE_MODE;
    if ((mode & 0o777) !== allowed) throw fsError('EPERM', 'chmod', p);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const b = await this.backing();
    if (b.kind === 'unmounted') return b.fs.symlink(target, normalize(linkPath));
    throw fsError('EPERM', 'symlink', linkPath);
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    const b = await this.backing();
    if (b.kind === 'unmounted') return b.fs.link(normalize(existingPath), normalize(newPath));
    throw fsError('EPERM', 'link', newPath);
  }

  async readlink(path: string): Promise<string> {
    const p = normalize(path);
    const b = await this.backing();
    if (b.kind === 'mounted' && LINKS.includes(p.slice(1))) return this.linkTarget(p).slice(1);
    return b.fs.readlink(p);
  }

  async realpath(path: string): Promise<string> {
    const p = normalize(path);
    const b = await this.backing();
    if (b.kind === 'mounted' && LINKS.includes(p.slice(1))) return this.linkTarget(p);
    return b.fs.realpath(p);
  }

  utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    return this.change({ method: 'utimes', path: normalize(path), atime, mtime });
  }

  private async backing(): Promise<PmxcfsBacking> {
    const b = await this.host.backing();
    this.lastKind = b.kind;
    const paths = b.fs.getAllPaths();
    this.lastPaths = b.kind === 'mounted' ? [...paths, ...STATUS_FILES.map((f) => `/${f}`), ...LINKS.map((l) => `/${l}`)] : paths;
    return b;
  }

  private virtual(path: string): boolean {
    return STATUS_FILES.includes(path.slice(1)) || LINKS.includes(path.slice(1));
  }

  private linkTarget(path: string): string {
    const name = path.slice(1);
    return name === 'local' ? `/nodes/${this.host.nodeName}` : `/nodes/${this.host.nodeName}/${name}`;
  }

  private async lstatIn(b: PmxcfsBacking, path: string): Promise<FsStat> {
    if (b.kind === 'unmounted') return b.fs.lstat(path);
    const name = path.slice(1);
    const now = new Date();
    if (STATUS_FILES.includes(name)) {
      const size = Buffer.byteLength(await this.host.statusFile(name));
      return { isFile: true, isDirectory: false, isSymbolicLink: false, mode: 0o440, size, mtime: now };
    }
    if (LINKS.includes(name)) return { isFile: false, isDirectory: false, isSymbolicLink: true, mode: 0o777, size: this.linkTarget(path).length - 1, mtime: now };
    return this.modes(path, await b.fs.lstat(path));
  }

  private modes(path: string, st: FsStat): FsStat {
    if (st.isSymbolicLink) return st;
    const priv = isPrivate(path);
    return { ...st, mode: (st.mode & ~0o7777) | (st.isDirectory ? (priv ? PRIV_DIR_MODE : DIR_MODE) : priv ? PRIV_FILE_MODE : FILE_MODE) };
  }

  private async change(op: DbOp): Promise<void> {
    const b = await this.backing();
    if (b.kind === 'unmounted') return applyOp(b.fs, op);
    if (this.virtual(op.path) || (op.method === 'mv' || op.method === 'cp' ? this.virtual(op.dest) : false)) throw fsError('EACCES', op.method, op.path);
    if (!b.writable) throw fsError('EACCES', op.method === 'writeFile' || op.method === 'appendFile' ? 'open' : op.method, op.path);
    await b.write(op);
  }
}
