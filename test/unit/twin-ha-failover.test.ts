import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serviceConfig, type LrmResult } from '../../lab/ha/haConfig';
import { Manager } from '../../lab/ha/manager';
import { compileNodeAffinity, selectServiceNode } from '../../lab/ha/placement';
import { parseSections } from '../../lab/ha/sectionConfig';
import type { Lab, SimNode } from '../../lab/lab';
import { buildCluster, eventually, startLab, trustAll } from './twin-cluster-helpers';

/** Lab ms per real ms: PVE's constants (10 s rounds, 60 s fence delay, 120 s locks) pass in a few real seconds. */
const SCALE = 200;
const NODES = ['pve1', 'pve2', 'pve3'];
/** How late a round may run after its slot: the HA timer ticks every 20 real ms (twice that on a busy machine). */
const TICK_MS = 2 * 20 * SCALE;

/** A three-node cluster of the given PVE major with vm:100 created on pve1 and HA-managed, running. */
async function haCluster(pve: 8 | 9, bootMs = 20_000): Promise<{ lab: Lab; close: () => Promise<void>; master: string }> {
  const started = await startLab({ nodes: 3, pve, timeScale: SCALE, bootMs });
  const { lab } = started;
  await trustAll(lab);
  for (const r of await buildCluster(lab, 'lab', NODES)) assert.equal(r.code, 0, r.stderr);
  assert.ok(await eventually(() => lab.nodes.every((n) => lab.cluster.quorate(n.name) && lab.cluster.members(n.name).length === 3), 10_000));
  const pve1 = lab.node('pve1');
  assert.equal((await pve1.exec('qm create 100 --name ha-test --memory 512 --net0 virtio,bridge=vmbr0')).exitCode, 0);
  assert.deepEqual(await pve1.exec('ha-manager add vm:100 --state started'), { stdout: '', stderr: '', exitCode: 0 });
  await until(() => service(lab)?.running === true && lab.ha.master() !== undefined, 'vm:100 running under a master');
  return { ...started, master: lab.ha.master() as string };
}

function service(lab: Lab, sid = 'vm:100') {
  return lab.ha.resources().find((s) => s.sid === sid);
}

/** Polls in real time until `check` holds (the lab clock runs SCALE times faster). */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  assert.ok(await eventually(check, ms), `timed out waiting for ${what}`);
}

/** The HA log as `node/daemon: message` lines. */
function lines(lab: Lab): string[] {
  return lab.ha.log().map((e) => `${e.node}/${e.daemon}: ${e.message}`);
}

/** Lab ms of the first entry `node/daemon: message` logged at or after `since`. */
function at(lab: Lab, line: string, since = 0): number {
  const e = lab.ha.log().find((x) => x.at >= since && `${x.node}/${x.daemon}: ${x.message}` === line);
  assert.ok(e, `never logged: ${line}\n${lines(lab).join('\n')}`);
  return e.at;
}

/** `lines` appear in this order (not necessarily adjacent), from `since` on. */
function inOrder(lab: Lab, expected: string[], since = 0): number[] {
  const log = lab.ha.log().filter((e) => e.at >= since).map((e) => `${e.node}/${e.daemon}: ${e.message}`);
  let from = 0;
  return expected.map((line) => {
    const i = log.indexOf(line, from);
    assert.ok(i >= 0, `missing (in order): ${line}\nafter: ${log[from - 1]}\n${log.join('\n')}`);
    from = i + 1;
    return i;
  });
}

/** Lab ms the lock was last refreshed. */
function refreshed(lab: Lab, lock: string): number {
  const held = lab.ha.lock(lock);
  assert.ok(held, `${lock} never taken`);
  return held.renewedAt;
}

/** Has `crm-command migrate` put vm:100 on `target` unless it is there already; returns once the target's LRM holds its lock. */
async function moveTo(lab: Lab, target: string): Promise<void> {
  const from = service(lab)?.node as string;
  if (from !== target) assert.equal((await lab.node(from).exec(`ha-manager crm-command migrate vm:100 ${target}`)).exitCode, 0);
  await until(() => service(lab)?.node === target && service(lab)?.state === 'started' && lab.ha.lrmState(target) === 'active', `vm:100 on ${target}, its LRM active`);
}

