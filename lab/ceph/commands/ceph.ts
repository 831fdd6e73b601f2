import type { ExecResult } from 'just-bash';
import { fail, ok, type LabCommand, type NodeContext } from '../../commands/types';
import { CephCommandError } from '../cluster';
import { keyringText } from '../conf';
import { readConf } from './pvecephCommon';
import { versionLine } from '../releases';
import * as report from '../report';
import { connect, isConnected, type ClientOptions } from './client';

/** The `ceph` CLI's global options, wherever they appear, and the command words left. */
interface CephArgs {
  words: string[];
  format?: string;
  outFile?: string;
  inFile?: string;
  client: ClientOptions;
  yes: boolean;
  status: boolean;
  version: boolean;
}

type ValueOption = 'format' | 'outFile' | 'inFile' | 'conf' | 'name' | 'id' | 'keyring' | 'cluster' | 'timeout';

const WITH_VALUE: Record<string, ValueOption> = {
  '-f': 'format',
  '--format': 'format',
  '-o': 'outFile',
  '--out-file': 'outFile',
  '-i': 'inFile',
  '--in-file': 'inFile',
  '-c': 'conf',
  '--conf': 'conf',
  '-n': 'name',
  '--name': 'name',
  '--id': 'id',
  '--user': 'id',
  '-k': 'keyring',
  '--keyring': 'keyring',
  '--cluster': 'cluster',
  '--connect-timeout': 'timeout',
};

function parseArgs(args: string[]): CephArgs | ExecResult {
  const out: CephArgs = { words: [], client: { name: 'client.admin' }, yes: false, status: false, version: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = /^(--[\w-]+)=(.*)$/.exec(arg);
    const flag = eq ? (eq[1] as string) : arg;
    const target = WITH_VALUE[flag];
    if (target) {
      const value = eq ? eq[2] : args[++i];
      if (value === undefined) return fail(`ceph: error: argument ${flag}: expected one argument\n`, 2);
      if (target === 'conf') out.client.conf = value;
      else if (target === 'name') out.client.name = value;
      else if (target === 'id') out.client.name = `client.${value}`;
      else if (target === 'keyring') out.client.keyring = value;
      else if (target === 'timeout') out.client.connectTimeoutMs = Number(value) * 1000;
      else if (target === 'format' || target === 'outFile' || target === 'inFile') out[target] = value;
      continue;
    }
    if (arg === '-s' || arg === '--status') out.status = true;
    else if (arg === '-v' || arg === '--version') out.version = true;
    else if (arg === '--yes-i-really-mean-it' || arg === '--yes-i-really-really-mean-it') out.yes = true;
    else out.words.push(arg);
  }
  return out;
}

function isArgs(v: CephArgs | ExecResult): v is CephArgs {
  return Array.isArray((v as CephArgs).words);
}

/** JSON as the ceph CLI prints it: compact, or 4-space indented for json-pretty. */
function json(value: unknown, format: string): string {
  return `${format === 'json-pretty' ? JSON.stringify(value, null, 4) : JSON.stringify(value)}\n`;
}

const structured = (format: string | undefined) => format === 'json' || format === 'json-pretty';

function osdIds(words: string[]): number[] | undefined {
  const ids: number[] = [];
  for (const w of words) {
    const m = /^(?:osd\.)?(\d+)$/.exec(w);
    if (!m) return undefined;
    ids.push(Number(m[1]));
  }
  return ids;
}

const INVALID = (words: string[]) => fail(`no valid command found; 10 closest matches:\n${words.join(' ')}\nError EINVAL: invalid command\n`, 22);

