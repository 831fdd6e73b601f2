import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { LabEnv } from '../helpers/labEnv';
import { ran } from '../helpers/twinLog';
import { runCli, START_WORKFLOW, PVE_RUNBOOKS } from '../helpers/cli';
import type { CreateClusterResult } from '../../workflows/createCluster';
import type { HealthReport } from '../../workflows/clusterHealth';
import type { Lab } from '../../lab/lab';


async function assertClusterOnTwin(lab: Lab, names: string[], cluster: string) {
  for (const name of names) {
    const node = lab.node(name);
    const members = JSON.parse((await node.exec('cat /etc/pve/.members')).stdout);
    assert.equal(members.cluster.name, cluster, `${name} sees the cluster`);
    assert.deepEqual(Object.keys(members.nodelist).sort(), [...names].sort(), `${name} lists every member`);
    assert.equal((await node.exec('readlink /root/.ssh/authorized_keys')).stdout.trim(), '/etc/pve/priv/authorized_keys', `${name}: PVE's symlink intact`);
    assert.match((await node.exec('grep AuthorizedKeysFile /etc/ssh/sshd_config')).stdout, /\/etc\/pve\/priv\/authorized_keys/);
    assert.equal((await node.exec('test -e /etc/ssh/sshd_config.pve-runbooks.orig && echo yes')).stdout.trim(), 'yes', `${name}: sshd_config backup kept`);
  }
}

for (const pve of [8, 9] as const) {
  describe(`createCluster end to end on a 3-node PVE ${pve} twin, then a 4th node by a re-run`, () => {
    let e: LabEnv;
    before(async () => {
      e = await LabEnv.start({ nodes: 4, pve, timeScale: 20 });
    });
    after(async () => {
      await e?.stop();
    });

    test('builds the cluster; every destructive command ran once', async () => {
      const names = ['pve1', 'pve2', 'pve3'];
      const r = await e.execute<CreateClusterResult>('createCluster', `cc-${pve}-a`, { inventory: e.inventory('e2e', 3), pollEverySeconds: 0.5 });
      assert.equal(r.created, true);
      assert.deepEqual(r.joined, ['pve2', 'pve3']);
      assert.ok(r.nodes.every((n) => n.quorate && n.expectedVotes === 3 && n.totalVotes === 3 && n.linksConnected), JSON.stringify(r.nodes));
      await assertClusterOnTwin(e.lab, names, 'e2e');
      assert.deepEqual(ran(e.lab, /^pvecm create/), ['pve1: pvecm create e2e --link0 10.0.0.11']);
      assert.deepEqual(ran(e.lab, /^pvecm add /), ['pve2: pvecm add 10.0.0.11 --link0 10.0.0.12 --use_ssh', 'pve3: pvecm add 10.0.0.11 --link0 10.0.0.13 --use_ssh']);
    });

    test('a re-run with a 4th node in the inventory joins only it', async () => {
      const before = e.lab.log.entries().length;
      const r = await e.execute<CreateClusterResult>('createCluster', `cc-${pve}-b`, { inventory: e.inventory('e2e', 4), pollEverySeconds: 0.5 });
      assert.equal(r.created, false);
      assert.deepEqual(r.joined, ['pve4']);
      assert.deepEqual(r.alreadyMembers, ['pve1', 'pve2', 'pve3']);
      const since = e.lab.log.entries().slice(before).filter((x) => x.via === 'program');
      assert.deepEqual(since.filter((x) => /^pvecm (create|add) /.test(x.command)).map((x) => `${x.node}: ${x.command}`), ['pve4: pvecm add 10.0.0.11 --link0 10.0.0.14 --use_ssh']);
      assert.equal(ran(e.lab, /^pvecm create/).length, 1, 'the cluster was not re-created');
      await assertClusterOnTwin(e.lab, ['pve1', 'pve2', 'pve3', 'pve4'], 'e2e');
      const keys = (await e.lab.node('pve1').exec('cat /etc/pve/priv/authorized_keys')).stdout.split('\n').filter(Boolean);
      assert.equal(keys.length, new Set(keys).size, 'no key line appended twice');
    });

    test('health through the CLI: healthy, 4 of 4 votes', async () => {
      const file = e.writeInventory(e.inventory('e2e', 4));
      const r = await runCli(PVE_RUNBOOKS, ['health', '-i', file, '--json'], e.cliEnv());
      assert.equal(r.code, 0, r.stderr);
      const h = JSON.parse(r.stdout) as HealthReport;
      assert.equal(h.healthy, true, h.problems.join('; '));
      assert.deepEqual([h.expectedVotes, h.totalVotes], [4, 4]);
    });
  });
}

