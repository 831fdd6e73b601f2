import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HaEvent,
  haEvents,
  JournalEntry,
  PARSE_KINDS,
  parseHaSimLog,
  parseJournal,
  parseJournalShort,
  parseJournalShortIso,
} from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';

const utc = (iso: string) => Date.parse(iso);
/** Events without their source, for comparing what happened. */
const what = (events: HaEvent[]) => events.map(({ at: _a, host: _h, ident: _i, line: _l, ...e }) => e);
/** Microsecond timestamps are not exact in a double: compare to the nanosecond. */
const near = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-3, `${actual} != ${expected}`);

describe('journal fixtures', () => {
  test('PVE HA failover on the CRM master: fence at 15:29:23, acknowledged 70 s later, recovered and started on fyc-proxmox-3', () => {
    const file = 'journal-short.pve-ha-crm.fence-recover-started.3nodes.fyc-howto.txt';
    const { entries } = parseJournal(fixture(file), { year: 2025 });
    assert.equal(entries.length, 6);
    assert.deepEqual(entries[0], {
      at: utc('2025-09-08T15:29:23Z'),
      iso: 'Sep 08 15:29:23',
      host: 'fyc-proxmox-2',
      ident: 'pve-ha-crm',
      pid: 1409,
      message: "service 'vm:100': state changed from 'started' to 'fence'",
      line: 1,
    });
    const events = haEvents(entries);
    assert.deepEqual(what(events), [
      { kind: 'service-state', sid: 'vm:100', from: 'started', to: 'fence' },
      { kind: 'node-state', node: 'fyc-proxmox-1', from: 'unknown', to: 'fence' },
      { kind: 'fence-ack', node: 'fyc-proxmox-1' },
      { kind: 'service-state', sid: 'vm:100', from: 'fence', to: 'recovery' },
      { kind: 'recover', sid: 'vm:100', from: 'fyc-proxmox-1', to: 'fyc-proxmox-3' },
      // Published with one blank before "(node = ...)" where Manager.pm writes two: read either way.
      { kind: 'service-state', sid: 'vm:100', from: 'recovery', to: 'started', node: 'fyc-proxmox-3' },
    ]);
    assert.ok(events.every((e) => e.host === 'fyc-proxmox-2' && e.ident === 'pve-ha-crm'));
    assert.deepEqual(
      events.map((e) => [e.line, new Date(e.at).toISOString()]),
      [
        [1, '2025-09-08T15:29:23.000Z'],
        [2, '2025-09-08T15:29:23.000Z'],
        [3, '2025-09-08T15:30:33.000Z'],
        [4, '2025-09-08T15:30:33.000Z'],
        [5, '2025-09-08T15:30:33.000Z'],
        [6, '2025-09-08T15:30:33.000Z'],
      ],
    );
    // The node ran in CEST: its 15:29:23 is 13:29:23 UTC.
    const cest = parseJournalShort(fixture(file), { year: 2025, utcOffsetMinutes: 120 });
    assert.equal(cest.entries[0]!.at, utc('2025-09-08T13:29:23Z'));
  });

  test('PVE, corosync 3 on px1: node 1 leaves (2.706d), quorum 2 3, node 1 back in the same second (1.7071)', () => {
    const { entries } = parseJournal(fixture('journal-short.pve-corosync3.px1.node1-left-and-rejoined.linstor-131.txt'), { year: 2021 });
    assert.equal(entries.length, 16);
    assert.equal(entries[1]!.message, '  [TOTEM ] A new membership (2.706d) was formed. Members left: 1');
    assert.deepEqual(
      entries.filter((e) => e.ident === 'pmxcfs').map((e) => [e.pid, e.message]),
      [
        [4475, '[dcdb] notice: members: 2/4475, 3/681'],
        [4475, '[dcdb] notice: starting data syncronisation'],
        [4475, '[status] notice: members: 2/4475, 3/681'],
        [4475, '[status] notice: starting data syncronisation'],
        [4475, '[status] notice: members: 1/4202, 2/4475, 3/681'],
      ],
    );
    const events = haEvents(entries);
    assert.deepEqual(what(events), [
      { kind: 'membership-left', nodeids: [1], ringId: '2.706d' },
      { kind: 'quorum-members', nodeids: [2, 3] },
      { kind: 'membership-joined', nodeids: [1], ringId: '1.7071' },
    ]);
    assert.deepEqual(
      events.map((e) => [e.line, e.host, e.ident, e.at]),
      [
        [2, 'px1', 'corosync', utc('2021-04-27T11:26:29Z')],
        [7, 'px1', 'corosync', utc('2021-04-27T11:26:29Z')],
        [12, 'px1', 'corosync', utc('2021-04-27T11:26:29Z')],
      ],
    );
  });

  test('the same second on px2: it rejoins nodes 2 and 3 and is quorate with 1 2 3; its LRM cannot write', () => {
    const { entries } = parseJournal(fixture('journal-short.pve-corosync3.px2.rejoined-quorate.lrm-status-denied.linstor-131.txt'), { year: 2021 });
    assert.equal(entries.length, 14);
    assert.deepEqual(entries[1], {
      at: utc('2021-04-27T11:26:29Z'),
      iso: 'Apr 27 11:26:29',
      host: 'px2',
      ident: 'pve-ha-lrm',
      pid: 4408,
      message: "unable to write lrm status file - unable to open file '/etc/pve/nodes/px2/lrm_status.tmp.4408' - Permission denied",
      line: 2,
    });
    assert.equal(entries[13]!.at, utc('2021-04-27T11:26:30Z'));
    assert.deepEqual(what(haEvents(entries)), [
      { kind: 'membership-joined', nodeids: [2, 3], ringId: '1.7071' },
      { kind: 'quorum-members', nodeids: [1, 2, 3] },
    ]);
  });

  test('corosync 3 knet link to node 3 down at 09:56:56, membership without it 8 s later; Sync members are not the quorum', () => {
    const { entries } = parseJournal(fixture('journal-short.corosync3.knet-link-down.node3-left.corosync-750.txt'), { year: 2023 });
    assert.equal(entries.length, 10);
    assert.equal(entries[5]!.message, '  [QUORUM] Sync members[2]: 1 2');
    const events = haEvents(entries);
    assert.deepEqual(what(events), [
      { kind: 'membership-left', nodeids: [3], ringId: '1.1b0' },
      { kind: 'quorum-members', nodeids: [1, 2] },
    ]);
    assert.equal(events[0]!.line, 8);
    assert.equal(events[0]!.at - entries[0]!.at, 8000);
    assert.equal(events[0]!.at, utc('2023-07-04T09:57:04Z'));
  });

  test('corosync 2: one membership in which a node both joins and leaves is two events, joined first', () => {
    const { entries } = parseJournal(fixture('journal-short.corosync2.joined-and-left-in-one-message.corosync-384.txt'), { year: 2018 });
    assert.deepEqual(
      haEvents(entries).map((e) => [e.line, e.at, e.kind, 'nodeids' in e ? e.nodeids : undefined, 'ringId' in e ? e.ringId : undefined]),
      [
        [1, utc('2018-08-22T10:05:56Z'), 'membership-joined', [183698982], '10.243.6.38:1532'],
        [1, utc('2018-08-22T10:05:56Z'), 'membership-left', [183698982], '10.243.6.38:1532'],
      ],
    );
  });

  test('a CRM that stops on a missing watchdog: systemd and CRM lines read, no HA event in them', () => {
    const { entries } = parseJournal(fixture('journal-short.pxvirt.pve-ha-crm.watchdog-socket-missing.pxvirt-179.txt'), { year: 2025 });
    assert.equal(entries.length, 11);
    assert.deepEqual(
      entries.map((e) => `${e.ident}[${e.pid}]`),
      ['systemd[1]', ...Array(2).fill('pve-ha-crm[1251]'), 'systemd[1]', ...Array(4).fill('pve-ha-crm[1251]'), ...Array(3).fill('systemd[1]')],
    );
    assert.equal(entries[5]!.message, 'ERROR: unable to open watchdog socket - No such file or directory');
    assert.equal(entries[10]!.message, 'pve-ha-crm.service: Consumed 1.049s CPU time');
    assert.equal(entries[10]!.at - entries[0]!.at, 8000);
    assert.deepEqual(haEvents(entries), []);
  });

  test('-o short-iso from systemd before 250 (+0000): node 1 leaves a corosync 2 membership, quorum 7 2 3 4 5 6 as printed', () => {
    const file = 'journal-short-iso.sles12.corosync2.node1-left.pacemaker.plus0000.azure-docs.txt';
    const { entries } = parseJournalShortIso(fixture(file));
    assert.equal(entries.length, 17);
    assert.deepEqual(entries[3], {
      at: utc('2018-09-13T07:38:02Z'),
      iso: '2018-09-13T07:38:02+0000',
      host: 'hso-hana-vm-s2-1',
      ident: 'corosync',
      pid: 28302,
      message: '  [TOTEM ] A new membership (10.0.0.13:120996) was formed. Members left: 1',
      line: 4,
    });
    assert.equal(entries[5]!.message, '  notice: Node hso-hana-vm-s1-0 state is now lost');
    assert.deepEqual(
      haEvents(entries).map((e) => [e.line, e.at, e.kind, 'nodeids' in e ? e.nodeids : []]),
      [
        [4, utc('2018-09-13T07:38:02Z'), 'membership-left', [1]],
        [12, utc('2018-09-13T07:38:02Z'), 'quorum-members', [7, 2, 3, 4, 5, 6]],
      ],
    );
    // Told apart from -o short by the first entry; the year is not needed for it.
    assert.deepEqual(parseJournal(fixture(file)), { entries });
    assert.deepEqual(PARSE_KINDS['journal-short-iso']!.parse(fixture(file)), { entries });
  });

  test('CRLF and no final newline read the same', () => {
    const text = fixture('journal-short.pve-corosync3.px1.node1-left-and-rejoined.linstor-131.txt');
    assert.deepEqual(parseJournal(text.replace(/\n/g, '\r\n').trimEnd(), { year: 2021 }), parseJournal(text, { year: 2021 }));
  });
});

