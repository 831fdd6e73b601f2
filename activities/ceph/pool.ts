import { parseCephOsdPoolLsJson, parsePvesmStatus } from '../parsers';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { NodeTask } from '../nodes/task';
import type { CephSettings } from '../../common/hyperConverged';
import { cephFailure } from './errors';
import { awaitTransientUnit, inTransientUnit } from '../ssh/transientUnit';

/** `pveceph pool create` runs detached in this unit: a worker killed mid-create does not cut it, and a retry waits for it. */
const POOL_UNIT = 'pve-runbooks-pool';

export interface PoolResult {
  /** The pool's name, for a rollback. */
  name?: string;
  pool: 'done' | 'already';
  storage: 'done' | 'already' | 'not asked';
  /** Settings of an existing pool that differ from the inventory: reported, never changed behind the operator's back. */
  differences: string[];
}

type Pool = CephSettings['pool'];

const POOL_STATE = [section('pools', 'ceph osd pool ls detail -f json'), section('storages', 'pvesm status 2>/dev/null || true'), section('cfg', 'cat /etc/pve/storage.cfg 2>/dev/null || true')].join('; ');

/** Storage ids declared in storage.cfg (`rbd: NAME`): the cluster-wide truth, whatever one node's status says. */
export function declaredStorages(cfg: string): string[] {
  return cfg.split('\n').map((l) => /^\s*[a-z]+:\s*(\S+)\s*$/.exec(l)?.[1]).filter((x): x is string => !!x);
}

export function poolActivities(deps: SshDeps) {
  return {
    /** The replicated pool, guarded by `ceph osd pool ls`, then its PVE storage, guarded by storage.cfg. */
    async ensurePool(task: NodeTask, pool: Pool): Promise<PoolResult> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(`${awaitTransientUnit(POOL_UNIT)}; ${POOL_STATE}`, { label: 'ceph osd pool ls detail, storage.cfg', timeoutMs: 10 * 60_000 }));
      const pools = readOutput(remote.target, 'ceph osd pool ls detail -f json', () => parseCephOsdPoolLsJson(s.pools ?? '[]'));
      const existing = pools.pools.find((p) => p.name === pool.name);
      const declared = declaredStorages(s.cfg ?? '');
      const differences: string[] = [];
      let poolStatus: PoolResult['pool'] = 'already';
      if (existing) {
        if (existing.size !== null && existing.size !== pool.size) differences.push(`size is ${existing.size}, inventory says ${pool.size}`);
        if (existing.minSize !== null && existing.minSize !== pool.minSize) differences.push(`min_size is ${existing.minSize}, inventory says ${pool.minSize}`);
        if (existing.autoscaleMode !== null && existing.autoscaleMode !== pool.autoscale) differences.push(`pg_autoscale_mode is ${existing.autoscaleMode}, inventory says ${pool.autoscale}`);
      } else {
        const create = inTransientUnit(POOL_UNIT, [
          'pveceph', 'pool', 'create', pool.name,
          '--size', String(pool.size), '--min_size', String(pool.minSize),
          '--pg_autoscale_mode', pool.autoscale,
          '--add_storages', pool.addStorage && !declared.includes(pool.name) ? '1' : '0',
        ]);
        const r = await remote.run(create, { label: `pveceph pool create ${pool.name}`, timeoutMs: 10 * 60_000 });
        if (r.exitCode !== 0) throw cephFailure(remote.target, `pveceph pool create ${pool.name}`, r);
        poolStatus = 'done';
      }
      const name = pool.name;
      if (!pool.addStorage) return { name, pool: poolStatus, storage: 'not asked', differences };
      if (poolStatus === 'done' && !declared.includes(pool.name)) return { name, pool: poolStatus, storage: 'done', differences };
      if (declared.includes(pool.name)) return { name, pool: poolStatus, storage: 'already', differences };
      // The pool exists (an earlier run was killed between the pool and its storage): add the storage alone.
      const add = cmd('pvesm', 'add', 'rbd', pool.name, '--pool', pool.name, '--content', 'images,rootdir', '--krbd', '0');
      const r = await remote.run(add, { label: `pvesm add rbd ${pool.name}` });
      if (r.exitCode !== 0 && !/already (defined|exists)/i.test(r.stderr)) throw cephFailure(remote.target, `pvesm add rbd ${pool.name}`, r);
      return { name, pool: poolStatus, storage: 'done', differences };
    },

    /** `pvesm status` on one node: the pool's storage must be active everywhere. */
    async storageStatus(task: NodeTask) {
      const remote = Remote.of(task.node, task, deps);
      const out = await remote.check('pvesm status', { label: 'pvesm status' });
      const parsed = readOutput(remote.target, 'pvesm status', () => parsePvesmStatus(out));
      return { node: task.node.name, storages: parsed.storages };
    },
  };
}
