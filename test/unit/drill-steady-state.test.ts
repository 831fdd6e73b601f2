import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePvecmStatus, parseHaStatusJson, parseClusterStatusJson, parseCephStatusJson } from '../../activities/parsers';
import type { DrillProbe } from '../../activities/drill/probe';
import { blastRadius, failedChecks, steadyStateChecks, type ProbeOutcome } from '../../workflows/drill/steadyState';
import { fixture } from '../helpers/fixtures';

const quorate3 = parsePvecmStatus(fixture('pvecm-status.quorate.3nodes.pve8.txt'));
const qdevice2 = parsePvecmStatus(fixture('pvecm-status.qdevice.2nodes.partial.pve-docs.txt'));

test('blast radius: three nodes keep quorum without one', () => {
  const c = blastRadius(quorate3, quorate3.nodes[0]!.nodeid, 3);
  assert.equal(c.ok, true, c.detail);
  assert.match(c.detail, /2 of 3 votes remain, quorum is 2/);
});

test('blast radius: two nodes without a QDevice are refused, with the fix', () => {
  const two = { ...quorate3, expectedVotes: 2, totalVotes: 2, quorum: 2, nodes: quorate3.nodes.slice(0, 2), qdevice: undefined };
  const c = blastRadius(two, two.nodes[0]!.nodeid, 2);
  assert.equal(c.ok, false);
  assert.match(c.detail, /2-node cluster without a QDevice.*pvecm qdevice setup/);
});

test('blast radius: two nodes with a QDevice keep quorum (real pvecm status)', () => {
  assert.equal(qdevice2.qdevice?.votes, 1);
  const c = blastRadius(qdevice2, 1, 2);
  assert.equal(c.ok, true, c.detail);
});

test('blast radius: a node with extra votes whose loss breaks quorum is refused', () => {
  const heavy = { ...quorate3, totalVotes: 5, expectedVotes: 5, quorum: 3, nodes: quorate3.nodes.map((n, i) => ({ ...n, votes: i === 0 ? 3 : 1 })) };
  const c = blastRadius(heavy, heavy.nodes[0]!.nodeid, 3);
  assert.equal(c.ok, false);
  assert.match(c.detail, /only 2 vote\(s\) remain, below the quorum of 3/);
});

const clusterJson = (offline: string[] = []) =>
  JSON.stringify([
    { type: 'cluster', id: 'cluster', name: 'lab', nodes: 3, quorate: 1, version: 3 },
    ...['pve1', 'pve2', 'pve3'].map((n, i) => ({ type: 'node', id: `node/${n}`, name: n, nodeid: i + 1, online: offline.includes(n) ? 0 : 1, local: i === 0 ? 1 : 0, ip: `10.0.0.1${i + 1}`, level: '' })),
  ]);
const haJson = (state = 'started', node = 'pve1') =>
  JSON.stringify([
    { id: 'quorum', type: 'quorum', node: 'pve1', status: 'OK', quorate: 1 },
    { id: 'master', type: 'master', node: 'pve2', status: 'pve2 (active, Sun Nov 22 10:00:00 2026)', timestamp: 1795341600 },
    { id: 'service:vm:100', type: 'service', sid: 'vm:100', node, state, status: `vm:100 (${node}, ${state})`, crm_state: state, request_state: 'started' },
  ]);
const cephJson = (health: string) =>
  JSON.stringify({ health: { status: health, checks: health === 'HEALTH_OK' ? {} : { OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 } } } }, osdmap: { num_osds: 3, num_up_osds: 3, num_in_osds: 3 }, pgmap: { num_pgs: 32, pgs_by_state: [{ state_name: 'active+clean', count: 32 }] } });

function probe(node: string, o: { health?: string; offline?: string[]; state?: string; vmNode?: string } = {}): ProbeOutcome {
  const p: DrillProbe = {
    node,
    clockMs: 1_795_341_600_000,
    bootId: 'b',
    kernelPanic: 0,
    cluster: parseClusterStatusJson(clusterJson(o.offline)),
    quorum: quorate3,
    ha: parseHaStatusJson(haJson(o.state, o.vmNode)),
    ceph: parseCephStatusJson(cephJson(o.health ?? 'HEALTH_OK')),
  };
  return { node, probe: p };
}

const base = { phase: 'before' as const, nodes: ['pve1', 'pve2', 'pve3'], vms: [100], victim: 'pve1', ceph: true, others: [] };

test('steady state: a healthy cluster passes every check', () => {
  const checks = steadyStateChecks({ ...base, probes: base.nodes.map((n) => probe(n)) });
  assert.equal(failedChecks(checks), '', JSON.stringify(checks));
  assert.deepEqual(checks.map((c) => c.name), ['nodes online', 'quorum', 'ceph', 'ha errors', 'vms started', 'no other runbook', 'blast radius']);
});

test('steady state: each problem is named, with its detail', () => {
  const warn = steadyStateChecks({ ...base, probes: base.nodes.map((n) => probe(n, { health: 'HEALTH_WARN' })) });
  assert.match(failedChecks(warn), /^ceph: HEALTH_WARN \(OSD_DOWN\)$/);
  const silent = steadyStateChecks({ ...base, probes: [probe('pve1'), probe('pve2'), { node: 'pve3', error: 'connection refused' }] });
  assert.match(failedChecks(silent), /nodes online: pve3 does not answer \(connection refused\)/);
  const offline = steadyStateChecks({ ...base, probes: base.nodes.map((n) => probe(n, { offline: ['pve3'] })) });
  assert.match(failedChecks(offline), /pve3 is offline in pve1's view/);
  // A node that has just come back sees everyone online; one view that misses a node is enough.
  const mixed = steadyStateChecks({ ...base, probes: [probe('pve1'), probe('pve2', { offline: ['pve1'] }), probe('pve3', { offline: ['pve1'] })] });
  assert.match(failedChecks(mixed), /nodes online: pve1 is offline in pve2's view/);
  const error = steadyStateChecks({ ...base, probes: base.nodes.map((n) => probe(n, { state: 'error' })) });
  assert.match(failedChecks(error), /HA resources in error: vm:100/);
  const elsewhere = steadyStateChecks({ ...base, probes: base.nodes.map((n) => probe(n, { vmNode: 'pve2' })) });
  assert.match(failedChecks(elsewhere), /vm:100 runs on pve2, not on the victim pve1/);
  const busy = steadyStateChecks({ ...base, others: [{ workflowId: 'createCluster-lab', runbook: 'createCluster' }], probes: base.nodes.map((n) => probe(n)) });
  assert.match(failedChecks(busy), /already running on this cluster: createCluster \(createCluster-lab\)/);
  const none = steadyStateChecks({ ...base, vms: [], probes: base.nodes.map((n) => probe(n)) });
  assert.match(failedChecks(none), /no HA-managed VM runs on pve1: nothing would fail over/);
});

test('steady state after the drill: no blast-radius or other-runbook check, the VM may run anywhere', () => {
  const checks = steadyStateChecks({ phase: 'after', nodes: base.nodes, vms: [100], victim: 'pve1', ceph: true, probes: base.nodes.map((n) => probe(n, { vmNode: 'pve2' })) });
  assert.equal(failedChecks(checks), '');
  assert.ok(!checks.some((c) => c.name === 'blast radius' || c.name === 'no other runbook'));
});