describe('journal formats', () => {
  test('-o short-iso-precise (systemd 250+, +00:00): microseconds are the fraction of the millisecond', () => {
    const { entries } = parseJournal("2026-11-22T10:02:40.123456+00:00 pve2 pve-ha-crm[1234]: node 'pve1': state changed from 'online' => 'unknown'\n");
    assert.equal(entries.length, 1);
    const { at, ...rest } = entries[0]!;
    near(at, utc('2026-11-22T10:02:40.123Z') + 0.456);
    assert.deepEqual(rest, {
      iso: '2026-11-22T10:02:40.123456+00:00',
      host: 'pve2',
      ident: 'pve-ha-crm',
      pid: 1234,
      message: "node 'pve1': state changed from 'online' => 'unknown'",
      line: 1,
    });
  });

  test('any UTC offset: the same instant printed in seven zones is one epoch time', () => {
    const zones = [
      '2026-11-22T10:02:40.500000+00:00',
      '2026-11-22T11:02:40.500000+01:00',
      '2026-11-22T15:32:40.500000+0530',
      '2026-11-22T06:32:40.500000-03:30',
      '2026-11-22T10:02:40.500000Z',
      '2026-11-21T22:02:40.500000-12:00',
      '2026-11-23T00:02:40.500000+14:00',
    ];
    const { entries } = parseJournalShortIso(zones.map((z) => `${z} pve1 corosync[800]: x`).join('\n'));
    for (const e of entries) near(e.at, utc('2026-11-22T10:02:40.500Z'));
    // -o short-iso without fraction, old and new offset style.
    const plain = parseJournalShortIso('2026-03-29T01:59:59+0100 pve1 kernel: a\n2026-03-29T03:00:00+02:00 pve1 kernel: b\n').entries;
    assert.deepEqual(
      plain.map((e) => e.at),
      [utc('2026-03-29T00:59:59Z'), utc('2026-03-29T01:00:00Z')],
    );
  });

  test('kernel: lines have no pid; the message keeps its blanks, empty messages are empty', () => {
    const text = [
      '2026-11-22T10:02:41.000001+00:00 pve1 kernel: watchdog: watchdog0: watchdog did not stop!',
      '2026-11-22T10:02:41.000002+00:00 pve1 kernel:  ? __pfx_kthread+0x10/0x10',
      '2026-11-22T10:02:41.000003+00:00 pve2 corosync[1802]:   [QUORUM] Members[2]: 2 3',
      '2026-11-22T10:02:41.000004+00:00 pve2 sssd[nss][1235]: Enumeration requested but not enabled',
      '2026-11-22T10:02:41.000005+00:00 pve2 pve-ha-lrm[9]:',
      '2026-11-22T10:02:41.000006+00:00 pve2 unknown: no identifier or command name',
    ].join('\n');
    assert.deepEqual(
      parseJournalShortIso(text).entries.map((e) => [e.host, e.ident, e.pid, e.message]),
      [
        ['pve1', 'kernel', undefined, 'watchdog: watchdog0: watchdog did not stop!'],
        ['pve1', 'kernel', undefined, ' ? __pfx_kthread+0x10/0x10'],
        ['pve2', 'corosync', 1802, '  [QUORUM] Members[2]: 2 3'],
        ['pve2', 'sssd[nss]', 1235, 'Enumeration requested but not enabled'],
        ['pve2', 'pve-ha-lrm', 9, ''],
        ['pve2', 'unknown', undefined, 'no identifier or command name'],
      ],
    );
    assert.ok(!('pid' in parseJournalShortIso(text).entries[0]!), 'an absent pid is absent, not undefined');
  });

  test('-- No entries --, and nothing at all (-q with no match), are no entries', () => {
    assert.deepEqual(parseJournalShortIso('-- No entries --\n'), { entries: [] });
    assert.deepEqual(parseJournal('-- No entries --\n'), { entries: [] });
    assert.deepEqual(parseJournalShort('-- No entries --\n', { year: 2026 }), { entries: [] });
    assert.deepEqual(parseJournal(''), { entries: [] });
    assert.deepEqual(parseJournal('\n\n'), { entries: [] });
    assert.deepEqual(PARSE_KINDS['journal-short']!.parse(''), { entries: [] });
  });

  test('boot separators and the old headers are skipped; lines keep their numbers', () => {
    const text = [
      '-- Logs begin at Thu 2019-03-21 14:02:46 CST, end at Thu 2019-03-21 16:01:01 CST. --',
      '-- Journal begins at Sun 2025-11-02 09:00:01 UTC, ends at Sun 2026-11-22 10:03:00 UTC. --',
      '2026-11-22T10:02:40.000000+00:00 pve1 pve-ha-lrm[1001]: status change active => lost_agent_lock',
      '-- Boot 4f0c3e1e9a7b4c6d8e2f1a3b5c7d9e0f --',
      '-- Reboot --',
      '2026-11-22T10:05:10.000000+00:00 pve1 pve-ha-lrm[998]: starting server',
    ].join('\n');
    assert.deepEqual(
      parseJournal(text).entries.map((e) => [e.line, e.pid]),
      [
        [3, 1001],
        [6, 998],
      ],
    );
  });

  test('a multi-line message: the indented lines after it are joined to it without the indent', () => {
    const prefix = '2026-11-22T10:02:40.000000+00:00 pve1 pvedaemon[1]: ';
    const indent = ' '.repeat(prefix.length);
    const text = `${prefix}first\n${indent}second\n${indent}  third, indented\n2026-11-22T10:02:41.000000+00:00 pve1 kernel: next\n`;
    assert.deepEqual(
      parseJournalShortIso(text).entries.map((e) => [e.line, e.message]),
      [
        [1, 'first\nsecond\n  third, indented'],
        [4, 'next'],
      ],
    );
  });

  test('-o short and syslog: zero- or blank-padded days, short-precise fractions, December to January', () => {
    const text = [
      'Dec 31 23:59:59 pve1 corosync[1]: a',
      'Jan  1 00:00:00 pve1 corosync[1]: b',
      'Jan 01 00:00:00.250000 pve1 corosync[1]: c',
      'Feb 29 12:00:00 pve1 corosync[1]: d',
    ].join('\n');
    const { entries } = parseJournalShort(text, { year: 2027 });
    assert.deepEqual(
      entries.map((e) => [e.iso, e.at]),
      [
        ['Dec 31 23:59:59', utc('2027-12-31T23:59:59Z')],
        ['Jan  1 00:00:00', utc('2028-01-01T00:00:00Z')],
        ['Jan 01 00:00:00.250000', utc('2028-01-01T00:00:00.250Z')],
        ['Feb 29 12:00:00', utc('2028-02-29T12:00:00Z')],
      ],
    );
    assert.deepEqual(parseJournal(text, { year: 2027 }), { entries });
  });
});

