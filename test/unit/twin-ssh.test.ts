import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InMemoryFs } from 'just-bash';
import { BaseAgent, Client, utils, type ConnectConfig, type ParsedKey } from 'ssh2';
import { Lab, type SimNode } from '../../lab/lab';
import { generateKeyPair } from '../../lab/ssh/keys';

interface Reply {
  stdout: string;
  stderr: string;
  code: number | null;
}

function connect(node: SimNode, auth: Partial<ConnectConfig>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    // ssh2 may report a second error after the first (a timeout, then the lost connection).
    client.once('ready', () => resolve(client)).on('error', reject);
    client.connect({ host: node.host, port: node.port, username: 'root', readyTimeout: 3000, ...auth });
  });
}

function run(client: Client, command: string, stdin?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      const reply: Reply = { stdout: '', stderr: '', code: null };
      stream.on('data', (d: Buffer) => (reply.stdout += d.toString()));
      stream.stderr.on('data', (d: Buffer) => (reply.stderr += d.toString()));
      stream.on('exit', (code: number) => (reply.code = code));
      stream.on('close', () => resolve(reply));
      if (stdin !== undefined) stream.end(stdin);
    });
  });
}

async function runOnce(node: SimNode, command: string, auth: Partial<ConnectConfig> = { password: node.rootPassword }): Promise<Reply> {
  const client = await connect(node, auth);
  try {
    return await run(client, command);
  } finally {
    client.end();
  }
}

/** Presents one key and signs with another: a client that does not hold the key it claims. */
class ImpostorAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly claimed: ParsedKey,
    private readonly signer: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [this.claimed]);
  }
  sign(_key: ParsedKey, data: Buffer, ...rest: unknown[]): void {
    const cb = rest[rest.length - 1] as (err: Error | undefined, signature?: Buffer) => void;
    cb(undefined, this.signer.sign(data));
  }
}

