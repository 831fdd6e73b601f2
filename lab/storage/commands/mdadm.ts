import { SBIN_VIA_USR_BIN } from './sbin';
import { decodeBytesToUtf8 } from 'just-bash';
import type { ExecResult } from 'just-bash';
import { type LabCommand, type NodeContext } from '../../commands/types';
import { ctime24, renderDetail, renderDetailBrief, renderExamine } from '../mdReports';
import { mdNameOf, normalizeDevPath, StorageError } from '../nodeStorage';

/** What each release's mdadm prints for --version (on stderr). */
const VERSION: Record<8 | 9, string> = { 8: 'mdadm - v4.2 - 2021-12-30 - 5', 9: 'mdadm - v4.4 - 2024-11-07 - 2' };

const result = (stdout: string, stderr: string, exitCode: number): ExecResult => ({ stdout, stderr, exitCode });

/** Options as mdadm's getopt takes them: `--level=5`, `--level 5`, `-l5`, `-l 5`. */
class Args {
  private i = 0;
  constructor(private readonly argv: string[]) {}

  done(): boolean {
    return this.i >= this.argv.length;
  }

  next(): string {
    return this.argv[this.i++] as string;
  }

  /** The value of an option just read: after `=`, glued to a short flag, or the next word. */
  value(arg: string, short: string): string | undefined {
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
    if (!arg.startsWith('--') && arg.length > short.length) return arg.slice(short.length);
    return this.i < this.argv.length ? this.next() : undefined;
  }
}

const LONG_VALUE = /^--(level|raid-devices|metadata|bitmap|chunk|name|homehost|spare-devices)(=|$)/;
const SHORT_VALUE = /^-(l|n|e|b|c|N|x)/;

/** mdadm 4.2/4.4: create, detail, examine, stop, assemble, zero-superblock and the manage ops. */
export const mdadm: LabCommand = {
  name: 'mdadm',
  dir: SBIN_VIA_USR_BIN,
  async run(argv, ctx, node) {
    const args = new Args(argv);
    const opts = new Map<string, string>();
    const flags = new Set<string>();
    const words: string[] = [];
    const manage: { op: 'fail' | 'remove' | 'add'; dev: string }[] = [];
    let pendingOp: 'fail' | 'remove' | 'add' | undefined;
    let mode: string | undefined;
    while (!args.done()) {
      const a = args.next();
      const long = LONG_VALUE.exec(a);
      const short = !a.startsWith('--') ? SHORT_VALUE.exec(a) : null;
      if (long) opts.set(long[1] as string, args.value(a, '') ?? '');
      else if (short) opts.set({ l: 'level', n: 'raid-devices', e: 'metadata', b: 'bitmap', c: 'chunk', N: 'name', x: 'spare-devices' }[short[1] as string] as string, args.value(a, `-${short[1]}`) ?? '');
      else if (/^(--create|-C)$/.test(a)) mode = 'create';
      else if (/^(--detail|-D)$/.test(a)) mode = 'detail';
      else if (/^(--examine|-E)$/.test(a)) mode = 'examine';
      else if (/^(--stop|-S)$/.test(a)) mode = 'stop';
      else if (/^(--assemble|-A)$/.test(a)) mode = 'assemble';
      else if (a === '--zero-superblock') mode = 'zero';
      else if (/^(--version|-V)$/.test(a)) mode = 'version';
      else if (a === '-Ds' || a === '-sD') (mode = 'detail'), flags.add('scan');
      else if (a === '-As' || a === '-sA') (mode = 'assemble'), flags.add('scan');
      else if (a === '-Es' || a === '-sE') (mode = 'examine'), flags.add('scan');
      else if (/^(--scan|-s)$/.test(a)) flags.add('scan');
      else if (/^(--run|-R)$/.test(a)) flags.add('run');
      else if (/^(--force)$/.test(a) || (a === '-f' && mode === 'create')) flags.add('force');
      else if (/^(--verbose|-v)$/.test(a)) flags.add('verbose');
      else if (a === '--assume-clean') flags.add('assume-clean');
      else if (a === '--manage') mode = 'manage';
      else if (/^(--fail|--set-faulty|-f)$/.test(a)) pendingOp = 'fail';
      else if (/^(--remove|-r)$/.test(a)) pendingOp = 'remove';
      else if (/^(--add|-a)$/.test(a)) pendingOp = 'add';
      else if (a.startsWith('-')) return result('', `mdadm: unrecognized option '${a}'\nUsage: mdadm --help\n  for help\n`, 2);
      else if (pendingOp && words.length > 0) manage.push({ op: pendingOp, dev: a });
      else words.push(a);
    }
    if (mode === 'version') return result('', `${VERSION[node.release.major]}\n`, 0);
    if (manage.length > 0) return manageOps(node, words[0] as string, manage);
    switch (mode) {
      case 'create':
        return create(node, words, opts, flags, decodeBytesToUtf8(ctx.stdin));
      case 'detail':
        return detail(node, words, flags.has('scan'));
      case 'examine':
        return examine(node, words, flags.has('scan'));
      case 'stop':
        return stop(node, words);
      case 'zero':
        return zero(node, words);
      case 'assemble':
        return assemble(node);
      default:
        return result('', 'mdadm: No devices given.\n', 2);
    }
  },
};

function levelOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === 'mirror') return 1;
  if (text === 'stripe') return 0;
  const m = /^(?:raid)?(\d+)$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

async function create(node: NodeContext, words: string[], opts: Map<string, string>, flags: Set<string>, stdin: string): Promise<ExecResult> {
  const [target, ...devices] = words;
  if (!target) return result('', 'mdadm: an md device must be given in this mode\n', 2);
  const level = levelOf(opts.get('level'));
  if (opts.get('level') === undefined) return result('', 'mdadm: a RAID level is needed to create an array.\n', 2);
  if (level === undefined || ![0, 1, 4, 5, 6, 10].includes(level)) return result('', `mdadm: invalid raid level: ${opts.get('level')}\n`, 2);
  const raidDevices = Number(opts.get('raid-devices'));
  if (!opts.has('raid-devices')) return result('', 'mdadm: no raid-devices specified.\n', 2);
  if (devices.length < raidDevices) return result('', "mdadm: You haven't given enough devices (real or missing) to create this array\n", 2);
  if (devices.length > raidDevices) return result('', `mdadm: You have listed more devices (${devices.length}) than are in the array(${raidDevices})!\n`, 2);
  const verbose = opts.has('verbose') || flags.has('verbose');
  const storage = node.storage;
  let err = '';
  if (verbose && (level === 5 || level === 6)) err += 'mdadm: layout defaults to left-symmetric\nmdadm: layout defaults to left-symmetric\n';
  if (verbose && [0, 4, 5, 6, 10].includes(level)) err += 'mdadm: chunk size defaults to 512K\n';
  let warn = false;
  let failed = false;
  const sizes: { dev: string; kib: number }[] = [];
  for (const [i, dev] of devices.entries()) {
    const info = storage.blockDevice(dev);
    if (!info) return result('', `${err}mdadm: cannot open ${dev}: No such file or directory\n`, 2);
    if (storage.openExclusive(dev)) {
      if (i === 0) return result('', `${err}mdadm: cannot open ${dev}: Device or resource busy\n`, 2);
      err += `mdadm: super1.x cannot open ${dev}: Device or resource busy\nmdadm: ${dev} is not suitable for this array.\n`;
      failed = true;
      continue;
    }
    sizes.push({ dev, kib: Math.floor(info.sizeBytes / 1024) });
    const sig = storage.signature(dev);
    if (sig?.type === 'ext4') {
      err += `mdadm: ${dev} appears to contain an ext2fs file system\n       size=${Math.floor(info.sizeBytes / 1024)}K  mtime=${ctime24(node.clock.now())}\n`;
      warn = true;
    }
    const sb = storage.superblockOf(dev);
    if (sb) {
      err += `mdadm: ${dev} appears to be part of a raid array:\n       level=raid${sb.array.level} devices=${sb.array.raidDisks} ctime=${ctime24(sb.array.createdAt)}\n`;
      warn = true;
    }
    if (sig?.type === 'gpt') {
      err += `mdadm: partition table exists on ${dev} but will be lost or\n       meaningless after creating array\n`;
      warn = true;
    }
    if (level === 1 && i === 0) {
      err += "mdadm: Note: this array has metadata at the start and\n    may not be suitable as a boot device.  If you plan to\n    store '/boot' on this device please ensure that\n    your boot-loader understands md/v1.x metadata, or use\n    --metadata=0.90\n";
      warn = true;
    }
  }
  if (failed) return result('', `${err}mdadm: create aborted\n`, 1);
  const minKiB = Math.min(...sizes.map((s) => s.kib));
  const maxKiB = Math.max(...sizes.map((s) => s.kib));
  if (verbose) err += `mdadm: size set to ${sizeSetTo(storage, devices, level)}K\n`;
  const bitmap = opts.get('bitmap') === 'internal' || (opts.get('bitmap') !== 'none' && level >= 1 && minKiB - 132096 > 100 * 1024 * 1024);
  if (verbose && bitmap && opts.get('bitmap') !== 'internal') err += 'mdadm: automatically enabling write-intent bitmap on large array\n';
  if ((maxKiB - minKiB) * 100 > maxKiB) {
    err += `mdadm: largest drive (${(sizes.find((s) => s.kib === maxKiB) as { dev: string }).dev}) exceeds size (${sizeSetTo(storage, devices, level)}K) by more than 1%\n`;
    warn = true;
  }
  if (warn && !flags.has('run')) {
    // Without --run mdadm asks; a closed stdin (no terminal over SSH) answers no.
    err += 'Continue creating array? ';
    if (!/^[yY]/.test(stdin)) return result('', `${err}mdadm: create aborted.\n`, 1);
  } else if (warn && verbose) err += 'mdadm: creation continuing despite oddities due to --run\n';
  const mdName = mdNameOf(target);
  const named = /^\/dev\/md\/(.+)$/.exec(normalizeDevPath(target));
  const kernelName = named && !/^\d+$/.test(named[1] as string) ? freeName(node) : mdName;
  if (!/^md\d+$/.test(kernelName)) return result('', `${err}mdadm: ${target} is an invalid name for an md device.  Try /dev/md/${target.split('/').pop()}\n`, 1);
  if (storage.array(kernelName)) return result('', `${err}mdadm: another array by this name is already running.\n`, 1);
  if (!opts.has('metadata')) err += 'mdadm: Defaulting to version 1.2 metadata\n';
  const label = opts.get('name') ?? `${node.name}:${named ? named[1] : kernelName.slice(2)}`;
  storage.mdCreate({ name: kernelName, level, raidDevices, devices, force: flags.has('force'), assumeClean: flags.has('assume-clean'), bitmap, label });
  err += `mdadm: array ${target} started.\n`;
  return result('', err, 0);
}

