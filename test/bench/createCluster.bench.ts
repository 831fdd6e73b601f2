/**
 * `npm run bench`: createCluster on labs of 3, 8, 16 and 32 nodes. For each: wall time, the
 * critical-path lower bound computed from the twin's command log, their ratio, SSH handshakes
 * the worker made, and the worker's peak RSS. Prints figures; asserts nothing.
 *
 *   npm run bench -- [--sizes 3,8,16,32] [--time-scale 1] [--poll 0.25]
 *
 * At time scale 1 the twin takes PVE's own times (a join is several seconds), so the ratio shows
 * what the runbook adds; a larger scale runs faster but makes the fixed costs look larger.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Table from 'cli-table3';
import { Client, Connection } from '@temporalio/client';
import { Lab } from '../../lab/lab';
import type { CommandLogEntry } from '../../lab/lab';
import { startDevServer } from '../../client/devServer';
import { labInventory } from '../../client/labUp';
import { toRunbookInventory } from '../../client/startWorkflow';
import { TASK_QUEUE } from '../../common/constants';
import { dataConverterFromEnv } from '../../common/payloadCodec';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const SIZES = arg('sizes', '3,8,16,32').split(',').map(Number);
const SCALE = Number(arg('time-scale', '1'));
const POLL = Number(arg('poll', '0.25'));

/** Which step of the runbook a logged command belongs to, by the marks its script carries. */
const STEPS: [string, RegExp][] = [
  ['discover', /@pveversion/],
  ['controller key', /readlink -f "\$HOME\/\.ssh\/authorized_keys"/],
  ['identity', /@rootkey/],
  ['trust', /known_hosts/],
  ['peer ssh', /BatchMode=yes/],
  ['create', /pvecm create/],
  ['join', /pvecm add/],
  ['post-cluster ssh', /AuthorizedKeysFile/],
  ['verify', /@links/],
];

/**
 * The unavoidable serial work: each parallel step costs its slowest node, `pvecm create` and every
 * `pvecm add` follow one another. Lab ms, converted to real ms by the time scale.
 */
function criticalPathMs(entries: CommandLogEntry[]): number {
  let labMs = 0;
  for (const [step, re] of STEPS) {
    const mine = entries.filter((e) => e.via === 'ssh' && re.test(e.command));
    if (step === 'join') labMs += mine.reduce((s, e) => s + e.durationMs, 0);
    else labMs += Math.max(0, ...mine.map((e) => e.durationMs));
  }
  return labMs / SCALE;
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

async function once(nodes: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pvr-bench-${nodes}-`));
  const home = path.join(dir, 'home');
  process.env.PVE_RUNBOOKS_HOME = home;
  const server = await startDevServer({ stateDir: dir, port: 0 });
  const lab = await Lab.start({ nodes, timeScale: SCALE, stateDir: path.join(dir, 'lab') });
  const worker = spawn(process.execPath, [path.join(__dirname, '..', '..', 'client', 'pve-runbooks.js'), 'worker', '--address', server.address], {
    env: { ...process.env, PVE_RUNBOOKS_HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => worker.stdout!.on('data', (d: Buffer) => d.toString().includes('polling') && resolve()));
  const connection = await Connection.connect({ address: server.address });
  // The worker process encrypts when PVE_RUNBOOKS_PAYLOAD_KEY is set: so does this client (the bench then measures the codec too).
  const dataConverter = dataConverterFromEnv(process.env);
  const client = new Client({ connection, ...(dataConverter ? { dataConverter } : {}) });
  const inventory = toRunbookInventory(labInventory(lab, 'bench', { clusterOnly: true }));
  const before = lab.sshHandshakes();
  const started = Date.now();
  await client.workflow.execute('createCluster', { taskQueue: TASK_QUEUE, workflowId: `bench-${nodes}`, args: [{ inventory, pollEverySeconds: POLL }] });
  const wallMs = Date.now() - started;
  const handshakes = lab.sshHandshakes() - before;
  const rss = peakRssMb(worker.pid!);
  const lower = criticalPathMs(lab.log.entries());
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await connection.close();
  await lab.stop();
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return { nodes, wallMs, lower, handshakes, rss };
}

async function main() {
  const table = new Table({ style: process.stdout.isTTY ? undefined : { head: [], border: [] }, head: ['nodes', 'wall s', 'critical path s', 'ratio', 'SSH handshakes', 'per node', 'worker peak RSS MB'] });
  console.log(`createCluster benchmark: lab time scale ${SCALE}x, convergence poll every ${POLL} s`);
  for (const n of SIZES) {
    const r = await once(n);
    table.push([r.nodes, (r.wallMs / 1000).toFixed(1), (r.lower / 1000).toFixed(1), (r.wallMs / r.lower).toFixed(2), r.handshakes, (r.handshakes / r.nodes).toFixed(2), r.rss.toFixed(0)]);
    console.log(`  ${n} nodes: ${(r.wallMs / 1000).toFixed(1)} s`);
  }
  console.log(table.toString());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
