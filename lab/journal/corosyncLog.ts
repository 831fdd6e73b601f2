/** corosync's syslog layout: two spaces, the subsystem padded to six in brackets, the text. */
export function corosyncLine(subsys: 'MAIN' | 'TOTEM' | 'QUORUM' | 'KNET' | 'SERV', text: string): string {
  return `  [${subsys.padEnd(6)}] ${text}`;
}

const ids = (list: number[]) => list.join(' ');

/** What corosync 3 prints while it starts (before its first membership). */
export function corosyncStartLines(version: string): string[] {
  return [
    corosyncLine('MAIN', `Corosync Cluster Engine ${version} starting up`),
    corosyncLine('MAIN', 'Corosync built-in features: dbus monitoring watchdog systemd xmlconf vqsim nozzle snmp pie relro bindnow'),
    corosyncLine('TOTEM', 'Initializing transport (Kronosnet).'),
    corosyncLine('TOTEM', 'totemknet initialized'),
    corosyncLine('QUORUM', 'Using quorum provider corosync_votequorum'),
    corosyncLine('SERV', 'Service engine loaded: corosync vote quorum service v1.0 [5]'),
  ];
}

/** A clean stop (SIGTERM from systemctl). */
export function corosyncStopLines(): string[] {
  return [
    corosyncLine('MAIN', 'Node was shut down by a signal'),
    corosyncLine('SERV', 'Unloading all Corosync service engines.'),
    corosyncLine('MAIN', 'Corosync Cluster Engine exiting normally'),
  ];
}

/** knet noticing a peer's link go quiet (half the token timeout in), then totem giving up on the token. */
export function peerLostLines(nodeid: number): string[] {
  return [
    corosyncLine('KNET', `link: host: ${nodeid} link: 0 is down`),
    corosyncLine('KNET', `host: host: ${nodeid} (passive) best link: 0 (pri: 1)`),
    corosyncLine('KNET', `host: host: ${nodeid} has no active links`),
  ];
}

export function tokenLostLines(tokenMs: number): string[] {
  return [
    corosyncLine('TOTEM', `Token has not been received in ${Math.round(tokenMs * 0.75)} ms`),
    corosyncLine('TOTEM', `A processor failed, forming new configuration: token timed out (${tokenMs}ms), waiting ${Math.round(tokenMs * 1.2)}ms for consensus.`),
  ];
}

export function peerUpLines(nodeid: number): string[] {
  return [corosyncLine('KNET', `rx: host: ${nodeid} link: 0 is up`), corosyncLine('KNET', `host: host: ${nodeid} (passive) best link: 0 (pri: 1)`)];
}

export interface MembershipChange {
  /** `<lowest nodeid hex>.<ring seq hex>`. */
  ringId: string;
  members: number[];
  joined: number[];
  left: number[];
  /** Of `left`, those gone without a leave message (crashed, powered off, cut off). */
  failed: number[];
  /** votequorum's verdict before and after; a change is announced. */
  quorateBefore: boolean;
  quorate: boolean;
}

/** corosync 3 (totemsrp and votequorum) forming a new membership. */
export function membershipLines(c: MembershipChange): string[] {
  const out = [corosyncLine('QUORUM', `Sync members[${c.members.length}]: ${ids(c.members)}`)];
  if (c.joined.length) out.push(corosyncLine('QUORUM', `Sync joined[${c.joined.length}]: ${ids(c.joined)}`));
  if (c.left.length) out.push(corosyncLine('QUORUM', `Sync left[${c.left.length}]: ${ids(c.left)}`));
  const joined = c.joined.length ? ` joined: ${ids(c.joined)}` : '';
  const left = c.left.length ? ` left: ${ids(c.left)}` : '';
  out.push(corosyncLine('TOTEM', `A new membership (${c.ringId}) was formed. Members${joined}${left}`));
  if (c.failed.length) out.push(corosyncLine('TOTEM', `Failed to receive the leave message. failed: ${ids(c.failed)}`));
  if (c.quorate !== c.quorateBefore)
    out.push(
      corosyncLine(
        'QUORUM',
        c.quorate ? 'This node is within the primary component and will provide service.' : 'This node is within the non-primary component and will NOT provide service.',
      ),
    );
  out.push(corosyncLine('QUORUM', `Members[${c.members.length}]: ${ids(c.members)}`));
  out.push(corosyncLine('MAIN', 'Completed service synchronization, ready to provide service.'));
  return out;
}

export function pmxcfsQuorumLine(quorate: boolean): string {
  return quorate ? '[status] notice: node has quorum' : '[status] notice: node lost quorum';
}

