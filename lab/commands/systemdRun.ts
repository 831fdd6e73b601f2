import { randomBytes } from 'node:crypto';
import { decodeBytesToUtf8, type ExecResult } from 'just-bash';
import { PRIORITY } from '../journal/journal';
import type { Services } from '../services';
import { fail, type LabCommand, type NodeContext } from './types';

/**
 * A transient service (`systemd-run`): its main process runs under the node's service manager,
 * not under the shell that asked for it, so a dropped SSH session does not end it; losing power
 * does, and a transient unit does not survive a boot.
 */
export interface TransientUnit {
  /** Bare unit name, as Services knows it (`pve-runbooks-join`). */
  readonly name: string;
  readonly description: string;
  readonly mainPid: number;
  /** Set when the main process has ended and the unit stayed loaded (failed, without --collect). */
  result?: 'success' | 'exit-code';
  execMainStatus: number;
  /** `systemctl stop`: the process is killed; systemd counts that as a clean stop. */
  stop(): Promise<void>;
}

const units = new WeakMap<Services, Map<string, TransientUnit>>();
let nextPid = 40_000;
/** systemd names an unnamed run `run-uN`. */
let nextRun = 1;

function unitsOf(node: NodeContext): Map<string, TransientUnit> {
  let m = units.get(node.services);
  if (!m) units.set(node.services, (m = new Map()));
  return m;
}

/** The node's transient unit of that name (with or without `.service`), if it is loaded. */
export function transientUnit(node: NodeContext, name: string): TransientUnit | undefined {
  const unit = node.services.unit(name);
  return unit === undefined ? undefined : unitsOf(node).get(unit);
}

/** `systemctl reset-failed`: a failed transient unit that was not collected is unloaded. */
export function resetFailed(node: NodeContext, name: string): void {
  const t = transientUnit(node, name);
  if (!t || node.services.state(t.name) !== 'failed') return;
  unitsOf(node).delete(t.name);
  node.services.remove(t.name);
}

interface RunArgs {
  unit?: string;
  description?: string;
  collect: boolean;
  wait: boolean;
  pipe: boolean;
  quiet: boolean;
  argv: string[];
}

const BOOLEAN: Record<string, keyof Pick<RunArgs, 'collect' | 'wait' | 'pipe' | 'quiet'>> = {
  '--collect': 'collect',
  '-G': 'collect',
  '--wait': 'wait',
  '-W': 'wait',
  '--pipe': 'pipe',
  '-P': 'pipe',
  '--quiet': 'quiet',
  '-q': 'quiet',
};

/** Options real systemd-run has that the twin does not implement. */
const UNSIMULATED = /^(--(scope|property|slice|user|system|remain-after-exit|service-type|uid|gid|nice|setenv|pty|same-dir|working-directory|no-block|on-[\w-]+|timer-property|path-property|socket-property|no-ask-password|send-sighup|machine|host)\b|-[pEtdrMHS])/;

/** getopt_long with a leading '+': options end at `--` or at the first word that is not one. */
function parseArgs(args: string[]): RunArgs | ExecResult {
  const out: RunArgs = { collect: false, wait: false, pipe: false, quiet: false, argv: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      out.argv = args.slice(i + 1);
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      out.argv = args.slice(i);
      break;
    }
    const flag = BOOLEAN[a];
    if (flag) {
      out[flag] = true;
      continue;
    }
    const m = /^(--unit|--description|-u)(?:=(.*))?$/.exec(a);
    if (!m) return fail(UNSIMULATED.test(a) ? `systemd-run: ${a} is not simulated by the lab twin\n` : `systemd-run: unrecognized option '${a}'\n`);
    const value = m[2] ?? args[++i];
    if (value === undefined) return fail(`systemd-run: option '${m[1]}' requires an argument\n`);
    if (m[1] === '--description') out.description = value;
    else out.unit = value;
  }
  if (out.argv.length === 0) return fail('Command line to execute required.\n');
  return out;
}

