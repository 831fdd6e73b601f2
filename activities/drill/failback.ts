import { ApplicationFailure } from '@temporalio/common';
import { parseHaStatusJson } from '../parsers';
import { where } from '../ssh/errors';
import { commandFailed, Remote, SshDeps } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { readOutput } from '../ssh/readOutput';
import type { NodeTask } from '../nodes/task';

export function failbackActivities(deps: SshDeps) {
  return {
    /**
     * Asks the CRM to live-migrate a service back, unless it already runs there or a migration
     * there is under way: a retry must not queue a second command.
     */
    async haMigrate(task: NodeTask, vmid: number, target: string): Promise<{ status: 'done' | 'already'; detail: string }> {
      const remote = Remote.of(task.node, task, deps);
      const sid = `vm:${vmid}`;
      const out = await remote.check('pvesh get /cluster/ha/status/current --output-format json', { label: 'pvesh get /cluster/ha/status/current' });
      const svc = readOutput(remote.target, 'pvesh get /cluster/ha/status/current', () => parseHaStatusJson(out)).services.find((s) => s.sid === sid);
      if (!svc) throw ApplicationFailure.nonRetryable(`${where(remote.target)}: ${sid} is not HA-managed; nothing to fail back`, 'NotHaManaged');
      if (svc.node === target && svc.state === 'started') return { status: 'already', detail: `${sid} runs on ${target}` };
      if (svc.state === 'migrate' || svc.state === 'relocate') return { status: 'already', detail: `${sid} is being moved (${svc.state})` };
      const r = await remote.run(cmd('ha-manager', 'crm-command', 'migrate', sid, target), { label: `ha-manager crm-command migrate ${sid} ${target}` });
      if (r.exitCode !== 0) throw commandFailed(remote.target, `ha-manager crm-command migrate ${sid} ${target}`, r, /does not exist|not HA managed|no such/i.test(r.stderr));
      return { status: 'done', detail: `${sid}: migration from ${svc.node} to ${target} requested` };
    },
  };
}
