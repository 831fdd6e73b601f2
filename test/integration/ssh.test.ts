import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { generateKeyPair } from '../../activities/ssh/keygen';
import { Lab } from '../../lab/lab';
import { SshPool, SshTarget } from '../../activities/ssh/pool';
import { KnownHosts, hostPattern } from '../../activities/ssh/knownHosts';
import { loadControllerKey } from '../../activities/ssh/controllerKey';
import { installKeyCommand } from '../../activities/nodes/controllerKey';

type Failure = Error & { type?: string; nonRetryable?: boolean };

async function rejectsWith(p: Promise<unknown>, type: string, nonRetryable: boolean, message?: RegExp): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    const e = err as Failure;
    assert.equal(e.type, type, `expected ${type}, got ${e.type}: ${e.message}`);
    assert.equal(!!e.nonRetryable, nonRetryable, `nonRetryable of ${type}`);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a ${type} failure`);
}

describe('SSH layer against the twin', () => {
  let lab: Lab;
  let dir: string;
  let pool: SshPool;
  let knownHostsFile: string;
  const env = () => ({ PVE_RUNBOOKS_HOME: path.join(dir, 'home') }) as NodeJS.ProcessEnv;

  const target = (i: number, auth: 'password' | 'key' | 'both' = 'password', extra: Partial<SshTarget> = {}): SshTarget => {
    const n = lab.nodes[i];
    const key = loadControllerKey(env());
    return {
      name: n.name,
      host: n.host,
      port: n.port,
      user: 'root',
      password: auth === 'key' ? undefined : n.rootPassword,
      privateKeys: auth === 'password' ? [] : [{ label: 'controller key', key: key.privateKey }],
      connectTimeoutMs: 2_000,
      ...extra,
    };
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-ssh-'));
    lab = await Lab.start({ nodes: 3, stateDir: path.join(dir, 'lab'), timeScale: 1 });
    knownHostsFile = path.join(dir, 'home', 'known_hosts');
    pool = new SshPool(new KnownHosts(knownHostsFile));
  });
  after(async () => {
    await pool?.closeAll();
    await lab?.stop();
  });

  test('password authentication, and N commands over one handshake', async () => {
    const t = target(0);
    const before = pool.handshakes;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.exec(t, `echo ${i}; hostname`, { timeoutMs: 5_000 })));
    results.forEach((r, i) => assert.equal(r.stdout, `${i}\n${lab.nodes[0].name}\n`));
    for (let i = 0; i < 10; i++) await pool.exec(t, 'true', { timeoutMs: 5_000 });
    assert.equal(pool.handshakes - before, 1, 'one handshake served 30 commands');
    assert.match(fs.readFileSync(knownHostsFile, 'utf8'), new RegExp(`^\\[127\\.0\\.0\\.1\\]:${lab.nodes[0].port} ssh-ed25519 `, 'm'));
  });

  test('exit codes and stderr come back as they are', async () => {
    const r = await pool.exec(target(0), 'echo out; echo err >&2; exit 3', { timeoutMs: 5_000 });
    assert.deepEqual([r.stdout, r.stderr, r.exitCode], ['out\n', 'err\n', 3]);
  });

  test('key authentication once the controller key is installed; refused before', async () => {
    await rejectsWith(pool.exec(target(1, 'key'), 'true', { timeoutMs: 5_000 }), 'SshAuthRefused', true, /refused authentication \(tried: publickey/);
    const pub = loadControllerKey(env()).publicKey;
    const r = await pool.exec(target(1), installKeyCommand(pub), { timeoutMs: 5_000 });
    assert.match(r.stdout, /^added\n/);
    const again = await pool.exec(target(1), installKeyCommand(pub), { timeoutMs: 5_000 });
    assert.match(again.stdout, /^present\n/, 'a second install finds the key and appends nothing');
    const ok = await pool.exec(target(1, 'key'), 'whoami', { timeoutMs: 5_000 });
    assert.equal(ok.stdout, 'root\n');
    const lines = (await lab.node(lab.nodes[1].name).exec('cat /root/.ssh/authorized_keys')).stdout.trim().split('\n');
    assert.equal(lines.filter((l) => l === pub).length, 1, 'the key is there exactly once');
  });

  test('a wrong password is a permanent failure naming the node', async () => {
    await rejectsWith(pool.exec(target(2, 'password', { password: 'wrong' }), 'true', { timeoutMs: 5_000 }), 'SshAuthRefused', true, /pve3 \(root@127\.0\.0\.1:\d+\) refused authentication/);
  });

  test('command timeout is transient and the connection stays usable', async () => {
    lab.faults.add({ node: lab.nodes[0].name, match: /^sleep-forever$/, action: { kind: 'hang' } });
    await rejectsWith(pool.exec(target(0), 'sleep-forever', { timeoutMs: 300, label: 'hanging step' }), 'SshCommandTimeout', false, /hanging step did not finish/);
    const r = await pool.exec(target(0), 'echo still-here', { timeoutMs: 5_000 });
    assert.equal(r.stdout, 'still-here\n');
  });

  test('a dropped connection is transient and the next command reconnects', async () => {
    const t = target(0);
    await pool.exec(t, 'true', { timeoutMs: 5_000 });
    const before = pool.handshakes;
    lab.faults.add({ node: lab.nodes[0].name, match: /^drop-me$/, action: { kind: 'drop' } });
    await rejectsWith(pool.exec(t, 'drop-me', { timeoutMs: 5_000 }), 'SshConnectionLost', false);
    const r = await pool.exec(t, 'echo back', { timeoutMs: 5_000 });
    assert.equal(r.stdout, 'back\n');
    assert.equal(pool.handshakes - before, 1, 'exactly one new handshake');
  });

  test('connect timeout against a node that accepts TCP but never answers; refused when powered off', async () => {
    const n = lab.nodes[2];
    await n.powerOff({ silent: true });
    await rejectsWith(pool.exec(target(2, 'password', { connectTimeoutMs: 500 }), 'true', { timeoutMs: 5_000 }), 'SshConnectTimeout', false);
    await n.powerOn();
    await n.powerOff();
    await rejectsWith(pool.exec(target(2), 'true', { timeoutMs: 5_000 }), 'SshUnreachable', false, /ECONNREFUSED/);
    await n.powerOn();
    const r = await pool.exec(target(2), 'hostname', { timeoutMs: 5_000 });
    assert.equal(r.stdout, `${n.name}\n`, 'same host key after power on: accepted');
  });

  test('a changed host key is refused, permanently, with what to do', async () => {
    const n = lab.nodes[1];
    const fresh = new KnownHosts(path.join(dir, 'other_known_hosts'));
    const other = utils.parseKey(generateKeyPair({ type: 'ed25519', comment: 'test' }).public);
    if (other instanceof Error) throw other;
    fs.writeFileSync(fresh.file, `${hostPattern(n.host, n.port)} ssh-ed25519 ${other.getPublicSSH().toString('base64')}\n`);
    const p2 = new SshPool(new KnownHosts(fresh.file));
    await rejectsWith(p2.exec(target(1), 'true', { timeoutMs: 5_000 }), 'SshHostKeyChanged', true, /pinned in .*other_known_hosts.*remove its line/);
    await p2.closeAll();
  });
});
