import { ApplicationFailure } from '@temporalio/common';
import { parseCephStatusJson, parseClusterStatusJson, parseHaStatusJson, parsePvecmStatus, parsePveversion } from '../parsers';
import type { CephStatusJson, ClusterStatusJson, HaStatusJson, PvecmStatus } from '../parsers';
import { where } from '../ssh/errors';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { readPart, type Unreadable } from '../ssh/readOutput';
import type { NodeTask } from '../nodes/task';

/** What one node says about the cluster at one instant of its own clock. */
export interface DrillProbe {
  node: string;
  /** The node's clock (epoch ms) when the probe began: every poll-based stage time comes from here. */
  clockMs: number;
  bootId: string;
  kernelPanic: number;
  /** The PVE major version, when pveversion could be read. */
  pveMajor?: number;
  cluster: ClusterStatusJson | Unreadable;
  quorum: PvecmStatus | Unreadable;
  ha: HaStatusJson | Unreadable;
  ceph?: CephStatusJson | Unreadable;
}

function probeCommand(ceph: boolean): string {
  return [
    section('clock', 'date +%s.%N'),
    section('boot', 'cat /proc/sys/kernel/random/boot_id'),
    section('panic', 'cat /proc/sys/kernel/panic'),
    section('pve', 'pveversion 2>&1'),
    section('cluster', 'pvesh get /cluster/status --output-format json 2>&1'),
    section('quorum', 'pvecm status 2>&1'),
    section('ha', 'pvesh get /cluster/ha/status/current --output-format json 2>&1'),
    ...(ceph ? [section('ceph', 'ceph -s -f json --connect-timeout 20 2>&1')] : []),
  ].join('; ');
}

export function probeActivitiesForDrill(deps: SshDeps) {
  return {
    /**
     * One round trip: the node's clock, boot id and kernel.panic, then membership, quorum, HA and
     * (optionally) Ceph as it sees them. Each view is parsed on its own so a half-working node
     * still reports its clock; the clock itself must be readable.
     */
    async drillProbe(task: NodeTask, opts: { ceph: boolean }): Promise<DrillProbe> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections((await remote.run(probeCommand(opts.ceph), { label: 'drill probe', timeoutMs: 45_000 })).stdout);
      const clock = Number(s.clock);
      if (!/^\d+(\.\d+)?$/.test(s.clock ?? '') || !Number.isFinite(clock)) {
        throw ApplicationFailure.retryable(`${where(remote.target)}: output of \`date +%s.%N\` is unreadable: ${JSON.stringify(s.clock ?? '')}`, 'UnreadableOutput');
      }
      const panic = Number(s.panic);
      const pve = readPart(s.pve, parsePveversion);
      return {
        node: task.node.name,
        clockMs: Math.round(clock * 1000),
        bootId: (s.boot ?? '').trim(),
        kernelPanic: Number.isInteger(panic) ? panic : 0,
        ...('major' in pve ? { pveMajor: pve.major } : {}),
        cluster: readPart(s.cluster, parseClusterStatusJson),
        quorum: readPart(s.quorum, parsePvecmStatus),
        ha: readPart(s.ha, parseHaStatusJson),
        ...(opts.ceph ? { ceph: readPart(s.ceph, parseCephStatusJson) } : {}),
      };
    },
  };
}