/** The per-device size mdadm settles on (KiB): the smallest member's data area, chunk-aligned. */
function sizeSetTo(storage: NodeContext['storage'], devices: string[], level: number): number {
  const sectors = Math.min(...devices.map((d) => (storage.blockDevice(d)?.sizeBytes ?? 0) / 512));
  const round = [0, 4, 5, 6, 10].includes(level) ? 512 : 64;
  return Math.floor((sectors - 264192) / 2 / round) * round;
}

function freeName(node: NodeContext): string {
  for (let n = 127; n >= 0; n--) if (!node.storage.array(`md${n}`)) return `md${n}`;
  return 'md0';
}

function detail(node: NodeContext, words: string[], scan: boolean): ExecResult {
  const storage = node.storage;
  if (scan && words.length === 0) {
    const out = storage
      .arrays()
      .filter((a) => a.name)
      .map((a) => renderDetailBrief(a, `/dev/${a.name}`))
      .join('');
    return result(out, '', 0);
  }
  if (words.length === 0) return result('', 'mdadm: No devices given.\n', 2);
  let out = '';
  let err = '';
  let code = 0;
  for (const w of words) {
    const array = storage.array(w);
    if (!array) {
      const isDev = storage.blockDevice(w);
      err += isDev ? `mdadm: ${w} does not appear to be an md device\n` : `mdadm: cannot open ${w}: No such file or directory\n`;
      code = 1;
      continue;
    }
    out += scan ? renderDetailBrief(array, w) : renderDetail(storage, array, w);
  }
  return result(out, err, code);
}

