import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_NAMESPACE } from '../common/constants';
import { Inventory } from '../common/inventory';
import { Lab } from '../lab/lab';
import { createWorker, installRuntime } from '../worker/worker';
import { freePort, startDevServer } from './devServer';
import { defaultOrigins, startCodecServer } from './codecServer';
import { payloadCodecFromEnv } from '../common/payloadCodec';
import { UserError } from './errors';
import { toYaml } from './inventory';
import { startLabControl } from './labControl';
import { LabState, labStateFile, readLabState } from './labState';
import { startWorkflow } from './startWorkflow';

export interface LabUpFlags {
  nodes: number;
  pve: 8 | 9;
  timeScale: number;
  stateDir: string;
  clusterName: string;
  port?: number;
  demo?: boolean;
  clusterOnly?: boolean;
}

/**
 * The lab's inventory. With three nodes or more it is the reference deployment: corosync and Ceph
 * on the private network 10.0.0.0/24 (vmbr1 over enp1s0f1, MTU 9000), RAID5 over sda..sdd with
 * the DB on nvme1n1, pool Stockage-HA, HA protecting test VM 100. Fewer nodes cannot hold three
 * replicas, so they (and `clusterOnly`) get the cluster alone.
 */
export function labInventory(lab: Lab, clusterName: string, opts: { clusterOnly?: boolean } = {}): Inventory {
  return Inventory.parse({
    cluster: { name: clusterName },
    nodes: lab.nodes.map((n, i) => ({
      name: n.name,
      host: n.host,
      port: n.port,
      user: 'root',
      hostname: n.fqdn,
      password: { inline: n.rootPassword },
      primary: i === 0,
      link0: n.address,
    })),
    ...(opts.clusterOnly || lab.nodes.length < 3 ? {} : { network: { cidr: '10.0.0.0/24' }, ceph: {}, ha: { testVm: {} } }),
  });
}

/**
 * `pve-runbooks lab up`: the Temporal dev server with its Web UI, the twin's nodes and a worker,
 * in one process, until Ctrl-C or SIGTERM. Everything it needs is under the state directory.
 */
export async function labUp(flags: LabUpFlags): Promise<void> {
  const stateDir = path.resolve(flags.stateDir);
  if (readLabState(stateDir)) throw new UserError(`a lab is already running from ${stateDir}; stop it first (Ctrl-C in its terminal).`);
  fs.mkdirSync(stateDir, { recursive: true });
  const home = path.join(stateDir, 'home');
  process.env.PVE_RUNBOOKS_HOME = home;
  installRuntime();

  // With PVE_RUNBOOKS_PAYLOAD_KEY the lab's worker and clients encrypt payloads: a codec server
  // lets its Web UI show them decoded.
  const codec = (() => {
    try {
      return payloadCodecFromEnv();
    } catch (err) {
      throw new UserError((err as Error).message);
    }
  })();
  const codecServer = codec ? await startCodecServer({ codec, port: await freePort(8081), host: '127.0.0.1', origins: [] }) : undefined;
  const server = await startDevServer({ stateDir, port: flags.port, uiCodecEndpoint: codecServer?.url });
  codecServer?.allowOrigins(defaultOrigins(server.uiUrl));
  const lab = await Lab.start({ nodes: flags.nodes, pve: flags.pve, timeScale: flags.timeScale, stateDir: path.join(stateDir, 'twin'), clusterName: flags.clusterName });
  const inventoryFile = path.join(stateDir, 'inventory.yaml');
  fs.writeFileSync(inventoryFile, toYaml(labInventory(lab, flags.clusterName, { clusterOnly: flags.clusterOnly })), { mode: 0o600 });

  const connection = await NativeConnection.connect({ address: server.address });
  const { worker, deps } = await createWorker({ connection, namespace: DEFAULT_NAMESPACE });
  const running = worker.run();
  const control = await startLabControl(lab);

  const state: LabState = {
    temporalAddress: server.address,
    uiUrl: server.uiUrl,
    inventory: inventoryFile,
    nodes: lab.nodes.map((n) => ({ name: n.name, host: n.host, port: n.port, password: n.rootPassword, address: n.address })),
    namespace: DEFAULT_NAMESPACE,
    stateDir,
    home,
    controlUrl: control.url,
    pve: flags.pve,
    timeScale: flags.timeScale,
    pid: process.pid,
  };
  fs.writeFileSync(labStateFile(stateDir), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.stdout.write('\nstopping the lab...\n');
      worker.shutdown();
      await running.catch(() => undefined);
      await deps.pool.closeAll();
      await connection.close();
      await control.close();
      await lab.stop();
      await server.stop();
      await codecServer?.close();
      fs.rmSync(labStateFile(stateDir), { force: true });
      process.stdout.write('lab stopped\n');
    })());
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

  process.stdout.write(
    [
      `lab up: ${flags.nodes} simulated PVE ${flags.pve} nodes, time scale ${flags.timeScale}x`,
      `  Temporal:   ${server.address}`,
      `  Web UI:     ${server.uiUrl}`,
      ...(codecServer ? [`  codec:      ${codecServer.url} (payloads encrypted with PVE_RUNBOOKS_PAYLOAD_KEY; the Web UI decodes through it)`] : []),
      `  inventory:  ${inventoryFile}`,
      `  lab state:  ${labStateFile(stateDir)}`,
      ...lab.nodes.map((n) => `  ${n.name.padEnd(10)} ssh -p ${n.port} root@127.0.0.1   (password ${n.rootPassword})`),
      '',
      `Run a runbook from another terminal in this directory:`,
      `  npm run start-workflow -- createCluster -i ${path.relative(process.cwd(), inventoryFile) || inventoryFile} --follow`,
      `Ctrl-C stops everything.`,
      '',
    ].join('\n'),
  );

  if (flags.demo) {
    process.stdout.write('demo: building the cluster on the lab (createCluster)...\n');
    const code = await startWorkflow('createCluster', { inventory: inventoryFile, follow: true, address: server.address, stateDir }).catch((err: Error) => {
      process.stderr.write(`demo: ${err.message}\n`);
      return 1;
    });
    if (code === 0 && !flags.clusterOnly && flags.nodes >= 3) {
      process.stdout.write('demo: crash-testing HA on the lab (crashDrill: kernel panic on the node running the protected VM, reboot after 240 s, failback)...\n');
      const drill = await startWorkflow('crashDrill', { inventory: inventoryFile, follow: true, address: server.address, stateDir, rebootAfter: 240, failback: true, poll: 2 }).catch((err: Error) => {
        process.stderr.write(`demo: ${err.message}\n`);
        return 1;
      });
      process.stdout.write(`drill finished (exit ${drill}); its report is listed above, and \`npm run pve-runbooks -- drill report\` prints it again.\n`);
    }
    process.stdout.write(
      `demo finished (exit ${code}). The lab keeps running: open ${server.uiUrl} to inspect the run, ` +
        `or try: npm run pve-runbooks -- health -i ${path.relative(process.cwd(), inventoryFile) || inventoryFile}\n`,
    );
  }
  await running;
}