const keyPair = () => generateKeyPair({ type: 'ed25519', comment: 'tester@controller' });
const parsed = (text: string) => utils.parseKey(text) as ParsedKey;
const sha256 = (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

// The two suites use separate labs; running them side by side halves the file's wall time.
describe('the twin over SSH', { concurrency: true }, () => {
  describe('node SSH server', { concurrency: 1 }, () => {
    let lab: Lab;
    let stateDir: string;
    let node: SimNode;
    const controller = keyPair();

    // sshd_config includes sshd_config.d/*.conf before its own lines, and the first value wins.
    const setSshd = (lines: string) => node.fs.writeFile('/etc/ssh/sshd_config.d/test.conf', `${lines}\n`);

    before(async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'twin-ssh-'));
      lab = await Lab.start({ stateDir, nodes: 1 });
      node = lab.node('pve1');
    });

    after(async () => {
      await lab.stop();
      rmSync(stateDir, { recursive: true, force: true });
    });

    describe('authentication follows sshd_config and authorized_keys', () => {
      test('the root password is accepted out of the box, a wrong one is not', async () => {
        assert.deepEqual(await runOnce(node, 'whoami'), { stdout: 'root\n', stderr: '', code: 0 });
        await assert.rejects(connect(node, { password: 'wrong' }), /All configured authentication methods failed/);
      });

      test('PasswordAuthentication no refuses even the right password', async () => {
        await setSshd('PasswordAuthentication no');
        await assert.rejects(connect(node, { password: node.rootPassword }), /authentication methods failed/);
        await setSshd('');
        assert.equal((await runOnce(node, 'true')).code, 0);
      });

      test('PermitRootLogin prohibit-password refuses passwords but takes keys', async () => {
        await node.fs.writeFile('/root/.ssh/authorized_keys', controller.public);
        await setSshd('PermitRootLogin prohibit-password');
        await assert.rejects(connect(node, { password: node.rootPassword }), /authentication methods failed/);
        assert.equal((await runOnce(node, 'hostname', { privateKey: controller.private })).stdout, 'pve1\n');
        await setSshd('');
        await node.fs.rm('/root/.ssh/authorized_keys');
      });

      test('a key that is not authorized is refused', async () => {
        await assert.rejects(connect(node, { privateKey: keyPair().private }), /authentication methods failed/);
      });

      test('AuthorizedKeysFile with two paths: a key in the second one is enough', async () => {
        await setSshd('PermitRootLogin prohibit-password\nAuthorizedKeysFile .ssh/authorized_keys /etc/ssh/keys/%u');
        await node.exec('mkdir -p /etc/ssh/keys');
        await node.fs.writeFile('/etc/ssh/keys/root', `# managed by the runbooks\n\nno-port-forwarding,from="10.0.0.0/8" ${controller.public}`);
        assert.equal((await runOnce(node, 'id -un', { privateKey: controller.private })).stdout, 'root\n');
        await node.fs.rm('/etc/ssh/keys/root');
        await assert.rejects(connect(node, { privateKey: controller.private }), /authentication methods failed/);
        await setSshd('');
      });

      test('a key in a file reached through a symlink into a shared mount works', async () => {
        const shared = new InMemoryFs({ '/priv/authorized_keys': controller.public });
        await node.fs.mount('/mnt/cluster', shared);
        await node.exec('ln -s /mnt/cluster/priv/authorized_keys /root/.ssh/authorized_keys');
        assert.equal((await runOnce(node, 'true', { privateKey: controller.private })).code, 0);
        await shared.writeFile('/priv/authorized_keys', '');
        await assert.rejects(connect(node, { privateKey: controller.private }), /authentication methods failed/);
        await node.fs.rm('/root/.ssh/authorized_keys');
      });

      test('a client that cannot sign for the key it presents is refused', async () => {
        await node.fs.writeFile('/root/.ssh/authorized_keys', controller.public);
        const agent = new ImpostorAgent(parsed(controller.public), parsed(keyPair().private));
        await assert.rejects(connect(node, { agent }), /authentication methods failed/);
        const honest = new ImpostorAgent(parsed(controller.public), parsed(controller.private));
        assert.equal((await runOnce(node, 'true', { agent: honest })).code, 0);
        await node.fs.rm('/root/.ssh/authorized_keys');
      });

      test('keys in a group-writable authorized_keys are ignored (StrictModes)', async () => {
        await node.fs.writeFile('/root/.ssh/authorized_keys', controller.public);
        await node.fs.chmod('/root/.ssh/authorized_keys', 0o664);
        await assert.rejects(connect(node, { privateKey: controller.private }), /authentication methods failed/);
        await node.fs.chmod('/root/.ssh/authorized_keys', 0o600);
        assert.equal((await runOnce(node, 'true', { privateKey: controller.private })).code, 0);
        await node.fs.rm('/root/.ssh/authorized_keys');
      });
    });

    describe('sessions', () => {
      test('exec streams stdout and stderr separately and reports the exit status', async () => {
        assert.deepEqual(await runOnce(node, 'echo out; echo err >&2; exit 7'), { stdout: 'out\n', stderr: 'err\n', code: 7 });
      });

      test('stdin sent by the client reaches the command', async () => {
        const client = await connect(node, { password: node.rootPassword });
        try {
          assert.equal((await run(client, 'cat > /root/upload; wc -c < /root/upload', 'twelve bytes')).stdout.trim(), '12');
        } finally {
          client.end();
        }
      });

      test('the host key the client sees is the node fingerprint', async () => {
        let seen = '';
        const client = await connect(node, { password: node.rootPassword, hostVerifier: (key: Buffer) => ((seen = sha256(key)), true) });
        client.end();
        assert.equal(seen, node.hostKeyFingerprint);
        assert.equal(readFileSync(join(stateDir, 'nodes/pve1/ssh_host_ed25519_key.pub'), 'utf8'), await node.fs.readFile('/etc/ssh/ssh_host_ed25519_key.pub'));
      });

      test('an sshd_config that fails to parse keeps sshd down after a restart', async () => {
        await node.fs.appendFile('/etc/ssh/sshd_config', 'Bogus yes\n');
        const restart = await runOnce(node, 'systemctl restart ssh');
        assert.equal(restart.code, 1);
        await assert.rejects(connect(node, { password: node.rootPassword }), /ECONNREFUSED/);
        await node.exec("sed -i '/^Bogus/d' /etc/ssh/sshd_config && systemctl restart ssh");
        assert.equal((await runOnce(node, 'systemctl is-active ssh')).stdout, 'active\n');
      });
    });

    describe('with the real OpenSSH client', { skip: !existsSync('/usr/bin/ssh') && 'no /usr/bin/ssh' }, () => {
      const ssh = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
        new Promise<Reply>((resolve) => {
          const child = spawn('/usr/bin/ssh', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
          const reply: Reply = { stdout: '', stderr: '', code: null };
          child.stdout.on('data', (d: Buffer) => (reply.stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (reply.stderr += d.toString()));
          const timer = setTimeout(() => child.kill(), 10_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ ...reply, code });
          });
        });
      const common = () => ['-p', String(node.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];

      test('key auth: ssh root@127.0.0.1 pveversion', async () => {
        const keyFile = join(stateDir, 'client_key');
        writeFileSync(keyFile, controller.private, { mode: 0o600 });
        await node.fs.writeFile('/root/.ssh/authorized_keys', controller.public);
        const reply = await ssh([...common(), '-i', keyFile, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', 'root@127.0.0.1', 'pveversion']);
        assert.deepEqual(reply, { stdout: 'pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-10-pve)\n', stderr: '', code: 0 });
        await node.fs.rm('/root/.ssh/authorized_keys');
      });

      test('password auth through SSH_ASKPASS', async () => {
        const askpass = join(stateDir, 'askpass.sh');
        writeFileSync(askpass, `#!/bin/sh\necho '${node.rootPassword}'\n`, { mode: 0o700 });
        const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' };
        const reply = await ssh([...common(), '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1', 'root@127.0.0.1', 'hostname -f'], env);
        assert.deepEqual(reply, { stdout: 'pve1.lab.internal\n', stderr: '', code: 0 });
      });
    });
  });

  describe('faults, power and the command log', { concurrency: 1 }, () => {
    let lab: Lab;
    let stateDir: string;
    let node: SimNode;

    before(async () => {
      stateDir = mkdtempSync(join(tmpdir(), 'twin-faults-'));
      lab = await Lab.start({ stateDir, nodes: 2, timeScale: 60 });
      node = lab.node('pve2');
    });

    after(async () => {
      await lab.stop();
      rmSync(stateDir, { recursive: true, force: true });
    });

    test('a command fails N times with the given stderr, then succeeds', async () => {
      const lock = 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4711 (apt-get)\n';
      const rule = lab.faults.add({ node: 'pve2', match: /^pveversion$/, action: { kind: 'fail', exitCode: 100, stderr: lock }, times: 2 });
      assert.deepEqual(await runOnce(node, 'pveversion'), { stdout: '', stderr: lock, code: 100 });
      assert.deepEqual(await runOnce(node, 'pveversion'), { stdout: '', stderr: lock, code: 100 });
      assert.equal((await runOnce(node, 'pveversion')).code, 0);
      assert.equal(rule.fired, 2);
      const logged = lab.log.entries({ node: 'pve2', command: 'pveversion', via: 'ssh' });
      assert.deepEqual(logged.map((e) => [e.exitCode, e.fault]), [[100, 'fail'], [100, 'fail'], [0, undefined]]);
    });

    test('faults only touch the node and commands they name', async () => {
      lab.faults.add({ node: 'pve1', match: 'hostname', action: { kind: 'fail', exitCode: 1, stderr: 'boom\n' }, times: Infinity });
      assert.equal((await runOnce(node, 'hostname')).code, 0);
      assert.equal((await runOnce(lab.node('pve1'), 'uname')).code, 0);
      assert.equal((await runOnce(lab.node('pve1'), 'hostname')).stderr, 'boom\n');
      assert.equal((await runOnce(lab.node('pve1'), 'hostname')).stderr, 'boom\n');
      lab.faults.clear();
    });

    test('a hanging command never answers; the log records it without an exit status', async () => {
      lab.faults.add({ match: 'apt-get update', action: { kind: 'hang' } });
      const client = await connect(node, { password: node.rootPassword });
      const pending = run(client, 'apt-get update');
      const outcome = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('hanging'), 150))]);
      assert.equal(outcome, 'hanging');
      client.end();
      await pending;
      await new Promise((r) => setTimeout(r, 20));
      const [entry] = lab.log.entries({ command: 'apt-get update' });
      assert.equal(entry?.exitCode, null);
      assert.equal(entry?.fault, 'hang');
    });

    test('a dropped connection loses the reply, but the command ran', async () => {
      lab.faults.add({ node: 'pve2', match: 'touch /root/effect', action: { kind: 'drop' } });
      const client = await connect(node, { password: node.rootPassword });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.on('error', () => undefined);
      const reply = await run(client, 'touch /root/effect');
      await closed;
      assert.equal(reply.code, null);
      assert.equal(await node.fs.exists('/root/effect'), true);
      const [entry] = lab.log.entries({ command: 'touch /root/effect' });
      assert.deepEqual([entry?.exitCode, entry?.fault], [0, 'drop']);
    });

    test('a delay is lab time: a lab minute passes in a real second at scale 60', async () => {
      lab.faults.add({ match: 'qm list', action: { kind: 'delay', labMs: 6000 } });
      const realStart = performance.now();
      await runOnce(node, 'qm list');
      assert.ok(performance.now() - realStart >= 95);
      const [entry] = lab.log.entries({ command: 'qm list', via: 'ssh' });
      assert.ok((entry?.durationMs ?? 0) >= 6000, `took ${entry?.durationMs} lab ms`);
      assert.equal(entry?.fault, 'delay');
    });

    test('an auth fault refuses every attempt until removed', async () => {
      const rule = lab.faults.add({ node: 'pve2', auth: 'refuse' });
      await assert.rejects(connect(node, { password: node.rootPassword }), /authentication methods failed/);
      rule.remove();
      assert.equal((await runOnce(node, 'true')).code, 0);
    });

    test('power off refuses connections; power on brings back the same port and host key', async () => {
      const port = node.port;
      let seen = '';
      const hostVerifier = (key: Buffer) => ((seen = sha256(key)), true);
      await node.powerOff();
      assert.equal(node.powered, false);
      await assert.rejects(connect(node, { password: node.rootPassword }), /ECONNREFUSED/);
      await assert.rejects(node.exec('true'), /powered off/);
      await node.powerOn();
      assert.equal(node.port, port);
      (await connect(node, { password: node.rootPassword, hostVerifier })).end();
      assert.equal(seen, node.hostKeyFingerprint);
    });

    test('a silent power off accepts TCP but never answers, and cuts the running session', async () => {
      const client = await connect(node, { password: node.rootPassword });
      client.on('error', () => undefined);
      const inFlight = run(client, 'sleep 600');
      await new Promise((r) => setTimeout(r, 50));
      await node.powerOff({ silent: true });
      await assert.rejects(connect(node, { password: node.rootPassword, readyTimeout: 200 }), /Timed out while waiting for handshake/);
      const answered = await Promise.race([inFlight.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))]);
      assert.equal(answered, false);
      await node.powerOn();
      await inFlight;
      assert.equal((await runOnce(node, 'true')).code, 0);
    });

    test('echo c > /proc/sysrq-trigger crashes the node: it stops answering', async () => {
      const client = await connect(node, { password: node.rootPassword });
      client.on('error', () => undefined);
      const crash = run(client, 'echo c > /proc/sysrq-trigger');
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(node.powered, false);
      await node.powerOn();
      assert.equal((await crash).code, null);
    });

    test('the command log has lab timestamps and is written to STATE/commands.jsonl', async () => {
      const before = lab.clock.now();
      await node.exec('echo logged-internally');
      await runOnce(node, 'echo logged-over-ssh');
      const [internal] = lab.log.entries({ command: 'logged-internally' });
      const [remote] = lab.log.entries({ command: 'logged-over-ssh', via: 'ssh' });
      assert.equal(internal?.via, 'internal');
      assert.equal(remote?.user, 'root');
      assert.ok((internal?.at ?? 0) >= before && (remote?.at ?? 0) >= (internal?.at ?? 0));
      assert.ok((remote?.at ?? 0) <= lab.clock.now());
      const lines = readFileSync(join(stateDir, 'commands.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.at(-1), remote);
      assert.deepEqual(lab.log.entries().map((e) => e.seq), lines.map((l) => l.seq));
    });

    test('a lab restarted on the same state dir keeps host keys and the root password', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'twin-restart-'));
      try {
        const first = await Lab.start({ stateDir: dir, nodes: 1 });
        const { hostKeyFingerprint, rootPassword } = first.node('pve1');
        await first.stop();
        const second = await Lab.start({ stateDir: dir, nodes: 1 });
        assert.equal(second.node('pve1').hostKeyFingerprint, hostKeyFingerprint);
        assert.equal(second.node('pve1').rootPassword, rootPassword);
        await second.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
