import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JournalEntry, Lab, SimNode } from '../../lab/lab';
import { buildCluster, eventually, startLab, trustAll } from './twin-cluster-helpers';

/** journalctl's short-iso-precise timestamp of a lab instant on a UTC node. */
function isoPrecise(at: number): string {
  const usec = Math.floor(at * 1000);
  return `${new Date(Math.floor(usec / 1e6) * 1000).toISOString().slice(0, 19)}.${String(usec % 1e6).padStart(6, '0')}+00:00`;
}

/** `@SECONDS.MICROS` for --since/--until. */
const epoch = (at: number) => {
  const usec = Math.floor(at * 1000);
  return `@${Math.floor(usec / 1e6)}.${String(usec % 1e6).padStart(6, '0')}`;
};

/** The identifiers of short-iso-precise lines (boot separators skipped). */
const idents = (out: string) =>
  new Set(
    out
      .split('\n')
      .filter((l) => l && !l.startsWith('-- '))
      .map((l) => /^\S+ \S+ ([^[:]+)/.exec(l)?.[1]),
  );

/** Asserts the lines appear in `text` in this order (each one after the previous). */
function inOrder(text: string, lines: (string | RegExp)[]): void {
  let from = 0;
  for (const line of lines) {
    const rest = text.slice(from);
    const m = typeof line === 'string' ? { index: rest.indexOf(line), length: line.length } : ((r) => (r ? { index: r.index, length: r[0].length } : { index: -1, length: 0 }))(line.exec(rest));
    assert.ok(m.index >= 0, `missing ${line} after offset ${from} in:\n${text}`);
    from += m.index + m.length;
  }
}

const lastOf = (journal: JournalEntry[], pred: (e: JournalEntry) => boolean) => journal.filter(pred).at(-1);

describe('the nodes journals: journalctl, corosync membership and HA lines', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;
  let pve2: SimNode;

  before(async () => {
    ({ lab, close } = await startLab({ nodes: 3, timeScale: 100, bootMs: 20_000 }));
    await trustAll(lab);
    for (const r of await buildCluster(lab, 'drill', ['pve1', 'pve2', 'pve3'])) assert.equal(r.code, 0, r.stderr);
    assert.ok(await eventually(() => lab.nodes.every((n) => lab.cluster.members(n.name).length === 3), 10_000));
    pve1 = lab.node('pve1');
    pve2 = lab.node('pve2');
  });

  after(async () => close());

  test('short-iso-precise, short, cat and json as systemd 252 prints them', async () => {
    const entry = lastOf(lab.journal('pve2'), (e) => e.ident === 'pmxcfs');
    assert.ok(entry);
    const iso = (await pve2.exec('journalctl --no-pager -u pve-cluster -o short-iso-precise')).stdout;
    assert.ok(iso.includes(`${isoPrecise(entry.at)} pve2 pmxcfs[${entry.pid}]: ${entry.message}\n`), iso);
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 pve2 pmxcfs\[\d+\]: \[main\] notice: resolved node name 'pve2' to '10\.0\.0\.12' for default node IP address$/m);
    assert.match((await pve2.exec('journalctl -u pve-cluster -n 1')).stdout, /^[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d pve2 (pmxcfs\[\d+\]|systemd\[1\]): \S/);
    assert.match((await pve2.exec('journalctl -u pve-cluster -n 1 -o short-iso')).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 pve2 /);
    const cat = (await pve2.exec('journalctl -q -t pmxcfs -o cat')).stdout;
    assert.equal(cat, lab.journal('pve2').filter((e) => e.ident === 'pmxcfs').map((e) => `${e.message}\n`).join(''));

    const bootId = (await pve2.exec('cat /proc/sys/kernel/random/boot_id')).stdout.trim().replace(/-/g, '');
    const json = (await pve2.exec('journalctl -q -t pmxcfs -n 1 -o json')).stdout;
    assert.equal(json.split('\n').length, 2, 'one object per line');
    const fields = JSON.parse(json) as Record<string, string>;
    assert.deepEqual(
      {
        realtime: fields['__REALTIME_TIMESTAMP'],
        host: fields['_HOSTNAME'],
        ident: fields['SYSLOG_IDENTIFIER'],
        pid: fields['_PID'],
        unit: fields['_SYSTEMD_UNIT'],
        boot: fields['_BOOT_ID'],
        message: fields['MESSAGE'],
      },
      { realtime: String(Math.floor(entry.at * 1000)), host: 'pve2', ident: 'pmxcfs', pid: String(entry.pid), unit: 'pve-cluster.service', boot: bootId, message: entry.message },
    );
    assert.match(fields['__CURSOR'] ?? '', /^s=[0-9a-f]{32};i=[0-9a-f]+;b=[0-9a-f]{32};m=[0-9a-f]+;t=[0-9a-f]+;x=[0-9a-f]{16}$/);
    assert.deepEqual(await pve2.exec('journalctl -o verbose'), { stdout: '', stderr: "Unknown output format 'verbose'.\n", exitCode: 1 });
  });

  test('--since and --until (@epoch or a date), -n, -q and "-- No entries --"', async () => {
    const now = (await pve2.exec('date +%s.%N')).stdout.trim();
    assert.deepEqual(await pve2.exec(`journalctl --no-pager --since @${now} -u corosync`), { stdout: '-- No entries --\n', stderr: '', exitCode: 0 });
    assert.deepEqual(await pve2.exec(`journalctl -q --since @${now} -u corosync`), { stdout: '', stderr: '', exitCode: 0 });

    const all = lab.journal('pve2');
    const middle = all[Math.floor(all.length / 2)] as JournalEntry;
    const since = (await pve2.exec(`journalctl -q -o cat --since ${epoch(middle.at)}`)).stdout;
    assert.equal(since, all.filter((e) => Math.floor(e.at * 1000) >= Math.floor(middle.at * 1000)).map((e) => `${e.message}\n`).join(''));
    const until = (await pve2.exec(`journalctl -q -o cat --until ${epoch(middle.at)}`)).stdout;
    assert.equal(until, all.filter((e) => Math.floor(e.at * 1000) <= Math.floor(middle.at * 1000)).map((e) => `${e.message}\n`).join(''));
    const second = new Date(Math.floor(middle.at / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    assert.equal(
      (await pve2.exec(`journalctl -q -o cat --since "${second}"`)).stdout,
      (await pve2.exec(`journalctl -q -o cat --since @${Math.floor(middle.at / 1000)}`)).stdout,
    );
    assert.equal((await pve2.exec('journalctl -q -o cat -n 3')).stdout, all.slice(-3).map((e) => `${e.message}\n`).join(''));
    assert.deepEqual(await pve2.exec('journalctl --since soon'), { stdout: '', stderr: 'Failed to parse timestamp: soon\n', exitCode: 1 });
  });

  test('-u selects a unit (its daemon and systemd about it), -t an identifier, -k the kernel', async () => {
    const of = async (args: string) => idents((await pve2.exec(`journalctl -q -o short-iso-precise ${args}`)).stdout);
    assert.deepEqual(await of('-u corosync'), new Set(['corosync', 'systemd']));
    assert.deepEqual(await of('-u pve-cluster.service'), new Set(['pmxcfs', 'systemd']));
    assert.deepEqual(await of('-u corosync -u pve-cluster'), new Set(['corosync', 'pmxcfs', 'systemd']));
    assert.deepEqual(await of('-u watchdog-mux'), new Set(['watchdog-mux', 'systemd']));
    assert.deepEqual(await of('-t pmxcfs -t corosync'), new Set(['pmxcfs', 'corosync']));
    assert.deepEqual(await of('-u pve-ha-crm -t pve-ha-crm'), new Set(['pve-ha-crm']));
    const kernel = (await pve2.exec('journalctl -k -o short-iso-precise')).stdout;
    assert.deepEqual(idents(kernel), new Set(['kernel']));
    assert.match(kernel, /^\S+ pve2 kernel: Linux version 6\.8\.12-10-pve /m, 'the kernel has no PID');
  });

  test('a crash: the survivors log the membership change at the token timeout, then the rejoin', async () => {
    await pve1.exec('sysctl -w kernel.panic=5');
    await pve1.exec('echo c > /proc/sysrq-trigger').catch(() => undefined);
    const crash = lab.powerLog().filter((e) => e.node === 'pve1' && e.event === 'crash').at(-1);
    assert.ok(crash);
    assert.ok(await eventually(() => lab.cluster.members('pve2').length === 2, 5_000), 'pve1 leaves the ring');
    assert.ok(await eventually(() => lab.cluster.members('pve2').length === 3, 10_000), 'and comes back after its reboot');
    const ids = Object.fromEntries((lab.cluster.corosyncView('pve2')?.nodelist ?? []).map((n) => [n.name, n.nodeid]));
    assert.deepEqual(ids, { pve1: 1, pve2: 2, pve3: 3 });

    for (const name of ['pve2', 'pve3']) {
      const out = (await lab.node(name).exec(`journalctl -u corosync -u pve-cluster -o short-iso-precise --since ${epoch(crash.at)}`)).stdout;
      inOrder(out, [
        `corosync[`,
        ']:   [KNET  ] link: host: 1 link: 0 is down\n',
        '[TOTEM ] A processor failed, forming new configuration: token timed out (3650ms), waiting 4380ms for consensus.\n',
        '[QUORUM] Sync members[2]: 2 3\n',
        '[QUORUM] Sync left[1]: 1\n',
        /\[TOTEM \] A new membership \(2\.[0-9a-f]+\) was formed\. Members left: 1\n/,
        '[TOTEM ] Failed to receive the leave message. failed: 1\n',
        '[QUORUM] Members[2]: 2 3\n',
        '[MAIN  ] Completed service synchronization, ready to provide service.\n',
        /pmxcfs\[\d+\]: \[dcdb\] notice: members: 2\/\d+, 3\/\d+\n/,
        '[KNET  ] rx: host: 1 link: 0 is up\n',
        /\[TOTEM \] A new membership \(1\.[0-9a-f]+\) was formed\. Members joined: 1\n/,
        '[QUORUM] Members[3]: 1 2 3\n',
        /\[dcdb\] notice: members: 1\/\d+, 2\/\d+, 3\/\d+\n/,
      ]);
      assert.doesNotMatch(out, /primary component|node lost quorum/, 'two of three keep quorum');
    }
    const journal = lab.journal('pve2');
    const formed = journal.find((e) => e.at >= crash.at && e.ident === 'corosync' && e.message.includes('Members left: 1'));
    assert.ok(formed);
    const expected = 3650 * 2.2;
    assert.ok(Math.abs(formed.at - crash.at - expected) < 1000, `new membership ${formed.at - crash.at} ms after the crash, corosync forms it after ${expected}`);
    const pid = (name: string) => lastOf(lab.journal(name), (e) => e.ident === 'pmxcfs')?.pid;
    assert.ok(journal.some((e) => e.ident === 'pmxcfs' && e.at === formed.at && e.message === `[dcdb] notice: members: 2/${pid('pve2')}, 3/${pid('pve3')}`));
  });

  test('losing quorum and regaining it: corosync and pmxcfs say so', async () => {
    const before = lab.clock.now();
    await Promise.all(['pve2', 'pve3'].map((n) => lab.node(n).powerOff()));
    assert.ok(await eventually(() => !lab.cluster.quorate('pve1'), 5_000));
    await Promise.all(['pve2', 'pve3'].map((n) => lab.node(n).powerOn()));
    assert.ok(await eventually(() => lab.cluster.quorate('pve1') && lab.cluster.members('pve1').length === 3, 10_000));
    const out = (await pve1.exec(`journalctl -q -u corosync -u pve-cluster -o cat --since ${epoch(before)}`)).stdout;
    inOrder(out, [
      '  [KNET  ] link: host: 2 link: 0 is down\n',
      '  [TOTEM ] Failed to receive the leave message. failed: ',
      '  [QUORUM] This node is within the non-primary component and will NOT provide service.\n  [QUORUM] Members[1]: 1\n',
      '[status] notice: node lost quorum\n',
      '  [QUORUM] This node is within the primary component and will provide service.\n',
      '[status] notice: node has quorum\n',
    ]);
  });

  test('a reboot shows as a -- Boot separator (not with -q); -b -1 is the boot before', async () => {
    const bootId = (await pve1.exec('cat /proc/sys/kernel/random/boot_id')).stdout.trim().replace(/-/g, '');
    const out = (await pve1.exec('journalctl -u pve-cluster -o short-iso-precise')).stdout;
    assert.ok(out.includes(`\n-- Boot ${bootId} --\n`), out);
    assert.doesNotMatch((await pve1.exec('journalctl -q -u pve-cluster')).stdout, /^-- /m);
    const previous = lab.journal('pve1').filter((e) => e.bootId !== bootId);
    const last = previous.at(-1);
    assert.ok(last);
    const b1 = (await pve1.exec('journalctl -q -b -1 -o cat')).stdout;
    assert.equal(b1, previous.filter((e) => e.bootId === last.bootId).map((e) => `${e.message}\n`).join(''));
    assert.doesNotMatch(b1, /sysrq|Kernel panic/, "what the crashing kernel printed never reached the disk");
    assert.deepEqual(await pve1.exec('journalctl -b -9'), { stdout: '', stderr: 'Data from the specified boot (-9) is not available: No such boot ID in journal\n', exitCode: 1 });
  });

  test('the HA daemons log as pve-ha-crm[PID] and pve-ha-lrm[PID], merged in time order', async () => {
    assert.equal((await pve1.exec('qm create 100 --name web --memory 512')).exitCode, 0);
    assert.equal((await pve1.exec('ha-manager add vm:100 --state started')).exitCode, 0);
    let node = '';
    assert.ok(
      await eventually(() => {
        node = lab.nodes.map((n) => n.name).find((n) => lab.ha.log(n).some((e) => e.daemon === 'crm')) ?? '';
        return node !== '';
      }, 15_000),
      'a CRM logs something',
    );
    const line = lab.ha.log(node).find((e) => e.daemon === 'crm');
    assert.ok(line);
    const journal = lab.journal(node);
    const started = lastOf(journal, (e) => e.ident === 'pve-ha-crm' && e.message === 'starting server' && e.at <= line.at);
    assert.ok(started, 'the daemon started in this boot');
    const out = (await lab.node(node).exec('journalctl -u pve-ha-crm -o short-iso-precise')).stdout;
    assert.ok(out.includes(`${isoPrecise(line.at)} ${node} pve-ha-crm[${started.pid}]: ${line.message}\n`), out);
    assert.ok(journal.some((e) => e.ident === 'pve-ha-crm' && e.at === line.at && e.message === line.message && e.unit === 'pve-ha-crm.service'));
    const times = journal.map((e) => e.at);
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  });
});
