import { fail, ok, type LabCommand } from './types';

/**
 * rsync's remote half, as `rsync --rsh=ssh … host:FILE…` starts it over ssh (`rsync --server
 * --sender …`): it checks the files it is asked for. The transfer itself is done by the lab's
 * client (lab/ssh/client.ts rsyncFrom) reading them from the node, not by rsync's wire protocol.
 */
export const rsync: LabCommand = {
  name: 'rsync',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    if (!(args.includes('--server') && args.includes('--sender'))) return fail('rsync: the lab twin only runs the remote side of a pull (rsync --server --sender)\n', 1);
    const dot = args.indexOf('.');
    const files = dot >= 0 ? args.slice(dot + 1) : [];
    let stderr = '';
    for (const file of files) {
      if (!(await node.fs.exists(ctx.fs.resolvePath(ctx.cwd, file)))) stderr += `rsync: [sender] link_stat "${file}" failed: No such file or directory (2)\n`;
    }
    if (stderr) return fail(`${stderr}rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n`, 23);
    return ok();
  },
};
