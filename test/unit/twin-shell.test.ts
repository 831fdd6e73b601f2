import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Lab, type SimNode } from '../../lab/lab';

describe('node shell', () => {
  let lab8: Lab;
  let lab9: Lab;
  let pve8: SimNode;
  let pve9: SimNode;
  const dirs: string[] = [];
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-shell-'));
    dirs.push(dir);
    return dir;
  };

  before(async () => {
    [lab8, lab9] = await Promise.all([
      Lab.start({ stateDir: stateDir(), nodes: 1, pve: 8, timeScale: 60 }),
      Lab.start({ stateDir: stateDir(), nodes: 1, pve: 9 }),
    ]);
    pve8 = lab8.node('pve1');
    pve9 = lab9.node('pve1');
  });

  after(async () => {
    await Promise.all([lab8.stop(), lab9.stop()]);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  describe('never touches the host', () => {
    test('files written in the node stay in the node', async () => {
      const r = await pve8.exec('echo x > /tmp/pwn-$$; echo $$');
      const pid = r.stdout.trim();
      assert.equal(r.exitCode, 0);
      assert.equal((await pve8.exec(`cat /tmp/pwn-${pid}`)).stdout, 'x\n');
      assert.equal(existsSync(`/tmp/pwn-${pid}`), false);
    });

    test('rm -rf /etc empties the node, not the host', async () => {
      const scratch = await Lab.start({ stateDir: stateDir(), nodes: 1 });
      try {
        await scratch.node('pve1').exec('rm -rf /etc');
        assert.equal(await scratch.node('pve1').fs.exists('/etc/hostname'), false);
        assert.equal(existsSync('/etc/hostname') || existsSync('/etc/passwd'), true);
      } finally {
        await scratch.stop();
      }
    });

    for (const program of ['node', 'python3', 'python', 'curl', 'sqlite3']) {
      test(`${program} is not found`, async () => {
        const r = await pve8.exec(`${program} --version`);
        assert.equal(r.exitCode, 127);
        assert.equal(r.stderr, `bash: ${program}: command not found\n`);
        assert.equal((await pve8.exec(`command -v ${program}`)).exitCode, 1);
      });
    }
  });

  describe('PVE commands', () => {
    test('pveversion on PVE 8', async () => {
      assert.deepEqual(await pve8.exec('pveversion'), {
        stdout: 'pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-10-pve)\n',
        stderr: '',
        exitCode: 0,
      });
      const lines = (await pve8.exec('pveversion -v')).stdout.split('\n');
      assert.equal(lines[0], 'proxmox-ve: 8.4.0 (running kernel: 6.8.12-10-pve)');
      assert.equal(lines[1], 'pve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)');
      assert.ok(lines.some((l) => /^pve-cluster: 8\./.test(l)));
    });

    test('pveversion on PVE 9', async () => {
      const r = await pve9.exec('pveversion');
      assert.match(r.stdout, /^pve-manager\/9\.0\.\d+\/[0-9a-f]{16} \(running kernel: 6\.14\.[\d.-]+-pve\)\n$/);
      assert.match((await pve9.exec('pveversion --verbose | head -1')).stdout, /^proxmox-ve: 9\.0\.\d+ \(running kernel: 6\.14\./);
    });

    test('pveversion rejects unknown options like Getopt::Long', async () => {
      const r = await pve8.exec('pveversion --bogus');
      assert.equal(r.exitCode, 255);
      assert.equal(r.stderr, 'Unknown option: bogus\nUSAGE: pveversion [--verbose]\n');
    });

    for (const sub of ['status', 'nodes']) {
      test(`pvecm ${sub} on a standalone node`, async () => {
        const r = await pve8.exec(`pvecm ${sub}`);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, "Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?\n");
        assert.equal(r.exitCode, 2);
      });
    }

    test('os-release matches the PVE major', async () => {
      assert.match((await pve8.exec('. /etc/os-release; echo $VERSION_CODENAME $VERSION_ID')).stdout, /^bookworm 12\n$/);
      assert.match((await pve9.exec('. /etc/os-release; echo $VERSION_CODENAME $VERSION_ID')).stdout, /^trixie 13\n$/);
      assert.equal(await pve8.fs.readlink('/etc/os-release'), '../usr/lib/os-release');
    });

    test('standalone /etc/pve has the node directory and the local link', async () => {
      const r = await pve8.exec('ls /etc/pve/nodes; readlink /etc/pve/local; test -e /etc/pve/corosync.conf || echo no-corosync');
      assert.equal(r.stdout, 'pve1\nnodes/pve1\nno-corosync\n');
      assert.equal(await pve8.fs.exists('/root/.ssh/authorized_keys'), false);
    });
  });

  describe('system commands', () => {
    test('hostname, uname, id and whoami describe the node', async () => {
      const r = await pve8.exec('hostname; hostname -f; hostname -s; hostname -i; uname -r; uname -n; id -u; whoami');
      assert.equal(r.stdout, 'pve1\npve1.lab.internal\npve1\n10.0.0.11\n6.8.12-10-pve\npve1\n0\nroot\n');
      assert.equal(
        (await pve8.exec('uname -a')).stdout,
        'Linux pve1 6.8.12-10-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-10 (2025-04-18T07:39Z) x86_64 GNU/Linux\n',
      );
    });

    test('hostname -f resolves through /etc/hosts', async () => {
      const scratch = await Lab.start({ stateDir: stateDir(), nodes: 1 });
      try {
        const node = scratch.node('pve1');
        await node.exec("sed -i '/pve1/d' /etc/hosts");
        const r = await node.exec('hostname -f');
        assert.deepEqual([r.stderr, r.exitCode], ['hostname: Name or service not known\n', 1]);
      } finally {
        await scratch.stop();
      }
    });

    test('date reads the lab clock', async () => {
      const before = Math.floor(lab8.clock.now() / 1000);
      const r = await pve8.exec('date +%s; date -u +%Y; date -Is; date +%s%N');
      const [seconds, year, iso, nanos] = r.stdout.trim().split('\n') as [string, string, string, string];
      assert.ok(Number(seconds) >= before && Number(seconds) <= Math.floor(lab8.clock.now() / 1000));
      assert.equal(year, String(new Date(lab8.clock.now()).getUTCFullYear()));
      assert.match(iso, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
      assert.match(nanos, /^\d{19}$/);
      assert.equal((await pve8.exec('date -d @0 -u')).stdout, 'Thu Jan  1 00:00:00 UTC 1970\n');
    });

    test('sleep runs on lab time', async () => {
      const realStart = performance.now();
      const labStart = lab8.clock.now();
      await pve8.exec('sleep 6');
      assert.ok(performance.now() - realStart < 1000, 'six lab seconds at scale 60 take a tenth of a real second');
      assert.ok(lab8.clock.now() - labStart >= 6000);
    });

    test('ssh-keygen generates a key pair and refuses to overwrite it without an answer', async () => {
      const made = await pve8.exec("ssh-keygen -t ed25519 -N '' -f /root/.ssh/id_ed25519 -C me@lab");
      assert.equal(made.exitCode, 0);
      assert.match(made.stdout, /The key fingerprint is:\nSHA256:[A-Za-z0-9+/]{43} me@lab\n/);
      assert.match(made.stdout, /\+--\[ED25519 256\]--\+\n(\|.{17}\|\n){9}\+----\[SHA256\]-----\+\n$/);

      const again = await pve8.exec("ssh-keygen -t ed25519 -N '' -f /root/.ssh/id_ed25519 -q");
      assert.equal(again.exitCode, 1);
      assert.equal(again.stdout, '/root/.ssh/id_ed25519 already exists.\nOverwrite (y/n)? ');

      const list = await pve8.exec('ssh-keygen -l -f /root/.ssh/id_ed25519.pub');
      assert.match(list.stdout, /^256 SHA256:[A-Za-z0-9+/]{43} me@lab \(ED25519\)\n$/);
      const pub = await pve8.exec('ssh-keygen -y -f /root/.ssh/id_ed25519');
      assert.equal(pub.stdout, (await pve8.exec('cat /root/.ssh/id_ed25519.pub')).stdout);
      assert.equal((await pve8.fs.stat('/root/.ssh/id_ed25519')).mode & 0o777, 0o600);

      const overwritten = await pve8.exec("echo y | ssh-keygen -t ed25519 -N '' -f /root/.ssh/id_ed25519 -q");
      assert.equal(overwritten.exitCode, 0);
      assert.notEqual((await pve8.exec('cat /root/.ssh/id_ed25519.pub')).stdout, pub.stdout);
    });

    test('sshd -t reports unknown keywords as OpenSSH does', async () => {
      assert.deepEqual(await pve9.exec('sshd -t'), { stdout: '', stderr: '', exitCode: 0 });
      await pve9.exec("sed -i 's/^UsePAM yes/UsePAM yes\\nFoo bar/' /etc/ssh/sshd_config");
      const line = (await pve9.exec("grep -n '^Foo' /etc/ssh/sshd_config | cut -d: -f1")).stdout.trim();
      const r = await pve9.exec('/usr/sbin/sshd -t');
      assert.equal(r.exitCode, 255);
      assert.equal(
        r.stderr,
        `/etc/ssh/sshd_config: line ${line}: Bad configuration option: Foo\n/etc/ssh/sshd_config: terminating, 1 bad configuration options\n`,
      );
      await pve9.exec("sed -i '/^Foo/d' /etc/ssh/sshd_config");
    });

    test('systemctl knows the node services', async () => {
      assert.equal((await pve8.exec('systemctl is-active ssh sshd.service pve-cluster')).stdout, 'active\nactive\nactive\n');
      const corosync = await pve8.exec('systemctl is-active corosync');
      assert.deepEqual([corosync.stdout, corosync.exitCode], ['inactive\n', 3]);
      assert.equal((await pve8.exec('systemctl reload ssh')).exitCode, 0);
      const missing = await pve8.exec('systemctl reload nosuch');
      assert.deepEqual([missing.stderr, missing.exitCode], ['Failed to reload nosuch.service: Unit nosuch.service not found.\n', 5]);
    });

    test('reading /proc/sysrq-trigger is harmless', async () => {
      const r = await pve8.exec('cat /proc/sysrq-trigger; echo after');
      assert.equal(r.stdout, 'after\n');
      assert.equal(pve8.powered, true);
    });

    test('unknown commands exit 127', async () => {
      assert.deepEqual(await pve8.exec('foo'), { stdout: '', stderr: 'bash: foo: command not found\n', exitCode: 127 });
    });
  });
});
