import { parseCorosyncConf, renderCorosyncConf, type CorosyncConf } from '../../activities/parsers/corosyncConf';
import { ParseError } from '../../activities/parsers/errors';
import { strftime } from '../commands/strftime';

export type { CorosyncConf };

export const COROSYNC_CONF = '/etc/corosync/corosync.conf';
export const AUTHKEY = '/etc/corosync/authkey';
export const CLUSTER_CONF = '/etc/pve/corosync.conf';

/** corosync.conf, or the reason corosync (and pmxcfs) would refuse it. */
export function readConf(text: string): CorosyncConf | ParseError {
  try {
    return parseCorosyncConf(text);
  } catch (err) {
    if (err instanceof ParseError) return err;
    throw err;
  }
}

export interface Link {
  address: string;
  priority?: number;
}

/** PVE::Corosync::create_conf followed by atomic_write_conf (which takes config_version from 0 to 1). */
export function createConf(clusterName: string, nodeName: string, nodeid: number, votes: number, links: Map<number, Link>): string {
  const interfaces = [...links.entries()].map(([n, l]) => ({ linknumber: String(n), ...(l.priority ? { knet_link_priority: String(l.priority) } : {}) }));
  return renderCorosyncConf({
    clusterName,
    configVersion: 1,
    nodes: [{ name: nodeName, nodeid, votes, links: Object.fromEntries([...links.entries()].map(([n, l]) => [String(n), l.address])) }],
    totem: { version: '2', secauth: 'on', ip_version: 'ipv4-6', link_mode: 'passive', interface: interfaces },
    quorum: { provider: 'corosync_votequorum' },
    logging: { debug: 'off', to_syslog: 'yes' },
  });
}

/** The nodelist changed (PVE::Corosync::update_nodelist): written with config_version + 1. */
export function withNodes(conf: CorosyncConf, nodes: CorosyncConf['nodes']): string {
  return renderCorosyncConf({ ...conf, configVersion: conf.configVersion + 1, nodes });
}

export interface MemberInfo {
  nodeid: number;
  name: string;
  votes: number;
  /** ring0_addr. */
  address: string;
}

/** One running corosync's view: its ring and votequorum's numbers. */
export interface CorosyncView {
  nodeid: number;
  clusterName: string;
  /** Totem config_version of the configuration corosync runs with. */
  configVersion: number;
  /** The local node's link 0 address. */
  linkAddress: string;
  /** Every node of the running configuration's nodelist. */
  nodelist: MemberInfo[];
  /** The current ring (this node included), by node id. */
  members: MemberInfo[];
  ringId: string;
  quorate: boolean;
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
}

const pad10 = (s: string | number) => `${String(s).padStart(10)} `;

/** corosync-quorumtool's membership table (display_nodes_data). */
function membership(view: CorosyncView, hex: boolean, ip: boolean): string {
  let out = '\nMembership information\n----------------------\n';
  out += `${pad10('Nodeid')}${pad10('Votes')}Name\n`;
  for (const m of view.members) {
    const id = hex ? `0x${m.nodeid.toString(16).padStart(8, '0')} ` : pad10(m.nodeid);
    out += `${id}${pad10(m.votes)}${ip ? m.address : m.name}${m.nodeid === view.nodeid ? ' (local)' : ''}\n`;
  }
  return out;
}

/** `corosync-quorumtool -s [-H] [-i]` (corosync 3.1, votequorum). */
export function quorumtoolStatus(view: CorosyncView, now: number, opts: { hex: boolean; ip: boolean }): string {
  const id = opts.hex ? `0x${view.nodeid.toString(16).padStart(8, '0')}` : String(view.nodeid);
  return (
    'Quorum information\n------------------\n' +
    `Date:             ${strftime('%a %b %e %H:%M:%S %Y', { ms: now, nanosWithinMs: 0 })}\n` +
    'Quorum provider:  corosync_votequorum\n' +
    `Nodes:            ${view.members.length}\n` +
    `Node ID:          ${id}\n` +
    `Ring ID:          ${view.ringId}\n` +
    `Quorate:          ${view.quorate ? 'Yes' : 'No'}\n` +
    '\nVotequorum information\n----------------------\n' +
    `Expected votes:   ${view.expectedVotes}\n` +
    `Highest expected: ${view.highestExpected}\n` +
    `Total votes:      ${view.totalVotes}\n` +
    `Quorum:           ${view.quorum} ${view.quorate ? ' ' : 'Activity blocked'}\n` +
    `Flags:            ${view.quorate ? 'Quorate ' : ''}\n` +
    membership(view, opts.hex, opts.ip)
  );
}

/** `corosync-quorumtool -l [-H] [-i]`. */
export function quorumtoolNodes(view: CorosyncView, opts: { hex: boolean; ip: boolean }): string {
  return membership(view, opts.hex, opts.ip);
}

/** `corosync-cfgtool -s` (corosync 3.1, knet): link 0, every configured node's connection. */
export function cfgtoolStatus(view: CorosyncView): string {
  const ring = new Set(view.members.map((m) => m.nodeid));
  let out = `Local node ID ${view.nodeid}, transport knet\nLINK ID 0 udp\n\taddr\t= ${view.linkAddress}\n\tstatus:\n`;
  for (const n of view.nodelist) {
    const status = n.nodeid === view.nodeid ? 'localhost' : ring.has(n.nodeid) ? 'connected' : 'disconnected';
    out += `\t\tnodeid: ${String(n.nodeid).padStart(10)}:\t${status}\n`;
  }
  return out;
}

/** `corosync-cfgtool -n`: the reachable peers and their links. */
export function cfgtoolNodes(view: CorosyncView): string {
  let out = `Local node ID ${view.nodeid}, transport knet\n`;
  for (const m of view.members) {
    if (m.nodeid === view.nodeid) continue;
    out += `nodeid: ${m.nodeid} reachable\n   LINK: 0 udp (${view.linkAddress}->${m.address}) enabled connected mtu: 1397\n\n`;
  }
  return out;
}

/** What corosync-keygen prints while writing a key (`corosync-keygen -l -k FILE`). */
export function keygenOutput(file: string): string {
  return `Corosync Cluster Engine Authentication key generator.\nGathering 2048 bits for key from /dev/urandom.\nWriting corosync key to ${file}.\n`;
}
