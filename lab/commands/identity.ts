import { fail, ok, type LabCommand } from './types';

/** Every session on a node runs as root: the twin has no other login. */
export const id: LabCommand = {
  name: 'id',
  dir: '/usr/bin',
  async run(args) {
    const unknown = args.find((a) => !a.startsWith('-') && a !== 'root');
    if (unknown !== undefined) return fail(`id: '${unknown}': no such user\n`);
    const flags = args.filter((a) => a.startsWith('-')).join('');
    if (/[ugG]/.test(flags)) return ok(flags.includes('n') ? 'root\n' : '0\n');
    return ok('uid=0(root) gid=0(root) groups=0(root)\n');
  },
};

export const whoami: LabCommand = {
  name: 'whoami',
  dir: '/usr/bin',
  async run() {
    return ok('root\n');
  },
};
