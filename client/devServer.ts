import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../common/constants';
import { tools } from './tools';

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  if (preferred) {
    try {
      return await tryListen(preferred);
    } catch {
      // taken: fall through to an ephemeral port
    }
  }
  return tryListen(0);
}

/**
 * The Temporal CLI's dev server with its Web UI and our search attributes, persisted in the
 * lab's state directory so runs survive a lab restart. It is a host process of the controller,
 * never something run on behalf of a simulated node.
 */
export async function startDevServer(opts: { stateDir: string; port?: number; uiPort?: number; logFile?: string; uiCodecEndpoint?: string }): Promise<DevServer> {
  const cli = tools.resolveTemporalCli();
  const port = await freePort(opts.port ?? 7233);
  const uiPort = await freePort(opts.uiPort ?? port + 1000);
  const log = fs.openSync(opts.logFile ?? path.join(opts.stateDir, 'temporal.log'), 'a');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--db-filename', path.join(opts.stateDir, 'temporal.db'),
    '--log-level', 'warn',
    ...Object.values(SEARCH_ATTRIBUTES).flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
    // Encrypted payloads (PVE_RUNBOOKS_PAYLOAD_KEY): the Web UI decodes them through this codec server.
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const address = `127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the Temporal dev server exited (${code}); see ${path.join(opts.stateDir, 'temporal.log')}`))),
  );
  exited.catch(() => undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const c = await Promise.race([Connection.connect({ address, connectTimeout: '2 seconds' }), exited]);
      await c.close();
      break;
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