const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** systemd-run resolves the executable itself, before asking for a unit. */
async function findExecutable(node: NodeContext, name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await node.fs.exists(name)) ? name : undefined;
  for (const dir of PATH) if (await node.fs.exists(`${dir}/${name}`)) return `${dir}/${name}`;
  return undefined;
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The argv as one line for the node's shell: exec'd as is, never reinterpreted. */
function commandLine(argv: string[]): string {
  return argv.map((a) => (a !== '' && SAFE_WORD.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** exit_status_to_string(…, EXIT_STATUS_FULL) for what the twin's programs return. */
function statusName(code: number): string {
  return ({ 0: 'SUCCESS', 1: 'FAILURE', 2: 'INVALIDARGUMENT', 3: 'NOTIMPLEMENTED', 4: 'NOPERMISSION', 5: 'NOTINSTALLED', 6: 'NOTCONFIGURED', 7: 'NOTRUNNING', 255: 'EXCEPTION' } as Record<number, string>)[code] ?? 'n/a';
}

/** systemd 252 (bookworm) and 257 (trixie) word the run's summary differently. */
function summary(node: NodeContext, code: number, startedAt: number): string {
  const main = node.release.major === 8 ? `code=exited/status=${code}` : `code=exited, status=${code}/${statusName(code)}`;
  const secs = (node.clock.now() - startedAt) / 1000;
  return `Finished with result: ${code === 0 ? 'success' : 'exit-code'}\nMain processes terminated with: ${main}\nService runtime: ${secs >= 1 ? `${secs.toFixed(3).replace(/\.?0+$/, '')}s` : `${Math.round(secs * 1000)}ms`}\n`;
}

function runningAs(node: NodeContext, service: string): string {
  if (node.release.major === 8) return `Running as unit: ${service}\n`;
  return `Running as unit: ${service}; invocation ID: ${randomBytes(16).toString('hex')}\n`;
}

/**
 * Starts the unit's main process: a run of the node's own (not the session's), ended only by
 * power loss or `systemctl stop`. Output goes to the caller with --pipe; the twin keeps no
 * journal of a unit's output otherwise.
 */
function start(node: NodeContext, name: string, description: string, argv: string[], stdin: string, collect: boolean): { exit: Promise<number | undefined>; output: Promise<ExecResult | undefined> } {
  const host = node.cluster.host(node.name);
  if (!host) throw new Error(`${node.name} is not a lab host`);
  const service = `${name}.service`;
  const stopper = new AbortController();
  let stopRequested = false;
  node.services.add(name);
  node.services.set(name, 'active');
  host.journal.log('systemd', `Started ${service} - ${description}.`, { unit: service });
  const output = host
    .run({ command: commandLine(argv), via: 'internal', user: 'root', cwd: '/', stdin, signal: stopper.signal })
    .then((o) => (o.kind === 'exit' ? o.result : undefined));
  const exit = output.then((r) => {
    // No result: the node lost power (the unit is gone with the boot) or `systemctl stop` killed it.
    const code = r?.exitCode;
    const failed = code !== undefined && code !== 0 && !stopRequested;
    if (failed) {
      host.journal.log('systemd', `${service}: Main process exited, code=exited, status=${code}/${statusName(code)}`, { unit: service });
      host.journal.log('systemd', `${service}: Failed with result 'exit-code'.`, { unit: service, priority: PRIORITY.warning });
    } else if (host.powered) host.journal.log('systemd', `${service}: Deactivated successfully.`, { unit: service });
    if (failed && !collect) {
      unit.result = 'exit-code';
      unit.execMainStatus = code;
      node.services.set(name, 'failed');
    } else {
      unitsOf(node).delete(name);
      node.services.remove(name);
    }
    return stopRequested ? 0 : code;
  });
  const unit: TransientUnit = {
    name,
    description,
    mainPid: nextPid++,
    execMainStatus: 0,
    stop: async () => {
      stopRequested = true;
      stopper.abort(new Error(`${service} stopped`));
      await exit;
    },
  };
  unitsOf(node).set(name, unit);
  return { exit, output };
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * systemd-run as PVE nodes ship it: the command in a transient service (`--unit`, `--collect`,
 * `--description`), optionally waited for (`--wait`) with its standard streams passed through
 * (`--pipe`). With --wait its exit status is the service's; if systemd-run itself goes away
 * (its session closed) the service runs on, and a second unit of the same name is refused while
 * the first is loaded.
 */
export const systemdRun: LabCommand = {
  name: 'systemd-run',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const a = parseArgs(args);
    if (!('argv' in a)) return a;
    const [program, ...rest] = a.argv as [string, ...string[]];
    const path = await findExecutable(node, program);
    if (!path) return fail(`Failed to find executable ${program}: No such file or directory\n`);
    const name = (a.unit ?? `run-u${nextRun++}`).replace(/\.service$/, '');
    if (node.services.unit(name) !== undefined) {
      return fail(`Failed to start transient service unit: Unit ${name}.service was already loaded or has a fragment file.\n`);
    }
    const description = a.description ?? [path, ...rest].join(' ');
    const stdin = a.pipe ? decodeBytesToUtf8(ctx.stdin) : '';
    const { exit, output } = start(node, name, description, [path, ...rest], stdin, a.collect);
    const started = a.quiet ? '' : runningAs(node, `${name}.service`);
    if (!a.wait && !a.pipe) return { stdout: '', stderr: started, exitCode: 0 };
    const startedAt = node.clock.now();
    // The caller gone (session closed, power lost): systemd-run dies, the service does not.
    const finished = await Promise.race([exit.then((code) => ({ code })), untilAborted(ctx.signal).then(() => undefined)]);
    if (!finished) return fail('', 130);
    const result = a.pipe ? await output : undefined;
    // Either option makes systemd-run follow the service and exit with its status.
    const code = finished.code ?? 0;
    const ended = a.wait && !a.quiet ? summary(node, code, startedAt) : '';
    return { stdout: result?.stdout ?? '', stderr: started + (result?.stderr ?? '') + ended, exitCode: code };
  },
};
