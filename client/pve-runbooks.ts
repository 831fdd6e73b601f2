#!/usr/bin/env node
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { NativeConnection } from '@temporalio/worker';
import { TASK_QUEUE } from '../common/constants';
import { createWorker, installRuntime } from '../worker/worker';
import { connectionOptions, intOption, startCommand } from './commands';
import { ConnectionFlags, resolveTemporal } from './connection';
import { runAction, UserError } from './errors';
import { runInventoryCheck } from './inventory';
import { callLab, FaultBody } from './labControl';
import { labUp } from './labUp';
import { parseCommand } from './parse';
import { showHealth } from './health';
import { DECISIONS, sendDecision } from './decide';
import { DEFAULT_STATE_DIR, readLabState } from './labState';
import { drillCommand } from './drill/command';
import { codecServerCommand } from './codecServer';

const program = new Command('pve-runbooks')
  .description('Durable runbooks that build, operate and crash-test Proxmox VE clusters over SSH')
  .showHelpAfterError();

program.addCommand(startCommand('start', runAction));
program.addCommand(parseCommand());
program.addCommand(drillCommand(runAction));
program.addCommand(codecServerCommand(runAction));

connectionOptions(program.command('worker').description('run a worker on the task queue until Ctrl-C'))
  .option('--task-queue <name>', 'task queue', TASK_QUEUE)
  .action((opts: ConnectionFlags & { taskQueue: string }) =>
    runAction(async () => {
      const t = resolveTemporal(opts);
      installRuntime();
      const connection = await NativeConnection.connect({ address: t.address }).catch((err: Error) => {
        throw new UserError(`cannot reach Temporal at ${t.address} (${err.message}).`);
      });
      const { worker, deps } = await createWorker({ connection, namespace: t.namespace, taskQueue: opts.taskQueue, ...prebuiltBundle(process.env) });
      process.once('SIGINT', () => worker.shutdown());
      process.once('SIGTERM', () => worker.shutdown());
      process.stdout.write(`worker polling ${opts.taskQueue} on ${t.address} (namespace ${t.namespace})\n`);
      await worker.run();
      await deps.pool.closeAll();
      await connection.close();
    }),
  );

/**
 * A bundle written earlier by bundleWorkflows() (its code, the source map inline), so a worker
 * restarted many times, as the chaos harness does, starts in a moment instead of re-bundling;
 * it must come from the same build as this worker's activities.
 */
function prebuiltBundle(env: NodeJS.ProcessEnv): { workflowBundle?: { code: string; sourceMap: string } } {
  const file = env.PVE_RUNBOOKS_WORKFLOW_BUNDLE;
  if (!file) return {};
  try {
    return { workflowBundle: { code: fs.readFileSync(file, 'utf8'), sourceMap: '' } };
  } catch (err) {
    throw new UserError(`cannot read the workflow bundle PVE_RUNBOOKS_WORKFLOW_BUNDLE=${file} (${(err as NodeJS.ErrnoException).code}); unset it to bundle the workflows at start.`);
  }
}

for (const [view, what] of [
  ['status', 'quorum and membership (make cluster-status)'],
  ['nodes', 'every node and how it sees the membership (make cluster-nodes)'],
  ['health', 'status, nodes, corosync links and every problem found (make cluster-health); exit 2 when unhealthy'],
] as const) {
  connectionOptions(program.command(view).description(what))
    .requiredOption('-i, --inventory <file>', 'inventory file (YAML or Ansible INI)')
    .addOption(new Option('--format <format>', 'inventory format').choices(['yaml', 'ini']))
    .option('--json', 'the full health report as JSON')
    .action((opts: ConnectionFlags & { inventory: string; format?: 'yaml' | 'ini'; json?: boolean }) => runAction(() => showHealth(view, opts)));
}

connectionOptions(program.command('decide').description('answer a runbook that awaits its operator (also possible from the Web UI: Send Update "decide")'))
  .argument('<workflow-id>', 'the waiting run (its workflow id)')
  .addArgument(new Command().createArgument('<action>', 'what to do').choices([...DECISIONS]))
  .action((workflowId: string, action: string, opts: ConnectionFlags) => runAction(() => sendDecision(workflowId, action, opts)));

const inventory = program.command('inventory').description('inventory files');
inventory
  .command('check')
  .description('validate an inventory: print it normalized (secrets redacted), or every problem found')
  .requiredOption('-i, --inventory <file>', 'inventory file (YAML or Ansible INI)')
  .addOption(new Option('--format <format>', 'inventory format').choices(['yaml', 'ini']))
  .option('--json', 'machine-readable output')
  .action((opts: { inventory: string; json?: boolean; format?: 'yaml' | 'ini' }) =>
    runAction(async () => {
      const r = runInventoryCheck(opts.inventory, { json: !!opts.json, format: opts.format });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.exitCode;
    }),
  );

