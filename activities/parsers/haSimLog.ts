import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

export const HaSimLog = z.object({
  events: z.array(
    z.object({
      /** Simulated seconds since the start. */
      time: z.number().int(),
      /** info | noti | warn | err | emai (the simulator cuts levels to 4 letters) */
      level: z.string(),
      /** The node for node daemons; absent for the simulator's own actors. */
      node: z.string().optional(),
      /** crm | lrm for node daemons; hardware | cmdlist | watchdog for the simulator. */
      service: z.string(),
      message: z.string(),
    }),
  ),
});
export type HaSimLog = z.infer<typeof HaSimLog>;

/**
 * The HA simulator's log (pve-ha-manager's regression tests, `log.expect`): `LEVEL TIME ID: MESSAGE`
 * with ID `node1/crm` or a simulator actor such as `hardware`. Drill assertions compare against it.
 */
export function parseHaSimLog(text: string): HaSimLog {
  const kind = 'ha-sim-log';
  return result(kind, HaSimLog, {
    events: contentLines(kind, text).map((line) => {
      const m = /^([a-z]+)\s+(\d+)\s+(?:([^\s/]+)\/)?([^\s/:]+):(?: (.*))?$/.exec(line.text.trim());
      if (!m) throw new ParseError(kind, `cannot read ${quote(line.text)} as "LEVEL TIME NODE/SERVICE: MESSAGE"`, line.no);
      return { time: Number(m[2]), level: m[1], ...(m[3] ? { node: m[3] } : {}), service: m[4], message: m[5] ?? '' };
    }),
  });
}
