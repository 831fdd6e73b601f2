import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseHaGroupsCfg } from '../../activities/parsers/haGroupsCfg';
import { parseHaManagerStatus } from '../../activities/parsers/haManagerStatus';
import { parseHaResourcesCfg } from '../../activities/parsers/haResourcesCfg';
import { parseHaRulesCfg } from '../../activities/parsers/haRulesCfg';
import { parseHaStatusJson } from '../../activities/parsers/haStatusJson';
import { parseQmList } from '../../activities/parsers/qmList';
import { serviceConfig, type LrmResult, type ManagerStatus } from '../../lab/ha/haConfig';
import { Lrm } from '../../lab/ha/lrm';
import { Manager } from '../../lab/ha/manager';
import { verboseState } from '../../lab/ha/status';
import type { Lab, SimNode } from '../../lab/lab';
import { buildCluster, eventually, startLab, trustAll } from './twin-cluster-helpers';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../test/fixtures/pve', name), 'utf8');
/** A status line with its time taken away: what stays the same from run to run. */
const shape = (text: string) => text.split('\n').map((l) => l.replace(/\(([^,]+), [A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\)/, '($1, TIME)'));

const CREATE_VM = 'qm create 100 --name ha-test --memory 512 --cores 1 --net0 virtio,bridge=vmbr0 --scsihw virtio-scsi-single';

/** A three-node cluster of the given PVE major, built over SSH as the runbook does. */
async function cluster(pve: 8 | 9): Promise<{ lab: Lab; close: () => Promise<void> }> {
  const started = await startLab({ nodes: 3, pve, timeScale: 100 });
  await trustAll(started.lab);
  for (const r of await buildCluster(started.lab, 'lab', ['pve1', 'pve2', 'pve3'])) assert.equal(r.code, 0, r.stderr);
  assert.ok(await eventually(() => started.lab.nodes.every((n) => started.lab.cluster.quorate(n.name) && started.lab.cluster.members(n.name).length === 3), 10_000));
  return started;
}

/** Polls `ha-manager status` on `node` until `pattern` matches (the CRM and LRMs work in 10 s rounds). */
async function waitStatus(node: SimNode, pattern: RegExp): Promise<string> {
  let last = '';
  const ok = await eventually(async () => pattern.test((last = (await node.exec('ha-manager status')).stdout)), 15_000);
  assert.ok(ok, `ha-manager status never matched ${pattern}:\n${last}`);
  return last;
}

describe('HA on a PVE 8 cluster: a group, a protected VM on Ceph', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;

  before(async () => {
    ({ lab, close } = await cluster(8));
    pve1 = lab.node('pve1');
  });

  after(async () => close());

  test('before any resource: the daemons run, only the quorum line, no master', async () => {
    assert.equal((await pve1.exec('systemctl is-active pve-ha-crm pve-ha-lrm')).stdout, 'active\nactive\n');
    assert.deepEqual(await pve1.exec('ha-manager status'), { stdout: 'quorum OK\n', stderr: '', exitCode: 0 });
    assert.equal(lab.ha.master(), undefined);
    assert.deepEqual(parseHaStatusJson((await pve1.exec('pvesh get /cluster/ha/status/current --output-format json')).stdout), { quorate: true, lrms: [], services: [] });
  });

  test('qm create allocates vm-100-disk-0 on the rbd storage and writes the config as qemu-server does', async () => {
    for (const c of ['pveceph install --repository no-subscription --version squid', 'pveceph init --network 10.0.0.0/24', 'pveceph mon create', 'pveceph pool create Stockage-HA --size 3 --min_size 2 --pg_autoscale_mode on --add_storages 1']) {
      const r = await pve1.exec(c);
      assert.equal(r.exitCode, 0, `${c}: ${r.stderr}`);
    }
    assert.deepEqual(await pve1.exec('qm create 100 --scsi0 Missing:4'), { stdout: '', stderr: "storage 'Missing' does not exist\n", exitCode: 255 });
    const r = await pve1.exec(`${CREATE_VM} --scsi0 Stockage-HA:4`);
    assert.deepEqual(r, { stdout: "scsi0: successfully created disk 'Stockage-HA:vm-100-disk-0,size=4G'\n", stderr: '', exitCode: 0 });
    assert.deepEqual(lab.ceph.rbdList('Stockage-HA'), [{ name: 'vm-100-disk-0', sizeBytes: 4 * 1024 ** 3 }]);
    const conf = (await pve1.exec('cat /etc/pve/nodes/pve1/qemu-server/100.conf')).stdout;
    assert.match(
      conf,
      /^boot: order=scsi0;net0\ncores: 1\nmemory: 512\nmeta: creation-qemu=9\.2\.0,ctime=\d+\nname: ha-test\nnet0: virtio=BC:24:11(:[0-9A-F]{2}){3},bridge=vmbr0\nscsi0: Stockage-HA:vm-100-disk-0,size=4G\nscsihw: virtio-scsi-single\nsmbios1: uuid=[0-9a-f-]{36}\nvmgenid: [0-9a-f-]{36}\n$/,
    );
    assert.deepEqual(await pve1.exec(`${CREATE_VM}`), { stdout: '', stderr: "unable to create VM 100 - VM 100 already exists on node 'pve1'\n", exitCode: 255 });
    const list = parseQmList((await pve1.exec('qm list')).stdout).vms;
    assert.deepEqual(list, [{ vmid: 100, name: 'ha-test', status: 'stopped', memMb: 512, bootDiskGb: 4, pid: 0 }]);
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: stopped\n');
  });

  test('groupadd and add write groups.cfg and resources.cfg in the section-config format', async () => {
    assert.deepEqual(await pve1.exec('ha-manager groupadd Cluster-Prod --nodes pve1,pve2,pve3'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/groups.cfg'), 'group: Cluster-Prod\n\tnodes pve1,pve2,pve3\n\n');
    const groups = parseHaGroupsCfg((await pve1.exec('ha-manager groupconfig')).stdout).groups;
    assert.deepEqual(groups.map((g) => [g.name, g.nodes.map((n) => n.node), g.restricted]), [['Cluster-Prod', ['pve1', 'pve2', 'pve3'], false]]);
    assert.deepEqual(await pve1.exec('ha-manager groupadd Cluster-Prod --nodes pve1'), { stdout: '', stderr: "create ha group failed: ha group ID 'Cluster-Prod' already defined\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager add vm:101 --state started'), { stdout: '', stderr: "resource 'vm:101' does not exist in cluster\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager add vm:100 --state running'), {
      stdout: '',
      stderr: "400 Parameter verification failed.\nstate: value 'running' does not have a value in the enumeration 'started, stopped, enabled, disabled, ignored'\n\nha-manager add <sid> [OPTIONS]\n",
      exitCode: 255,
    });
    assert.deepEqual(await pve1.exec('ha-manager add vm:100 --state started --group Cluster-Prod'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/resources.cfg'), 'vm: 100\n\tgroup Cluster-Prod\n\tstate started\n\n');
    assert.deepEqual(await pve1.exec('ha-manager add 100'), { stdout: '', stderr: "create resource failed: resource ID 'vm:100' already defined\n", exitCode: 255 });
    const config = (await pve1.exec('ha-manager config')).stdout;
    assert.equal(config, 'vm:100\n\tgroup Cluster-Prod\n\tstate started\n\n');
    assert.deepEqual(parseHaResourcesCfg(config).resources, [{ sid: 'vm:100', type: 'vm', vmid: 100, state: 'started', group: 'Cluster-Prod' }]);
    const rules = await pve1.exec('ha-manager rules list');
    assert.equal(rules.exitCode, 255);
    assert.match(rules.stderr, /^ERROR: unknown command 'ha-manager rules'\nUSAGE: ha-manager <COMMAND> \[ARGS\] \[OPTIONS\]\n/);
  });

  test('the CRM elects a master and the LRM of the VM\'s node starts it', async () => {
    // Every LRM reports within a round of the resource appearing; the service is started a round or two later.
    const out = await waitStatus(lab.node('pve3'), /^lrm pve2 \(idle, [^)]+\)\nlrm pve3 \(idle, [^)]+\)\nservice vm:100 \(pve1, started\)$/m);
    // Whichever CRM runs its round first after the resource appears takes the manager lock.
    const master = lab.ha.master() as string;
    assert.ok(['pve1', 'pve2', 'pve3'].includes(master), String(master));
    assert.deepEqual(shape(out), ['quorum OK', `master ${master} (active, TIME)`, 'lrm pve1 (active, TIME)', 'lrm pve2 (idle, TIME)', 'lrm pve3 (idle, TIME)', 'service vm:100 (pve1, started)', '']);
    assert.deepEqual(shape(out).slice(0, 2), shape(fixture('ha-manager-status.1service.pve-docs.txt').replace(/node1/g, master)).slice(0, 2));
    const parsed = parseHaManagerStatus(out);
    assert.deepEqual([parsed.quorum.ok, parsed.master?.node, parsed.master?.state, parsed.lrms.map((l) => `${l.node}:${l.state}`)], [true, master, 'active', ['pve1:active', 'pve2:idle', 'pve3:idle']]);
    // The CRM's `started` is a request: the verbose state stays `starting` until pve1's LRM has run the VM, up to a round later.
    let json: ReturnType<typeof parseHaStatusJson> | undefined;
    const readJson = async () => (json = parseHaStatusJson((await lab.node('pve2').exec('pvesh get /cluster/ha/status/current --output-format json')).stdout));
    assert.ok(await eventually(async () => (await readJson()).services[0]?.state === 'started', 15_000), JSON.stringify(json));
    assert.deepEqual(json?.services, [{ sid: 'vm:100', node: 'pve1', state: 'started', crmState: 'started', requestState: 'started', group: 'Cluster-Prod', maxRestart: 1, maxRelocate: 1 }]);
    assert.deepEqual(lab.ha.resources(), [{ sid: 'vm:100', node: 'pve1', state: 'started', running: true }]);
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: running\n');
    const vm = parseQmList((await pve1.exec('qm list')).stdout).vms[0];
    assert.deepEqual([vm?.status, (vm?.pid ?? 0) > 0], ['running', true]);
    const log = lab.ha.log().map((e) => `${e.node}/${e.daemon}: ${e.message}`);
    for (const line of [`${master}/crm: got lock 'ha_manager_lock'`, `${master}/crm: adding new service 'vm:100' on node 'pve1'`, `${master}/crm: service 'vm:100': state changed from 'request_start' to 'started'  (node = pve1)`, "pve1/lrm: got lock 'ha_agent_pve1_lock'", 'pve1/lrm: starting service vm:100']) assert.ok(log.includes(line), line);
    const resources = JSON.parse((await pve1.exec('pvesh get /cluster/ha/resources --output-format json')).stdout) as Record<string, unknown>[];
    assert.deepEqual(resources.map((r) => [r['sid'], r['state'], r['group'], r['type'], typeof r['digest']]), [['vm:100', 'started', 'Cluster-Prod', 'vm', 'string']]);
    const pgroups = JSON.parse((await pve1.exec('pvesh get /cluster/ha/groups --output-format json')).stdout) as Record<string, unknown>[];
    assert.deepEqual(pgroups.map((g) => [g['group'], g['nodes'], g['type']]), [['Cluster-Prod', 'pve1,pve2,pve3', 'group']]);
  });

  test('qm stop and start of the protected VM go through HA', async () => {
    assert.deepEqual(await pve1.exec('qm destroy 100'), { stdout: '', stderr: 'unable to remove VM 100 - used in HA resources and purge parameter not set.\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('qm stop 100'), { stdout: 'Requesting HA stop for VM 100\n', stderr: '', exitCode: 0 });
    await waitStatus(pve1, /^service vm:100 \(pve1, stopped\)$/m);
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: stopped\n');
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/resources.cfg'), 'vm: 100\n\tgroup Cluster-Prod\n\tstate stopped\n\n', 'the CRM records the requested state');
    assert.deepEqual(await pve1.exec('qm start 100'), { stdout: 'Requesting HA start for VM 100\n', stderr: '', exitCode: 0 });
    await waitStatus(pve1, /^service vm:100 \(pve1, started\)$/m);
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: running\n');
  });

  test('teardown: the group stays while used; remove, then groupremove, then destroy --purge frees the disk', async () => {
    assert.deepEqual(await pve1.exec('ha-manager groupremove Cluster-Prod'), { stdout: '', stderr: "delete ha group failed: ha group is used by service 'vm:100'\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('qm destroy 100 --purge'), { stdout: '', stderr: 'VM 100 is running - destroy failed\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager remove vm:100'), { stdout: '', stderr: '', exitCode: 0 });
    assert.deepEqual(await pve1.exec('ha-manager remove vm:100'), { stdout: '', stderr: "resource 'vm:100' is not HA managed\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager groupremove Cluster-Prod'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/groups.cfg'), '');
    assert.deepEqual(await pve1.exec('qm stop 100'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: stopped\n');
    assert.deepEqual(await pve1.exec('qm destroy 100 --purge'), { stdout: 'purging VM 100 from related configurations..\n', stderr: '', exitCode: 0 });
    assert.deepEqual(lab.ceph.rbdList('Stockage-HA'), []);
    assert.equal((await pve1.exec('qm list')).stdout, '');
  });
});

describe('HA on a PVE 9 cluster: groups have become rules', { concurrency: 1 }, () => {
  let lab: Lab;
  let close: () => Promise<void>;
  let pve1: SimNode;

  before(async () => {
    ({ lab, close } = await cluster(9));
    pve1 = lab.node('pve1');
  });

  after(async () => close());

  test('group commands fail with pve-ha-manager 5\'s messages', async () => {
    assert.deepEqual(await pve1.exec('ha-manager groupadd Cluster-Prod --nodes pve1,pve2,pve3'), { stdout: '', stderr: 'cannot create group: ha groups have been migrated to rules\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager groupconfig'), { stdout: '', stderr: 'cannot index groups: ha groups have been migrated to rules\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager groupremove Cluster-Prod'), { stdout: '', stderr: 'cannot delete group: ha groups have been migrated to rules\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('pvesh get /cluster/ha/groups --output-format json'), { stdout: '', stderr: 'cannot index groups: ha groups have been migrated to rules\n', exitCode: 255 });
  });

  test('a node-affinity rule protects the VM, which reaches started', async () => {
    assert.equal((await pve1.exec(CREATE_VM)).exitCode, 0);
    assert.deepEqual(await pve1.exec('ha-manager rules add node-affinity Cluster-Prod --resources vm:100 --nodes pve1,pve2,pve3'), { stdout: '', stderr: 'create ha rule failed: cannot use unmanaged resource(s) vm:100.\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager add vm:100 --state started --group Cluster-Prod'), { stdout: '', stderr: "invalid parameter 'group': ha groups have been migrated to rules\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager add vm:100 --state started'), { stdout: '', stderr: '', exitCode: 0 });
    assert.deepEqual(await pve1.exec('ha-manager rules add node-affinity Cluster-Prod --resources vm:100 --nodes pve3,pve1,pve2'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/rules.cfg'), 'node-affinity: Cluster-Prod\n\tnodes pve1,pve2,pve3\n\tresources vm:100\n\n');
    assert.deepEqual(parseHaRulesCfg(await pve1.fs.readFile('/etc/pve/ha/rules.cfg')).rules, [
      { type: 'node-affinity', name: 'Cluster-Prod', resources: ['vm:100'], nodes: [{ node: 'pve1' }, { node: 'pve2' }, { node: 'pve3' }], strict: false, disable: false },
    ]);
    assert.deepEqual(await pve1.exec('ha-manager rules add node-affinity Other --resources vm:100 --nodes pve9'), { stdout: '', stderr: 'create ha rule failed: cannot use non-existant node(s) pve9.\n', exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager rules add node-affinity Other --resources vm:100 --nodes pve2'), {
      stdout: '',
      stderr: "create ha rule failed: 400 Rule 'Other' is invalid.\nresources: resource 'vm:100' is already used in another node affinity rule\n",
      exitCode: 255,
    });
    assert.equal(
      (await pve1.exec('ha-manager rules config')).stdout,
      '┌─────────┬────────┬──────────────┬───────────────┬───────────┬─────────┐\n' +
        '│ enabled │ state  │ rule         │ type          │ resources │ comment │\n' +
        '╞═════════╪════════╪══════════════╪═══════════════╪═══════════╪═════════╡\n' +
        '│ 1       │ in use │ Cluster-Prod │ node-affinity │ vm:100    │         │\n' +
        '└─────────┴────────┴──────────────┴───────────────┴───────────┴─────────┘\n',
    );
    const rules = JSON.parse((await pve1.exec('pvesh get /cluster/ha/rules --output-format json')).stdout) as Record<string, unknown>[];
    assert.deepEqual(rules.map((r) => [r['rule'], r['type'], r['nodes'], r['resources'], r['strict'], r['order']]), [['Cluster-Prod', 'node-affinity', 'pve1,pve2,pve3', 'vm:100', 0, 1]]);
    // Read where the wait saw it: another node's copy of the manager status lags by pmxcfs's replication delay.
    await waitStatus(lab.node('pve2'), /^service vm:100 \(pve1, started\)$/m);
    const json = parseHaStatusJson((await lab.node('pve2').exec('pvesh get /cluster/ha/status/current --output-format json')).stdout);
    assert.deepEqual(json.services.map((s) => [s.sid, s.state, s.crmState, s.requestState, s.failback]), [['vm:100', 'started', 'started', 'started', true]]);
    assert.equal(json.master?.node, lab.ha.master());
    assert.equal((await pve1.exec('qm status 100')).stdout, 'status: running\n');
  });

  test('rules set changes a rule in place, with update_rule\'s checks', async () => {
    assert.deepEqual(await pve1.exec('ha-manager rules set node-affinity Cluster-Prod --nodes pve2,pve1 --strict 1'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal(await pve1.fs.readFile('/etc/pve/ha/rules.cfg'), 'node-affinity: Cluster-Prod\n\tnodes pve1,pve2\n\tresources vm:100\n\tstrict 1\n\n');
    assert.deepEqual(parseHaRulesCfg(await pve1.fs.readFile('/etc/pve/ha/rules.cfg')).rules.map((r) => [r.strict, r.nodes?.map((n) => n.node)]), [[true, ['pve1', 'pve2']]]);
    assert.deepEqual(await pve1.exec('ha-manager rules set node-affinity Nope --strict 0'), { stdout: '', stderr: "update HA rules failed: HA rule 'Nope' does not exist\n", exitCode: 255 });
    assert.deepEqual(await pve1.exec('ha-manager rules set node-affinity Cluster-Prod --delete resources'), { stdout: '', stderr: "update HA rules failed: unable to delete required option 'resources'\n", exitCode: 255 });
  });

  test('rules remove and remove leave nothing behind', async () => {
    assert.deepEqual(await pve1.exec('ha-manager rules remove Cluster-Prod; ha-manager remove vm:100'), { stdout: '', stderr: '', exitCode: 0 });
    assert.equal((await pve1.exec('ha-manager rules config')).stdout, '');
    assert.equal((await pve1.exec('ha-manager config')).stdout, '');
  });
});

/** What a unit-level Manager round may do: nothing outside it. */
const effects = { setRequestedState: () => undefined, takeAgentLock: () => true, stealService: async () => undefined };

/** An LRM round over fake guests: `started` records what the LRM started. */
function lrmRound(lrm: Lrm, now: number, ms: ManagerStatus, started: number[] = []) {
  const guests = { running: (id: number) => started.includes(id), start: (id: number) => void started.push(id), stop: () => undefined, migrate: async () => true };
  return lrm.round({ now, quorate: true, ms, lock: () => true, releaseLock: () => undefined, guests, log: () => undefined });
}

describe('the CRM and LRM state machines, round by round', () => {
  test('a service added started: queued, request_start → started (starting), then started once the LRM reports', async () => {
    const log: string[] = [];
    const manager = new Manager('pve1', { node_status: {}, service_status: {} }, (_level, msg) => log.push(msg));
    const cd = serviceConfig({ type: 'vm', id: '100', props: { state: 'started' } }, 'pve2');
    const services = new Map([['vm:100', cd]]);
    const nodes = ['pve1', 'pve2'].map((name) => ({ name, online: true }));
    assert.equal(verboseState(undefined, cd), 'queued');
    const round = (now: number, lrmResults: Record<string, LrmResult> = {}) => manager.manage({ now, nodes, services, lrmResults, commands: [] }, effects);
    let ms = structuredClone(await round(20_000));
    const sd = ms.service_status['vm:100'];
    assert.deepEqual([sd?.node, sd?.state, sd?.running], ['pve2', 'started', undefined]);
    assert.equal(verboseState(sd, cd), 'starting');
    assert.deepEqual(log, [
      "node 'pve1': state changed from 'unknown' => 'online'",
      "node 'pve2': state changed from 'unknown' => 'online'",
      "adding new service 'vm:100' on node 'pve2'",
      "service 'vm:100': state changed from 'request_start' to 'started'  (node = pve2)",
    ]);
    const started: number[] = [];
    const status = await lrmRound(new Lrm('pve2'), 21_000, ms, started);
    assert.deepEqual([status.state, started, Object.values(status.results)], ['active', [100], [{ sid: 'vm:100', exit_code: 0, state: 'started' }]]);
    ms = await round(30_000, status.results);
    assert.deepEqual([ms.service_status['vm:100']?.state, ms.service_status['vm:100']?.running, verboseState(ms.service_status['vm:100'], cd)], ['started', 1, 'started']);
    assert.equal((await lrmRound(new Lrm('pve1'), 31_000, ms)).state, 'wait_for_agent_lock', 'an LRM without services stays idle');
  });

  test('requested stopped: request_stop, the LRM stops it, then stopped; started again from stopped', async () => {
    const manager = new Manager('pve1', { node_status: {}, service_status: {} }, () => undefined);
    const services = new Map([['vm:100', serviceConfig({ type: 'vm', id: '100', props: { state: 'stopped' } }, 'pve1')]]);
    const nodes = [{ name: 'pve1', online: true }];
    const round = (lrmResults: Record<string, LrmResult> = {}) => manager.manage({ now: 0, nodes, services, lrmResults, commands: [] }, effects);
    let ms = await round();
    assert.equal(ms.service_status['vm:100']?.state, 'request_stop');
    const uid = ms.service_status['vm:100']?.uid as string;
    ms = await round({ [uid]: { sid: 'vm:100', exit_code: 0, state: 'stopped' } });
    assert.equal(ms.service_status['vm:100']?.state, 'stopped');
    services.set('vm:100', serviceConfig({ type: 'vm', id: '100', props: { state: 'started' } }, 'pve1'));
    assert.equal((await round()).service_status['vm:100']?.state, 'started');
  });
});
