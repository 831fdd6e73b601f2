import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseHaGroupsCfg,
  parseHaManagerStatus,
  parseHaResourcesCfg,
  parseHaRulesCfg,
  parseHaSimLog,
  parseHaStatusJson,
} from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



describe('ha-manager-status', () => {
  test('1 service: quorum OK, master node1 active, LRM elsa, vm:100 started', () => {
    assert.deepEqual(parseHaManagerStatus(fixture('ha-manager-status.1service.pve-docs.txt')), {
      quorum: { ok: true },
      master: { node: 'node1', state: 'active', time: 'Wed Nov 23 11:07:23 2016' },
      lrms: [{ node: 'elsa', state: 'active', time: 'Wed Nov 23 11:07:19 2016' }],
      services: [{ sid: 'vm:100', node: 'node1', state: 'started' }],
    });
  });

  test('3 services, containers and a VM, stopped and started', () => {
    const s = parseHaManagerStatus(fixture('ha-manager-status.3services.pve-docs.txt'));
    assert.equal(s.master?.node, 'elsa');
    assert.deepEqual(s.services, [
      { sid: 'ct:100', node: 'elsa', state: 'stopped' },
      { sid: 'ct:102', node: 'elsa', state: 'started' },
      { sid: 'vm:501', node: 'elsa', state: 'started' },
    ]);
  });

  test('a node being fenced: dead LRM, fence and recovery states, no quorum elsewhere', () => {
    const text = [
      'quorum OK',
      'master pve1 (active, Tue Jun  3 10:02:11 2025)',
      'lrm pve1 (active, Tue Jun  3 10:02:10 2025)',
      'lrm pve2 (old timestamp - dead?, Tue Jun  3 10:00:41 2025)',
      'lrm pve3 (idle, Tue Jun  3 10:02:09 2025)',
      'lrm pve4 (unable to read lrm status)',
      'service vm:100 (pve2, fence)',
      'service vm:101 (pve1, recovery)',
      'service vm:102 (---, not found)',
    ].join('\n');
    const s = parseHaManagerStatus(text);
    assert.deepEqual(s.lrms, [
      { node: 'pve1', state: 'active', time: 'Tue Jun  3 10:02:10 2025' },
      { node: 'pve2', state: 'old timestamp - dead?', time: 'Tue Jun  3 10:00:41 2025' },
      { node: 'pve3', state: 'idle', time: 'Tue Jun  3 10:02:09 2025' },
      { node: 'pve4', state: 'unable to read lrm status' },
    ]);
    assert.deepEqual(
      s.services.map((x) => [x.sid, x.node, x.state]),
      [
        ['vm:100', 'pve2', 'fence'],
        ['vm:101', 'pve1', 'recovery'],
        ['vm:102', '---', 'not found'],
      ],
    );
    assert.deepEqual(parseHaManagerStatus("quorum No quorum on node 'pve2'!\n").quorum, { ok: false, text: "No quorum on node 'pve2'!" });
  });

  test('PVE 9.2: fencing line, watchdog fields, CRS note; --verbose JSON is not read', () => {
    const text = [
      'quorum OK',
      'master pve1 (active, Tue Jun  3 10:02:11 2025) - dynamic load CRS',
      'fencing armed (CRM watchdog active)',
      'lrm pve1 (active, watchdog active, Tue Jun  3 10:02:10 2025)',
      'lrm pve2 (maintenance mode, watchdog active, Tue Jun  3 10:02:10 2025)',
      'service vm:100 (pve1, started)',
      'full cluster state:',
      '{',
      '   "lrm_status" : {}',
      '}',
    ].join('\n');
    const s = parseHaManagerStatus(text);
    assert.deepEqual(s.master, { node: 'pve1', state: 'active', time: 'Tue Jun  3 10:02:11 2025', notes: ['dynamic load CRS'] });
    assert.deepEqual(s.fencing, { armedState: 'armed', watchdog: 'CRM watchdog active' });
    assert.deepEqual(s.lrms[1], { node: 'pve2', state: 'maintenance mode', time: 'Tue Jun  3 10:02:10 2025', watchdog: 'watchdog active' });
    const disarmed = parseHaManagerStatus('quorum OK\nfencing disarmed, resource mode: freeze (CRM watchdog released)\n');
    assert.deepEqual(disarmed.fencing, { armedState: 'disarmed', resourceMode: 'freeze', watchdog: 'CRM watchdog released' });
  });

  test('CRLF and trailing spaces read the same', () => {
    const text = fixture('ha-manager-status.3services.pve-docs.txt');
    assert.deepEqual(parseHaManagerStatus(text.replace(/\n/g, '  \r\n')), parseHaManagerStatus(text));
  });

  test('garbage, a malformed service line, no quorum line', () => {
    throwsParse(() => parseHaManagerStatus('ipcc_send_rec[1] failed: Connection refused\n'), 'ha-manager-status', 1, /line 1: cannot read "ipcc_send_rec\[1\] failed: Connection refused"/);
    throwsParse(() => parseHaManagerStatus('quorum OK\nservice vm:100 started\n'), 'ha-manager-status', 2, /line 2: .*as "service SID \(NODE, STATE\)"/);
    throwsParse(() => parseHaManagerStatus('service vm:100 (pve1, started)\n'), 'ha-manager-status', undefined, /no "quorum" line/);
  });
});

