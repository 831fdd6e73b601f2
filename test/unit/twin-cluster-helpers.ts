import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { Lab, type LabOptions, type SimNode } from '../../lab/lab';

export interface Reply {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** A lab in a temporary state dir; `close` stops it and removes the dir. */
export async function startLab(opts: Omit<LabOptions, 'stateDir'> = {}): Promise<{ lab: Lab; close: () => Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'twin-cluster-'));
  const lab = await Lab.start({ timeScale: 50, ...opts, stateDir });
  return {
    lab,
    close: async () => {
      await lab.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A root session over the node's real SSH server, with the password, as the runbooks open one. */
export function connect(node: SimNode): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once('ready', () => resolve(client)).on('error', reject);
    client.connect({ host: node.host, port: node.port, username: 'root', password: node.rootPassword, readyTimeout: 5000 });
  });
}

/** Runs a command on the channel; with `timeoutMs`, the channel is closed then (the session cut) and code is null. */
export function run(client: Client, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      const reply: Reply = { stdout: '', stderr: '', code: null };
      let timer: NodeJS.Timeout | undefined;
      stream.on('data', (d: Buffer) => (reply.stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (reply.stderr += d.toString()));
      stream.on('exit', (code: number) => (reply.code = code));
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(reply);
      });
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => stream.close(), opts.timeoutMs);
      stream.end(opts.stdin ?? '');
    });
  });
}

/** One command over a fresh SSH session. */
export async function overSsh(node: SimNode, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const client = await connect(node);
  try {
    return await run(client, command, opts);
  } finally {
    client.end();
  }
}

/**
 * What createCluster's SSH phase does: every node gets a root key, and trusts every other node's
 * root key (authorized_keys) and host key (known_hosts, under its name, FQDN and address).
 */
export async function trustAll(lab: Lab, names = lab.nodes.map((n) => n.name)): Promise<void> {
  const nodes = names.map((n) => lab.node(n));
  const keys = new Map<string, string>();
  const hostKeys = new Map<string, string>();
  for (const n of nodes) {
    await n.exec("[ -f /root/.ssh/id_ed25519 ] || ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519");
    keys.set(n.name, (await n.exec('cat /root/.ssh/id_ed25519.pub')).stdout.trim());
    hostKeys.set(n.name, (await n.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim().split(/\s+/).slice(0, 2).join(' '));
  }
  for (const n of nodes) {
    for (const p of nodes) {
      if (p === n) continue;
      await n.exec(`printf '%s\\n' '${keys.get(p.name)}' >> /root/.ssh/authorized_keys`);
      await n.exec(`printf '%s\\n' '${p.name},${p.fqdn},${p.address} ${hostKeys.get(p.name)}' >> /root/.ssh/known_hosts`);
    }
  }
}

/** Creates the cluster on the first node and joins the others through it, each command over real SSH. */
export async function buildCluster(lab: Lab, name: string, names: string[]): Promise<Reply[]> {
  const [first, ...rest] = names.map((n) => lab.node(n)) as [SimNode, ...SimNode[]];
  const replies = [await overSsh(first, `pvecm create ${name} --link0 ${first.address}`)];
  for (const n of rest) replies.push(await overSsh(n, `pvecm add ${first.address} --link0 ${n.address} --use_ssh`));
  return replies;
}

/** Polls `check` in real time (the lab clock runs fast) until it holds or `ms` real ms pass. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
}
