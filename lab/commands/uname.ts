import { fail, ok, type LabCommand } from './types';

/** Flags in the order uname(1) prints the fields, whatever order they were given in. */
const FIELDS = ['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o'] as const;
const LONG: Record<string, string> = {
  '--kernel-name': 's',
  '--nodename': 'n',
  '--kernel-release': 'r',
  '--kernel-version': 'v',
  '--machine': 'm',
  '--processor': 'p',
  '--hardware-platform': 'i',
  '--operating-system': 'o',
  '--all': 'a',
};

export const uname: LabCommand = {
  name: 'uname',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const wanted = new Set<string>();
    for (const arg of args) {
      const flags = LONG[arg] ?? (/^-[a-z]+$/.test(arg) ? arg.slice(1) : undefined);
      if (flags === undefined || [...flags].some((f) => f !== 'a' && !FIELDS.includes(f as never)))
        return fail(`uname: invalid option -- '${arg.replace(/^-+/, '')}'\nTry 'uname --help' for more information.\n`);
      for (const f of flags) wanted.add(f);
    }
    const values: Record<(typeof FIELDS)[number], string> = {
      s: 'Linux',
      n: node.name,
      r: node.release.kernel,
      v: node.release.kernelBuild,
      m: 'x86_64',
      p: 'unknown',
      i: 'unknown',
      o: 'GNU/Linux',
    };
    const all = wanted.has('a');
    if (wanted.size === 0) wanted.add('s');
    // -a leaves out processor and platform when they are unknown, as coreutils does.
    const fields = FIELDS.filter((f) => (all ? !(f === 'p' || f === 'i') : wanted.has(f)));
    return ok(`${fields.map((f) => values[f]).join(' ')}\n`);
  },
};
