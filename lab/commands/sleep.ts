import { fail, ok, type LabCommand } from './types';

const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const HINT = "Try 'sleep --help' for more information.\n";

/** coreutils sleep in lab time: `sleep 60` takes one real second at a time scale of 60. */
export const sleep: LabCommand = {
  name: 'sleep',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    if (args.length === 0) return fail(`sleep: missing operand\n${HINT}`);
    let total = 0;
    for (const arg of args) {
      const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
      if (!m) return fail(`sleep: invalid time interval ‘${arg}’\n${HINT}`);
      total += Number(m[1]) * (UNITS[m[2] as string] as number);
    }
    try {
      await node.clock.sleep(total, ctx.signal);
    } catch {
      return fail('', 130);
    }
    return ok();
  },
};
