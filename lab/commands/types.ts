import type { ExecResult, ResolvedCommandContext } from 'just-bash';
import type { LabClock } from '../clock';
import type { LabCluster } from '../cluster';
import type { LabFs } from '../fs/labFs';
import type { PveRelease } from '../pve/releases';
import type { Services } from '../services';

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