/** `echo c > /proc/sysrq-trigger`: the write never returns, the node is gone. */
function crash(node: SimNode): void {
  void node.exec('echo c > /proc/sysrq-trigger').catch(() => undefined);
}

describe('PVE 8: crm-command migrate, then the VM\'s node crashes and comes back', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let master: string;
  /** The node vm:100 is migrated to, then crashed: not the master. */
  let victim: string;
  let crashedAt = 0;
  let lastRefresh = 0;
  let survivor = '';

  before(async () => {
    ({ lab, close, master } = await haCluster(8));
    victim = NODES.filter((n) => n !== master && n !== 'pve1')[0] as string;
  });

  after(async () => close());

  test('crm-command migrate: the master moves vm:100, the source LRM migrates it, config and process move', async () => {
    const pve1 = lab.node('pve1');
    const since = lab.clock.now();
    const pid = lab.node('pve1').vms.running(100)?.pid;
    assert.ok(pid);
    assert.deepEqual(await pve1.exec(`ha-manager crm-command migrate vm:100 ${victim}`), { stdout: '', stderr: '', exitCode: 0 });
    await until(() => service(lab)?.node === victim && service(lab)?.state === 'started', `vm:100 started on ${victim}`);
    inOrder(
      lab,
      [
        `${master}/crm: got crm command: migrate vm:100 ${victim}`,
        `${master}/crm: migrate service 'vm:100' to node '${victim}'`,
        `${master}/crm: service 'vm:100': state changed from 'started' to 'migrate'  (node = pve1, target = ${victim})`,
        `pve1/lrm: service vm:100 - start migrate to node '${victim}'`,
        `pve1/lrm: service vm:100 - end migrate to node '${victim}'`,
        `${master}/crm: service 'vm:100': state changed from 'migrate' to 'started'  (node = ${victim})`,
      ],
      since,
    );
    assert.equal(lab.node('pve1').vms.running(100), undefined, 'the QEMU process left pve1');
    assert.ok(lab.node(victim).vms.running(100), `the QEMU process runs on ${victim}`);
    assert.equal(await pve1.fs.exists('/etc/pve/nodes/pve1/qemu-server/100.conf'), false);
    assert.match(await pve1.fs.readFile(`/etc/pve/nodes/${victim}/qemu-server/100.conf`), /^name: ha-test$/m);
    assert.equal((await lab.node(victim).exec('qm status 100')).stdout, 'status: running\n');
  });

  test('crm-command errors: an unmanaged service, a malformed node; an unknown target is refused by the master', async () => {
    const pve1 = lab.node('pve1');
    assert.deepEqual(await pve1.exec('ha-manager crm-command migrate vm:999 pve2'), { stdout: '', stderr: "resource 'vm:999' is not HA managed\n", exitCode: 255 });
    const bad = await pve1.exec('ha-manager crm-command relocate vm:100 pve_2');
    assert.equal(bad.exitCode, 255);
    assert.match(bad.stderr, /^400 Parameter verification failed\.\nnode: invalid format - value does not look like a valid node name\n/);
    const since = lab.clock.now();
    assert.deepEqual(await pve1.exec('ha-manager crm-command migrate vm:100 pve9'), { stdout: '', stderr: '', exitCode: 0 });
    assert.deepEqual(await pve1.exec(`ha-manager crm-command migrate vm:100 ${victim}`), { stdout: '', stderr: '', exitCode: 0 });
    await until(() => lab.ha.log().some((e) => e.at >= since && e.message.startsWith('ignore crm command')), 'the master reading the commands');
    at(lab, `${master}/crm: crm command error - node not online: migrate vm:100 pve9`, since);
    at(lab, `${master}/crm: ignore crm command - service already on target node: migrate vm:100 ${victim}`, since);
    assert.equal(service(lab)?.node, victim);
  });

  test(`the VM's node crashes: unknown, fence after the fence delay, recovery once its agent lock expired, started on a survivor`, async () => {
    const before = lab.ha.lock(`ha_agent_${victim}_lock`);
    assert.equal(before?.owner, victim);
    crashedAt = lab.clock.now();
    crash(lab.node(victim));
    lastRefresh = (lab.ha.lock(`ha_agent_${victim}_lock`) as { renewedAt: number }).renewedAt;
    let fenceStatus = '';
    await until(async () => {
      if (!fenceStatus && service(lab)?.state === 'fence') fenceStatus = (await lab.node(master).exec('ha-manager status')).stdout;
      return service(lab)?.state === 'started' && service(lab)?.node !== victim && service(lab)?.running === true;
    }, 'vm:100 recovered and running');
    survivor = service(lab)?.node as string;
    assert.notEqual(survivor, victim);
    const expected = [
      `${master}/crm: node '${victim}': state changed from 'online' => 'unknown'`,
      `${master}/crm: service 'vm:100': state changed from 'started' to 'fence'`,
      `${master}/crm: node '${victim}': state changed from 'unknown' => 'fence'`,
      `${master}/crm: FENCE: Try to fence node '${victim}'`,
      `${master}/crm: got lock 'ha_agent_${victim}_lock'`,
      `${master}/crm: fencing: acknowledged - got agent lock for node '${victim}'`,
      `${master}/crm: node '${victim}': state changed from 'fence' => 'unknown'`,
      `${master}/crm: SUCCEED: fencing: acknowledged - got agent lock for node '${victim}'`,
      `${master}/crm: service 'vm:100': state changed from 'fence' to 'recovery'`,
      `${master}/crm: recover service 'vm:100' from fenced node '${victim}' to node '${survivor}'`,
      `${master}/crm: service 'vm:100': state changed from 'recovery' to 'started'  (node = ${survivor})`,
      `${survivor}/lrm: starting service vm:100`,
      `${survivor}/lrm: service status vm:100 started`,
    ];
    const idx = inOrder(lab, expected, crashedAt);
    // From the fence to the recovery, the master's lines of one round come one after the other, as in PVE's simulator.
    assert.deepEqual(idx.slice(1, 4).map((i) => i - (idx[1] as number)), [0, 1, 2]);
    assert.deepEqual(idx.slice(4, 11).map((i) => i - (idx[4] as number)), [0, 1, 2, 3, 4, 5, 6]);
    const unknown = at(lab, expected[0] as string, crashedAt);
    const fence = at(lab, expected[1] as string, crashedAt);
    const recovery = at(lab, expected[8] as string, crashedAt);
    // The delay counts from the last round that saw the node online: the round before `unknown`
    // (PVE's simulator log shows the same: unknown at 120, fence at 160 with its 20 s rounds).
    assert.ok(fence - unknown >= lab.ha.fenceDelayMs - lab.ha.roundMs - TICK_MS, `fence ${fence - unknown} ms after unknown`);
    assert.ok(fence - unknown <= lab.ha.fenceDelayMs + TICK_MS, `fence ${fence - unknown} ms after unknown`);
    assert.ok(recovery - lastRefresh > lab.ha.lockExpiryMs, `recovery ${recovery - lastRefresh} ms after the last refresh`);
    assert.ok(recovery - lastRefresh <= lab.ha.lockExpiryMs + lab.ha.roundMs + 5000, `recovery ${recovery - lastRefresh} ms after the last refresh`);
    assert.deepEqual(lab.ha.lock(`ha_agent_${victim}_lock`)?.owner, master, 'the master holds the fenced node\'s lock');
    // While fenced: the service in `fence` on the dead node, whose LRM stopped reporting.
    assert.match(fenceStatus, new RegExp(`^lrm ${victim} \\(old timestamp - dead\\?, `, 'm'));
    assert.match(fenceStatus, new RegExp(`^service vm:100 \\(${victim}, fence\\)$`, 'm'));
    // The config moved with the service: every node sees it on the survivor.
    const s = lab.node(survivor);
    assert.equal(await s.fs.exists(`/etc/pve/nodes/${victim}/qemu-server/100.conf`), false);
    assert.match(await s.fs.readFile(`/etc/pve/nodes/${survivor}/qemu-server/100.conf`), /^name: ha-test$/m);
    assert.equal((await s.exec('qm status 100')).stdout, 'status: running\n');
    // Another node's copy of the manager status lags by pmxcfs's replication delay.
    let status = '';
    await until(async () => new RegExp(`^service vm:100 \\(${survivor}, started\\)$`, 'm').test((status = (await s.exec('ha-manager status')).stdout)), 'ha-manager status on the survivor');
    assert.match(status, new RegExp(`^lrm ${victim} \\(old timestamp - dead\\?, `, 'm'));
    assert.deepEqual(lab.ha.nodeStates()[victim], 'unknown');
  });

  test('the crashed node boots: online again, its LRM idle (no service, the master holds its lock)', async () => {
    const since = lab.clock.now();
    await lab.node(victim).powerOn();
    await until(() => lab.ha.nodeStates()[victim] === 'online', `${victim} online`);
    at(lab, `${master}/crm: node '${victim}': state changed from 'unknown' => 'online'`, since);
    await until(async () => /^lrm \S+ \(idle, /m.test((await lab.node(victim).exec('ha-manager status')).stdout), 'its LRM reporting');
    await until(() => lab.ha.crmState(victim) === 'slave', `${victim}'s CRM a slave`);
    at(lab, `${victim}/crm: status change wait_for_quorum => slave`, since);
    assert.equal(lab.ha.lrmState(victim), 'wait_for_agent_lock');
    assert.equal(lab.ha.lock(`ha_agent_${victim}_lock`)?.owner, master);
    assert.equal(service(lab)?.node, survivor, 'no failback without a preference');
  });

  test('crm-command relocate back: stopped on the survivor, config moved, started by the returned node once it may take its lock', async () => {
    const since = lab.clock.now();
    const fencedAt = refreshed(lab, `ha_agent_${victim}_lock`);
    assert.deepEqual(await lab.node(victim).exec(`ha-manager crm-command relocate vm:100 ${victim}`), { stdout: '', stderr: '', exitCode: 0 });
    let moving = '';
    await until(async () => {
      if (!moving && service(lab)?.state === 'relocate') moving = (await lab.node(master).exec('ha-manager status')).stdout;
      return service(lab)?.node === victim && service(lab)?.running === true;
    }, `vm:100 running on ${victim}`);
    inOrder(
      lab,
      [
        `${master}/crm: got crm command: relocate vm:100 ${victim}`,
        `${master}/crm: relocate service 'vm:100' to node '${victim}'`,
        `${master}/crm: service 'vm:100': state changed from 'started' to 'relocate'  (node = ${survivor}, target = ${victim})`,
        `${survivor}/lrm: service vm:100 - start relocate to node '${victim}'`,
        `${survivor}/lrm: stopping service vm:100 (relocate)`,
        `${survivor}/lrm: service status vm:100 stopped`,
        `${survivor}/lrm: service vm:100 - end relocate to node '${victim}'`,
        `${master}/crm: service 'vm:100': state changed from 'relocate' to 'started'  (node = ${victim})`,
        `${victim}/lrm: starting service vm:100`,
        `${victim}/lrm: service status vm:100 started`,
      ],
      since,
    );
    // The returned node's LRM goes active for a service coming to it, once the master's hold on its lock expired.
    const got = at(lab, `${victim}/lrm: got lock 'ha_agent_${victim}_lock'`, since);
    assert.ok(got - fencedAt > lab.ha.lockExpiryMs, `lock taken ${got - fencedAt} ms after the fencing`);
    inOrder(lab, [`${victim}/lrm: got lock 'ha_agent_${victim}_lock'`, `${victim}/lrm: status change wait_for_agent_lock => active`, `${victim}/lrm: starting service vm:100`], since);
    assert.match(moving, new RegExp(`^service vm:100 \\(${survivor}, relocate\\)$`, 'm'));
    assert.equal(lab.node(survivor).vms.running(100), undefined);
    assert.equal(await lab.node(victim).fs.exists(`/etc/pve/nodes/${survivor}/qemu-server/100.conf`), false);
    assert.equal((await lab.node(victim).exec('qm status 100')).stdout, 'status: running\n');
  });
});