/**
 * /cluster/ha/status/current as the API schema (api-schema.returns.json) describes it: a quorum
 * entry first, the master, one lrm per node, one service per resource; booleans as 0/1.
 */
const HA_STATUS_PVE8 = [
  { id: 'quorum', type: 'quorum', node: 'pve1', status: 'OK', quorate: 1 },
  { id: 'master', type: 'master', node: 'pve2', status: 'pve2 (active, Tue Jun  3 10:02:11 2025)', timestamp: 1748937731 },
  { id: 'lrm:pve1', type: 'lrm', node: 'pve1', status: 'pve1 (active, Tue Jun  3 10:02:10 2025)', timestamp: 1748937730 },
  { id: 'lrm:pve2', type: 'lrm', node: 'pve2', status: 'pve2 (idle, Tue Jun  3 10:02:08 2025)', timestamp: 1748937728 },
  { id: 'lrm:pve3', type: 'lrm', node: 'pve3', status: 'pve3 (old timestamp - dead?, Tue Jun  3 10:00:40 2025)', timestamp: 1748937640 },
  {
    id: 'service:vm:100',
    type: 'service',
    sid: 'vm:100',
    node: 'pve3',
    crm_state: 'fence',
    state: 'fence',
    request_state: 'started',
    status: 'vm:100 (pve3, fence)',
    max_restart: 1,
    max_relocate: 1,
    group: 'prefer_pve1',
  },
  { id: 'service:ct:101', type: 'service', sid: 'ct:101', node: 'pve1', crm_state: 'started', state: 'started', request_state: 'started', status: 'ct:101 (pve1, started)' },
  { id: 'service:vm:102', type: 'service', sid: 'vm:102', node: 'pve1', state: 'queued', request_state: 'started', status: 'vm:102 (pve1, queued)' },
];

