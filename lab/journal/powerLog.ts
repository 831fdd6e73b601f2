/**
 * 'crash': the sysrq write took the node down; 'panic-reboot': after kernel.panic seconds it starts
 * booting again; 'watchdog-reset': the watchdog reset it; 'power-on': boot finished and services
 * started; 'power-off': the lab cut its power.
 */
export type PowerEvent = 'crash' | 'power-off' | 'power-on' | 'watchdog-reset' | 'panic-reboot';

export interface PowerLogEntry {
  /** Lab ms. */
  at: number;
  node: string;
  event: PowerEvent;
}

/** What happened to the nodes' power, as an out-of-band console would show it: the drill's ground truth. */
export class PowerLog {
  private readonly list: PowerLogEntry[] = [];

  constructor(private readonly now: () => number) {}

  record(node: string, event: PowerEvent): void {
    this.list.push({ at: this.now(), node, event });
  }

  entries(node?: string): PowerLogEntry[] {
    return this.list.filter((e) => !node || e.node === node);
  }
}
