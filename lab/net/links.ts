import { inSubnet, parseCidr } from './ipv4';

export type LinkKind = 'loopback' | 'ether' | 'bridge';

/** One network device of a node, as the kernel holds it. */
export interface Link {
  index: number;
  name: string;
  kind: LinkKind;
  mac: string;
  mtu: number;
  minMtu: number;
  maxMtu: number;
  /** Administratively up (`ip link set up`). */
  up: boolean;
  /** A cable is plugged in: the physical NICs the lab wires to a switch. */
  carrier: boolean;
  master?: string;
  /** IPv4 addresses as CIDRs, in the order added. */
  inet: string[];
  /** IPv6 addresses (link-local, ::1); bridge ports have IPv6 disabled by ifupdown2. */
  inet6: string[];
  altname?: string;
  /** PCI address of a physical NIC. */
  parentdev?: string;
  speedMbps?: number;
  /** Bridges: the kernel sizes a bridge to its smallest port until its MTU is set by hand. */
  mtuSetByUser?: boolean;
  stp?: boolean;
  forwardDelay?: number;
}

export interface Route {
  dev: string;
  src: string;
  /** Reached through the default gateway rather than on a connected subnet. */
  gateway?: string;
}

/** iproute2's rendering of the kernel's refusals (netlink extack where the kernel gives one). */
export class LinkError extends Error {}

/** The network devices of one node and what the kernel enforces on them. */
export class NodeLinks {
  private readonly devices = new Map<string, Link>();
  private nextIndex = 1;
  /** Default route: `via GATEWAY dev DEV`. */
  defaultRoute?: { gateway: string; dev: string };

  constructor(private readonly macPrefix: string) {}

  all(): Link[] {
    return [...this.devices.values()].sort((a, b) => a.index - b.index);
  }

  get(name: string): Link | undefined {
    return this.devices.get(name);
  }

  /** A NIC's MAC address, stable per node and device. */
  macFor(name: string): string {
    let h = 0;
    for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 256;
    return `${this.macPrefix}:${h.toString(16).padStart(2, '0')}`;
  }

  add(link: Omit<Link, 'index'>): Link {
    const created = { ...link, index: this.nextIndex++ };
    this.devices.set(link.name, created);
    return created;
  }

  createBridge(name: string): Link {
    return this.add({ name, kind: 'bridge', mac: this.macFor(name), mtu: 1500, minMtu: 68, maxMtu: 65535, up: false, carrier: true, inet: [], inet6: [], mtuSetByUser: false, stp: false, forwardDelay: 1500 });
  }

  delete(name: string): void {
    const link = this.devices.get(name);
    if (!link) return;
    for (const port of this.ports(name)) delete port.master;
    if (this.defaultRoute?.dev === name) delete this.defaultRoute;
    this.devices.delete(name);
  }

  ports(bridge: string): Link[] {
    return this.all().filter((l) => l.master === bridge);
  }

  /** `ip link set dev X mtu N`, with the kernel's checks; a bridge follows its ports unless set by hand. */
  setMtu(name: string, mtu: number, opts: { byUser?: boolean } = {}): void {
    const link = this.require(name);
    if (mtu > link.maxMtu) throw new LinkError('Error: mtu greater than device maximum.');
    if (mtu < link.minMtu) throw new LinkError('Error: mtu less than device minimum.');
    if (link.kind === 'bridge') {
      const ports = this.ports(name);
      if (ports.length && mtu > Math.min(...ports.map((p) => p.mtu))) throw new LinkError('RTNETLINK answers: Invalid argument');
      link.mtuSetByUser = opts.byUser ?? true;
    }
    link.mtu = mtu;
    if (link.master) this.adjustBridge(link.master);
  }

  /** The NIC's hardware limit changes (a card without jumbo frames); its MTU is clamped to it. */
  setMaxMtu(name: string, maxMtu: number): void {
    const link = this.require(name);
    link.maxMtu = maxMtu;
    if (link.mtu > maxMtu) {
      link.mtu = maxMtu;
      if (link.master) this.adjustBridge(link.master, true);
    }
  }

