import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from 'ssh2';
import type { Lab, PowerEvent, SimNode } from '../../lab/lab';
import { connect, eventually, overSsh, run, startLab } from './twin-cluster-helpers';

const BOOT_MS = 60_000;
/** Lab ms a timer may fire late at this scale plus a boot's own work (tens of real ms on a busy machine). */
const SLACK_MS = 8_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$/;

/** Whether an SSH handshake completes within `realMs`: a crashed node accepts TCP and never answers. */
function answers(node: SimNode, realMs = 150): Promise<boolean | 'refused'> {
  return new Promise((resolve) => {
    const client = new Client();
    client.once('ready', () => (client.end(), resolve(true)));
    client.on('error', (err: Error & { code?: string }) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : false));
    client.connect({ host: node.host, port: node.port, username: 'root', password: node.rootPassword, readyTimeout: realMs });
  });
}

describe('crashing a node: sysrq, kernel.panic, the watchdog and the power log', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;
  let pve2: SimNode;

  const events = (node: string, since: number): { event: PowerEvent; at: number }[] =>
    lab
      .powerLog()
      .filter((e) => e.node === node && e.at >= since)
      .map(({ event, at }) => ({ event, at }));

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 2, timeScale: 100, bootMs: BOOT_MS }));
    pve1 = lab.node('pve1');
    pve2 = lab.node('pve2');
  });

  after(async () => close());

  test('the lab starting powers every node on', () => {
    assert.deepEqual(
      lab.powerLog().map((e) => [e.node, e.event]),
      [
        ['pve1', 'power-on'],
        ['pve2', 'power-on'],
      ],
    );
  });

  test('kernel.panic: 0 by default, set by sysctl -w, by name=value or by a write to /proc; errors as procps prints them', async () => {
    assert.deepEqual(await overSsh(pve1, 'sysctl -n kernel.panic'), { stdout: '0\n', stderr: '', code: 0 });
    assert.deepEqual(await overSsh(pve1, 'sysctl -w kernel.panic=10'), { stdout: 'kernel.panic = 10\n', stderr: '', code: 0 });
    assert.equal((await pve1.exec('cat /proc/sys/kernel/panic')).stdout, '10\n');
    assert.equal((await pve1.exec('sysctl kernel.panic=20')).stdout, 'kernel.panic = 20\n', 'name=value writes without -w');
    assert.equal((await pve1.exec('echo 30 > /proc/sys/kernel/panic && sysctl kernel.panic')).stdout, 'kernel.panic = 30\n');
    assert.deepEqual(await pve1.exec('sysctl -n kernel.foo'), { stdout: '', stderr: 'sysctl: cannot stat /proc/sys/kernel/foo: No such file or directory\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('sysctl -w kernel.panic=abc'), { stdout: '', stderr: 'sysctl: setting key "kernel.panic": Invalid argument\n', exitCode: 0 });
    assert.deepEqual(await pve1.exec('sysctl -w kernel.panic'), { stdout: '', stderr: 'sysctl: "kernel.panic" must be of the form name=value\n', exitCode: 255 });
    assert.equal((await pve1.exec('sysctl -n kernel.panic')).stdout, '30\n', 'a refused value changes nothing');
    assert.deepEqual(await pve1.exec('sysctl -qw kernel.panic=0'), { stdout: '', stderr: '', exitCode: 0 });
    const bootId = (await pve1.exec('cat /proc/sys/kernel/random/boot_id')).stdout;
    assert.match(bootId, UUID);
    assert.equal((await pve1.exec('sysctl -n kernel.random.boot_id')).stdout, bootId, 'the same for the whole boot');
    assert.notEqual((await pve2.exec('cat /proc/sys/kernel/random/boot_id')).stdout, bootId);
  });

  test('echo c > /proc/sysrq-trigger with kernel.panic=60: silent at once, panic-reboot 60 s later, up after the boot time', async () => {
    const bootBefore = (await pve1.exec('cat /proc/sys/kernel/random/boot_id')).stdout;
    await overSsh(pve1, 'sysctl -w kernel.panic=60');
    const client = await connect(pve1);
    client.on('error', () => undefined);
    const sent = lab.clock.now();
    // The session hangs with the node; its socket only goes when the machine reboots.
    const reply = run(client, 'echo c > /proc/sysrq-trigger; echo survived');
    assert.ok(await eventually(() => !pve1.powered, 1_000));
    const cut = lab.clock.now();
    assert.equal(await answers(pve1), false, 'TCP accepted, no SSH banner');

    assert.ok(await eventually(() => pve1.powered, 5_000), 'rebooted by itself');
    assert.deepEqual(await reply, { stdout: '', stderr: '', code: null }, 'the write never returned');
    client.end();
    const [crash, reboot, on, ...rest] = events('pve1', sent);
    assert.deepEqual([crash?.event, reboot?.event, on?.event, rest.length], ['crash', 'panic-reboot', 'power-on', 0]);
    assert.ok(crash && reboot && on);
    assert.ok(crash.at >= sent && crash.at <= cut, 'the crash happened during the command');
    assert.ok(reboot.at - crash.at >= 60_000 && reboot.at - crash.at < 60_000 + SLACK_MS, `panic-reboot ${reboot.at - crash.at} ms after the crash`);
    assert.ok(on.at - reboot.at >= BOOT_MS && on.at - reboot.at < BOOT_MS + SLACK_MS, `power-on ${on.at - reboot.at} ms after panic-reboot`);

    assert.equal(await answers(pve1, 2_000), true);
    const bootAfter = (await overSsh(pve1, 'cat /proc/sys/kernel/random/boot_id')).stdout;
    assert.match(bootAfter, UUID);
    assert.notEqual(bootAfter, bootBefore, 'a new boot id');
    assert.equal((await overSsh(pve1, 'sysctl -n kernel.panic')).stdout, '0\n', 'not persistent across the reboot');

    const journal = lab.journal('pve1');
    const oldBoot = journal.filter((e) => e.bootId === bootBefore.trim().replace(/-/g, ''));
    assert.ok(oldBoot.length > 0, 'the previous boot is still in the persistent journal');
    assert.ok(oldBoot.every((e) => e.at <= crash.at), 'nothing of the crashed boot after the crash');
    assert.ok(journal.some((e) => e.bootId === bootAfter.trim().replace(/-/g, '') && e.at >= on.at - SLACK_MS));
  });

  test('with kernel.panic 0 the node stays down until the lab powers it on', async () => {
    const sent = lab.clock.now();
    await pve1.exec('echo c > /proc/sysrq-trigger').catch(() => undefined);
    await lab.clock.sleep(3 * BOOT_MS);
    assert.equal(pve1.powered, false);
    assert.deepEqual(
      events('pve1', sent).map((e) => e.event),
      ['crash'],
    );
    assert.equal(await answers(pve1), false);
    await pve1.powerOn();
    assert.deepEqual(
      events('pve1', sent).map((e) => e.event),
      ['crash', 'power-on'],
    );
    assert.equal((await overSsh(pve1, 'hostname')).stdout, 'pve1\n');
  });

  test('watchdogReset: down at once and silent, a watchdog-reset entry, power-on after the boot time', async () => {
    const bootBefore = (await pve2.exec('cat /proc/sys/kernel/random/boot_id')).stdout;
    const before = lab.clock.now();
    pve2.watchdogReset();
    assert.equal(pve2.powered, false);
    assert.equal(await answers(pve2), false);
    assert.ok(await eventually(() => pve2.powered, 5_000));
    const [reset, on, ...rest] = events('pve2', before);
    assert.deepEqual([reset?.event, on?.event, rest.length], ['watchdog-reset', 'power-on', 0]);
    assert.ok(reset && on);
    assert.ok(on.at - reset.at >= BOOT_MS && on.at - reset.at < BOOT_MS + SLACK_MS, `power-on ${on.at - reset.at} ms after the reset`);
    assert.notEqual((await overSsh(pve2, 'cat /proc/sys/kernel/random/boot_id')).stdout, bootBefore);
  });

  test('lab power off and on are logged; cutting the power of a hung node closes its port', async () => {
    const before = lab.clock.now();
    await pve2.powerOff();
    await pve2.powerOn();
    await pve1.exec('echo c > /proc/sysrq-trigger').catch(() => undefined);
    assert.equal(await answers(pve1), false);
    await pve1.powerOff();
    assert.equal(await answers(pve1), 'refused');
    await pve1.powerOn();
    assert.deepEqual(
      lab.powerLog()
        .filter((e) => e.at >= before)
        .map((e) => [e.node, e.event]),
      [
        ['pve2', 'power-off'],
        ['pve2', 'power-on'],
        ['pve1', 'crash'],
        ['pve1', 'power-off'],
        ['pve1', 'power-on'],
      ],
    );
  });
});
