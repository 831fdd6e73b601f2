/** mulberry32: a tiny seeded PRNG, so a seed names one chaos run's plan and delays. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Phases a query never shows as a boundary: before the first step, and after the last. */
const NOT_BOUNDARIES = new Set(['starting', 'done']);

/**
 * Where the K kills go: one at every phase boundary but the last two (a seeded subset when K is
 * smaller), the rest at seeded random points inside activities, each assigned to a phase.
 * A boundary the run crosses unseen (within one poll, or while the worker was down) is owed: that
 * kill lands at once at the next point seen. Random kills not yet spent when a phase ends go on to
 * the next; once the run reaches its last phases, which end within moments, they are owed too.
 */
export class KillPlan {
  private readonly boundary = new Set<string>();
  private readonly random = new Map<string, number>();
  private readonly entered = new Set<string>();
  /** Random kills due in the current phase, with those carried over. */
  due = 0;
  /** Kills to land at once. */
  owed = 0;

  /** `inside`: the phases whose activities the random kills fall into. */
  constructor(
    private readonly phases: string[],
    inside: string[],
    readonly kills: number,
    rand: () => number,
  ) {
    // The last two phases end the run within moments (the drill's final check is a round of probes,
    // its report one file write): after a kill just before them, both pass while the worker restarts,
    // and a kill planned there finds the run gone. Their kills go inside activities instead.
    const boundaries = phases.slice(0, -2);
    if (kills >= boundaries.length) {
      for (const p of boundaries) this.boundary.add(p);
      for (let i = 0; i < kills - boundaries.length; i++) {
        const p = inside[Math.floor(rand() * inside.length)]!;
        this.random.set(p, (this.random.get(p) ?? 0) + 1);
      }
    } else {
      const order = [...boundaries];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const p of order.slice(0, kills)) this.boundary.add(p);
    }
  }

  /** The run entered `phase` (a `workflow/phase` key): whether to kill at this boundary. */
  enter(phase: string): boolean {
    if (this.entered.has(phase) || NOT_BOUNDARIES.has(phase.split('/')[1] ?? '')) return false;
    this.entered.add(phase);
    const at = this.phases.indexOf(phase);
    const tail = at >= 0 && at >= this.phases.length - 2;
    const unseen = this.phases.slice(0, Math.max(at, 0)).filter((p) => !this.entered.has(p));
    // In the tail nothing is left to wait for: what the plan puts later is owed now.
    const later = tail ? this.phases.slice(at + 1).filter((p) => !this.entered.has(p)) : [];
    for (const p of [...unseen, ...later]) {
      this.entered.add(p);
      if (this.boundary.has(p)) this.owed++;
      this.due += this.random.get(p) ?? 0;
    }
    this.due += this.random.get(phase) ?? 0;
    if (tail) {
      this.owed += this.due;
      this.due = 0;
    }
    if (this.boundary.has(phase)) return true;
    // A phase the plan did not foresee is a boundary too, where a kill still owed can land.
    if (at < 0 && this.owed > 0) {
      this.owed--;
      return true;
    }
    return false;
  }
}