/** votequorum's verdict changing within the same membership (expected votes changed). */
export function quorumFlipLines(quorate: boolean, members: number[]): string[] {
  return [
    corosyncLine('QUORUM', quorate ? 'This node is within the primary component and will provide service.' : 'This node is within the non-primary component and will NOT provide service.'),
    corosyncLine('QUORUM', `Members[${members.length}]: ${ids(members)}`),
  ];
}

/** pmxcfs's two CPG groups (dcdb, status) resyncing after a membership change; members as `nodeid/pid`. */
export function pmxcfsSyncLines(members: { nodeid: number; pid: number }[]): string[] {
  const list = members.map((m) => `${m.nodeid}/${m.pid}`).join(', ');
  const leader = members[0];
  const out = [`[dcdb] notice: members: ${list}`, '[dcdb] notice: starting data syncronisation', `[status] notice: members: ${list}`, '[status] notice: starting data syncronisation', '[dcdb] notice: received all states'];
  if (leader) out.push(`[dcdb] notice: leader is ${leader.nodeid}/${leader.pid}`, `[dcdb] notice: synced members: ${list}`);
  out.push('[dcdb] notice: all data is up to date', '[status] notice: received all states', '[status] notice: all data is up to date');
  return out;
}

export interface TimedLine {
  at: number;
  ident: 'corosync' | 'pmxcfs';
  message: string;
  priority: number;
}

/** How a ring member's corosync ran, as far as the others can tell. */
export interface PeerRun {
  startedAt: number;
  running: boolean;
  /** Lab ms it stopped or lost power. */
  lostAt?: number;
  /** It announced its leave (a clean stop) rather than vanishing. */
  graceful: boolean;
}

export interface RingChange {
  now: number;
  ringId: string;
  self: number;
  before: number[];
  after: number[];
  peers: Map<number, PeerRun>;
  /** The effective token timeout (token + 650 ms per node past two) and the time to join a ring. */
  tokenMs: number;
  joinMs: number;
  quorateBefore: boolean;
  quorate: boolean;
  /** The members whose pmxcfs runs in cluster mode, when this node's does. */
  pmxcfs?: { nodeid: number; pid: number }[];
}

/**
 * What a node's corosync (and pmxcfs) log when its ring changes, each line at the lab time it
 * happened: a crashed peer's link goes down half a token in, the token is given up at the token
 * timeout, the new membership forms after consensus; a clean leave or a join forms it at once.
 */
export function ringChangeLog(c: RingChange): TimedLine[] {
  const out: TimedLine[] = [];
  const corosync = (at: number, message: string) => out.push({ at, ident: 'corosync', message, priority: 5 });
  const joined = c.after.filter((id) => !c.before.includes(id));
  const left = c.before.filter((id) => !c.after.includes(id));
  const failed: number[] = [];
  const times: number[] = [];
  for (const id of left) {
    const peer = c.peers.get(id);
    const lost = peer && !peer.running ? peer.lostAt : undefined;
    if (lost === undefined) times.push(c.now);
    else if (peer?.graceful) times.push(lost);
    else {
      failed.push(id);
      times.push(Math.min(c.now, lost + c.tokenMs * 2.2));
      for (const line of peerLostLines(id)) corosync(Math.min(c.now, lost + c.tokenMs / 2), line);
    }
  }
  const lostAt = failed.map((id) => c.peers.get(id)?.lostAt ?? c.now);
  if (lostAt.length) for (const line of tokenLostLines(c.tokenMs)) corosync(Math.min(c.now, Math.max(...lostAt) + c.tokenMs), line);
  for (const id of joined) {
    const peer = c.peers.get(id);
    const self = c.peers.get(c.self);
    if (id === c.self || !peer) {
      times.push(self?.startedAt ?? c.now);
      continue;
    }
    const at = Math.min(c.now, Math.max(peer.startedAt, self?.startedAt ?? 0) + c.joinMs);
    times.push(at);
    for (const line of peerUpLines(id)) corosync(at, line);
  }
  const at = Math.min(c.now, Math.max(...times));
  for (const line of membershipLines({ ringId: c.ringId, members: c.after, joined, left, failed, quorateBefore: c.quorateBefore, quorate: c.quorate })) corosync(at, line);
  if (!c.pmxcfs) return out;
  const pmxcfs = [...(c.quorate !== c.quorateBefore ? [pmxcfsQuorumLine(c.quorate)] : []), ...pmxcfsSyncLines(c.pmxcfs)];
  for (const line of pmxcfs) out.push({ at, ident: 'pmxcfs', message: line, priority: 5 });
  return out;
}
