import { readSshdConfig } from '../ssh/sshdConfig';
import { fail, ok, type LabCommand, type NodeContext } from './types';

/** What starting a unit runs first; for ssh that is `sshd -t` (ExecStartPre / ExecReload). */
async function preflight(unit: string, node: NodeContext): Promise<boolean> {
  return unit !== 'ssh' || (await readSshdConfig(node.fs)).valid;
}

function jobFailed(unit: string): string {
  return `Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`;
}

/** The systemctl verbs runbooks use on services the twin models. */
export const systemctl: LabCommand = {
  name: 'systemctl',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const [verb, ...names] = args.filter((a) => !a.startsWith('-'));
    const quiet = args.includes('-q') || args.includes('--quiet');
    if (verb === undefined) return fail('systemctl: the lab twin needs a verb (is-active, reload, restart, reload-or-restart)\n');
    if (names.length === 0) return fail(`Too few arguments.\n`);

    if (verb === 'is-active') {
      const states = names.map((n) => node.services.state(n) ?? 'inactive');
      return { stdout: quiet ? '' : states.map((s) => `${s}\n`).join(''), stderr: '', exitCode: states.every((s) => s === 'active') ? 0 : 3 };
    }

    if (verb === 'reload' || verb === 'restart' || verb === 'reload-or-restart') {
      for (const name of names) {
        const unit = node.services.unit(name);
        const label = name.replace(/\.service$/, '');
        if (unit === undefined) return fail(`Failed to ${verb.replace(/-/g, ' ')} ${label}.service: Unit ${label}.service not found.\n`, 5);
        const running = node.services.state(unit) === 'active';
        if (verb === 'reload' && !running) return fail(`${unit}.service is not active, cannot reload.\n`);
        if (await preflight(unit, node)) {
          node.services.set(unit, 'active');
          continue;
        }
        // A failed reload keeps the running daemon; a failed (re)start leaves the unit down.
        if (verb === 'restart' || !running) node.services.set(unit, 'failed');
        return fail(jobFailed(unit));
      }
      return ok();
    }

    return fail(`systemctl ${verb}: not simulated by the lab twin\n`);
  },
};
