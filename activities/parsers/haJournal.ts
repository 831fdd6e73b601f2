import type { JournalEntry } from './journal';

/** Where an event was logged: the journal entry's time, node, daemon and input line. */
export interface HaEventSource {
  at: number;
  host: string;
  ident: string;
  line: number;
}

export type HaEvent = HaEventSource &
  (
    | { kind: 'node-state'; node: string; from: string; to: string }
    | { kind: 'service-state'; sid: string; from: string; to: string; node?: string }
    | { kind: 'fence-try'; node: string }
    | { kind: 'fence-ack'; node: string }
    | { kind: 'recover'; sid: string; from: string; to: string }
    | { kind: 'lrm-started'; sid: string }
    | { kind: 'membership-joined'; nodeids: number[]; ringId: string }
    | { kind: 'membership-left'; nodeids: number[]; ringId: string }
    | { kind: 'quorum-members'; nodeids: number[] }
  );

// The message texts, as pve-ha-manager (src/PVE/HA/NodeStatus.pm, Manager.pm, LRM.pm) and corosync
// (exec/totemsrp.c, exec/vsf_quorum.c) write them.
const NODE_STATE = /^node '([^']+)': state changed from '([^']*)' => '([^']*)'$/;
/** Manager.pm appends the changed parameters, sorted: `  (node = pve2)`, `  (node = pve1, target = pve2)`. */
const SERVICE_STATE = /^service '([^']+)': state changed from '([^']*)' to '([^']*)'(?:\s+\((.*)\))?$/;
/**
 * Only the subject of the fence notification: the real journal never carries it (the simulator logs
 * its mails), so on a node the fence starts with the node's state changing to 'fence'.
 */
const FENCE_TRY = /^FENCE: Try to fence node '([^']+)'$/;
/** The log line, or the notification subject SUCCEED: with it; ha-manager before 2.0 spelt acknowleged / SUCEED. */
const FENCE_ACK = /^(?:SUC+EED: )?fencing: acknowle(?:d)?ged - got agent lock for node '([^']+)'$/;
const RECOVER = /^recover service '([^']+)' from fenced node '([^']+)' to node '([^']+)'$/;
/** The recovery node chosen is the fenced node itself (it came back in time): Manager.pm says so differently. */
const RECOVER_SAME = /^recover service '([^']+)' to previous failed and fenced node '([^']+)' again$/;
const LRM_STARTED = /^service status (\S+) started$/;
/** corosync 3 prints the ring id as `1.1b0`, corosync 2 as `10.0.0.13:120996`; `joined:` precedes `left:`. */
const MEMBERSHIP = /^A new membership \(([^)]*)\) was formed\. Members(?: joined:((?: \d+)+))?(?: left:((?: \d+)+))?$/;
/** vsf_quorum.c splits a long member list over several lines, each but the last ending in `\`. */
const QUORUM_MEMBERS = /^Members\[(\d+)\]:((?: \d+)*)(\\?)$/;
/** corosync's subsystem tag before its messages: `[TOTEM ]`, `[QUORUM]`, `[KNET  ]`. */
const SUBSYSTEM = /^\[[A-Z0-9_ ]+\] ?/;

const ids = (list: string) => list.trim().split(/\s+/).map(Number);

/**
 * The HA stack's and corosync's own account of a node loss, from their journal entries: node and
 * service state changes, fencing, recovery, the LRM starting the service, corosync memberships and
 * the quorum's member list, in journal order. Entries it does not recognise are left out.
 *
 * A fence acknowledgement logged and also mailed (the simulator logs both) is one `fence-ack`.
 */
export function haEvents(entries: readonly JournalEntry[]): HaEvent[] {
  const events: HaEvent[] = [];
  const acked = new Set<string>();
  const pendingMembers = new Map<string, { source: HaEventSource; nodeids: number[] }>();

  for (const entry of entries) {
    const source: HaEventSource = { at: entry.at, host: entry.host, ident: entry.ident, line: entry.line };
    const text = entry.message.trim().replace(SUBSYSTEM, '');
    let m: RegExpExecArray | null;

    if ((m = NODE_STATE.exec(text))) {
      const [, node, from, to] = m;
      if (to === 'fence') acked.delete(node!);
      events.push({ ...source, kind: 'node-state', node: node!, from: from!, to: to! });
    } else if ((m = SERVICE_STATE.exec(text))) {
      const [, sid, from, to, params] = m;
      const node = params === undefined ? undefined : /(?:^|, )node = ([^,]+)/.exec(params)?.[1];
      events.push({ ...source, kind: 'service-state', sid: sid!, from: from!, to: to!, ...(node === undefined ? {} : { node }) });
    } else if ((m = FENCE_TRY.exec(text))) {
      acked.delete(m[1]!);
      events.push({ ...source, kind: 'fence-try', node: m[1]! });
    } else if ((m = FENCE_ACK.exec(text))) {
      if (acked.has(m[1]!)) continue;
      acked.add(m[1]!);
      events.push({ ...source, kind: 'fence-ack', node: m[1]! });
    } else if ((m = RECOVER.exec(text))) {
      events.push({ ...source, kind: 'recover', sid: m[1]!, from: m[2]!, to: m[3]! });
    } else if ((m = RECOVER_SAME.exec(text))) {
      events.push({ ...source, kind: 'recover', sid: m[1]!, from: m[2]!, to: m[2]! });
    } else if ((m = LRM_STARTED.exec(text))) {
      events.push({ ...source, kind: 'lrm-started', sid: m[1]! });
    } else if ((m = MEMBERSHIP.exec(text))) {
      const [, ringId, joined, left] = m;
      if (joined) events.push({ ...source, kind: 'membership-joined', nodeids: ids(joined), ringId: ringId! });
      if (left) events.push({ ...source, kind: 'membership-left', nodeids: ids(left), ringId: ringId! });
    } else if ((m = QUORUM_MEMBERS.exec(text))) {
      const key = `${entry.host}\0${entry.ident}`;
      const before = pendingMembers.get(key);
      const part = { source: before?.source ?? source, nodeids: [...(before?.nodeids ?? []), ...(m[2] ? ids(m[2]) : [])] };
      if (m[3]) {
        pendingMembers.set(key, part);
      } else {
        pendingMembers.delete(key);
        events.push({ ...part.source, kind: 'quorum-members', nodeids: part.nodeids });
      }
    }
  }
  // A list whose last line is missing (the output was cut): what was read of it.
  for (const part of pendingMembers.values()) events.push({ ...part.source, kind: 'quorum-members', nodeids: part.nodeids });
  return events;
}
