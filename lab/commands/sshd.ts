import { readSshdConfig } from '../ssh/sshdConfig';
import { fail, type LabCommand } from './types';

/** `sshd -t [-f FILE]`: OpenSSH's configuration test, on the node's own files. */
export const sshd: LabCommand = {
  name: 'sshd',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    let file: string | undefined;
    let test = false;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === '-t') test = true;
      else if (arg === '-f') file = args[++i];
      else return fail(`sshd: the lab twin only runs configuration tests (sshd -t [-f file])\n`, 255);
    }
    if (!test) return fail('sshd re-exec requires execution with an absolute path\n', 255);
    const config = await readSshdConfig(node.fs, file);
    return { stdout: '', stderr: config.messages.map((m) => `${m}\n`).join(''), exitCode: config.valid ? 0 : 255 };
  },
};
