import type { CommandLogEntry, Lab } from '../../lab/lab';

/** A kill as the twin's clock saw it. */
export interface KillMark {
  n: number;
  labAt: number;
}

export interface ExactlyOnceCheck {
  what: string;
  ok: boolean;
  /** Runs that exited 0. */
  completed: number;
  /** Runs that ended without success while a kill took their session away: started, never completed. */
  cut: { kill: number; exitCode: number | null }[];
  /** Runs that failed with no kill to explain it. */
  failed: { exitCode: number | null }[];
  detail: string;
}

/**
 * Classifies every run of one destructive program on one node (or cluster-wide). Exactly once
 * means one completed run; a run the kill cut short is allowed next to it (and said so), since
 * the controller cannot finish what died with its session. Two completed runs, or a failure no
 * kill explains, fail the check.
 */
export function exactlyOnce(lab: Lab, what: string, program: RegExp, kills: KillMark[], node?: string): ExactlyOnceCheck {
  // A killed worker's session closes at once: a run the kill cut started before it and ended within moments after it.
  const soon = 2_000 * lab.clock.scale;
  const jitter = 200 * lab.clock.scale;
  const runs = lab.log
    .entries(node ? { node } : {})
    .filter((e) => e.via === 'program' && program.test(e.command))
    .sort((a, b) => a.at - b.at);
  const killOf = (e: CommandLogEntry) => kills.find((k) => e.at <= k.labAt && e.at + e.durationMs >= k.labAt - jitter && e.at + e.durationMs <= k.labAt + soon);
  const cut: ExactlyOnceCheck['cut'] = [];
  const failed: ExactlyOnceCheck['failed'] = [];
  const story = runs.map((e, i) => {
    if (e.exitCode === 0) return `run ${i + 1} completed`;
    const k = killOf(e);
    if (k) {
      cut.push({ kill: k.n, exitCode: e.exitCode });
      return `run ${i + 1} cut by kill #${k.n} (${e.exitCode === null ? 'no exit status' : `exit ${e.exitCode}`}), never completed`;
    }
    failed.push({ exitCode: e.exitCode });
    return `run ${i + 1} failed with exit ${e.exitCode ?? 'none'}, no kill to explain it`;
  });
  const completed = runs.filter((e) => e.exitCode === 0).length;
  const ok = completed === 1 && failed.length === 0;
  const parts = runs.length === 0 ? ['never run'] : [...story, ...(completed === 1 ? [] : [`completed ${completed} times`])];
  return { what, ok, completed, cut, failed, detail: parts.join('; ') };
}

/** The sysrq crash of the drill: one crash of the victim in the twin's power log and one sysrq write in its SSH log. */
export function oneCrash(lab: Lab, victim: string, sinceLab: number): ExactlyOnceCheck[] {
  const crashes = lab.powerLog().filter((p) => p.node === victim && p.event === 'crash' && p.at >= sinceLab).length;
  const writes = lab.log.entries({ node: victim, via: 'ssh', since: sinceLab }).filter((e) => /sysrq-trigger/.test(e.command)).length;
  const check = (what: string, n: number): ExactlyOnceCheck => ({ what, ok: n === 1, completed: n, cut: [], failed: [], detail: n === 1 ? 'once' : `${n} times` });
  return [check(`crash of ${victim} (power log)`, crashes), check(`sysrq-trigger write on ${victim} (ssh log)`, writes)];
}