describe('PVE 8: the master\'s node crashes, a restricted group limits the recovery to one node', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let master: string;

  before(async () => {
    ({ lab, close, master } = await haCluster(8));
    await moveTo(lab, master);
  });

  after(async () => close());

  test('a survivor CRM takes the manager lock once it expired, waits the fence delay, fences, recovers to the group\'s other node', async () => {
    const others = NODES.filter((n) => n !== master);
    // The group's other member sorts last: without the restriction the recovery would pick the first.
    const member = others[1] as string;
    const pve1 = lab.node('pve1');
    assert.equal((await pve1.exec(`ha-manager groupadd only --nodes ${master},${member} --restricted 1`)).exitCode, 0);
    assert.equal((await pve1.exec('ha-manager set vm:100 --group only')).exitCode, 0);
    // The group keeps the VM where it is (its node is a member).
    await until(async () => /group only/.test(await lab.node(master).fs.readFile('/etc/pve/ha/resources.cfg')), 'resources.cfg replicated');
    const crashedAt = lab.clock.now();
    crash(lab.node(master));
    const lastRefresh = refreshed(lab, 'ha_manager_lock');
    await until(() => service(lab)?.state === 'started' && service(lab)?.node === member && service(lab)?.running === true, `vm:100 recovered to ${member}`);
    const next = lab.ha.master() as string;
    assert.ok(others.includes(next), next);
    const expected = [
      `${next}/crm: got lock 'ha_manager_lock'`,
      `${next}/crm: status change slave => master`,
      `${next}/crm: node '${master}': state changed from 'online' => 'unknown'`,
      `${next}/crm: service 'vm:100': state changed from 'started' to 'fence'`,
      `${next}/crm: node '${master}': state changed from 'unknown' => 'fence'`,
      `${next}/crm: FENCE: Try to fence node '${master}'`,
      `${next}/crm: got lock 'ha_agent_${master}_lock'`,
      `${next}/crm: fencing: acknowledged - got agent lock for node '${master}'`,
      `${next}/crm: node '${master}': state changed from 'fence' => 'unknown'`,
      `${next}/crm: SUCCEED: fencing: acknowledged - got agent lock for node '${master}'`,
      `${next}/crm: service 'vm:100': state changed from 'fence' to 'recovery'`,
      `${next}/crm: recover service 'vm:100' from fenced node '${master}' to node '${member}'`,
      `${next}/crm: service 'vm:100': state changed from 'recovery' to 'started'  (node = ${member})`,
      `${member}/lrm: starting service vm:100`,
      `${member}/lrm: service status vm:100 started`,
    ];
    inOrder(lab, expected, crashedAt);
    const took = at(lab, expected[0] as string, crashedAt);
    assert.ok(took - lastRefresh > lab.ha.lockExpiryMs && took - lastRefresh <= lab.ha.lockExpiryMs + lab.ha.roundMs + TICK_MS, `manager lock taken ${took - lastRefresh} ms after its last refresh`);
    // The new master knows nothing of when the node was last online: the fence delay starts with it.
    const fence = at(lab, expected[3] as string, crashedAt);
    assert.ok(fence - took >= lab.ha.fenceDelayMs && fence - took <= lab.ha.fenceDelayMs + lab.ha.roundMs + TICK_MS, `fence ${fence - took} ms after taking over`);
    // The dead master's agent lock had long expired: fenced in the same round.
    assert.equal(at(lab, expected[6] as string, crashedAt) - fence < TICK_MS, true);
    assert.match(await lab.node(member).fs.readFile(`/etc/pve/nodes/${member}/qemu-server/100.conf`), /^name: ha-test$/m);
    assert.equal(await lab.node(next).fs.exists(`/etc/pve/nodes/${master}/qemu-server/100.conf`), false);
    const status = (await lab.node(next).exec('ha-manager status')).stdout;
    assert.match(status, new RegExp(`^master ${next} \\(active, `, 'm'));
    assert.match(status, new RegExp(`^service vm:100 \\(${member}, started\\)$`, 'm'));
  });
});

