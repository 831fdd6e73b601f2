import type { LabFs } from '../fs/labFs';

/** A running QEMU process. */
export interface VmProcess {
  vmid: number;
  pid: number;
  /** Lab ms it started. */
  startedAt: number;
}

/**
 * The QEMU processes of one node. A process lives until it is stopped or the node loses power:
 * one started before the node's last boot is gone, whatever the table says.
 */
export class NodeVms {
  private readonly procs = new Map<number, VmProcess>();
  private nextPid: number;

  constructor(
    private readonly now: () => number,
    private readonly alive: () => { powered: boolean; bootedAt: number },
    seed: number,
  ) {
    this.nextPid = 2000 + ((seed * 7919) % 5000);
  }

  running(vmid: number): VmProcess | undefined {
    const p = this.procs.get(vmid);
    const host = this.alive();
    if (!p || !host.powered || p.startedAt < host.bootedAt) return undefined;
    return p;
  }

  start(vmid: number): VmProcess {
    const p = { vmid, pid: (this.nextPid += 97), startedAt: this.now() };
    this.procs.set(vmid, p);
    return p;
  }

  stop(vmid: number): void {
    this.procs.delete(vmid);
  }
}

export interface GuestLocation {
  vmid: number;
  node: string;
  type: 'qemu' | 'lxc';
}

/** pmxcfs's vmlist as a node sees it: every guest config under /etc/pve/nodes. */
export async function guestLocations(fs: LabFs): Promise<GuestLocation[]> {
  const out: GuestLocation[] = [];
  for (const node of await fs.readdir('/etc/pve/nodes').catch(() => [] as string[])) {
    for (const [dir, type] of [['qemu-server', 'qemu'], ['lxc', 'lxc']] as const) {
      for (const file of await fs.readdir(`/etc/pve/nodes/${node}/${dir}`).catch(() => [] as string[])) {
        const m = /^(\d+)\.conf$/.exec(file);
        if (m) out.push({ vmid: Number(m[1]), node, type });
      }
    }
  }
  return out.sort((a, b) => a.vmid - b.vmid);
}
