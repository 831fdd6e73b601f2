import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Lab } from '../../lab/lab';
import { startLab } from '../unit/twin-cluster-helpers';
import { snapshotFiles } from '../helpers/fsSnapshot';
import { twinRig, type TwinRig } from '../helpers/twinRig';
import { INTERFACES_BACKUP, networkActivities } from '../../activities/network/privateNetwork';
import type { PrivateBridge } from '../../activities/network/interfaces';
import { networkRollbackActivities } from '../../activities/rollback/network';

/**
 * The private bridge written and applied, then undone on the twin over real SSH: the
 * /etc/network files as before byte for byte, and the running links and addresses (`ip -j`) as
 * before, the bridge gone.
 */
describe('rollback of the private network', () => {
  let rig: TwinRig;
  let lab: Lab;
  let net: ReturnType<typeof networkActivities>;
  let undo: ReturnType<typeof networkRollbackActivities>;
  const task = (name: string) => rig.task(name);
  const bridge = (name: string): PrivateBridge => ({ nic: 'enp1s0f1', bridge: 'vmbr1', cidr: `${lab.node(name).address}/24`, mtu: 9000 });
  /** Files and the running state, as the node itself reports it. */
  const state = async (name: string) => {
    const node = lab.node(name);
    return {
      files: await snapshotFiles(node, ['/etc/network']),
      links: (await node.exec('ip -j -d link show')).stdout,
      addresses: (await node.exec('ip -j addr show')).stdout,
      routes: (await node.exec('ip route show')).stdout,
    };
  };
  const links = async (name: string) => (JSON.parse((await lab.node(name).exec('ip -j link show')).stdout) as { ifname: string; mtu: number; master?: string }[]);

  before(async () => {
    rig = await twinRig(() => startLab({ nodes: 2 }), { clusterOnly: true });
    lab = rig.lab;
    net = networkActivities(rig.deps);
    undo = networkRollbackActivities(rig.deps);
  });
  after(async () => {
    await rig?.close();
  });

  test('bridge written and applied, then the file restored, ifreload -a, the backup gone and vmbr1 with it', async () => {
    const before = await state('pve1');
    const r = await net.configurePrivateBridge(task('pve1'), bridge('pve1'));
    assert.equal(r.status, 'done');
    assert.deepEqual((await links('pve1')).filter((l) => l.ifname === 'vmbr1' || l.ifname === 'enp1s0f1').map((l) => [l.ifname, l.mtu, l.master ?? null]), [
      ['enp1s0f1', 9000, 'vmbr1'],
      ['vmbr1', 9000, null],
    ]);

    const u = await undo.undoPrivateBridge(task('pve1'), bridge('pve1'));
    assert.equal(u.status, 'done', u.detail);
    assert.match(u.detail ?? '', /vmbr1 gone/);
    assert.ok(!(await links('pve1')).some((l) => l.ifname === 'vmbr1'));
    assert.deepEqual(await state('pve1'), before, '/etc/network, links, addresses and routes as before');
    assert.ok(lab.log.entries({ node: 'pve1', via: 'program', command: /^ifreload -a$/ }).length >= 2, 'applied with ifreload -a');

    const again = await undo.undoPrivateBridge(task('pve1'), bridge('pve1'));
    assert.deepEqual(again, { status: 'already', detail: `no ${INTERFACES_BACKUP} left` });
    assert.deepEqual(await state('pve1'), before);
  });

  test('a bridge the original file already declared stays (as it was); a second configure says already and leaves nothing to undo', async () => {
    const node = lab.node('pve2');
    // The hoster's file already bridges the private NIC, at the default MTU.
    const original = (await node.fs.readFile('/etc/network/interfaces')).replace(
      /auto enp1s0f1\niface enp1s0f1 inet static\n\taddress (\S+)\n\tmtu 9000\n/,
      'auto enp1s0f1\niface enp1s0f1 inet manual\n\nauto vmbr1\niface vmbr1 inet static\n\taddress $1\n\tbridge-ports enp1s0f1\n\tbridge-stp off\n\tbridge-fd 0\n',
    );
    assert.match(original, /iface vmbr1/);
    await node.fs.writeFile('/etc/network/interfaces', original);
    assert.equal((await node.exec('ifreload -a')).exitCode, 0);
    const before = await state('pve2');
    assert.deepEqual((await links('pve2')).find((l) => l.ifname === 'vmbr1')?.mtu, 1500);

    assert.equal((await net.configurePrivateBridge(task('pve2'), bridge('pve2'))).status, 'done');
    assert.equal((await links('pve2')).find((l) => l.ifname === 'vmbr1')?.mtu, 9000);
    assert.equal((await net.configurePrivateBridge(task('pve2'), bridge('pve2'))).status, 'already', 'nothing for a second run to record');

    const u = await undo.undoPrivateBridge(task('pve2'), bridge('pve2'));
    assert.equal(u.status, 'done');
    assert.match(u.detail ?? '', /vmbr1 stays/);
    assert.deepEqual(await state('pve2'), before, 'the bridge back at MTU 1500, the file as it was');
    assert.equal((await undo.undoPrivateBridge(task('pve2'), bridge('pve2'))).status, 'already');
  });
});
