import { haEvents, parseJournal } from '../parsers/journal';
import type { HaEvent } from '../parsers/journal';
import { Remote, SshDeps } from '../ssh/remote';
import { readOutput } from '../ssh/readOutput';
import type { NodeTask } from '../nodes/task';

/** The units whose lines time a failover: membership (corosync), fencing and recovery (CRM), starts (LRM). */
const UNITS = ['pve-ha-crm', 'pve-ha-lrm', 'corosync'];

export function journalActivities(deps: SshDeps) {
  return {
    /**
     * The HA stack's and corosync's journal on one node since a cluster time, reduced to the
     * events a drill times. Only the journal's own timestamps are kept: they are the cluster's
     * clock, not the controller's.
     */
    async haJournal(task: NodeTask, sinceMs: number): Promise<{ node: string; events: HaEvent[] }> {
      const remote = Remote.of(task.node, task, deps);
      const since = `@${(Math.floor(sinceMs) / 1000).toFixed(3)}`;
      const command = `journalctl ${UNITS.map((u) => `-u ${u}`).join(' ')} --since ${since} -o short-iso-precise --no-pager -q`;
      const out = await remote.check(command, { label: 'journalctl (HA, corosync)', timeoutMs: 60_000, maxOutputBytes: 32 * 1024 * 1024 });
      const journal = readOutput(remote.target, command, () => parseJournal(out));
      return { node: task.node.name, events: haEvents(journal.entries) };
    },
  };
}
