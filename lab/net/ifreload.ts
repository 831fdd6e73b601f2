import { fail, type LabCommand } from '../commands/types';

const USAGE = 'usage: ifreload [-h] (-a | -c | --allow CLASS) [-n] [-v] [-d] [-u] [-l] [-f] [-s] [-V] [--nldebug]\n';

/**
 * ifupdown2's `ifreload -a`: reads /etc/network/interfaces (and what it sources), logs errors
 * and warnings as ifupdown2 does (`error: vmbr1: bridge port enp9s0 does not exist`), applies
 * the result to the running devices, and exits 1 when an error was logged. `-s` only checks the
 * syntax, `-n` does not apply.
 */
export const ifreload: LabCommand = {
  name: 'ifreload',
  dir: '/usr/sbin',
  async run(args, ctx, node) {
    let all = false;
    let noAct = false;
    for (const a of args) {
      if (a === '-a' || a === '--all' || a === '-c' || a === '--currently-up') all = true;
      else if (a === '-n' || a === '--no-act' || a === '-s' || a === '--syntax-check') noAct = true;
      else if (a === '-h' || a === '--help') return { stdout: USAGE, stderr: '', exitCode: 0 };
      else if (['-v', '--verbose', '-d', '--debug', '-f', '--force', '-l', '--allow-hotplug'].includes(a)) continue;
      else return fail(`${USAGE}ifreload: error: unrecognized arguments: ${a}\n`, 2);
    }
    if (!all) return fail(`${USAGE}ifreload: error: one of the arguments -a/--all -c/--currently-up --allow is required\n`, 2);
    // Parsing, the netlink cache and applying every interface take a second or two on a real node.
    try {
      await node.clock.sleep(900, ctx.signal);
      const messages = await node.net.reload(node.fs, { noAct });
      await node.clock.sleep(noAct ? 100 : 600, ctx.signal);
      return { stdout: '', stderr: messages.map((m) => `${m.level}: ${m.text}\n`).join(''), exitCode: messages.some((m) => m.level === 'error') ? 1 : 0 };
    } catch {
      return fail('', 130);
    }
  },
};
