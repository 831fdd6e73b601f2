import type { IFileSystem } from 'just-bash';
import type { LabClock } from './clock';
import { standaloneEtcPve, type PmxcfsNode } from './pve/pmxcfs';

/**
 * The cluster the lab's nodes can form, and the owner of every /etc/pve. While a node is
 * standalone its pmxcfs serves a database of its own; members of a cluster will share one.
 */
export class LabCluster {
  private readonly databases = new Map<string, IFileSystem>();

  constructor(
    /** The name the demo inventory gives the cluster (pvecm create NAME). */
    readonly name: string,
    private readonly clock: LabClock,
  ) {}

  /** The /etc/pve the node mounts. */
  async etcPve(node: PmxcfsNode): Promise<IFileSystem> {
    let database = this.databases.get(node.name);
    if (!database) {
      database = await standaloneEtcPve(node, this.clock.date());
      this.databases.set(node.name, database);
    }
    return database;
  }
}
