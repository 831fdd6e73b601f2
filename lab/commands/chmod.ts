import { errorCode, strerror } from '../fs/errors';
import { join } from '../fs/paths';
import { fail, type LabCommand, type NodeContext } from './types';

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** Applies one chmod mode (octal, or symbolic clauses like `u+x,go-w`) to a current mode. */
export function applyMode(spec: string, current: number, isDir: boolean): number | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) return parseInt(spec, 8);
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) return undefined;
    const who = (m[1] || 'a').split('').reduce((acc, c) => acc | (WHO[c] as number), 0);
    let bits = 0;
    for (const p of m[3] as string) {
      if (p === 'r') bits |= 0o444;
      if (p === 'w') bits |= 0o222;
      if (p === 'x' || (p === 'X' && (isDir || (current & 0o111) !== 0))) bits |= 0o111;
      if (p === 's') bits |= 0o6000;
      if (p === 't') bits |= 0o1000;
    }
    bits &= who;
    // Without a who, umask (022) limits what + and = grant.
    if (!m[1] && m[2] !== '-') bits &= ~0o022;
    if (m[2] === '+') mode |= bits;
    else if (m[2] === '-') mode &= ~bits;
    else mode = (mode & ~who) | bits;
  }
  return mode;
}

/** coreutils chmod: octal and symbolic modes, -R, and the kernel's (or pmxcfs's) refusals as coreutils words them. */
export const chmod: LabCommand = {
  name: 'chmod',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const recursive = args.some((a) => a === '-R' || a === '--recursive');
    const quiet = args.some((a) => a === '-f' || a === '--silent' || a === '--quiet');
    const rest = args.filter((a) => !/^-(R|f|v|c|-recursive|-silent|-quiet|-verbose|-changes)$/.test(a));
    const [spec, ...files] = rest;
    if (spec === undefined) return fail("chmod: missing operand\nTry 'chmod --help' for more information.\n");
    if (files.length === 0) return fail(`chmod: missing operand after ‘${spec}’\nTry 'chmod --help' for more information.\n`);
    let stderr = '';
    const change = async (path: string, shown: string, n: NodeContext): Promise<void> => {
      const st = await n.fs.stat(path).catch((err: unknown) => err as Error);
      if (st instanceof Error) {
        stderr += `chmod: cannot access '${shown}': ${strerror(errorCode(st) ?? 'ENOENT')}\n`;
        return;
      }
      const mode = applyMode(spec, st.mode, st.isDirectory);
      if (mode === undefined) {
        stderr += `chmod: invalid mode: ‘${spec}’\n`;
        return;
      }
      try {
        await n.fs.chmod(path, mode);
      } catch (err) {
        stderr += `chmod: changing permissions of '${shown}': ${strerror(errorCode(err) ?? 'EPERM')}\n`;
      }
      if (recursive && st.isDirectory) {
        for (const name of await n.fs.readdir(path).catch(() => [] as string[])) await change(join(path, name), `${shown.replace(/\/$/, '')}/${name}`, n);
      }
    };
    for (const file of files) await change(ctx.fs.resolvePath(ctx.cwd, file), file, node);
    return { stdout: '', stderr: quiet ? '' : stderr, exitCode: stderr ? 1 : 0 };
  },
};
