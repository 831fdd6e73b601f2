import type { ExecResult } from 'just-bash';
import { errorCode, strerror } from '../fs/errors';
import type { LabFs } from '../fs/labFs';
import { ok, type LabCommand } from './types';

const PROC = '/proc/sys/';

const USAGE = `
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
`;

const LONG: Record<string, string> = { all: 'a', binary: 'b', ignore: 'e', names: 'N', values: 'n', quiet: 'q', write: 'w', help: 'h', version: 'V' };

interface Flags {
  printName: boolean;
  newline: boolean;
  ignore: boolean;
  namesOnly: boolean;
  quiet: boolean;
}

/**
 * procps-ng's slashdot: a name whose first separator is `from` has its `.` and `/` swapped
 * (`kernel.random.boot_id` ↔ kernel/random/boot_id); one already in the `to` form stays.
 */
function slashdot(name: string, from: '.' | '/', to: '.' | '/'): string {
  const first = /[./]/.exec(name)?.[0];
  if (first !== from) return name;
  return name.replace(/[./]/g, (c) => (c === from ? to : from));
}

class Output {
  stdout = '';
  stderr = '';
  warn(text: string): void {
    this.stderr += `sysctl: ${text}\n`;
  }
}

/** procps-ng 4's sysctl over the node's /proc/sys: reads and writes are file operations there. */
export const sysctl: LabCommand = {
  name: 'sysctl',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const flags: Flags = { printName: true, newline: true, ignore: false, namesOnly: false, quiet: false };
    let write = false;
    let all = false;
    const names: string[] = [];
    const out = new Output();
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (arg === '--') {
        names.push(...args.slice(i + 1));
        break;
      }
      let letters: string[];
      if (arg.startsWith('--')) {
        const long = LONG[arg.slice(2)];
        if (arg === '--load' || arg.startsWith('--load=') || arg === '--system') return notSimulated(arg);
        if (!long) return usageError(`unrecognized option '${arg}'`);
        letters = [long];
      } else if (arg.startsWith('-') && arg.length > 1) letters = [...arg.slice(1)];
      else {
        names.push(arg);
        continue;
      }
      for (const c of letters) {
        if (c === 'b') flags.newline = false;
        if (c === 'b' || c === 'n') flags.printName = false;
        else if (c === 'e') flags.ignore = true;
        else if (c === 'N') flags.namesOnly = true;
        else if (c === 'w') write = true;
        else if (c === 'q') flags.quiet = true;
        else if (c === 'a' || c === 'A' || c === 'X') all = true;
        else if (c === 'o' || c === 'x') continue;
        else if (c === 'p' || c === 'f' || c === 'r') return notSimulated(`-${c}`);
        else if (c === 'V') return ok('sysctl from procps-ng 4.0.2\n');
        else if (c === 'h' || c === 'd') return ok(USAGE);
        else return usageError(`invalid option -- '${c}'`);
      }
    }
    if (all) {
      await displayAll(node.fs, PROC, flags, out);
      return { stdout: out.stdout, stderr: out.stderr, exitCode: 0 };
    }
    if (args.length === 0) return { stdout: '', stderr: USAGE, exitCode: 1 };
    if (names.length === 0) return { stdout: '', stderr: "sysctl: no variables specified\nTry `sysctl --help' for more information.\n", exitCode: 1 };
    if (flags.namesOnly && flags.quiet) return { stdout: '', stderr: "sysctl: options -N and -q cannot coexist\nTry `sysctl --help' for more information.\n", exitCode: 1 };
    let rc = 0;
    for (const name of names) rc += write || name.includes('=') ? await writeSetting(node.fs, name, flags, out) : await readSetting(node.fs, name, flags, out);
    return { stdout: out.stdout, stderr: out.stderr, exitCode: ((rc % 256) + 256) % 256 };
  },
};

function usageError(message: string): ExecResult {
  return { stdout: '', stderr: `sysctl: ${message}\n${USAGE}`, exitCode: 1 };
}

function notSimulated(option: string): ExecResult {
  return { stdout: '', stderr: `sysctl: ${option} (loading settings from files) is not simulated by the lab twin\n`, exitCode: 1 };
}

async function readSetting(fs: LabFs, name: string, flags: Flags, out: Output): Promise<number> {
  const path = PROC + slashdot(name, '.', '/');
  const outname = slashdot(name, '/', '.');
  const st = await fs.stat(path).catch(() => undefined);
  if (!st) {
    if (flags.ignore) return 0;
    out.warn(`cannot stat ${path}: No such file or directory`);
    return -1;
  }
  if ((st.mode & 0o400) === 0) return 0;
  if (st.isDirectory) return displayAll(fs, `${path}/`, flags, out);
  if (flags.namesOnly) {
    out.stdout += `${outname}\n`;
    return 0;
  }
  let value: string;
  try {
    value = await fs.readFile(path);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EIO') return -1;
    if (code === 'EACCES') out.warn(`permission denied on key '${outname}'`);
    else out.warn(`reading key "${outname}"`);
    return -1;
  }
  if (flags.printName) out.stdout += `${outname} = ${value.endsWith('\n') ? value : `${value}\n`}`;
  else out.stdout += flags.newline ? value : value.replace(/\n$/, '');
  return 0;
}

async function writeSetting(fs: LabFs, setting: string, flags: Flags, out: Output): Promise<number> {
  const equals = setting.indexOf('=');
  if (equals < 0) {
    out.warn(`"${setting}" must be of the form name=value`);
    return -1;
  }
  if (equals === 0) {
    out.warn(`malformed setting "${setting}"`);
    return -2;
  }
  const ignoreFailure = setting.startsWith('-');
  const name = setting.slice(ignoreFailure ? 1 : 0, equals);
  const value = setting.slice(equals + 1);
  const path = PROC + slashdot(name, '.', '/');
  const outname = slashdot(name, '/', '.');
  const ignoring = ignoreFailure ? ', ignoring' : '';
  const st = await fs.stat(path).catch(() => undefined);
  if (!st) {
    if (flags.ignore) return 0;
    out.warn(`cannot stat ${path}: No such file or directory`);
    return -1;
  }
  // procps reports these with whatever errno was left over; on a node that is EACCES.
  if ((st.mode & 0o200) === 0 || st.isDirectory) {
    out.warn(`setting key "${outname}": Permission denied`);
    return 0;
  }
  try {
    await fs.writeFile(path, `${value}\n`);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      out.warn(`permission denied on key "${outname}"${ignoring}`);
      return ignoreFailure ? 0 : -1;
    }
    // The value is refused when the buffered write is flushed at close, which only warns.
    out.warn(`setting key "${outname}": ${strerror(code ?? 'EIO')}`);
    return 0;
  }
  if (flags.quiet) return 0;
  if (flags.namesOnly) out.stdout += `${outname}\n`;
  else if (flags.printName) out.stdout += `${outname} = ${value}\n`;
  else out.stdout += flags.newline ? `${value}\n` : value;
  return 0;
}

async function displayAll(fs: LabFs, dir: string, flags: Flags, out: Output): Promise<number> {
  let rc = 0;
  for (const entry of (await fs.readdir(dir)).sort()) {
    const path = `${dir}${entry}`;
    const st = await fs.stat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory) await displayAll(fs, `${path}/`, flags, out);
    else rc |= await readSetting(fs, path.slice(PROC.length), flags, out);
  }
  return rc;
}