/** Runs one monitor command; the caller holds a connection. */
async function monCommand(a: CephArgs, node: NodeContext, stdin: string): Promise<ExecResult> {
  const ceph = node.ceph;
  /** `ceph osd out|in|rm ID...`: each id acted on in turn, a missing one said and skipped, as the monitor does. */
  const eachOsd = (w: string[], act: (id: number) => string): string | ExecResult => {
    const ids = osdIds(w.slice(2));
    if (!ids) return INVALID(w);
    return ids.map((id) => (ceph.osd(id) ? act(id) : `osd.${id} does not exist. `)).join('');
  };
  const w = a.words;
  const f = a.format;
  const cmd = w.join(' ');
  const snap = () => ceph.snapshot();
  if (a.status || cmd === 'status' || cmd === 's') return ok(structured(f) ? json(report.statusJson(snap()), f as string) : report.statusText(snap()));
  if (cmd === 'health' || cmd === 'health detail') {
    const detail = cmd === 'health detail';
    return ok(structured(f) ? json(report.healthJson(snap(), detail), f as string) : report.healthText(snap(), detail));
  }
  if (cmd === 'version') return ok(structured(f) ? json({ version: versionLine(ceph.state().minMonRelease) }, f as string) : `${versionLine(ceph.state().minMonRelease)}\n`);
  if (cmd === 'mon stat') return ok(structured(f) ? json(report.monStatJson(snap()), f as string) : report.monStatText(snap()));
  if (cmd === 'mon getmap') return { stdout: '', stderr: `got monmap epoch ${ceph.state().monmapEpoch}\n`, exitCode: 0 };
  if (cmd === 'osd tree') return ok(structured(f) ? json(report.osdTreeJson(snap()), f as string) : report.osdTreeText(snap()));
  if (cmd === 'osd dump') {
    const dump = report.osdDumpJson(snap(), (n) => (n === undefined ? undefined : ceph.host(n)?.address)) as { epoch: number; fsid: string };
    return ok(structured(f) ? json(dump, f as string) : `epoch ${dump.epoch}\nfsid ${dump.fsid}\n`);
  }
  if (cmd === 'osd ls') return ok(structured(f) ? json(ceph.osds().map((o) => o.id), f as string) : ceph.osds().map((o) => `${o.id}\n`).join(''));
  if (cmd === 'osd pool ls' || cmd === 'osd lspools') {
    const pools = ceph.pools().sort((x, y) => x.id - y.id);
    if (structured(f)) return ok(json(cmd === 'osd pool ls' ? pools.map((p) => p.name) : pools.map((p) => ({ poolnum: p.id, poolname: p.name })), f as string));
    return ok(pools.map((p) => (cmd === 'osd pool ls' ? `${p.name}\n` : `${p.id} ${p.name}\n`)).join(''));
  }
  if (cmd === 'osd pool ls detail') return ok(structured(f) ? json(report.poolLsDetailJson(snap()), f as string) : report.poolLsDetailText(snap()));
  if (w[0] === 'auth' && (w[1] === 'get' || w[1] === 'export') && w.length === 3) {
    const entity = w[2] as string;
    const e = ceph.authGet(entity);
    if (!e) return fail(`Error ENOENT: failed to find ${entity} in keyring\n`, 2);
    return ok(keyringText(entity, e));
  }
  if (w[0] === 'auth' && w[1] === 'del' && w.length === 3) {
    if (!ceph.authDel(w[2] as string)) return fail(`entity ${w[2]} does not exist\n`, 0);
    return ok();
  }
  if (w[0] === 'config' && w[1] === 'set' && w.length === 5) {
    ceph.setConfig(`${w[2]}/${w[3]}`, w[4] as string);
    return ok();
  }
  if (w[0] === 'osd' && (w[1] === 'out' || w[1] === 'in') && w.length > 2) {
    const msg = eachOsd(w, (id) => {
      const r = w[1] === 'out' ? ceph.markOut(id) : ceph.markIn(id);
      return r === 'done' ? `marked ${w[1]} osd.${id}. ` : `osd.${id} is already ${w[1]}. `;
    });
    return typeof msg === 'string' ? { stdout: '', stderr: `${msg}\n`, exitCode: 0 } : msg;
  }
  if (w[0] === 'osd' && (w[1] === 'purge' || w[1] === 'destroy') && w.length === 3) {
    const ids = osdIds([w[2] as string]);
    if (!ids) return INVALID(w);
    const id = ids[0] as number;
    if (!ceph.osd(id)) return { stdout: '', stderr: `osd.${id} does not exist\n`, exitCode: 0 };
    if (!a.yes) {
      const what = w[1] === 'purge' ? 'This will mean real, permanent data loss, as well as deleting cephx and lockbox keys.' : 'This will mean real, permanent data loss, as well as cephx and lockbox keys.';
      return fail(`Error EPERM: Are you SURE?  ${what} Pass --yes-i-really-mean-it if you really do.\n`, 1);
    }
    if (w[1] === 'purge') ceph.osdPurge(id);
    else ceph.osdDestroy(id);
    return { stdout: '', stderr: `${w[1] === 'purge' ? 'purged' : 'destroyed'} osd.${id}\n`, exitCode: 0 };
  }
  if (w[0] === 'osd' && w[1] === 'pool' && (w[2] === 'delete' || w[2] === 'rm') && w.length >= 4) {
    const name = w[3] as string;
    if (!ceph.poolExists(name)) return { stdout: '', stderr: `pool '${name}' does not exist\n`, exitCode: 0 };
    if (w[4] !== name || !a.yes) {
      return fail(`Error EPERM: WARNING: this will *PERMANENTLY DESTROY* all data stored in pool ${name}.  If you are *ABSOLUTELY CERTAIN* that is what you want, pass the pool name *twice*, followed by --yes-i-really-really-mean-it.\n`, 1);
    }
    if ((await readConf(node))['global']?.['mon_allow_pool_delete'] !== 'true') {
      return fail('Error EPERM: pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool\n', 1);
    }
    ceph.deletePool(name);
    return { stdout: '', stderr: `pool '${name}' removed\n`, exitCode: 0 };
  }
  if (w[0] === 'osd' && w[1] === 'purge-new' && w.length === 3) {
    const ids = osdIds([w[2] as string]);
    if (!ids || !a.yes) return INVALID(w);
    ceph.osdPurgeNew(ids[0] as number);
    return { stdout: '', stderr: `purged osd.${ids[0]}\n`, exitCode: 0 };
  }
  if (w[0] === 'osd' && w[1] === 'rm' && w.length > 2) {
    const msg = eachOsd(w, (id) => {
      ceph.osdRm(id);
      return `removed osd.${id}, `;
    });
    return typeof msg === 'string' ? { stdout: '', stderr: `${msg.replace(/, $/, '')}\n`, exitCode: 0 } : msg;
  }
  if (w[0] === 'osd' && w[1] === 'crush' && (w[2] === 'remove' || w[2] === 'rm') && w.length === 4) {
    const name = w[3] as string;
    const r = ceph.crushRemove(name);
    const id = /^osd\.(\d+)$/.exec(name)?.[1];
    if (r === 'absent') return { stdout: '', stderr: `device '${name}' does not appear in the crush map\n`, exitCode: 0 };
    return { stdout: '', stderr: id !== undefined ? `removed item id ${id} name '${name}' from crush map\n` : `removed item id ${ceph.state().crushHosts.get(name) ?? ''} name '${name}' from crush map\n`, exitCode: 0 };
  }
  if (w[0] === 'osd' && w[1] === 'new' && w.length >= 3) {
    const uuid = w[2] as string;
    const input = a.inFile === '-' ? stdin : a.inFile ? await node.fs.readFile(a.inFile).catch(() => '') : '';
    const secret = /"cephx_secret"\s*:\s*"([^"]+)"/.exec(input)?.[1];
    return ok(`${ceph.osdNew(uuid, secret ?? '')}\n`);
  }
  return INVALID(w);
}

