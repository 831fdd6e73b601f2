import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { LabEnv } from '../helpers/labEnv';
import { SEPARATION_RESIDUE as RESIDUE, changedPaths, snapshotFiles } from '../helpers/fsSnapshot';
import { decideUpdate } from '../../workflows/operator/gate';
import { progressQuery, type Progress } from '../../workflows/progress';
import type { Inventory } from '../../common/inventory';
import type { CommandFault } from '../../lab/faults';

const NODES = ['pve1', 'pve2', 'pve3'];
const ROOTS = ['/etc/ssh', '/root/.ssh', '/etc/network', '/etc/mdadm', '/etc/pve', '/etc/corosync', '/etc/ceph', '/var/lib/ceph', '/var/lib/corosync'];
/**
 * What moves whatever is undone: pmxcfs's change counter, logs and status files, and the HA
 * daemons' state files (the CRM and LRMs keep writing them while the cluster lives).
 */
const VOLATILE = /^\/etc\/pve\/(\.(version|clusterlog|rrd|members|vmlist)|ha\/manager_status|nodes\/[^/]+\/lrm_status|priv\/lock(\/.*)?)$/;


/**
 * What stays by design beyond the separation: the directories the Ceph packages own (`pveceph
 * install` has no compensation: packages stay), the emptied mountpoint `pveceph osd destroy` leaves
 * of an OSD's tmpfs, and the HA section-config files `ha-manager` rewrites empty.
 */
function leftByDesign(path: string, now: Record<string, string>): boolean {
  const entry = now[path] ?? 'absent';
  if (/^\/var\/lib\/ceph(\/(bootstrap-[a-z-]+|crash|mds|mgr|mon|osd|tmp))?$/.test(path)) return entry.startsWith('dir ');
  if (/^\/var\/lib\/ceph\/osd\/ceph-\d+$/.test(path)) return entry.startsWith('dir ') && !Object.keys(now).some((p) => p.startsWith(`${path}/`));
  if (/^\/etc\/pve\/ha(\/(groups|resources|rules)\.cfg)?$/.test(path)) return entry.startsWith('dir ') || / 0 sha256:/.test(entry);
  return false;
}

type NodeState = { files: Record<string, string>; commands: Record<string, string> };

/** Everything a createCluster run touches on a node, read on the twin itself. */
async function nodeState(e: LabEnv, name: string): Promise<NodeState> {
  const node = e.lab.node(name);
  const out = async (c: string) => {
    const r = await node.exec(c);
    return `${r.exitCode}\n${r.stdout}${r.stderr}`;
  };
  const commands: Record<string, string> = {};
  // The raid456 module, once loaded, stays until a reboot: mdstat's Personalities line says so.
  commands['arrays in /proc/mdstat'] = (await out('cat /proc/mdstat')).replace(/^Personalities :.*\n/m, '');
  for (const c of ['pvecm status', 'pvs --reportformat json', 'lvs --reportformat json', 'ip -j link', 'ip -j addr', 'qm list', 'systemctl is-active corosync pve-cluster']) commands[c] = await out(c);
  return { files: await snapshotFiles(node, ROOTS, { ignore: VOLATILE }), commands };
}

async function clusterState(e: LabEnv): Promise<Record<string, NodeState>> {
  return Object.fromEntries(await Promise.all(NODES.map(async (n) => [n, await nodeState(e, n)] as const)));
}

/** Every node's state as before the run, but for what PVE's separation may leave by design. */
function assertRestored(before: Record<string, NodeState>, now: Record<string, NodeState>, joined: string[], created: string): void {
  for (const n of NODES) {
    const residue = n === created ? RESIDUE.created : joined.includes(n) ? RESIDUE.joined(n) : [];
    const changed = changedPaths(before[n].files, now[n].files);
    const unexpected = changed.filter((p) => !residue.includes(p) && !leftByDesign(p, now[n].files));
    assert.deepEqual(unexpected.map((p) => `${p}: ${before[n].files[p] ?? 'absent'} → ${now[n].files[p] ?? 'absent'}`), [], `${n}: files that differ from before the run, beyond what PVE leaves by design`);
    assert.deepEqual(now[n].commands, before[n].commands, `${n}: what the node reports`);
  }
}

