import { Command, InvalidArgumentError, Option } from 'commander';
import type { Inventory } from '../common/inventory';
import type { CrashDrillInput } from '../workflows/crashDrill';
import { UserError } from './errors';

export interface DrillFlags {
  victim?: string;
  vms?: number[];
  sloRecovery?: number;
  sloStarted?: number;
  rebootAfter?: number;
  victimWait?: number;
  failback?: boolean;
  dryRun?: boolean;
  poll?: number;
}

/** How long a paused run waits for `decide`, and (createCluster) what happens when nobody answers. */
export interface OperatorFlags {
  operatorWait?: number;
  onNoDecision?: 'abort' | 'rollback';
}

const seconds = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number of seconds from ${min} to ${max}`);
  return n;
};

function vmList(v: string): number[] {
  const ids = v.split(',').map((x) => x.trim());
  if (!ids.every((x) => /^[1-9]\d{2,8}$/.test(x))) throw new InvalidArgumentError(`--vms takes VM ids (100 to 999999999) separated by commas, e.g. 100,101; got "${v}"`);
  return ids.map(Number);
}

/** The crash drill's options, shared by `start-workflow crashDrill` and `drill schedule create`. */
export function drillOptions(c: Command): Command {
  return c
    .option('--victim <node|auto>', 'crashDrill: the node to crash; auto = the node running the first protected VM')
    .option('--vms <ids>', 'crashDrill: VM ids to watch, comma-separated (default: the HA VMs on the victim)', vmList)
    .option('--slo-recovery <s>', 'crashDrill: seconds from crash to HA recovery (default from PVE constants: 140, or 200 when the victim is the HA master)', seconds('--slo-recovery', 1, 86_400))
    .option('--slo-started <s>', 'crashDrill: seconds from crash to the VM started elsewhere (default 180, or 240 when the victim is the HA master)', seconds('--slo-started', 1, 86_400))
    .option('--reboot-after <s>', 'crashDrill: set kernel.panic so the victim reboots by itself this many seconds after the crash', seconds('--reboot-after', 1, 3600))
    .option('--victim-wait <s>', 'crashDrill: seconds to wait for the victim to rejoin before asking the operator (default 900)', seconds('--victim-wait', 10, 7 * 86_400))
    .option('--failback', 'crashDrill: migrate the VMs back to the victim once it is back')
    .option('--dry-run', 'crashDrill: run every check, crash nothing')
    .option('--poll <s>', 'crashDrill: seconds between polls of the cluster (default 5)', seconds('--poll', 0.1, 300));
}

/** The workflow input's drill part; a victim that is not in the inventory is refused before anything starts. */
export function drillInput(flags: DrillFlags & OperatorFlags, inventory: Inventory): Omit<CrashDrillInput, 'inventory'> {
  const names = inventory.nodes.map((n) => n.name);
  if (flags.victim && flags.victim !== 'auto' && !names.includes(flags.victim)) {
    throw new UserError(`--victim ${flags.victim}: no such node in the inventory; choose one of ${names.join(', ')} or auto`);
  }
  return {
    ...(flags.victim ? { victim: flags.victim } : {}),
    ...(flags.vms ? { vms: flags.vms } : {}),
    ...(flags.sloRecovery !== undefined || flags.sloStarted !== undefined ? { slo: { recoverySeconds: flags.sloRecovery, startedSeconds: flags.sloStarted } } : {}),
    ...(flags.rebootAfter !== undefined ? { rebootSeconds: flags.rebootAfter } : {}),
    ...(flags.victimWait !== undefined ? { victimReturnSeconds: flags.victimWait } : {}),
    ...(flags.failback ? { failback: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.poll !== undefined ? { pollSeconds: flags.poll } : {}),
    ...(flags.operatorWait !== undefined ? { operatorWaitSeconds: flags.operatorWait } : {}),
  };
}

/** Options of every runbook that pauses for its operator when a step fails for good. */
export function operatorOptions(c: Command, opts: { rollback: boolean }): Command {
  c.option('--operator-wait <s>', 'createCluster, destroyCluster, crashDrill: seconds a paused run waits for `decide` (default 86400)', seconds('--operator-wait', 1, 30 * 86_400));
  if (!opts.rollback) return c;
  return c.addOption(new Option('--on-no-decision <action>', 'createCluster: what a paused run does when nobody decides in time (default abort)').choices(['abort', 'rollback']));
}

/** Drill options given to another runbook are a mistake worth saying. */
export function drillFlagsGiven(flags: DrillFlags): string[] {
  const map: Record<keyof DrillFlags, string> = { victim: '--victim', vms: '--vms', sloRecovery: '--slo-recovery', sloStarted: '--slo-started', rebootAfter: '--reboot-after', victimWait: '--victim-wait', failback: '--failback', dryRun: '--dry-run', poll: '--poll' };
  return (Object.keys(map) as (keyof DrillFlags)[]).filter((k) => flags[k] !== undefined).map((k) => map[k]);
}
