import type { Link, Route } from './links';
import type { NodeNetwork } from './nodeNetwork';

/** What happened to one echo request. */
export type EchoOutcome =
  | { kind: 'reply'; rttUs: number; ttl: number }
  /** The sender's kernel refused the datagram: DF set and larger than the route's MTU. */
  | { kind: 'local-error'; mtu: number }
  /** Dropped somewhere on the way there or back; the sender hears nothing. */
  | { kind: 'lost' };

interface Member {
  net: NodeNetwork;
  powered: () => boolean;
}

/** Frames a switch port forwards unless a test narrows a path. */
const SWITCH_MTU = 9216;
/** IPv4 header plus ICMP echo header. */
export const ICMP_OVERHEAD = 28;

/**
 * The lab's wiring: every node's NICs of one name hang off one switch (eno1: management,
 * enp1s0f1: private). A frame crosses it when the sender's egress device, the switch path
 * between the two nodes and the receiver's NIC and L3 device all carry its size; an injectable
 * path MTU models a switch port left at 1500 between two nodes.
 */
export class LabNetwork {
  private readonly members = new Map<string, Member>();
  private readonly pathMtus = new Map<string, number>();

  attach(name: string, net: NodeNetwork, powered: () => boolean): void {
    net.wire = this;
    this.members.set(name, { net, powered });
  }

  node(name: string): NodeNetwork {
    const m = this.members.get(name);
    if (!m) throw new Error(`no node ${name} in this lab`);
    return m.net;
  }

  /** Frames larger than `mtu` between nodes `a` and `b` are silently dropped, both ways. */
  setPathMtu(a: string, b: string, mtu: number): void {
    this.node(a);
    this.node(b);
    this.pathMtus.set(pathKey(a, b), mtu);
  }

  pathMtu(a: string, b: string): number {
    return this.pathMtus.get(pathKey(a, b)) ?? SWITCH_MTU;
  }

  /** A NIC's hardware maximum MTU (1500 for a card without jumbo frames). */
  setMaxMtu(node: string, nic: string, mtu: number): void {
    const link = this.node(node).links.get(nic);
    if (!link || link.kind !== 'ether') throw new Error(`${node} has no NIC ${nic}`);
    this.node(node).links.setMaxMtu(nic, mtu);
  }

  /** Which node answers for an IPv4 address (on an interface that is up). */
  owner(address: string): string | undefined {
    for (const [name, m] of this.members) {
      if (m.net.links.all().some((l) => l.up && !l.master && l.inet.some((c) => c.split('/')[0] === address))) return name;
    }
    return undefined;
  }

  /**
   * One ICMP echo of `payload` bytes from `from` to `dst` leaving by `dev` (the route already
   * chosen): the sender's MTU check, the wire both ways, the receiver's devices.
   */
  echo(from: string, dst: string, route: Route, payload: number, dontFragment: boolean, seq: number): EchoOutcome {
    const sender = this.node(from);
    const dev = sender.links.get(route.dev) as Link;
    const frame = payload + ICMP_OVERHEAD;
    if (dontFragment && frame > dev.mtu) return { kind: 'local-error', mtu: dev.mtu };
    if (route.dev === 'lo') return { kind: 'reply', rttUs: 20 + (seq % 7) * 3, ttl: 64 };
    // Without DF the kernel fragments to the device MTU: the largest piece is what must cross.
    const wire = Math.min(frame, dev.mtu);
    if (route.gateway) return { kind: 'lost' };
    const egress = sender.links.egressNic(route.dev);
    const target = this.owner(dst);
    if (!egress || !target) return { kind: 'lost' };
    const member = this.members.get(target) as Member;
    if (!member.powered()) return { kind: 'lost' };
    const receiver = member.net;
    const back = receiver.links.route(route.src);
    if (!back || back.gateway) return { kind: 'lost' };
    const ingress = receiver.links.egressNic(back.dev);
    const l3 = receiver.links.get(back.dev);
    if (!ingress || !l3 || ingress.name !== egress.name) return { kind: 'lost' };
    if (wire > this.pathMtu(from, target) || wire > ingress.mtu || wire > l3.mtu) return { kind: 'lost' };
    return { kind: 'reply', rttUs: rtt(payload, seq), ttl: 64 };
  }
}

function pathKey(a: string, b: string): string {
  return [a, b].sort().join('\0');
}

/** A LAN round trip: a couple of hundred microseconds plus serialisation at 10 Gbit/s, with a little jitter. */
function rtt(payload: number, seq: number): number {
  return Math.round(140 + (payload * 8 * 2) / 10_000 + ((seq * 37) % 41));
}