const lab = program.command('lab').description('the lab twin: simulated PVE nodes over real SSH');
lab
  .command('up')
  .description('start the Temporal dev server with its Web UI, the simulated nodes and a worker, in one process')
  .option('--nodes <n>', 'number of nodes', intOption('--nodes', 1, 64), 3)
  .addOption(new Option('--pve <major>', 'PVE major version of the nodes').choices(['8', '9']).default('8'))
  .option('--time-scale <x>', 'lab seconds per real second', (v) => {
    const n = Number(v);
    if (!(n > 0 && n <= 10_000)) throw new UserError('--time-scale must be a number above 0 and at most 10000');
    return n;
  }, 1)
  .option('--state-dir <dir>', 'where the lab keeps its state', DEFAULT_STATE_DIR)
  .option('--cluster-name <name>', 'cluster name written to the lab inventory', 'lab')
  .option('--port <port>', 'Temporal frontend port, 0 for any free one (Web UI on port + 1000 when free)', intOption('--port', 0, 65535))
  .option('--demo', 'run the main runbook on the lab once it is up')
  .option('--cluster-only', 'write an inventory without the private network, Ceph and HA sections')
  .action((opts: { nodes: number; pve: string; timeScale: number; stateDir: string; clusterName: string; port?: number; demo?: boolean; clusterOnly?: boolean }) =>
    runAction(() => labUp({ ...opts, pve: Number(opts.pve) as 8 | 9 })),
  );

function runningLab(stateDir: string) {
  const state = readLabState(stateDir);
  if (!state) throw new UserError(`no lab is running from ${stateDir}: start one with \`pve-runbooks lab up\`.`);
  return state;
}

lab
  .command('power')
  .description('power a simulated node on or off (the lab stand-in for IPMI)')
  .argument('<node>')
  .addArgument(new Command().createArgument('<state>', 'on or off').choices(['on', 'off']))
  .option('--silent', 'off: keep the TCP port open but never answer, like a hung server')
  .option('--state-dir <dir>', 'lab state directory', DEFAULT_STATE_DIR)
  .action((node: string, state: 'on' | 'off', opts: { silent?: boolean; stateDir: string }) =>
    runAction(async () => {
      await callLab(runningLab(opts.stateDir).controlUrl, 'POST', '/power', { node, state, silent: opts.silent });
      process.stdout.write(state === 'on' ? `${node}: powered on; it boots, then rejoins its cluster\n` : `${node}: powered off${opts.silent ? ' (silent: its SSH port stays open and never answers)' : ''}\n`);
    }),
  );

lab
  .command('fault')
  .description('inject a fault into a running lab')
  .requiredOption('--node <node>', 'node the fault applies to')
  .option('--auth-refuse', 'the node refuses every authentication')
  .option('--match <regex>', 'commands the fault applies to')
  .addOption(new Option('--action <action>', 'what matching commands do').choices(['fail', 'hang', 'drop', 'delay']).default('fail'))
  .option('--exit-code <n>', 'exit code for fail', intOption('--exit-code', 1, 255), 1)
  .option('--stderr <text>', 'stderr for fail', '')
  .option('--delay <labMs>', 'lab milliseconds for delay', intOption('--delay', 0, 86_400_000), 1000)
  .option('--times <n>', 'how many times the fault fires', intOption('--times', 1, 1_000_000), 1)
  .option('--state-dir <dir>', 'lab state directory', DEFAULT_STATE_DIR)
  .action((opts: { node: string; authRefuse?: boolean; match?: string; action: string; exitCode: number; stderr: string; delay: number; times: number; stateDir: string }) =>
    runAction(async () => {
      let body: FaultBody;
      if (opts.authRefuse) body = { node: opts.node, auth: 'refuse' };
      else if (!opts.match) throw new UserError('give --match REGEX (the commands to fault) or --auth-refuse');
      else {
        const action =
          opts.action === 'fail' ? { kind: 'fail' as const, exitCode: opts.exitCode, stderr: opts.stderr }
          : opts.action === 'delay' ? { kind: 'delay' as const, labMs: opts.delay }
          : { kind: opts.action as 'hang' | 'drop' };
        body = { node: opts.node, match: opts.match, action, times: opts.times };
      }
      await callLab(runningLab(opts.stateDir).controlUrl, 'POST', '/faults', body);
      process.stdout.write('fault added\n');
    }),
  );

lab
  .command('log')
  .description("print the twin's command log (JSON lines)")
  .option('--node <node>', 'only this node')
  .option('--state-dir <dir>', 'lab state directory', DEFAULT_STATE_DIR)
  .action((opts: { node?: string; stateDir: string }) =>
    runAction(async () => {
      const entries = (await callLab(runningLab(opts.stateDir).controlUrl, 'GET', `/log${opts.node ? `?node=${encodeURIComponent(opts.node)}` : ''}`)) as unknown[];
      for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
    }),
  );

program.parseAsync(process.argv);