describe('journal errors', () => {
  const good = '2026-11-22T10:02:40.000000+00:00 pve1 corosync[1]: fine';

  test('a garbled line names the kind, the line and the text', () => {
    throwsParse(
      () => parseJournal(`${good}\n${good}\nthis is not a journal line\n${good}`),
      'journal-short-iso',
      3,
      /^journal-short-iso: line 3: cannot read "this is not a journal line" as "TIMESTAMP HOST IDENT\[PID\]: MESSAGE \(-o short-iso\)"$/,
    );
    throwsParse(() => parseJournalShort(`Nov 22 10:00:00 pve1 a[1]: b\nNov 22 10:00:01 pve1 no colon here`, { year: 2026 }), 'journal-short', 2, /line 2: cannot read "Nov 22 10:00:01 pve1 no colon here"/);
  });

  test('the wrong format for the kind, a missing host, a line that starts indented', () => {
    throwsParse(() => parseJournalShortIso('Nov 22 10:00:00 pve1 a[1]: b'), 'journal-short-iso', 1, /line 1: cannot read/);
    throwsParse(() => parseJournalShort(good, { year: 2026 }), 'journal-short', 1, /line 1: cannot read/);
    throwsParse(() => parseJournalShortIso('2026-11-22T10:02:40+00:00 kernel: watchdog: watchdog0: did not stop'), 'journal-short-iso', 1, /line 1: cannot read/);
    throwsParse(() => parseJournalShortIso('   2026-11-22T10:02:40+00:00 pve1 kernel: x'), 'journal-short-iso', 1, /line 1: cannot read/);
    throwsParse(() => parseJournal(`${good}\n-- Something else --`), 'journal-short-iso', 2, /line 2: cannot read "-- Something else --"/);
  });

  test('times and offsets that do not exist', () => {
    throwsParse(() => parseJournalShortIso('2026-02-29T10:00:00+00:00 pve1 a: b'), 'journal-short-iso', 1, /line 1: no such time/);
    throwsParse(() => parseJournalShortIso('2026-11-22T24:00:00+00:00 pve1 a: b'), 'journal-short-iso', 1, /no such time/);
    throwsParse(() => parseJournalShortIso('2026-11-22T10:00:00+25:00 pve1 a: b'), 'journal-short-iso', 1, /line 1: no such UTC offset: \+25:00/);
    throwsParse(() => parseJournalShort('Feb 30 10:00:00 pve1 a: b', { year: 2026 }), 'journal-short', 1, /no such time/);
  });

  test('-o short without a year is refused, not guessed', () => {
    throwsParse(() => parseJournal('Nov 22 10:00:00 pve1 a[1]: b'), 'journal-short', undefined, /^journal-short: the short format prints no year: pass \{ year \}/);
    throwsParse(() => parseJournalShort('Nov 22 10:00:00 pve1 a[1]: b', { year: 26 }), 'journal-short', undefined, /year must be a whole number from 1970/);
  });

  test('hostile input: binary noise, a huge line, truncations end in a ParseError, never a crash', () => {
    throwsParse(() => parseJournalShortIso('\u0000\u0001\u0002 \u00ff'), 'journal-short-iso', 1, /cannot read/);
    assert.throws(
      () => parseJournalShortIso(`2026-11-22T10:02:40+00:00 ${'x'.repeat(100_000)}`),
      (e: unknown) => e instanceof Error && e.message.length < 300 && /line 1: cannot read ".{77}\.\.\."/.test(e.message),
    );
    const text = fixture('journal-short-iso.sles12.corosync2.node1-left.pacemaker.plus0000.azure-docs.txt');
    for (let end = 0; end < text.length; end += 7) {
      try {
        parseJournalShortIso(text.slice(0, end));
      } catch (e) {
        assert.equal((e as { kind?: string }).kind, 'journal-short-iso', `cut at ${end}: ${String(e)}`);
      }
    }
  });
});