describe('ha-status-json', () => {
  test('PVE 8: quorate, master, three LRMs (one dead), a service being fenced', () => {
    const s = parseHaStatusJson(JSON.stringify(HA_STATUS_PVE8));
    assert.equal(s.quorate, true);
    assert.equal(s.quorumText, undefined);
    assert.deepEqual(s.master, { node: 'pve2', state: 'active', time: 'Tue Jun  3 10:02:11 2025', timestamp: 1748937731 });
    assert.deepEqual(
      s.lrms.map((l) => [l.node, l.state, l.timestamp]),
      [
        ['pve1', 'active', 1748937730],
        ['pve2', 'idle', 1748937728],
        ['pve3', 'old timestamp - dead?', 1748937640],
      ],
    );
    assert.deepEqual(s.services, [
      { sid: 'vm:100', node: 'pve3', state: 'fence', crmState: 'fence', requestState: 'started', group: 'prefer_pve1', maxRestart: 1, maxRelocate: 1 },
      { sid: 'ct:101', node: 'pve1', state: 'started', crmState: 'started', requestState: 'started' },
      { sid: 'vm:102', node: 'pve1', state: 'queued', requestState: 'started' },
    ]);
  });

  test('PVE 9.2: fencing entry, watchdog in LRM status, failback; the API envelope', () => {
    const entries = [
      { id: 'quorum', type: 'quorum', node: 'pve1', status: 'OK', quorate: 1 },
      { id: 'master', type: 'master', node: 'pve1', status: 'pve1 (active, Tue Jun  3 10:02:11 2025)', timestamp: 1748937731 },
      { id: 'fencing', type: 'fencing', node: 'pve1', status: 'disarmed, resource mode: ignore (CRM watchdog released)', 'armed-state': 'disarmed', resource_mode: 'ignore' },
      { id: 'lrm:pve1', type: 'lrm', node: 'pve1', status: 'pve1 (disarm mode, watchdog released, Tue Jun  3 10:02:10 2025)', timestamp: 1748937730 },
      { id: 'service:vm:100', type: 'service', sid: 'vm:100', node: 'pve1', crm_state: 'started', state: 'ignore', request_state: 'started', failback: 0, status: 'vm:100 (pve1, ignore)' },
    ];
    const s = parseHaStatusJson(JSON.stringify({ data: entries }));
    assert.deepEqual(s.fencing, { armedState: 'disarmed', resourceMode: 'ignore', watchdog: 'CRM watchdog released' });
    assert.deepEqual(s.lrms, [{ node: 'pve1', state: 'disarm mode', time: 'Tue Jun  3 10:02:10 2025', watchdog: 'watchdog released', timestamp: 1748937730 }]);
    assert.equal(s.services[0]!.failback, false);
  });

  test('no quorum: only the quorum entry and the configured services', () => {
    const s = parseHaStatusJson(
      JSON.stringify([
        { id: 'quorum', type: 'quorum', node: 'pve3', status: "No quorum on node 'pve3'!", quorate: 0 },
        { id: 'service:vm:100', type: 'service', sid: 'vm:100', node: 'pve3', state: 'started', request_state: 'started', status: 'vm:100 (pve3, started)' },
      ]),
    );
    assert.equal(s.quorate, false);
    assert.equal(s.quorumText, "No quorum on node 'pve3'!");
    assert.equal(s.master, undefined);
    assert.deepEqual(s.lrms, []);
  });

  test('an unreadable LRM status and a missing quorum entry', () => {
    const text = JSON.stringify([HA_STATUS_PVE8[0], { id: 'lrm:pve1', type: 'lrm', node: 'pve1', status: 'gibberish' }], null, 1);
    throwsParse(() => parseHaStatusJson(text), 'ha-status-json', 13, /line 13: \[1\]\.status: cannot read "gibberish" as "NODE \(STATE, TIME\)"/);
    throwsParse(() => parseHaStatusJson(JSON.stringify(HA_STATUS_PVE8.slice(1))), 'ha-status-json', undefined, /no quorum entry/);
  });
});

describe('ha-resources-cfg', () => {
  test('`ha-manager config`: vm:100 with a TAB-indented state', () => {
    assert.deepEqual(parseHaResourcesCfg(fixture('ha-manager-config.single-resource.pve-docs.txt')), {
      resources: [{ sid: 'vm:100', type: 'vm', vmid: 100, state: 'stopped' }],
    });
  });

  test('/etc/pve/ha/resources.cfg form (`vm: 100`), limits, group, failback, comment', () => {
    const text = 'vm: 100\n\tgroup prefer_node1\n\tmax_relocate 2\n\tmax_restart 3\n\tstate started\n\nct: 101\n\tcomment DNS, keep up\n\tfailback 0\n\tstate started\n';
    assert.deepEqual(parseHaResourcesCfg(text).resources, [
      { sid: 'vm:100', type: 'vm', vmid: 100, state: 'started', group: 'prefer_node1', maxRestart: 3, maxRelocate: 2 },
      { sid: 'ct:101', type: 'ct', vmid: 101, state: 'started', failback: false, comment: 'DNS, keep up' },
    ]);
  });

  test('no HA resources: empty output is an empty list', () => {
    assert.deepEqual(parseHaResourcesCfg(''), { resources: [] });
  });

  test('garbage and bad values name their line', () => {
    throwsParse(() => parseHaResourcesCfg('hello world\n'), 'ha-resources-cfg', 1, /line 1: cannot read "hello world": expected "TYPE: ID"/);
    throwsParse(() => parseHaResourcesCfg('group: g1\n\tnodes a\n'), 'ha-resources-cfg', 1, /section type must be "vm" or "ct"/);
    throwsParse(() => parseHaResourcesCfg('vm:100\n\tmax_restart lots\n'), 'ha-resources-cfg', 2, /line 2: max_restart must be a number/);
    throwsParse(() => parseHaResourcesCfg('vm:100\n\n\tstate started\n'), 'ha-resources-cfg', 3, /a property outside any section/);
  });
});

