import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { HaDaemon, HaFencing, readDaemonStatus, readFencingStatus, readServiceStatus } from './haManagerStatus';
import { check, jsonError, jsonFlag, jsonInt, readJsonDoc } from './json';

const Daemon = HaDaemon.extend({
  /** Unix time of the last status update. */
  timestamp: z.number().int().optional(),
});

export const HaStatusJson = z.object({
  quorate: z.boolean(),
  /** The quorum entry's text when not quorate: `No quorum on node 'pve1'!`. */
  quorumText: z.string().optional(),
  master: Daemon.optional(),
  fencing: HaFencing.optional(),
  lrms: z.array(Daemon),
  services: z.array(
    z.object({
      sid: z.string(),
      /** `---` when the CRM has no node for it. */
      node: z.string(),
      /** The verbose state ha-manager shows: started, starting, stopping, fence, recovery, queued... */
      state: z.string(),
      /** The CRM's own state machine state. */
      crmState: z.string().optional(),
      /** The requested state from the resource config: started | stopped | disabled | ignored. */
      requestState: z.string().optional(),
      group: z.string().optional(),
      maxRestart: z.number().int().optional(),
      maxRelocate: z.number().int().optional(),
      failback: z.boolean().optional(),
      comment: z.string().optional(),
    }),
  ),
});
export type HaStatusJson = z.infer<typeof HaStatusJson>;

const Entry = z.looseObject({ type: z.string(), status: z.string() });
const Quorum = z.object({ quorate: jsonFlag, status: z.string() });
const DaemonIn = z.object({ node: z.string(), status: z.string(), timestamp: jsonInt.optional() });
const FencingIn = z.object({ status: z.string(), 'armed-state': z.string().optional(), resource_mode: z.string().optional() });
const Service = z.object({
  sid: z.string(),
  node: z.string().optional(),
  state: z.string(),
  status: z.string(),
  crm_state: z.string().optional(),
  request_state: z.string().optional(),
  group: z.string().optional(),
  max_restart: jsonInt.optional(),
  max_relocate: jsonInt.optional(),
  failback: jsonFlag.optional(),
  comment: z.string().optional(),
});

/**
 * `pvesh get /cluster/ha/status/current --output-format json` (also the API's `{"data": [...]}`):
 * entries of type quorum, master, lrm, service and (PVE 9.2+) fencing. Master and LRM states come
 * from their status text, as in `ha-manager status`. Entries of unknown types are left out.
 */
export function parseHaStatusJson(text: string): HaStatusJson {
  const kind = 'ha-status-json';
  const doc = readJsonDoc(kind, text, true);
  const entries = check(kind, doc, z.array(Entry));
  let quorum: z.infer<typeof Quorum> | undefined;
  const out: Omit<HaStatusJson, 'quorate'> = { lrms: [], services: [] };
  entries.forEach((e, i) => {
    const unreadable = (what: string) => jsonError(kind, doc, [i, 'status'], `cannot read ${JSON.stringify(e.status)} as ${what}`);
    if (e.type === 'quorum') {
      quorum = check(kind, doc, Quorum, e, [i]);
    } else if (e.type === 'master' || e.type === 'lrm') {
      const d = check(kind, doc, DaemonIn, e, [i]);
      const parsed = readDaemonStatus(d.status);
      if (!parsed) throw unreadable('"NODE (STATE, TIME)"');
      const daemon = { ...parsed, node: d.node, ...(d.timestamp !== undefined ? { timestamp: d.timestamp } : {}) };
      if (e.type === 'master') out.master = daemon;
      else out.lrms.push(daemon);
    } else if (e.type === 'fencing') {
      const f = check(kind, doc, FencingIn, e, [i]);
      const parsed = readFencingStatus(f.status);
      if (!parsed) throw unreadable('"STATE (WATCHDOG)"');
      out.fencing = { ...parsed, ...(f['armed-state'] ? { armedState: f['armed-state'] } : {}), ...(f.resource_mode ? { resourceMode: f.resource_mode } : {}) };
    } else if (e.type === 'service') {
      const s = check(kind, doc, Service, e, [i]);
      out.services.push({
        sid: s.sid,
        node: s.node ?? readServiceStatus(s.status)?.node ?? '---',
        state: s.state,
        crmState: s.crm_state,
        requestState: s.request_state,
        group: s.group,
        maxRestart: s.max_restart,
        maxRelocate: s.max_relocate,
        failback: s.failback,
        comment: s.comment,
      });
    }
  });
  if (!quorum) throw new ParseError(kind, 'no quorum entry: the endpoint always returns one first');
  return result(kind, HaStatusJson, { quorate: quorum.quorate, ...(quorum.quorate ? {} : { quorumText: quorum.status }), ...out });
}