describe('PVE 9: a strict node-affinity rule and its only node lost: no recovery node, until the node is back', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let master: string;
  let victim: string;

  before(async () => {
    ({ lab, close, master } = await haCluster(9));
    victim = master === 'pve1' ? 'pve2' : 'pve1';
    await moveTo(lab, victim);
    assert.equal((await lab.node(master).exec(`ha-manager rules add node-affinity only --resources vm:100 --nodes ${victim} --strict 1`)).exitCode, 0);
  });

  after(async () => close());

  test('recovery fails every round with PVE\'s message; the service stays in `recovery`', async () => {
    const crashedAt = lab.clock.now();
    crash(lab.node(victim));
    const failed = `${master}/crm: recovering service 'vm:100' from fenced node '${victim}' failed, no recovery node found`;
    await until(() => lines(lab).filter((l) => l === failed).length >= 4, 'four failed recoveries');
    inOrder(
      lab,
      [
        `${master}/crm: service 'vm:100': state changed from 'started' to 'fence'`,
        `${master}/crm: FENCE: Try to fence node '${victim}'`,
        `${master}/crm: SUCCEED: fencing: acknowledged - got agent lock for node '${victim}'`,
        `${master}/crm: service 'vm:100': state changed from 'fence' to 'recovery'`,
        failed,
        failed,
        failed,
        failed,
      ],
      crashedAt,
    );
    const times = lab.ha.log().filter((e) => `${e.node}/${e.daemon}: ${e.message}` === failed).map((e) => e.at);
    assert.ok(lab.ha.log().filter((e) => `${e.node}/${e.daemon}: ${e.message}` === failed).every((e) => e.level === 'err'));
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      assert.ok(Math.abs(gap - lab.ha.roundMs) <= TICK_MS, `a failed recovery every round, got ${gap} ms`);
    }
    assert.deepEqual(service(lab), { sid: 'vm:100', node: victim, state: 'recovery', running: false });
    const status = (await lab.node(master).exec('ha-manager status')).stdout;
    assert.match(status, new RegExp(`^service vm:100 \\(${victim}, recovery\\)$`, 'm'));
    const json = JSON.parse((await lab.node(master).exec('pvesh get /cluster/ha/status/current --output-format json')).stdout) as Record<string, unknown>[];
    const row = json.find((r) => r['sid'] === 'vm:100');
    assert.deepEqual([row?.['state'], row?.['crm_state'], row?.['node']], ['recovery', 'recovery', victim]);
  });

  test('the node boots: the service is recovered to it, and its LRM starts it once the master\'s hold on its lock expired', async () => {
    const since = lab.clock.now();
    const fencedAt = refreshed(lab, `ha_agent_${victim}_lock`);
    await lab.node(victim).powerOn();
    await until(() => service(lab)?.state === 'started' && service(lab)?.running === true, 'vm:100 started again');
    inOrder(
      lab,
      [
        `${master}/crm: node '${victim}': state changed from 'unknown' => 'online'`,
        `${master}/crm: recover service 'vm:100' to previous failed and fenced node '${victim}' again`,
        `${master}/crm: service 'vm:100': state changed from 'recovery' to 'started'  (node = ${victim})`,
        `${victim}/lrm: got lock 'ha_agent_${victim}_lock'`,
        `${victim}/lrm: status change wait_for_agent_lock => active`,
        `${victim}/lrm: starting service vm:100`,
        `${victim}/lrm: service status vm:100 started`,
      ],
      since,
    );
    assert.ok(at(lab, `${victim}/lrm: got lock 'ha_agent_${victim}_lock'`, since) - fencedAt > lab.ha.lockExpiryMs);
    assert.ok(lab.node(victim).vms.running(100));
  });
});

