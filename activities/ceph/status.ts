import { parseCephHealthJson, parseCephOsdDumpJson, parseCephStatusJson, parseMdstat } from '../parsers';
import type { CephCheck, Mdstat } from '../parsers';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { NodeTask } from '../nodes/task';

export interface CephView {
  node: string;
  health: string;
  checks: CephCheck[];
  monQuorum: string[];
  monCount: number;
  osds: { total: number; up: number; in: number };
  pgs: { total: number; states: Record<string, number> };
}

const CEPH_VIEW = [section('status', 'ceph -s -f json'), section('health', 'ceph health detail -f json')].join('; ');

export function cephStatusActivities(deps: SshDeps) {
  return {
    /** `ceph -s` and `ceph health detail` from one node: the convergence probe and the report's source. */
    async cephStatus(task: NodeTask): Promise<CephView> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(CEPH_VIEW, { label: 'ceph -s, ceph health detail', timeoutMs: 60_000 }));
      const status = readOutput(remote.target, 'ceph -s -f json', () => parseCephStatusJson(s.status ?? ''));
      const health = readOutput(remote.target, 'ceph health detail -f json', () => parseCephHealthJson(s.health ?? ''));
      return {
        node: task.node.name,
        health: status.health,
        checks: health.checks,
        monQuorum: status.monQuorum ?? [],
        monCount: status.monCount ?? status.monQuorum?.length ?? 0,
        osds: { total: status.osds.total, up: status.osds.up, in: status.osds.in },
        pgs: status.pgs,
      };
    },

    /** Every OSD's id and whether it is up and in (`ceph osd dump`). */
    async osdStates(task: NodeTask): Promise<{ id: number; up: boolean; in: boolean }[]> {
      const remote = Remote.of(task.node, task, deps);
      const out = await remote.check('ceph osd dump -f json', { label: 'ceph osd dump' });
      return readOutput(remote.target, 'ceph osd dump -f json', () => parseCephOsdDumpJson(out)).osds.map((o) => ({ id: o.id, up: o.up, in: o.in }));
    },

    /** /proc/mdstat of one node, for resync progress and the report. */
    async readMdstat(task: NodeTask): Promise<{ node: string; mdstat: Mdstat }> {
      const remote = Remote.of(task.node, task, deps);
      const out = await remote.check('cat /proc/mdstat', { label: 'cat /proc/mdstat' });
      return { node: task.node.name, mdstat: readOutput(remote.target, 'cat /proc/mdstat', () => parseMdstat(out)) };
    },
  };
}