describe('ha-groups-cfg', () => {
  test('PVE 8 groups: priorities in the order written, restricted', () => {
    assert.deepEqual(parseHaGroupsCfg(fixture('ha-groups.cfg.pve8.pve-docs.txt')), {
      groups: [
        { name: 'prefer_node1', nodes: [{ node: 'node1' }], restricted: false, nofailback: false },
        {
          name: 'mygroup1',
          nodes: [
            { node: 'node2', priority: 1 },
            { node: 'node4' },
            { node: 'node1', priority: 2 },
            { node: 'node3', priority: 1 },
          ],
          restricted: false,
          nofailback: false,
        },
        { name: 'mygroup2', nodes: [{ node: 'node2' }, { node: 'node1' }], restricted: true, nofailback: false },
      ],
    });
  });

  test('the real file indents with TABs, ends without a newline, has a comment', () => {
    const text = '# written by ha-manager\ngroup: prefer_node1\n\tnodes node1\n\tnofailback 1\n\tcomment first choice';
    assert.deepEqual(parseHaGroupsCfg(text).groups, [{ name: 'prefer_node1', nodes: [{ node: 'node1' }], restricted: false, nofailback: true, comment: 'first choice' }]);
  });

  test('a group without nodes, a bad priority, rules given to the groups kind', () => {
    throwsParse(() => parseHaGroupsCfg('group: g\n\trestricted 1\n'), 'ha-groups-cfg', 1, /group g has no nodes property/);
    throwsParse(() => parseHaGroupsCfg('group: g\n\tnodes a:high\n'), 'ha-groups-cfg', 2, /cannot read "a:high" in nodes/);
    throwsParse(() => parseHaGroupsCfg(fixture('ha-rules.cfg.node-affinity.pve9.pve-docs.txt')), 'ha-groups-cfg', 1, /section type must be "group"/);
  });
});

describe('ha-rules-cfg', () => {
  test('PVE 9 node-affinity: a strict pin and a priority cascade', () => {
    assert.deepEqual(parseHaRulesCfg(fixture('ha-rules.cfg.node-affinity.pve9.pve-docs.txt')), {
      rules: [
        { type: 'node-affinity', name: 'ha-rule-vm100', resources: ['vm:100'], nodes: [{ node: 'node1' }], strict: true, disable: false },
        {
          type: 'node-affinity',
          name: 'priority-cascade',
          resources: ['vm:200', 'ct:300'],
          nodes: [{ node: 'node1', priority: 2 }, { node: 'node2', priority: 1 }, { node: 'node3', priority: 1 }, { node: 'node4' }],
          strict: false,
          disable: false,
        },
      ],
    });
  });

  test('PVE 9 resource-affinity: keep together, keep apart', () => {
    assert.deepEqual(
      parseHaRulesCfg(fixture('ha-rules.cfg.resource-affinity.pve9.pve-docs.txt')).rules.map((r) => [r.name, r.affinity, r.resources]),
      [
        ['keep-together', 'positive', ['vm:100', 'vm:200']],
        ['keep-separate', 'negative', ['vm:200', 'ct:300']],
      ],
    );
  });

  test('a disabled rule with TABs and CRLF', () => {
    const [rule] = parseHaRulesCfg('node-affinity: pin\r\n\tdisable 1\r\n\tnodes pve1:10\r\n\tresources vm:100\r\n').rules;
    assert.deepEqual(rule, { type: 'node-affinity', name: 'pin', resources: ['vm:100'], nodes: [{ node: 'pve1', priority: 10 }], strict: false, disable: true });
  });

  test('unknown rule types, missing affinity, a flag that is not 0/1', () => {
    throwsParse(() => parseHaRulesCfg('location: x\n\tresources vm:1\n'), 'ha-rules-cfg', 1, /section type must be "node-affinity" or "resource-affinity"/);
    throwsParse(() => parseHaRulesCfg('resource-affinity: x\n\tresources vm:1,vm:2\n'), 'ha-rules-cfg', 1, /needs "affinity positive" or "affinity negative"/);
    throwsParse(() => parseHaRulesCfg('node-affinity: x\n\tresources vm:1\n\tnodes a\n\tstrict yes\n'), 'ha-rules-cfg', 4, /line 4: strict must be 0 or 1/);
  });
});

