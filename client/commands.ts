import { Command, InvalidArgumentError, Option } from 'commander';
import { startWorkflow, StartFlags } from './startWorkflow';
import { RUNBOOKS } from '../common/constants';
import { drillOptions, operatorOptions } from './drillOptions';

export function intOption(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export const connectionOptions = (c: Command) =>
  c
    .option('--address <host:port>', 'Temporal frontend address (default: $TEMPORAL_ADDRESS, the running lab, localhost:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--state-dir <dir>', 'lab state directory to find a running lab in', '.lab');

/** `start-workflow RUNBOOK -i FILE ...`, shared by the `start-workflow` binary and `pve-runbooks start`. */
export function startCommand(name: string, run: (fn: () => Promise<number | void>) => Promise<void>): Command {
  return operatorOptions(drillOptions(connectionOptions(
    new Command(name)
      .description(`start a runbook (${RUNBOOKS.join(', ')}) on the cluster of an inventory`)
      .argument('<runbook>', `one of: ${RUNBOOKS.join(', ')}`)
      .requiredOption('-i, --inventory <file>', 'inventory file (YAML or Ansible INI)')
      .addOption(new Option('--format <format>', 'inventory format, when the file name does not tell').choices(['yaml', 'ini']))
      .option('--wait', 'wait for the result and print it')
      .option('--follow', 'show live progress (on stderr), then the result')
      .option('--json', 'print the result as JSON on stdout (nothing else goes to stdout)')
      .option('--confirm <cluster-name>', 'destroyCluster, createCluster --force-recreate: confirm with the exact cluster name')
      .option('--force-recreate', 'createCluster: destroy a cluster that cannot be reconciled, then build anew')
      .option('--teardown', 'destroyCluster: remove HA, pools, OSDs, managers and monitors first instead of refusing while they exist'),
  )), { rollback: true }).action((runbook: string, opts: StartFlags) => run(() => startWorkflow(runbook, opts)));
}
