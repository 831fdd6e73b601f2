import assert from 'node:assert/strict';
import { parseCephHealthJson, parseCephStatusJson, type CephHealthJson, type CephStatusJson } from '../../activities/parsers';
import type { Lab, SimNode } from '../../lab/lab';
import { buildCluster, eventually, startLab, trustAll } from './twin-cluster-helpers';

export const NODES = ['pve1', 'pve2', 'pve3'];

/** Runs a command on a node and insists it succeeds; returns its stdout. */
export async function must(node: SimNode, command: string): Promise<string> {
  const r = await node.exec(command);
  assert.equal(r.exitCode, 0, `${node.name}: ${command}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

export async function cephStatus(node: SimNode): Promise<CephStatusJson> {
  return parseCephStatusJson(await must(node, 'ceph -s -f json'));
}

export async function cephHealth(node: SimNode): Promise<CephHealthJson> {
  return parseCephHealthJson(await must(node, 'ceph health detail -f json'));
}

/** A three-node PVE cluster (corosync and pmxcfs) with nothing of Ceph yet. */
export async function pveCluster(opts: { pve?: 8 | 9; timeScale?: number } = {}): Promise<{ lab: Lab; close: () => Promise<void> }> {
  const started = await startLab({ nodes: 3, pve: opts.pve ?? 8, timeScale: opts.timeScale ?? 100 });
  await trustAll(started.lab);
  await buildCluster(started.lab, 'lab', NODES);
  assert.ok(await eventually(() => started.lab.nodes.every((n) => started.lab.cluster.members(n.name).length === 3), 5000), 'corosync ring of three');
  return started;
}

/** The OSD's data volume the runbook builds (here straight on one disk: the RAID is the storage twin's business). */
export async function dataVolume(node: SimNode): Promise<void> {
  await must(node, 'vgcreate ceph-raid /dev/sda && lvcreate -y -l 100%FREE -n osd-block ceph-raid');
}

export async function bootstrapKeyring(node: SimNode): Promise<void> {
  await must(node, 'mkdir -p /var/lib/ceph/bootstrap-osd && ceph auth get client.bootstrap-osd -o /var/lib/ceph/bootstrap-osd/ceph.keyring');
}

/** Installs, initialises and starts monitors and managers on every node, the way the runbook orders it. */
export async function cephDaemons(lab: Lab): Promise<void> {
  for (const n of NODES) await must(lab.node(n), 'pveceph install --repository no-subscription --version squid');
  await must(lab.node('pve1'), 'pveceph init --network 10.0.0.0/24');
  for (const n of NODES) await must(lab.node(n), 'pveceph mon create');
  for (const n of NODES.slice(1)) await must(lab.node(n), 'pveceph mgr create');
}

/** The reference deployment's Ceph: one OSD per node (data LV + NVMe DB), pool Stockage-HA as storage, HEALTH_OK. */
export async function referenceCeph(lab: Lab): Promise<void> {
  await cephDaemons(lab);
  for (const n of NODES) {
    const node = lab.node(n);
    await dataVolume(node);
    await bootstrapKeyring(node);
    await must(node, 'ceph-volume lvm create --data ceph-raid/osd-block --block.db /dev/nvme1n1');
  }
  await must(lab.node('pve1'), 'pveceph pool create Stockage-HA --size 3 --min_size 2 --pg_autoscale_mode on --add_storages 1');
  assert.ok(await eventually(() => lab.ceph.health().status === 'HEALTH_OK', 10_000), JSON.stringify(lab.ceph.health()));
}