for (const pve of [8, 9] as const) {
describe(`createCluster on a 5-node PVE ${pve} twin with transient faults, a refused preflight, destroy and create again`, () => {
  let e: LabEnv;
  before(async () => {
    e = await LabEnv.start({ nodes: 5, pve, timeScale: 20 });
  });
  after(async () => {
    await e?.stop();
  });

  test('a node with a guest is refused in preflight and nothing changes anywhere', async () => {
    await e.lab.node('pve3').exec('qm create 100 --name web --memory 512');
    const before = e.lab.log.entries().length;
    const file = e.writeInventory(e.inventory('five'));
    const r = await runCli(START_WORKFLOW, ['createCluster', '-i', file, '--wait'], e.cliEnv());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /preflight found 1 problem\(s\), nothing was changed:\n- pve3: has guests \(100\)/);
    const after = e.lab.log.entries().slice(before);
    assert.ok(after.every((x) => x.via !== 'program' || /^(hostname|pveversion|systemctl is-active|qm list|pct list|getent|ip )/.test(x.command)), 'only reads ran');
    for (const n of e.lab.nodes) assert.notEqual((await n.exec('test -e /root/.ssh/authorized_keys && echo yes')).stdout.trim(), 'yes', `${n.name} untouched`);
    await e.lab.node('pve3').exec('rm /etc/pve/qemu-server/100.conf');
  });

  test('survives pmxcfs not ready and a connection dropped in the middle of a join', async () => {
    e.lab.faults.add({ node: 'pve2', match: /pvecm add/, action: { kind: 'fail', exitCode: 255, stderr: "unable to create directory '/etc/pve/nodes' - Permission denied\ncfs-lock 'file-corosync_conf' error: got lock request timeout\n" }, times: 1 });
    e.lab.faults.add({ node: 'pve4', match: /pvecm add/, action: { kind: 'drop' }, times: 1 });
    const r = await e.execute<CreateClusterResult>('createCluster', 'cc-five', { inventory: e.inventory('five'), pollEverySeconds: 0.5 });
    assert.deepEqual(r.joined, ['pve2', 'pve3', 'pve4', 'pve5']);
    await assertClusterOnTwin(e.lab, ['pve1', 'pve2', 'pve3', 'pve4', 'pve5'], 'five');
    assert.equal(ran(e.lab, /^pvecm add /, 'pve4').length, 1, 'the dropped join ran once; its retry found it done');
  });

  test('destroy (confirmed through the CLI), then create again', async () => {
    const file = e.writeInventory(e.inventory('five'));
    const d = await runCli(START_WORKFLOW, ['destroyCluster', '-i', file, '--confirm', 'five', '--wait'], e.cliEnv());
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /cluster five destroyed/);
    for (const n of e.lab.nodes) {
      assert.equal((await n.exec('test -e /etc/pve/corosync.conf && echo yes || echo no')).stdout.trim(), 'no', `${n.name} standalone`);
      assert.deepEqual((await n.exec('ls /etc/pve/nodes')).stdout.trim().split('\n'), [n.name]);
    }
    const r = await e.execute<CreateClusterResult>('createCluster', 'cc-five-again', { inventory: e.inventory('five'), pollEverySeconds: 0.5 });
    assert.equal(r.created, true);
    await assertClusterOnTwin(e.lab, ['pve1', 'pve2', 'pve3', 'pve4', 'pve5'], 'five');
  });

  test('a cluster of another name is refused, then replaced with --force-recreate and its confirmation', async () => {
    const file = e.writeInventory(e.inventory('fresh'), 'fresh.yaml');
    const refused = await runCli(START_WORKFLOW, ['createCluster', '-i', file, '--wait'], e.cliEnv());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /pve1 belongs to cluster five, not fresh[\s\S]*--force-recreate --confirm/);
    const wrong = await runCli(START_WORKFLOW, ['createCluster', '-i', file, '--force-recreate', '--confirm', 'fresh', '--wait'], e.cliEnv());
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /confirm with exactly "five"/);
    const r = await runCli(START_WORKFLOW, ['createCluster', '-i', file, '--force-recreate', '--confirm', 'five', '--wait', '--json'], e.cliEnv());
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as CreateClusterResult).created, true);
    await assertClusterOnTwin(e.lab, ['pve1', 'pve2', 'pve3', 'pve4', 'pve5'], 'fresh');
  });
});
}
