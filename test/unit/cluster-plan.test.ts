import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { planCluster, preflightProblems } from '../../workflows/cluster/plan';
import { inventoryOf, member, standalone } from '../helpers/facts';

const names = ['pve1', 'pve2', 'pve3'];
const inv = inventoryOf(names);

describe('reconcile plan', () => {
  test('fresh nodes: create on the primary, join the others in inventory order', () => {
    const facts = Object.fromEntries(names.map((n, i) => [n, standalone(n, i)]));
    assert.deepEqual(planCluster(inv, facts), { kind: 'build', create: true, via: 'pve1', joins: ['pve2', 'pve3'], members: [] });
  });

  test('a complete cluster: nothing to do', () => {
    const facts = Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', names)]));
    assert.deepEqual(planCluster(inv, facts), { kind: 'build', create: false, via: 'pve1', joins: [], members: names });
  });

  test('a new node in the inventory: only its join', () => {
    const inv4 = inventoryOf([...names, 'pve4']);
    const facts = { ...Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', names)])), pve4: standalone('pve4', 3) };
    assert.deepEqual(planCluster(inv4, facts), { kind: 'build', create: false, via: 'pve1', joins: ['pve4'], members: names });
  });

  test('a cluster of another name is refused', () => {
    const facts = { pve1: member('pve1', 0, 'other', ['pve1']), pve2: standalone('pve2', 1), pve3: standalone('pve3', 2) };
    const plan = planCluster(inv, facts);
    assert.equal(plan.kind, 'refuse');
    assert.match((plan as { reasons: string[] }).reasons.join(), /pve1 belongs to cluster other, not prod/);
  });

  test('members missing from the inventory are refused', () => {
    const facts = Object.fromEntries(names.map((n, i) => [n, member(n, i, 'prod', [...names, 'pve9'])]));
    const plan = planCluster(inv, facts);
    assert.equal(plan.kind, 'refuse');
    assert.match((plan as { reasons: string[] }).reasons.join(), /members the inventory does not list: pve9/);
  });

  test('a node in the nodelist that is standalone itself is refused with the fix', () => {
    const facts = { pve1: member('pve1', 0, 'prod', names), pve2: member('pve2', 1, 'prod', names), pve3: standalone('pve3', 2) };
    const plan = planCluster(inv, facts);
    assert.equal(plan.kind, 'refuse');
    assert.match((plan as { reasons: string[] }).reasons.join(), /pve3 is in cluster prod's nodelist but is standalone itself: .*pvecm delnode pve3/);
  });
});

describe('preflight', () => {
  const fresh = () => Object.fromEntries(names.map((n, i) => [n, standalone(n, i)]));
  const planFor = (facts: ReturnType<typeof fresh>) => {
    const p = planCluster(inv, facts);
    assert.equal(p.kind, 'build');
    return p as Extract<typeof p, { kind: 'build' }>;
  };

  test('clean nodes pass', () => {
    const facts = fresh();
    assert.deepEqual(preflightProblems(inv, facts, planFor(facts)), []);
  });

  test('guests on a joining node, authkey, loopback resolution, missing link0, mixed versions, wrong hostname: all reported at once', () => {
    const facts = fresh();
    facts.pve2 = standalone('pve2', 1, { guests: [100, 101], resolvedAddress: '127.0.1.1' });
    facts.pve3 = standalone('pve3', 2, { hasAuthkey: true, pveMajor: 9, localAddresses: ['127.0.0.1'], hostname: 'pve-three' });
    const problems = preflightProblems(inv, facts, planFor(facts));
    const text = problems.join('\n');
    assert.match(text, /pve2: has guests \(100, 101\); `pvecm add` refuses a node with virtual guests/);
    assert.match(text, /pve2: its hostname resolves to 127\.0\.1\.1/);
    assert.match(text, /pve3: \/etc\/corosync\/authkey exists/);
    assert.match(text, /pve3: link0 address 10\.0\.0\.13 is not configured on the node/);
    assert.match(text, /mixed PVE major versions \(8: pve1, pve2; 9: pve3\)/);
    assert.match(text, /pve3: the server's hostname is pve-three/);
  });

  test('guests on the primary that creates the cluster are allowed', () => {
    const facts = fresh();
    facts.pve1 = standalone('pve1', 0, { guests: [100] });
    assert.deepEqual(preflightProblems(inv, facts, planFor(facts)), []);
  });
});
