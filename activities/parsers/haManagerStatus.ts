import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

/** A CRM master or an LRM, read from its status text `node1 (active, Wed Nov 23 11:07:23 2016)`. */
export const HaDaemon = z.object({
  node: z.string(),
  /**
   * active | idle | old timestamp - dead? | detected time drift! | maintenance mode | wait_for_agent_lock
   * | lost_agent_lock | unable to read lrm status...
   */
  state: z.string(),
  /** The time of the last status update, as printed (the node's local time). */
  time: z.string().optional(),
  /** PVE 9.2 and later: `watchdog active`, `watchdog standby`, `watchdog released`. */
  watchdog: z.string().optional(),
  /** What follows the parentheses, split at " - ": `dynamic load CRS`, `disarmed, resource mode: freeze`. */
  notes: z.array(z.string()).optional(),
});
export type HaDaemon = z.infer<typeof HaDaemon>;

/** PVE 9.2 and later: whether HA fencing is armed. */
export const HaFencing = z.object({
  /** armed | standby | disarming | disarmed */
  armedState: z.string(),
  /** freeze | ignore, while disarmed. */
  resourceMode: z.string().optional(),
  /** `CRM watchdog active`... */
  watchdog: z.string().optional(),
});
export type HaFencing = z.infer<typeof HaFencing>;

export const HaManagerStatus = z.object({
  quorum: z.object({ ok: z.boolean(), text: z.string().optional() }),
  master: HaDaemon.optional(),
  fencing: HaFencing.optional(),
  lrms: z.array(HaDaemon),
  services: z.array(
    z.object({
      /** `vm:100`, `ct:102`. */
      sid: z.string(),
      /** `---` when the CRM has no node for it. */
      node: z.string(),
      /** started | stopped | starting | stopping | fence | recovery | freeze | error | migrate | relocate | queued | ignored... */
      state: z.string(),
    }),
  ),
});
export type HaManagerStatus = z.infer<typeof HaManagerStatus>;

/** `localtime()` in Perl's scalar form: `Wed Nov 23 11:07:23 2016`, single-digit days space-padded. */
const PERL_TIME = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/** Reads `NODE (STATE[, watchdog ...][, TIME])[ - NOTE...]`; undefined when the text has another shape. */
export function readDaemonStatus(text: string): HaDaemon | undefined {
  const m = /^(\S+) \((.*)\)((?: - .*)?)$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m[2]!.split(', ');
  const time = PERL_TIME.test(parts[parts.length - 1] ?? '') ? parts.pop() : undefined;
  const watchdogAt = parts.findIndex((p) => /^(CRM )?watchdog /.test(p));
  const watchdog = watchdogAt >= 0 ? parts.splice(watchdogAt, 1)[0] : undefined;
  const notes = m[3] ? m[3].slice(3).split(' - ') : undefined;
  return { node: m[1]!, state: parts.join(', '), ...(time ? { time } : {}), ...(watchdog ? { watchdog } : {}), ...(notes ? { notes } : {}) };
}

/** Reads a service's status text `vm:100 (node1, started)`. */
export function readServiceStatus(text: string): { sid: string; node: string; state: string } | undefined {
  const m = /^(\S+) \(([^,]+), (.+)\)$/.exec(text.trim());
  return m ? { sid: m[1]!, node: m[2]!, state: m[3]! } : undefined;
}

/** Reads the fencing status text `armed (CRM watchdog active)` or `disarmed, resource mode: freeze (CRM watchdog released)`. */
export function readFencingStatus(text: string): HaFencing | undefined {
  const m = /^([a-z]+)(?:, resource mode: (\S+))?(?: \((.*)\))?$/.exec(text.trim());
  return m ? { armedState: m[1]!, ...(m[2] ? { resourceMode: m[2] } : {}), ...(m[3] ? { watchdog: m[3] } : {}) } : undefined;
}

/**
 * `ha-manager status`: one `TYPE STATUS` line per entry of /cluster/ha/status/current (PVE 5 to 9,
 * with PVE 9.2's fencing line and watchdog fields). With --verbose, the JSON dump after "full
 * cluster state:" is not read.
 */
export function parseHaManagerStatus(text: string): HaManagerStatus {
  const kind = 'ha-manager-status';
  let quorum: HaManagerStatus['quorum'] | undefined;
  let master: HaDaemon | undefined;
  let fencing: HaFencing | undefined;
  const lrms: HaDaemon[] = [];
  const services: HaManagerStatus['services'] = [];
  for (const line of contentLines(kind, text)) {
    const s = line.text.trim();
    if (s === 'full cluster state:') break;
    const m = /^(quorum|master|lrm|service|fencing) (.+)$/.exec(s);
    const bad = (what: string) => new ParseError(kind, `cannot read ${quote(s)}${what}`, line.no);
    if (!m) throw bad(': expected a quorum, master, lrm, service or fencing line');
    const type = m[1]!;
    const status = m[2]!;
    if (type === 'quorum') {
      quorum = status === 'OK' ? { ok: true } : { ok: false, text: status };
    } else if (type === 'master' || type === 'lrm') {
      const d = readDaemonStatus(status);
      if (!d) throw bad(` as "${type} NODE (STATE, TIME)"`);
      if (type === 'master') master = d;
      else lrms.push(d);
    } else if (type === 'fencing') {
      fencing = readFencingStatus(status);
      if (!fencing) throw bad(' as "fencing STATE (WATCHDOG)"');
    } else {
      const svc = readServiceStatus(status);
      if (!svc) throw bad(' as "service SID (NODE, STATE)"');
      services.push(svc);
    }
  }
  if (!quorum) throw new ParseError(kind, 'no "quorum" line: ha-manager status always prints one first');
  return result(kind, HaManagerStatus, { quorum, master, fencing, lrms, services });
}