describe('the watchdog: an active LRM cut off from quorum resets its node', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let master: string;
  let victim: string;

  before(async () => {
    // A long boot keeps the reset node away until the others recovered its service.
    ({ lab, close, master } = await haCluster(8, 150_000));
    victim = master === 'pve1' ? 'pve2' : 'pve1';
    await moveTo(lab, victim);
  });

  after(async () => close());

  test('corosync stopped on the VM\'s node: lost_agent_lock, reset a watchdog timeout after the last lock refresh, then the usual recovery', async () => {
    const since = lab.clock.now();
    assert.equal((await lab.node(victim).exec('systemctl stop corosync')).exitCode, 0);
    const fed = refreshed(lab, `ha_agent_${victim}_lock`);
    await until(() => lab.powerLog().some((e) => e.node === victim && e.event === 'watchdog-reset'), 'the watchdog reset');
    const reset = lab.powerLog().find((e) => e.node === victim && e.event === 'watchdog-reset')?.at as number;
    assert.ok(reset - fed >= lab.ha.watchdogMs && reset - fed <= lab.ha.watchdogMs + TICK_MS, `reset ${reset - fed} ms after the last feed`);
    inOrder(lab, [`${victim}/crm: status change slave => wait_for_quorum`], since);
    const lost = at(lab, `${victim}/lrm: status change active => lost_agent_lock`, since);
    assert.ok(lost < reset);
    // Nothing more from the node's LRM before the reset: it just goes down.
    assert.deepEqual(lab.ha.log(victim).filter((e) => e.at > lost && e.at <= reset && e.daemon === 'lrm'), []);
    assert.equal(lab.node(victim).powered, false);
    await until(() => service(lab)?.state === 'started' && service(lab)?.node !== victim && service(lab)?.running === true, 'vm:100 recovered');
    at(lab, `${master}/crm: recover service 'vm:100' from fenced node '${victim}' to node '${service(lab)?.node}'`, since);
    await until(() => lab.node(victim).powered && lab.ha.nodeStates()[victim] === 'online', `${victim} back after its boot`);
    assert.deepEqual(
      lab.powerLog().filter((e) => e.node === victim && e.at >= since).map((e) => e.event),
      ['watchdog-reset', 'power-on'],
    );
  });
});

