import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haEvents, parseJournal } from '../../activities/parsers';
import { failedBackAt, failoverStages, rejoinedAt } from '../../workflows/drill/stages';
import { fixture } from '../helpers/fixtures';

const REAL = 'journal-short.pve-ha-crm.fence-recover-started.3nodes.fyc-howto.txt';
const at = (iso: string) => Date.parse(iso);

test('stages from a real CRM journal: fence, fenced and recovery dated by its own lines', () => {
  const events = haEvents(parseJournal(fixture(REAL), { year: 2023 }).entries);
  const crash = at('2023-09-08T15:28:10Z');
  const { stages, vms } = failoverStages(events, { victim: 'fyc-proxmox-1', victimNodeId: 1, vms: [100], crashAtMs: crash });
  assert.deepEqual(
    stages.map((s) => [s.name, s.sinceCrashSeconds, s.source]),
    [
      ['fence', 73, 'journal fyc-proxmox-2 pve-ha-crm'],
      ['fenced', 143, 'journal fyc-proxmox-2 pve-ha-crm'],
      ['recovery', 143, 'journal fyc-proxmox-2 pve-ha-crm'],
    ],
  );
  assert.equal(stages.find((s) => s.name === 'fence')?.at, '2023-09-08T15:29:23.000Z');
  // The excerpt stops before the new node's LRM started the guest: no `started` stage is invented.
  assert.deepEqual(vms, [{ id: 100, from: 'fyc-proxmox-1', to: null, recoverySeconds: 143 }]);
});

const twinLike = [
  '2026-11-22T10:00:03.512000+00:00 pve2 corosync[1180]:   [TOTEM ] A new membership (2.3a) was formed. Members left: 1',
  "2026-11-22T10:00:10.000000+00:00 pve2 pve-ha-crm[1300]: node 'pve1': state changed from 'online' => 'unknown'",
  "2026-11-22T10:01:10.000000+00:00 pve2 pve-ha-crm[1300]: service 'vm:100': state changed from 'started' to 'fence'",
  "2026-11-22T10:01:10.000000+00:00 pve2 pve-ha-crm[1300]: node 'pve1': state changed from 'unknown' => 'fence'",
  "2026-11-22T10:02:00.000000+00:00 pve2 pve-ha-crm[1300]: fencing: acknowledged - got agent lock for node 'pve1'",
  "2026-11-22T10:02:00.000000+00:00 pve2 pve-ha-crm[1300]: SUCCEED: fencing: acknowledged - got agent lock for node 'pve1'",
  "2026-11-22T10:02:00.000000+00:00 pve2 pve-ha-crm[1300]: service 'vm:100': state changed from 'fence' to 'recovery'",
  "2026-11-22T10:02:00.000000+00:00 pve2 pve-ha-crm[1300]: recover service 'vm:100' from fenced node 'pve1' to node 'pve3'",
  "2026-11-22T10:02:00.000000+00:00 pve2 pve-ha-crm[1300]: service 'vm:100': state changed from 'recovery' to 'started'  (node = pve3)",
  '2026-11-22T10:02:06.000000+00:00 pve3 pve-ha-lrm[1400]: service status vm:100 started',
  '2026-11-22T10:04:00.000000+00:00 pve3 corosync[1190]:   [TOTEM ] A new membership (1.3e) was formed. Members joined: 1',
  "2026-11-22T10:05:00.000000+00:00 pve2 pve-ha-crm[1300]: service 'vm:100': state changed from 'migrate' to 'started'  (node = pve1)",
].join('\n');

test('stages of a whole failover: the first survivor line dates each, per VM the new node is named', () => {
  const events = haEvents(parseJournal(twinLike).entries);
  const crash = at('2026-11-22T10:00:00Z');
  const { stages, vms } = failoverStages(events, { victim: 'pve1', victimNodeId: 1, vms: [100], crashAtMs: crash });
  assert.deepEqual(
    stages.map((s) => [s.name, s.sinceCrashSeconds, s.node ?? s.vm]),
    [
      ['offline', 3.5, 'pve1'],
      ['fence', 70, 'pve1'],
      ['fenced', 120, 'pve1'],
      ['recovery', 120, 100],
      ['started', 126, 'pve3'],
    ],
  );
  assert.deepEqual(vms, [{ id: 100, from: 'pve1', to: 'pve3', recoverySeconds: 120, startedSeconds: 126 }]);
  assert.equal(rejoinedAt(events, 1, crash)?.at, at('2026-11-22T10:04:00Z'));
  assert.equal(rejoinedAt(events, 2, crash), undefined);
  assert.equal(failedBackAt(events, 100, 'pve1', at('2026-11-22T10:04:00Z'))?.at, at('2026-11-22T10:05:00Z'));
});

test('without corosync lines the CRM marking the victim unknown dates `offline`; lines before the crash are ignored', () => {
  const lines = twinLike.split('\n').filter((l) => !l.includes('corosync'));
  const early = "2026-11-22T09:50:00.000000+00:00 pve2 pve-ha-crm[1300]: service 'vm:100': state changed from 'fence' to 'recovery'";
  const events = haEvents(parseJournal([early, ...lines].join('\n')).entries);
  const { stages } = failoverStages(events, { victim: 'pve1', victimNodeId: 1, vms: [100], crashAtMs: at('2026-11-22T10:00:00Z') });
  assert.deepEqual(stages.slice(0, 1).map((s) => [s.name, s.sinceCrashSeconds]), [['offline', 10]]);
  assert.equal(stages.find((s) => s.name === 'recovery')?.sinceCrashSeconds, 120);
});