  setMaster(port: string, bridge: string): void {
    const p = this.require(port);
    this.require(bridge);
    p.master = bridge;
    p.inet = [];
    p.inet6 = [];
    this.adjustBridge(bridge);
  }

  setNoMaster(port: string): void {
    const p = this.require(port);
    const bridge = p.master;
    delete p.master;
    if (bridge) this.adjustBridge(bridge);
  }

  addAddress(name: string, cidr: string): void {
    const link = this.require(name);
    if (link.inet.includes(cidr)) throw new LinkError('RTNETLINK answers: File exists');
    link.inet.push(cidr);
  }

  delAddress(name: string, cidr: string): void {
    const link = this.require(name);
    const at = link.inet.findIndex((a) => a === cidr || (!cidr.includes('/') && a.startsWith(`${cidr}/`)));
    if (at < 0) throw new LinkError('RTNETLINK answers: Cannot assign requested address');
    link.inet.splice(at, 1);
    if (this.defaultRoute && !this.gatewayReachable(this.defaultRoute)) delete this.defaultRoute;
  }

  /** Every IPv4 address configured on the node. */
  addresses(): string[] {
    return this.all().flatMap((l) => l.inet.map((c) => c.split('/')[0] as string));
  }

  /** The kernel's route lookup for an IPv4 destination, optionally bound to a device. */
  route(dst: string, boundTo?: string): Route | undefined {
    const local = this.all().find((l) => l.inet.some((c) => c.split('/')[0] === dst));
    if (local && (!boundTo || boundTo === local.name || boundTo === 'lo')) return { dev: 'lo', src: dst };
    let best: { link: Link; cidr: string; prefix: number } | undefined;
    for (const link of this.all()) {
      if (!link.up || link.master || (boundTo && link.name !== boundTo)) continue;
      for (const c of link.inet) {
        const cidr = parseCidr(c);
        if (cidr && inSubnet(dst, cidr) && (!best || cidr.prefix > best.prefix)) best = { link, cidr: c, prefix: cidr.prefix };
      }
    }
    if (best) return { dev: best.link.name, src: best.cidr.split('/')[0] as string };
    const gw = this.defaultRoute;
    if (gw && (!boundTo || boundTo === gw.dev)) {
      const dev = this.get(gw.dev);
      const src = dev?.inet[0]?.split('/')[0];
      if (dev?.up && src) return { dev: gw.dev, src, gateway: gw.gateway };
    }
    return undefined;
  }

  /** The physical NIC a frame leaves by: the device itself, or the bridge's port that is up. */
  egressNic(dev: string): Link | undefined {
    const link = this.get(dev);
    if (!link) return undefined;
    if (link.kind === 'ether') return link;
    if (link.kind === 'bridge') return this.ports(dev).find((p) => p.kind === 'ether' && p.up && p.carrier);
    return undefined;
  }

  private gatewayReachable(route: { gateway: string; dev: string }): boolean {
    const dev = this.get(route.dev);
    return !!dev && dev.inet.some((c) => {
      const cidr = parseCidr(c);
      return !!cidr && inSubnet(route.gateway, cidr);
    });
  }

  /** br_mtu_auto_adjust and the bridge id: a bridge not sized by hand takes its smallest port's MTU (one sized by hand shrinks when a port does). */
  private adjustBridge(name: string, clamp = false): void {
    const bridge = this.get(name);
    const ports = this.ports(name);
    if (!bridge || ports.length === 0) return;
    const min = Math.min(...ports.map((p) => p.mtu));
    if (!bridge.mtuSetByUser || clamp || bridge.mtu > min) bridge.mtu = min;
    // Without an address of its own a bridge takes its ports' lowest MAC (br_stp_recalculate_bridge_id).
    bridge.mac = ports.map((p) => p.mac).sort()[0] as string;
  }

  private require(name: string): Link {
    const link = this.devices.get(name);
    if (!link) throw new LinkError(`Cannot find device "${name}"`);
    return link;
  }
}
