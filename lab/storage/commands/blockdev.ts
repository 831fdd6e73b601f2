import { SBIN_VIA_USR_BIN } from './sbin';
import { fail, ok, type LabCommand } from '../../commands/types';

const REPORTS: Record<string, (bytes: number, ro: boolean) => string> = {
  '--getsize64': (b) => String(b),
  '--getsz': (b) => String(Math.floor(b / 512)),
  '--getsize': (b) => String(Math.floor(b / 512)),
  '--getss': () => '512',
  '--getpbsz': () => '4096',
  '--getbsz': () => '4096',
  '--getro': (_b, ro) => (ro ? '1' : '0'),
};

/** blockdev's read-only queries (`--getsize64` and friends), one line per device and query. */
export const blockdev: LabCommand = {
  name: 'blockdev',
  dir: SBIN_VIA_USR_BIN,
  async run(args, _ctx, node) {
    const queries = args.filter((a) => a.startsWith('--'));
    const devices = args.filter((a) => !a.startsWith('-'));
    const unknown = queries.find((q) => !REPORTS[q]);
    if (unknown) return fail(`blockdev: Unknown command: ${unknown}\n`, 1);
    if (queries.length === 0 || devices.length === 0) return fail('Usage:\n  blockdev -V\n  blockdev --report [devices]\n  blockdev [-v|-q] commands devices\n', 1);
    let out = '';
    for (const dev of devices) {
      const d = node.storage.blockDevice(dev);
      if (!d) return fail(`blockdev: cannot open ${dev}: No such file or directory\n`, 1, out);
      for (const q of queries) out += `${(REPORTS[q] as (b: number, ro: boolean) => string)(d.sizeBytes, d.readOnly)}\n`;
    }
    return ok(out);
  },
};
