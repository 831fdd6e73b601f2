import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Lab, SimNode } from '../../lab/lab';
import { startLab, trustAll } from './twin-cluster-helpers';

describe('root SSH from one lab node to another', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;
  let pve2: SimNode;

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 3 }));
    pve1 = lab.node('pve1');
    pve2 = lab.node('pve2');
    await pve1.exec("ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519");
  });

  after(async () => close());

  test('no key authorized: BatchMode fails at once, with the methods the target offers', async () => {
    const hk = (await pve2.exec('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ').slice(0, 2).join(' ');
    await pve1.exec(`echo '10.0.0.12 ${hk}' >> /root/.ssh/known_hosts`);
    assert.deepEqual(await pve1.exec('ssh -o BatchMode=yes root@10.0.0.12 true'), { stdout: '', stderr: 'root@10.0.0.12: Permission denied (publickey,password).\r\n', exitCode: 255 });
    await pve2.exec("echo 'PasswordAuthentication no' > /etc/ssh/sshd_config.d/nopw.conf");
    assert.equal((await pve1.exec('ssh -o BatchMode=yes root@10.0.0.12 true')).stderr, 'root@10.0.0.12: Permission denied (publickey).\r\n');
    await pve2.exec('rm /etc/ssh/sshd_config.d/nopw.conf');
    assert.equal(lab.log.entries({ node: 'pve2', via: 'node-ssh' }).length, 0, 'nothing ran on pve2');
  });

  test('the key authorized and the host known: the command runs there, output and status pass through', async () => {
    await pve2.exec(`echo '${(await pve1.exec('cat /root/.ssh/id_ed25519.pub')).stdout.trim()}' >> /root/.ssh/authorized_keys`);
    const r = await pve1.exec('ssh -o BatchMode=yes -o ConnectTimeout=5 root@10.0.0.12 \'hostname; echo oops >&2; exit 3\'');
    assert.deepEqual(r, { stdout: 'pve2\n', stderr: 'oops\n', exitCode: 3 });
    assert.equal((await pve1.exec('echo from-stdin | ssh -o BatchMode=yes 10.0.0.12 cat')).stdout, 'from-stdin\n', 'stdin travels too');
    const [entry] = lab.log.entries({ node: 'pve2', via: 'node-ssh', command: /^hostname/ });
    assert.deepEqual([entry?.from, entry?.exitCode, entry?.user], ['pve1', 3, 'root']);
    assert.equal((await pve1.exec('ssh -o BatchMode=yes 10.0.0.12 \'echo $SSH_CLIENT\'')).stdout, '10.0.0.11 40022 22\n');
  });

  test('the host key is checked under the name given: unknown names fail without a terminal', async () => {
    // Known as 10.0.0.12 only: the name and FQDN are unknown hosts.
    for (const target of ['pve2', 'pve2.lab.internal']) {
      assert.deepEqual(await pve1.exec(`ssh -o BatchMode=yes ${target} true`), { stdout: '', stderr: 'Host key verification failed.\r\n', exitCode: 255 });
      assert.equal((await pve1.exec(`ssh ${target} true`)).stderr, 'Host key verification failed.\r\n', 'no terminal to ask on');
    }
    assert.equal((await pve1.exec('ssh -o StrictHostKeyChecking=yes pve2 true')).stderr, 'No ED25519 host key is known for pve2 and you have requested strict checking.\r\nHost key verification failed.\r\n');
  });

  test('StrictHostKeyChecking=accept-new adds a hashed known_hosts line once, then connects quietly', async () => {
    const first = await pve1.exec('ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new pve2 hostname');
    assert.deepEqual(first, { stdout: 'pve2\n', stderr: "Warning: Permanently added 'pve2' (ED25519) to the list of known hosts.\r\n", exitCode: 0 });
    assert.match((await pve1.exec('tail -n 1 /root/.ssh/known_hosts')).stdout, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 AAAA/);
    assert.deepEqual(await pve1.exec('ssh -o BatchMode=yes pve2 hostname'), { stdout: 'pve2\n', stderr: '', exitCode: 0 });
  });

  test('a host key that changed is refused loudly, even for a name the client knows', async () => {
    const pve3 = lab.node('pve3');
    await pve1.exec(`echo '10.0.0.13 ${(await pve1.exec('cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim()}' >> /root/.ssh/known_hosts`);
    await pve3.exec(`echo '${(await pve1.exec('cat /root/.ssh/id_ed25519.pub')).stdout.trim()}' >> /root/.ssh/authorized_keys`);
    const r = await pve1.exec('ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new 10.0.0.13 true');
    assert.equal(r.exitCode, 255);
    assert.match(r.stderr, /@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @/);
    assert.match(r.stderr, /Offending ED25519 key in \/root\/\.ssh\/known_hosts:\d+\r\nHost key for 10\.0\.0\.13 has changed and you have requested strict checking\.\r\nHost key verification failed\.\r\n$/);
    assert.equal(lab.log.entries({ node: 'pve3', via: 'node-ssh' }).length, 0);
  });

  test('names that do not resolve, targets that are off or silent', async () => {
    assert.deepEqual(await pve1.exec('ssh -o BatchMode=yes nowhere true'), { stdout: '', stderr: 'ssh: Could not resolve hostname nowhere: Name or service not known\r\n', exitCode: 255 });
    await pve2.powerOff();
    assert.deepEqual(await pve1.exec('ssh -o BatchMode=yes 10.0.0.12 true'), { stdout: '', stderr: 'ssh: connect to host 10.0.0.12 port 22: Connection refused\r\n', exitCode: 255 });
    await pve2.powerOn();
    await lab.node('pve3').powerOff({ silent: true });
    const started = lab.clock.now();
    assert.deepEqual(await pve1.exec('ssh -o BatchMode=yes -o ConnectTimeout=5 10.0.0.13 true'), { stdout: '', stderr: 'ssh: connect to host 10.0.0.13 port 22: Connection timed out\r\n', exitCode: 255 });
    assert.ok(lab.clock.now() - started >= 5000, 'after ConnectTimeout, in lab time');
    await lab.node('pve3').powerOn();
    assert.equal((await pve1.exec('ssh -o BatchMode=yes 10.0.0.99 true')).stderr, 'ssh: connect to host 10.0.0.99 port 22: No route to host\r\n');
  });

  test('an sshd stopped on the target refuses; sshd_config on the target decides', async () => {
    await pve2.exec('systemctl stop ssh');
    assert.equal((await pve1.exec('ssh -o BatchMode=yes 10.0.0.12 true')).stderr, 'ssh: connect to host 10.0.0.12 port 22: Connection refused\r\n');
    await pve2.exec('systemctl start ssh');
    await pve2.exec("echo 'PermitRootLogin no' > /etc/ssh/sshd_config.d/00-noroot.conf");
    assert.equal((await pve1.exec('ssh -o BatchMode=yes 10.0.0.12 true')).exitCode, 255);
    await pve2.exec('rm /etc/ssh/sshd_config.d/00-noroot.conf');
    const back = await pve1.exec('ssh -o BatchMode=yes 10.0.0.12 true');
    assert.equal(back.exitCode, 0, back.stderr);
  });

  test('ssh-copy-id appends the key once, and says so the second time', async () => {
    await trustAll(lab, ['pve1', 'pve3']);
    await pve1.exec("ssh-keygen -q -t rsa -b 2048 -N '' -f /root/.ssh/id_rsa");
    const first = await pve1.exec('ssh-copy-id -i /root/.ssh/id_rsa root@10.0.0.13');
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stdout, /Number of key\(s\) added: 1/);
    const key = (await pve1.exec('cat /root/.ssh/id_rsa.pub')).stdout.trim();
    assert.ok((await lab.node('pve3').exec('cat /root/.ssh/authorized_keys')).stdout.includes(key));
    const again = await pve1.exec('ssh-copy-id -i /root/.ssh/id_rsa root@10.0.0.13');
    assert.match(again.stderr, /WARNING: All keys were skipped because they already exist on the remote system\./);
  });
});
