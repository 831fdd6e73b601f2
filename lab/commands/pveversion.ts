import { fail, ok, type LabCommand } from './types';

const USAGE = 'USAGE: pveversion [--verbose]\n';

export const pveversion: LabCommand = {
  name: 'pveversion',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const r = node.release;
    // Getopt::Long accepts any unambiguous prefix of --verbose, with one or two dashes.
    const verbose = args.length === 1 && /^--?v(e(r(b(o(s(e)?)?)?)?)?)?$/.test(args[0] as string);
    if (args.length > 0 && !verbose) {
      const unknown = args.find((a) => a.startsWith('-'));
      return fail(`${unknown ? `Unknown option: ${unknown.replace(/^-+/, '')}\n` : ''}${USAGE}`, 255);
    }
    if (!verbose) return ok(`pve-manager/${r.manager}/${r.managerHash} (running kernel: ${r.kernel})\n`);
    return ok(
      `proxmox-ve: ${r.proxmoxVe} (running kernel: ${r.kernel})\n` +
        `pve-manager: ${r.manager} (running version: ${r.manager}/${r.managerHash})\n` +
        r.packages,
    );
  },
};
