import { parseCephOsdPoolLsJson, parseCephVolumeLvmList } from '../parsers';
import { haConfig } from '../ha/ha';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { NodeTask } from '../nodes/task';
import { cephFailure } from './errors';

/** Pools Ceph's managers create for themselves; `pveceph purge` takes them with the cluster. */
export const SYSTEM_POOLS = new Set(['.mgr', 'device_health_metrics']);

export async function must(remote: Remote, command: string, label: string, timeoutMs = 10 * 60_000): Promise<void> {
  const r = await remote.run(command, { label, timeoutMs });
  if (r.exitCode !== 0) throw cephFailure(remote.target, label, r);
}

/** The commands that take one OSD of this node out of the cluster: out, stopped, destroyed (with `cleanup`, its volumes zapped too). */
export function destroyOsdCommand(id: number, cleanup: boolean): string {
  return `ceph osd out ${id} && systemctl stop ceph-osd@${id} && pveceph osd destroy ${id}${cleanup ? ' --cleanup 1' : ''}`;
}

/** Only a VM with the test VM's id and name: a VM of the operator's is never destroyed. Stopped and destroyed on whichever node holds it. */
export async function destroyVm(remote: Remote, vmid: number, name: string): Promise<'done' | 'absent' | 'not ours'> {
  const find = `for f in /etc/pve/nodes/*/qemu-server/${vmid}.conf; do [ -e "$f" ] && printf '%s ' "$f" && grep '^name:' "$f"; done; true`;
  const found = await remote.run(find, { label: `find VM ${vmid}` });
  const m = /^\/etc\/pve\/nodes\/([^/]+)\/qemu-server\/\d+\.conf name:\s*(\S+)/m.exec(found.stdout);
  if (!m) return 'absent';
  if (m[2] !== name) return 'not ours';
  const owner = m[1];
  const onOwner = owner === remote.target.name ? '' : `ssh -o BatchMode=yes ${quoteArg(owner)} `;
  await must(remote, `${onOwner}${cmd('qm', 'stop', String(vmid))} >/dev/null 2>&1; ${onOwner}${cmd('qm', 'destroy', String(vmid), '--purge', '1')}`, `qm destroy ${vmid}`);
  return 'done';
}

/**
 * The operator's pools with their storages; with `system` also the pools Ceph's managers made for
 * themselves (`.mgr`), which go once no manager is left to recreate them (`pveceph purge` refuses
 * while any pool exists); with `onlySystem` those alone.
 */
export async function destroyPoolsOn(remote: Remote, opts: { system?: boolean; onlySystem?: boolean } = {}): Promise<string[]> {
  const r = await remote.run('[ -e /etc/pve/ceph.conf ] && ceph osd pool ls detail -f json || echo "[]"', { label: 'ceph osd pool ls detail' });
  const pools = readOutput(remote.target, 'ceph osd pool ls detail -f json', () => parseCephOsdPoolLsJson(r.stdout || '[]')).pools.filter((p) =>
    SYSTEM_POOLS.has(p.name) ? !!(opts.system || opts.onlySystem) : !opts.onlySystem,
  );
  for (const p of pools) {
    if (SYSTEM_POOLS.has(p.name)) await must(remote, cmd('ceph', 'osd', 'pool', 'delete', p.name, p.name, '--yes-i-really-really-mean-it'), `ceph osd pool delete ${p.name}`);
    else await must(remote, cmd('pveceph', 'pool', 'destroy', p.name, '--remove_storages', '1'), `pveceph pool destroy ${p.name}`);
  }
  return pools.map((p) => p.name);
}

/** The node's manager, then its monitor unless it is kept (the last one goes with `pveceph purge`). */
export async function destroyDaemonsOn(remote: Remote, node: string, keepMonitor: boolean): Promise<string[]> {
  const removed: string[] = [];
  const s = parseSections(await remote.check([section('mgr', `[ -d /var/lib/ceph/mgr/ceph-${node} ] && echo yes || echo no`), section('mon', `[ -d /var/lib/ceph/mon/ceph-${node} ] && echo yes || echo no`)].join('; '), { label: 'ceph daemons' }));
  if (s.mgr === 'yes') {
    await must(remote, cmd('pveceph', 'mgr', 'destroy', node), `pveceph mgr destroy ${node}`);
    removed.push('mgr');
  }
  if (s.mon === 'yes' && !keepMonitor) {
    await must(remote, cmd('pveceph', 'mon', 'destroy', node), `pveceph mon destroy ${node}`);
    removed.push('mon');
  }
  return removed;
}