async function awaiting(h: WorkflowHandle, question: RegExp): Promise<NonNullable<Progress['awaiting']>> {
  for (let i = 0; i < 1200; i++) {
    const q = (await h.query(progressQuery).catch(() => undefined))?.awaiting;
    if (q && question.test(q.question)) return q;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the run never asked about ${question}`);
}

/** Starts createCluster, waits for the failed step's question, answers rollback, and returns the run's failure. */
async function rollBackAt(e: LabEnv, id: string, inventory: Inventory, question: RegExp): Promise<{ message: string; choices: string[] }> {
  const h = await e.start('createCluster', id, { inventory, pollEverySeconds: 1, cephWithinSeconds: 600 });
  const q = await awaiting(h, question);
  await h.executeUpdate(decideUpdate, { args: [{ action: 'rollback' }] });
  try {
    await h.result();
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError);
    const cause = err.cause as Error & { type?: string };
    assert.equal(cause.type, 'RolledBack', cause.message);
    return { message: cause.message, choices: q.choices.map((c) => c.action) };
  }
  throw new Error('the run did not fail after its rollback');
}

/** As after boot on a real node (pveproxy's ExecStartPre): the twin's fresh nodes skip it. */
async function booted(e: LabEnv): Promise<void> {
  for (const n of NODES) assert.equal((await e.lab.node(n).exec('pvecm updatecerts --silent')).exitCode, 0);
}

/**
 * One failure point: a fresh 3-node twin, booted, its state read; the fault added; createCluster
 * rolled back when it asks about `question`; then every node compared with its state before.
 */
async function rollbackScenario(s: { pve: 8 | 9; id: string; fault: CommandFault; inventory: (e: LabEnv) => Inventory; question: RegExp; joined: string[] }) {
  const e = await LabEnv.start({ nodes: 3, pve: s.pve, timeScale: 60 });
  try {
    await booted(e);
    const before = await clusterState(e);
    e.lab.faults.add(s.fault);
    const r = await rollBackAt(e, s.id, s.inventory(e), s.question);
    assertRestored(before, await clusterState(e), s.joined, 'pve1');
    return r;
  } finally {
    await e.stop();
  }
}

describe('rollback on the twin: state compared with the state before the run', { concurrency: 1 }, () => {
  test('a join that fails for good: pve2 separated and deleted, pve1 separated, keys, trust and sshd as before', async () => {
    const r = await rollbackScenario({
      pve: 8,
      id: 'rb-join',
      fault: { node: 'pve3', match: 'pvecm add', action: { kind: 'fail', exitCode: 255, stderr: "unable to add node: cannot use IP '192.0.2.1', not a local address\n" }, times: Infinity },
      inventory: (e) => e.inventory(),
      question: /^"pvecm add pve3" failed/,
      joined: ['pve2'],
    });
    assert.deepEqual(r.choices, ['retry', 'skip', 'abort', 'rollback']);
    assert.match(r.message, /Undone, newest first: pve2 joined to e2e, cluster e2e created on pve1, /);
  });

  test('the reference deployment failing at HA: HA, pool, OSDs, managers, monitors, Ceph, LVM, RAID, bridges, cluster and SSH all undone', async () => {
    const r = await rollbackScenario({
      pve: 8,
      id: 'rb-ha',
      fault: { match: 'ha-manager add', action: { kind: 'fail', exitCode: 255, stderr: "400 Parameter verification failed.\ngroup: no such ha group 'Cluster-Prod'\n" }, times: Infinity },
      inventory: (e) => e.referenceInventory(),
      question: /^"HA resources and group Cluster-Prod" failed/,
      joined: ['pve2', 'pve3'],
    });
    for (const undone of ['HA group Cluster-Prod', 'test VM 100', 'pool Stockage-HA', 'osd.0 on pve1', 'manager on pve2', 'monitor on pve2', 'Ceph initialised on pve1', 'RAID5 /dev/md0 on pve3', 'vmbr1 on pve2', 'pve3 joined to e2e']) {
      assert.match(r.message, new RegExp(undone.replace(/[./]/g, '\\$&')), undone);
    }
  });

  test('the reference deployment failing at the pool: only what came before it is undone', async () => {
    const r = await rollbackScenario({
      pve: 9,
      id: 'rb-pool',
      fault: { match: 'pveceph pool create', action: { kind: 'fail', exitCode: 255, stderr: 'pool Stockage-HA: mon_command failed - pg_num 128 size 3 would mean 1152 total pgs, which exceeds max 750\n' }, times: Infinity },
      inventory: (e) => e.referenceInventory(),
      question: /^"pool Stockage-HA" failed/,
      joined: ['pve2', 'pve3'],
    });
    const undone = r.message.split('Undone, newest first: ')[1];
    assert.doesNotMatch(undone, /HA|test VM|pool/);
    assert.match(undone, /^osd\.2 on pve3, .*Ceph initialised on pve1/);
  });
});
