import { Command, Option } from 'commander';
import { connectionOptions, intOption } from '../commands';
import { drillOptions, operatorOptions } from '../drillOptions';
import { drillReport, ReportFlags } from './report';
import { drillHistory, HistoryFlags } from './history';
import { CreateFlags, createSchedule, deleteSchedule, describeSchedule, listSchedules, pauseSchedule, triggerSchedule, unpauseSchedule } from './schedule';

type Run = (fn: () => Promise<number | void>) => Promise<void>;

const clusterOptions = (c: Command) =>
  c
    .option('-i, --inventory <file>', 'the cluster of this inventory (YAML or Ansible INI)')
    .addOption(new Option('--format <format>', 'inventory format').choices(['yaml', 'ini']))
    .option('--cluster <name>', 'the cluster by name')
    .option('--local', "only the drills saved in this machine's runbooks home; do not ask Temporal");

/** `pve-runbooks drill ...`: the crash drill's reports, history and schedules. */
export function drillCommand(run: Run): Command {
  const drill = new Command('drill').description('crash drill results and schedules (start a drill with `start-workflow crashDrill -i FILE`)');

  clusterOptions(connectionOptions(drill.command('report').description('a finished drill as Markdown (the latest one unless ID is given)')))
    .argument('[id]', 'workflow id (its latest drill), run id, or saved report folder name')
    .option('--out <dir>', 'write report.md, timeline.svg and trend.svg (and result.json) into DIR')
    .option('--json', 'print the drill result as JSON')
    .action((id: string | undefined, opts: ReportFlags) => run(() => drillReport(id, opts)));

  clusterOptions(connectionOptions(drill.command('history').description("a cluster's finished drills side by side, newest first")))
    .option('--limit <n>', 'at most this many drills', intOption('--limit', 1, 1000), 20)
    .option('--json', 'print the drill results as JSON')
    .action((opts: HistoryFlags) => run(() => drillHistory(opts)));

  const schedule = drill.command('schedule').description('Temporal Schedules that run the drill (overlap policy SKIP: never two at once)');
  operatorOptions(drillOptions(connectionOptions(schedule.command('create').description('schedule the drill of an inventory on a cron expression'))), { rollback: false })
    .requiredOption('-i, --inventory <file>', 'inventory file (YAML or Ansible INI)')
    .addOption(new Option('--format <format>', 'inventory format').choices(['yaml', 'ini']))
    .requiredOption('--cron <expr>', 'when to run, e.g. "0 3 * * 1" (Mondays 03:00)')
    .option('--timezone <tz>', 'time zone of the cron expression (IANA name), default UTC')
    .option('--id <id>', 'schedule id (default crashDrill-CLUSTER)')
    .option('--paused', 'create the schedule paused')
    .option('--note <text>', 'note shown with the schedule')
    .action((opts: CreateFlags) => run(() => createSchedule(opts)));
  connectionOptions(schedule.command('list').description('every crash drill schedule'))
    .option('--json', 'machine-readable output')
    .action((opts) => run(() => listSchedules(opts)));
  connectionOptions(schedule.command('describe').description('a schedule: cron, overlap, state, next and recent runs').argument('<id>'))
    .option('--json', 'machine-readable output')
    .action((id: string, opts) => run(() => describeSchedule(id, opts)));
  connectionOptions(schedule.command('pause').description('stop firing until unpaused').argument('<id>'))
    .option('--note <text>', 'why (shown with the schedule)')
    .action((id: string, opts) => run(() => pauseSchedule(id, opts)));
  connectionOptions(schedule.command('unpause').description('fire again on the cron').argument('<id>'))
    .option('--note <text>', 'note shown with the schedule')
    .action((id: string, opts) => run(() => unpauseSchedule(id, opts)));
  connectionOptions(schedule.command('trigger').description('run the drill now (skipped if one of this schedule is running)').argument('<id>')).action((id: string, opts) =>
    run(() => triggerSchedule(id, opts)),
  );
  connectionOptions(schedule.command('delete').description('remove the schedule (running drills go on)').argument('<id>')).action((id: string, opts) => run(() => deleteSchedule(id, opts)));
  return drill;
}