/** `pveceph purge` on a node that still has Ceph's configuration or a monitor. */
export async function purgeOn(remote: Remote): Promise<'done' | 'already'> {
  const r = await remote.run('if [ -e /etc/pve/ceph.conf ] || [ -e /etc/ceph/ceph.conf ] || [ -n "$(ls -A /var/lib/ceph/mon 2>/dev/null)" ]; then pveceph purge && echo @done; else echo @already; fi', {
    label: 'pveceph purge',
    timeoutMs: 10 * 60_000,
  });
  if (r.stdout.includes('@already')) return 'already';
  if (r.exitCode !== 0) throw cephFailure(remote.target, 'pveceph purge', r);
  return 'done';
}

/**
 * Tearing down in PVE's documented order (pve-docs, "Destroying Ceph"): HA resources and their
 * placement, the test VM this project created, pools with their storages, each node's OSDs, the
 * managers and monitors, then `pveceph purge`. Each step reads what is there and removes only
 * that, so a retry or a second run finds nothing to do.
 */
export function cephTeardownActivities(deps: SshDeps) {
  return {
    async removeHa(task: NodeTask): Promise<{ removed: string[] }> {
      const remote = Remote.of(task.node, task, deps);
      const { resources, rules, groups } = await haConfig(remote);
      const removed: string[] = [];
      for (const r of resources) {
        await must(remote, cmd('ha-manager', 'remove', r.sid), `ha-manager remove ${r.sid}`);
        removed.push(r.sid);
      }
      for (const rule of rules) {
        await must(remote, cmd('ha-manager', 'rules', 'remove', rule.name), `ha-manager rules remove ${rule.name}`);
        removed.push(`rule ${rule.name}`);
      }
      for (const g of groups) {
        await must(remote, cmd('ha-manager', 'groupremove', g.name), `ha-manager groupremove ${g.name}`);
        removed.push(`group ${g.name}`);
      }
      return { removed };
    },

    /** Only a VM with the test VM's id and name: a VM of the operator's is never destroyed. */
    async destroyTestVm(task: NodeTask, vmid: number, name: string): Promise<{ status: 'done' | 'absent' | 'not ours' }> {
      return { status: await destroyVm(Remote.of(task.node, task, deps), vmid, name) };
    },

    /**
     * The operator's pools with their storages; with `system`, then the pools Ceph's managers
     * made for themselves (`.mgr`), once no manager is left to recreate them: `pveceph purge`
     * refuses while any pool exists.
     */
    async destroyPools(task: NodeTask, system = false): Promise<{ destroyed: string[] }> {
      return { destroyed: await destroyPoolsOn(Remote.of(task.node, task, deps), { system }) };
    },

    async destroyNodeOsds(task: NodeTask): Promise<{ destroyed: number[] }> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run('ceph-volume lvm list --format json 2>/dev/null || echo "{}"', { label: 'ceph-volume lvm list' });
      const ids = readOutput(remote.target, 'ceph-volume lvm list', () => parseCephVolumeLvmList(r.stdout || '{}')).osds.map((o) => o.id);
      for (const id of ids) {
        await must(remote, destroyOsdCommand(id, true), `pveceph osd destroy ${id}`);
      }
      return { destroyed: ids };
    },

    /** The node's manager, then its monitor unless it is the last one (`pveceph purge` takes that). */
    async destroyNodeDaemons(task: NodeTask, keepMonitor: boolean): Promise<{ removed: string[] }> {
      return { removed: await destroyDaemonsOn(Remote.of(task.node, task, deps), task.node.name, keepMonitor) };
    },

    async purgeCeph(task: NodeTask): Promise<{ status: 'done' | 'already' }> {
      return { status: await purgeOn(Remote.of(task.node, task, deps)) };
    },
  };
}