/** A simulator log line: `info    160    node1/crm: ...`. */
function simLines(name: string, until: number): string[] {
  return readFileSync(join(__dirname, '../../../test/fixtures/pve', name), 'utf8')
    .split('\n')
    .map((l) => /^\S+\s+(\d+)\s+(node1\/crm): (.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && Number(m[1]) <= until && !/^status change|^got lock 'ha_manager_lock'/.test(m[3] as string))
    .map((m) => `${m[1]} ${m[2]}: ${m[3]}`);
}

/**
 * Replays a simulator run on the master's state machine alone, round by round (the simulator's
 * CRM works every 20 s): nodes as the command list switches them, each online LRM carrying out
 * its requests between two rounds, the dead node's agent lock free from `lockFreeAt` on.
 */
async function replay(opts: { services: [string, string, string][]; rules?: string; down: string; downAt: number; lockFreeAt: number; until: number }): Promise<string[]> {
  const out: string[] = [];
  let t = 0;
  const manager = new Manager('node1', { node_status: {}, service_status: {} }, (_level, msg) => out.push(`${t} node1/crm: ${msg}`), 60_000);
  const services = new Map(opts.services.map(([sid, node, state]) => [sid, serviceConfig({ type: 'vm', id: sid.slice(3), props: { state } }, node)]));
  const results: Record<string, LrmResult> = {};
  for (t = 20; t <= opts.until; t += 20) {
    const nodes = ['node1', 'node2', 'node3'].map((name) => ({ name, online: !(name === opts.down && t >= opts.downAt) }));
    const ms = await manager.manage(
      { now: t * 1000, nodes, services, lrmResults: results, commands: [], rules: parseSections(opts.rules ?? '') },
      {
        setRequestedState: () => undefined,
        takeAgentLock: (node) => t >= opts.lockFreeAt && out.push(`${t} node1/crm: got lock 'ha_agent_${node}_lock'`) > 0,
        stealService: async () => undefined,
      },
    );
    for (const [sid, sd] of Object.entries(ms.service_status)) {
      const up = nodes.find((n) => n.name === sd.node)?.online;
      if (up && ['started', 'request_stop'].includes(sd.state)) results[sd.uid] = { sid, exit_code: 0, state: sd.state };
    }
  }
  return out;
}

describe('the master\'s state machine replays PVE\'s simulator logs line for line', () => {
  test('node-network-loss: unknown, fence after the fence delay, fenced once the agent lock is free, recovered to the least loaded node', async () => {
    const log = await replay({
      services: [
        ['vm:101', 'node1', 'started'],
        ['vm:102', 'node2', 'disabled'],
        ['vm:103', 'node3', 'started'],
      ],
      down: 'node3',
      downAt: 120,
      lockFreeAt: 240,
      until: 240,
    });
    assert.deepEqual(log, simLines('ha-sim-log.node-network-loss.fence-and-recover.txt', 240));
  });

  test('fence.no-recovery-node.strict-rule: recovery fails every round', async () => {
    const log = await replay({
      services: [['vm:102', 'node2', 'started']],
      rules: 'node-affinity: only-node2\n\tnodes node2\n\tresources vm:102\n\tstrict 1\n\n',
      down: 'node2',
      downAt: 120,
      lockFreeAt: 240,
      until: 700,
    });
    assert.deepEqual(log, simLines('ha-sim-log.fence.no-recovery-node.strict-rule.txt', 700));
  });
});

describe('select_service_node: groups and node-affinity rules', () => {
  const nodes = ['pve1', 'pve2', 'pve3'];
  const cd = (props: Record<string, string> = {}) => serviceConfig({ type: 'vm', id: '100', props: { state: 'started', ...props } }, 'pve1');
  const usage = (counts: Record<string, number>) => new Map(Object.entries(counts));
  const pick = (groups: string, rules: string, conf: ReturnType<typeof cd>, load: Record<string, number>, current: string, pref: 'none' | 'best-score') =>
    selectServiceNode(compileNodeAffinity(parseSections(groups), parseSections(rules), new Map([['vm:100', conf]]), nodes).get('vm:100'), usage(load), conf, current, pref);

  test('no group or rule: the least loaded online node, then by name; staying put when allowed', () => {
    assert.equal(pick('', '', cd(), { pve2: 1, pve3: 0 }, 'pve1', 'best-score'), 'pve3');
    assert.equal(pick('', '', cd(), { pve2: 0, pve3: 0 }, 'pve1', 'best-score'), 'pve2');
    assert.equal(pick('', '', cd(), { pve1: 3, pve2: 0 }, 'pve1', 'none'), 'pve1');
  });

  test('group priorities: the highest online priority first; unrestricted falls back to any node, restricted does not', () => {
    const group = (extra = '') => `group: g\n\tnodes pve1:2,pve2:1\n${extra}\n`;
    assert.equal(pick(group(), '', cd({ group: 'g' }), { pve2: 5, pve3: 0 }, 'pve1', 'best-score'), 'pve2');
    assert.equal(pick(group(), '', cd({ group: 'g' }), { pve3: 0 }, 'pve1', 'best-score'), 'pve3');
    assert.equal(pick(group('\trestricted 1\n'), '', cd({ group: 'g' }), { pve3: 0 }, 'pve1', 'best-score'), undefined);
    // Failback: pve1 is back and preferred; nofailback keeps the service where it runs.
    assert.equal(pick(group(), '', cd({ group: 'g' }), { pve1: 0, pve2: 1, pve3: 0 }, 'pve2', 'none'), 'pve1');
    assert.equal(pick(group('\tnofailback 1\n'), '', cd({ group: 'g' }), { pve1: 0, pve2: 1, pve3: 0 }, 'pve2', 'none'), 'pve2');
  });

  test('node-affinity rules: strict limits, non-strict prefers; a disabled rule does not count; failback 0 stays', () => {
    const rule = (extra = '') => `node-affinity: r\n\tnodes pve1:2,pve3\n\tresources vm:100\n${extra}\n`;
    assert.equal(pick('', rule('\tstrict 1\n'), cd(), { pve2: 0 }, 'pve1', 'best-score'), undefined);
    assert.equal(pick('', rule(), cd(), { pve2: 0 }, 'pve1', 'best-score'), 'pve2');
    assert.equal(pick('', rule(), cd(), { pve2: 0, pve3: 4 }, 'pve1', 'best-score'), 'pve3');
    assert.equal(pick('', rule('\tdisable 1\n'), cd(), { pve2: 0, pve3: 4 }, 'pve1', 'best-score'), 'pve2');
    assert.equal(pick('', rule(), cd(), { pve1: 0, pve3: 0 }, 'pve3', 'none'), 'pve1');
    assert.equal(pick('', rule(), cd({ failback: '0' }), { pve1: 0, pve3: 0 }, 'pve3', 'none'), 'pve3');
  });
});