/** The `ceph` CLI of ceph-common: global options, a connection to the monitors, one command. */
export const cephCommand: LabCommand = {
  name: 'ceph',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const a = parseArgs(args);
    if (!isArgs(a)) return a;
    const pkgs = node.ceph.packages(node.name);
    if (a.version) return ok(`${versionLine(pkgs.daemons ?? pkgs.common)}\n`);
    // Without a command the CLI reads commands from stdin; the runbooks never send any that way.
    if (a.words.length === 0 && !a.status) return ok();
    const conn = await connect(node, a.client, ctx.signal);
    if (!isConnected(conn)) return conn;
    let result: ExecResult;
    try {
      result = await monCommand(a, node, typeof ctx.stdin === 'string' ? ctx.stdin : '');
    } catch (err) {
      if (!(err instanceof CephCommandError)) throw err;
      const msg = err.message.startsWith('Error ') ? err.message : `Error E${errnoName(err.errno)}: ${err.message}`;
      return fail(`${msg}\n`, err.errno);
    }
    if (a.outFile && result.exitCode === 0) {
      const path = ctx.fs.resolvePath(ctx.cwd, a.outFile);
      try {
        await node.fs.writeFile(path, result.stdout);
      } catch {
        return fail(`can't open ${a.outFile}: [Errno 2] No such file or directory: '${a.outFile}'\n`, 1);
      }
      return { stdout: '', stderr: result.stderr, exitCode: 0 };
    }
    return result;
  },
};

function errnoName(errno: number): string {
  return ({ 1: 'PERM', 2: 'NOENT', 16: 'BUSY', 17: 'EXIST', 22: 'INVAL', 39: 'NOTEMPTY' } as Record<number, string>)[errno] ?? 'INVAL';
}
