import type { ExecResult, ResolvedCommandContext } from 'just-bash';
import type { LabClock } from '../clock';
import type { LabCluster } from '../cluster';
import type { LabFs } from '../fs/labFs';
import type { PveRelease } from '../pve/releases';
import type { Services } from '../services';
import type { NodeStorage } from '../storage/nodeStorage';
import type { CephCluster } from '../ceph/cluster';
import type { NodeVms } from '../ha/vmRuntime';
import type { NodeNetwork } from '../net/nodeNetwork';

/** What a command may know about the node it runs on. */
export interface NodeContext {
  readonly name: string;
  readonly fqdn: string;
  readonly address: string;
  readonly release: PveRelease;
  readonly clock: LabClock;
  readonly fs: LabFs;
  readonly services: Services;
  /** The lab's cluster model: corosync, pmxcfs, the other nodes. */
  readonly cluster: LabCluster;
  /** The node's disks, md arrays and LVM. */
  readonly storage: NodeStorage;
  /** The lab's Ceph cluster (one per lab): its monitors' state and the daemons on every node. */
  readonly ceph: CephCluster;
  /** The node's network devices (what `ip` shows and changes) and its cabling to the lab's switches. */
  readonly net: NodeNetwork;
  /** The node's running QEMU processes. */
  readonly vms: NodeVms;
  /** Lab ms when the node last powered on. */
  readonly bootedAt: number;
  /** Resolves once sshd has opened or closed its port after the ssh unit changed. */
  sshdSettled(): Promise<void>;
}

/** A command of a simulated node, implemented in TypeScript over the node's model. */
export interface LabCommand {
  name: string;
  /** Directory the command is installed in on a real node. */
  dir: '/usr/bin' | '/usr/sbin';
  run(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult>;
}

export function ok(stdout = ''): ExecResult {
  return { stdout, stderr: '', exitCode: 0 };
}

export function fail(stderr: string, exitCode = 1, stdout = ''): ExecResult {
  return { stdout, stderr, exitCode };
}
