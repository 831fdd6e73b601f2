import type { HaLogLevel } from './haConfig';

/** online, unknown (not in the quorate partition), fence (to be fenced), gone (left the nodelist). */
export type NodeState = 'online' | 'unknown' | 'fence' | 'gone';

/** A node missing from the membership this long (lab ms) gets its services fenced (NodeStatus's $fence_delay). */
export const FENCE_DELAY_MS = 60_000;
/** A node gone from the nodelist this long is forgotten. */
const GONE_DELETE_MS = 3_600_000;

/**
 * PVE::HA::NodeStatus: the master's view of every node, from the corosync membership of its
 * quorate partition. When each node was last seen online lives only in this master's memory,
 * so a new master starts the fence delay afresh.
 */
export class NodeStatus {
  private readonly lastOnline = new Map<string, number>();

  constructor(
    readonly status: Record<string, string>,
    private readonly log: (level: HaLogLevel, msg: string) => void,
  ) {}

  state(node: string): string {
    return this.status[node] ?? 'unknown';
  }

  isOnline(node: string): boolean {
    return this.state(node) === 'online';
  }

  onlineNodes(): string[] {
    return Object.keys(this.status)
      .filter((n) => this.status[n] === 'online')
      .sort();
  }

  set(node: string, state: NodeState): void {
    const last = this.state(node);
    if (state === last) return;
    this.status[node] = state;
    this.log('info', `node '${node}': state changed from '${last}' => '${state}'`);
  }

  /** Whether the node has been away at least `delayMs` (the first ask for a node never seen starts the count). */
  offlineDelayed(node: string, now: number, delayMs: number): boolean {
    if (this.isOnline(node)) return false;
    const last = this.lastOnline.get(node);
    if (last === undefined) {
      this.lastOnline.set(node, now);
      return false;
    }
    return now - last >= delayMs;
  }

  update(nodes: { name: string; online: boolean }[], now: number): void {
    const info = new Map(nodes.map((n) => [n.name, n.online]));
    for (const name of [...info.keys()].sort()) {
      if (!info.get(name)) continue;
      this.lastOnline.set(name, now);
      const state = this.state(name);
      // A node to fence stays so until the master holds its agent lock, even if it is back.
      if (state === 'unknown' || state === 'gone') this.set(name, 'online');
    }
    for (const name of Object.keys(this.status).sort()) {
      if (info.get(name)) continue;
      const state = this.state(name);
      if (state === 'online') this.set(name, 'unknown');
      else if (state === 'unknown' && !info.has(name)) this.set(name, 'gone');
      else if (state === 'gone' && this.offlineDelayed(name, now, GONE_DELETE_MS)) {
        this.lastOnline.delete(name);
        delete this.status[name];
        this.log('notice', `deleting gone node '${name}', not a cluster member anymore.`);
      }
    }
  }
}