describe('ha-sim-log', () => {
  test('network loss of node3: fence at 160, recovery to node2 at 240, started at 243', () => {
    const { events } = parseHaSimLog(fixture('ha-sim-log.node-network-loss.fence-and-recover.txt'));
    assert.deepEqual(events[0], { time: 0, level: 'info', service: 'hardware', message: 'starting simulation' });
    assert.deepEqual(events.find((e) => e.message === "FENCE: Try to fence node 'node3'"), {
      time: 160,
      level: 'emai',
      node: 'node1',
      service: 'crm',
      message: "FENCE: Try to fence node 'node3'",
    });
    assert.deepEqual(
      events.filter((e) => /vm:103/.test(e.message) && e.time >= 120).map((e) => [e.time, e.node, e.service, e.message]),
      [
        [160, 'node1', 'crm', "service 'vm:103': state changed from 'started' to 'fence'"],
        [240, 'node1', 'crm', "service 'vm:103': state changed from 'fence' to 'recovery'"],
        [240, 'node1', 'crm', "recover service 'vm:103' from fenced node 'node3' to node 'node2'"],
        [240, 'node1', 'crm', "service 'vm:103': state changed from 'recovery' to 'started'  (node = node2)"],
        [243, 'node2', 'lrm', 'starting service vm:103'],
        [243, 'node2', 'lrm', 'service status vm:103 started'],
      ],
    );
    assert.deepEqual(events.find((e) => e.service === 'watchdog'), { time: 166, level: 'info', service: 'watchdog', message: 'execute power node3 off' });
  });

  test('master loss: node3 takes the manager lock at 222 and fences node1 at 282', () => {
    const { events } = parseHaSimLog(fixture('ha-sim-log.master-node-loss.fence-recover-failback.txt'));
    assert.deepEqual(events.find((e) => e.message === 'status change slave => master' && e.node === 'node3')?.time, 222);
    assert.equal(events.find((e) => e.message.startsWith('FENCE:'))?.time, 282);
    assert.equal(events[events.length - 1]!.time, 1100);
  });

  test('strict rule pinning to the dead node: recovery fails every 20 s from 240 to 700', () => {
    const { events } = parseHaSimLog(fixture('ha-sim-log.fence.no-recovery-node.strict-rule.txt'));
    const failures = events.filter((e) => e.level === 'err');
    assert.equal(failures.length, 24);
    assert.deepEqual([failures[0]!.time, failures[23]!.time], [240, 700]);
    assert.match(failures[0]!.message, /no recovery node found$/);
  });

  test('PVE 9 group migration: aborted every 6 rounds on a mixed cluster, successful when all run 9', () => {
    const aborted = parseHaSimLog(fixture('ha-sim-log.pve9-group-migration.aborted-mixed-versions.txt')).events;
    assert.deepEqual(
      aborted.filter((e) => e.message === 'ha groups migration failed').map((e) => e.time),
      [60, 180, 300, 420, 540],
    );
    assert.ok(aborted.some((e) => e.level === 'noti'));
    const success = parseHaSimLog(fixture('ha-sim-log.pve9-group-migration.success.txt')).events;
    assert.deepEqual(success.find((e) => e.message === 'ha groups migration successful'), {
      time: 60,
      level: 'noti',
      node: 'node1',
      service: 'crm',
      message: 'ha groups migration successful',
    });
  });

  test('CRLF, no final newline', () => {
    const text = fixture('ha-sim-log.node-network-loss.fence-and-recover.txt');
    assert.deepEqual(parseHaSimLog(text.replace(/\n/g, '\r\n').trimEnd()), parseHaSimLog(text));
  });

  test('a line without level and time names its line', () => {
    const text = fixture('ha-sim-log.node-network-loss.fence-and-recover.txt').replace('info     20    node1/crm: got lock', 'node1/crm: got lock');
    throwsParse(() => parseHaSimLog(text), 'ha-sim-log', 11, /line 11: cannot read "node1\/crm: got lock 'ha_manager_lock'"/);
  });
});
