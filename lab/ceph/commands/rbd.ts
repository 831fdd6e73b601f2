import { fail, ok, type LabCommand } from '../../commands/types';
import { connect, isConnected } from './client';

const UNITS: Record<string, number> = { '': 2 ** 20, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** `--size 4096` (MiB by default), `4G`, `512M`. */
function parseSize(v: string): number | undefined {
  const m = /^(\d+)([BKMGT]?)i?B?$/i.exec(v);
  return m ? Number(m[1]) * (UNITS[(m[2] as string).toUpperCase()] as number) : undefined;
}

/** The `rbd` tool of ceph-common: ls, create, rm on the lab's pools. */
export const rbd: LabCommand = {
  name: 'rbd',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const words: string[] = [];
    let pool: string | undefined;
    let size: string | undefined;
    let format: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === '-p' || a === '--pool') pool = args[++i];
      else if (a === '-s' || a === '--size') size = args[++i];
      else if (a === '--format') format = args[++i];
      else if (a.startsWith('--format=')) format = a.slice(9);
      else if (a === '--image-format') i++;
      else if (!a.startsWith('-')) words.push(a);
    }
    const [cmd, spec] = words;
    if (cmd === undefined) return fail('rbd: must specify a command\n', 1);
    const conn = await connect(node, { name: 'client.admin' }, ctx.signal);
    if (!isConnected(conn)) return fail("rbd: couldn't connect to the cluster!\n", 1);
    const ceph = node.ceph;
    if (cmd === 'ls' || cmd === 'list') {
      const p = spec ?? pool ?? 'rbd';
      if (!ceph.poolExists(p)) return fail(`rbd: error opening pool '${p}': (2) No such file or directory\nrbd: listing images failed: (2) No such file or directory\n`, 2);
      const images = ceph.rbdList(p).map((i) => i.name);
      return ok(format === 'json' ? `${JSON.stringify(images)}\n` : images.map((n) => `${n}\n`).join(''));
    }
    if (cmd === 'create' || cmd === 'rm' || cmd === 'remove') {
      if (!spec) return fail('rbd: image name was not specified\n', 22);
      const [p, image] = spec.includes('/') ? (spec.split('/', 2) as [string, string]) : [pool ?? 'rbd', spec];
      try {
        if (cmd === 'create') {
          const bytes = size === undefined ? undefined : parseSize(size);
          if (bytes === undefined) return fail('rbd: must specify --size <M/G/T>\n', 22);
          ceph.rbdCreate(p, image, bytes);
          return ok();
        }
        ceph.rbdRemove(p, image);
        return { stdout: '', stderr: 'Removing image: 100% complete...done.\n', exitCode: 0 };
      } catch (err) {
        return fail(`${(err as Error).message}\n`, 2);
      }
    }
    return fail(`rbd: error parsing command '${cmd}'; -h or --help for usage\n`, 1);
  },
};