/** Journal entries from lines of messages, one second apart, on one host. */
function entries(host: string, ident: string, messages: string[]): JournalEntry[] {
  return messages.map((message, i) => ({ at: utc('2026-11-22T10:00:00Z') + i * 1000, iso: '', host, ident, message, line: i + 1 }));
}

describe('haEvents', () => {
  test('the message texts of the HA simulator (pve-ha-manager test-basic1): one fence-ack for the logged and the mailed one', () => {
    const sim = parseHaSimLog(fixture('ha-sim-log.node-network-loss.fence-and-recover.txt')).events;
    const asJournal = sim.map((e, i) => ({
      at: e.time * 1000,
      iso: String(e.time),
      host: e.node ?? 'sim',
      ident: e.node ? `pve-ha-${e.service}` : e.service,
      message: e.message,
      line: i + 1,
    }));
    const events = haEvents(asJournal).filter((e) => e.at >= 120_000);
    assert.deepEqual(
      events.map((e) => [e.at / 1000, e.host, e.ident, ...Object.values(what([e])[0]!)]),
      [
        [120, 'node1', 'pve-ha-crm', 'node-state', 'node3', 'online', 'unknown'],
        [160, 'node1', 'pve-ha-crm', 'service-state', 'vm:103', 'started', 'fence'],
        [160, 'node1', 'pve-ha-crm', 'node-state', 'node3', 'unknown', 'fence'],
        [160, 'node1', 'pve-ha-crm', 'fence-try', 'node3'],
        [240, 'node1', 'pve-ha-crm', 'fence-ack', 'node3'],
        [240, 'node1', 'pve-ha-crm', 'node-state', 'node3', 'fence', 'unknown'],
        [240, 'node1', 'pve-ha-crm', 'service-state', 'vm:103', 'fence', 'recovery'],
        [240, 'node1', 'pve-ha-crm', 'recover', 'vm:103', 'node3', 'node2'],
        [240, 'node1', 'pve-ha-crm', 'service-state', 'vm:103', 'recovery', 'started', 'node2'],
        [243, 'node2', 'pve-ha-lrm', 'lrm-started', 'vm:103'],
      ],
    );
  });

  test('older spellings, a second fence of the same node, recovery to the fenced node itself, migrate parameters', () => {
    const events = haEvents(
      entries('pve2', 'pve-ha-crm', [
        "node 'pve1': state changed from 'unknown' => 'fence'",
        "fencing: acknowleged - got agent lock for node 'pve1'",
        "SUCEED: fencing: acknowleged - got agent lock for node 'pve1'",
        "node 'pve1': state changed from 'unknown' => 'fence'",
        "SUCCEED: fencing: acknowledged - got agent lock for node 'pve1'",
        "recover service 'ct:101' to previous failed and fenced node 'pve1' again",
        "service 'vm:100': state changed from 'started' to 'migrate'  (node = pve1, target = pve3)",
        "service 'vm:102': state changed from 'request_stop' to 'stopped'",
        'service status vm:100 started',
        'service status vm:100 stopped',
        "service 'vm:100': state changed from 'recovery' to 'started'  (node = pve2)",
      ]),
    );
    assert.deepEqual(what(events), [
      { kind: 'node-state', node: 'pve1', from: 'unknown', to: 'fence' },
      { kind: 'fence-ack', node: 'pve1' },
      { kind: 'node-state', node: 'pve1', from: 'unknown', to: 'fence' },
      { kind: 'fence-ack', node: 'pve1' },
      { kind: 'recover', sid: 'ct:101', from: 'pve1', to: 'pve1' },
      { kind: 'service-state', sid: 'vm:100', from: 'started', to: 'migrate', node: 'pve1' },
      { kind: 'service-state', sid: 'vm:102', from: 'request_stop', to: 'stopped' },
      { kind: 'lrm-started', sid: 'vm:100' },
      { kind: 'service-state', sid: 'vm:100', from: 'recovery', to: 'started', node: 'pve2' },
    ]);
    assert.deepEqual(
      events.map((e) => e.line),
      [1, 2, 4, 5, 6, 7, 8, 9, 11],
    );
  });

  test('corosync: a member list split over lines is one event; a membership with no change, Sync lines and the rest are none', () => {
    const events = haEvents(
      entries('pve1', 'corosync', [
        '  [QUORUM] Members[20]: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\\',
        '  [QUORUM] Members[20]: 20',
        '  [TOTEM ] A new membership (1.2d) was formed. Members',
        '  [QUORUM] Sync members[2]: 1 2',
        '  [QUORUM] Sync left[1]: 3',
        '  [TOTEM ] A processor joined or left the membership and a new membership (192.168.63.82:1740) was formed.',
        '  [TOTEM ] Failed to receive the leave message. failed: 3',
        '  [QUORUM] Members[1]: 1',
        '  [KNET  ] link: host: 3 link: 0 is down',
        '  [QUORUM] Members[3]: 1 2\\',
      ]),
    );
    assert.deepEqual(
      events.map((e) => [e.line, ...Object.values(what([e])[0]!)]),
      [
        [1, 'quorum-members', Array.from({ length: 20 }, (_, i) => i + 1)],
        [8, 'quorum-members', [1]],
        // The output ended inside a list: what was read of it.
        [10, 'quorum-members', [1, 2]],
      ],
    );
  });

  test('lines of other daemons and other messages are ignored', () => {
    assert.deepEqual(
      haEvents([
        ...entries('pve1', 'pvedaemon', ["<root@pam> starting task UPID:pve1:0000:qmstart:100:root@pam:"]),
        ...entries('pve1', 'pve-ha-crm', ["status change slave => master", "successfully acquired lock 'ha_manager_lock'", 'loop take too long (31 seconds)']),
      ]),
      [],
    );
  });
});