function examine(node: NodeContext, words: string[], scan: boolean): ExecResult {
  const storage = node.storage;
  if (scan) {
    const seen = new Set<string>();
    let out = '';
    for (const d of storage.devices()) {
      const sb = storage.superblockOf(`/dev/${d.name}`);
      if (!sb || seen.has(sb.array.uuid)) continue;
      seen.add(sb.array.uuid);
      out += `ARRAY /dev/md/${sb.array.label.split(':').pop()}  metadata=1.2 UUID=${sb.array.uuid} name=${sb.array.label}\n`;
    }
    return result(out, '', 0);
  }
  if (words.length === 0) return result('', 'mdadm: No devices to examine\n', 2);
  let out = '';
  let err = '';
  let code = 0;
  for (const w of words) {
    const info = storage.blockDevice(w);
    if (!info) {
      err += `mdadm: cannot open ${w}: No such file or directory\n`;
      code = 2;
      continue;
    }
    const sb = storage.superblockOf(w);
    if (sb) {
      out += renderExamine(storage, sb.array, w, sb.sig.devUuid, sb.member, info.sizeBytes);
      continue;
    }
    if (storage.signature(w)?.type === 'gpt') {
      const sectors = Math.floor(info.sizeBytes / 512) - 1;
      out += `${w}:\n   MBR Magic : aa55\nPartition[0] :   ${String(Math.min(sectors, 4294967295)).padStart(10, ' ')} sectors at ${String(1).padStart(10, ' ')} (type ee)\n`;
      continue;
    }
    err += `mdadm: No md superblock detected on ${w}.\n`;
    code = 1;
  }
  return result(out, err, code);
}

function stop(node: NodeContext, words: string[]): ExecResult {
  if (words.length === 0) return result('', 'mdadm: No devices given.\n', 2);
  let err = '';
  let code = 0;
  for (const w of words) {
    try {
      node.storage.mdStop(w);
      err += `mdadm: stopped ${w}\n`;
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      err += e.message;
      code = 1;
    }
  }
  return result('', err, code);
}

function zero(node: NodeContext, words: string[]): ExecResult {
  let err = '';
  let code = 0;
  for (const w of words) {
    if (!node.storage.blockDevice(w)) {
      err += `mdadm: Couldn't open ${w} for write - not zeroing\n`;
      code = 1;
      continue;
    }
    try {
      node.storage.mdZeroSuperblock(w);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      err += e.message;
      code = 1;
    }
  }
  return result('', err, code);
}

async function assemble(node: NodeContext): Promise<ExecResult> {
  const conf = await node.fs.readFile('/etc/mdadm/mdadm.conf').catch(() => '');
  const started = node.storage.mdAssemble(conf);
  if (started.length === 0) {
    const known = node.storage.arrays().length > 0;
    return result('', known ? '' : 'mdadm: No arrays found in config file or automatically\n', 1);
  }
  let err = '';
  for (const a of started) {
    const path = conf.includes(a.uuid) ? `/dev/${a.name}` : `/dev/md/${a.label.split(':').pop()}`;
    const ok = a.activeCount;
    const rebuilding = a.members.filter((m) => m.state === 'rebuilding').length;
    const spares = a.members.filter((m) => m.state === 'spare').length;
    err += `mdadm: ${path} has been started with ${ok} drive${ok === 1 ? '' : 's'}${ok < a.raidDisks ? ` (out of ${a.raidDisks})` : ''}${rebuilding ? `${ok ? ' and' : ''} ${rebuilding} rebuilding` : ''}${spares ? ` and ${spares} spare${spares === 1 ? '' : 's'}` : ''}.\n`;
  }
  return result('', err, 0);
}

function manageOps(node: NodeContext, array: string, ops: { op: 'fail' | 'remove' | 'add'; dev: string }[]): ExecResult {
  const storage = node.storage;
  if (!storage.array(array)) return result('', `mdadm: error opening ${array}: No such file or directory\n`, 1);
  let err = '';
  for (const { op, dev } of ops) {
    try {
      if (op === 'fail') {
        storage.mdFail(array, dev);
        err += `mdadm: set ${dev} faulty in ${array}\n`;
      } else if (op === 'remove') {
        const name = storage.deviceName(dev);
        if (!name || !storage.array(array)?.member(name)) return result('', `${err}mdadm: hot remove failed for ${dev}: No such device or address\n`, 1);
        storage.mdRemove(array, dev);
        err += `mdadm: hot removed ${dev} from ${array}\n`;
      } else {
        if (!storage.blockDevice(dev)) return result('', `${err}mdadm: cannot find ${dev}: No such file or directory\n`, 1);
        if (storage.openExclusive(dev)) return result('', `${err}mdadm: Cannot open ${dev}: Device or resource busy\n`, 1);
        err += `mdadm: ${storage.mdAdd(array, dev)} ${dev}\n`;
      }
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      return result('', err + e.message, 1);
    }
  }
  return result('', err, 0);
}
