import type { LabFs } from '../fs/labFs';
import { applyInterfaces, linkLocal } from './ifupdown';
import { readInterfaces, type IfupdownMessage } from './interfaces';
import type { EchoOutcome, LabNetwork } from './labNetwork';
import { NodeLinks, type Route } from './links';

/** The NICs every lab node has: an onboard port (management) and a dual-port card (private). */
const NICS = [
  { name: 'eno1', altname: 'enp0s31f6', parentdev: '0000:00:1f.6', carrier: true, speedMbps: 1000 },
  { name: 'enp1s0f0', parentdev: '0000:01:00.0', carrier: false, speedMbps: 10_000 },
  { name: 'enp1s0f1', parentdev: '0000:01:00.1', carrier: true, speedMbps: 10_000 },
];

/** Largest MTU the lab's NICs accept unless a test says otherwise. */
export const NIC_MAX_MTU = 9000;

/**
 * One node's network: its devices (what `ip` shows and changes) and the interfaces ifupdown2
 * manages. The running state changes only through `ip` and `ifreload`; at boot networking.service
 * applies /etc/network/interfaces to fresh devices, so runtime changes do not survive a reboot.
 */
export class NodeNetwork {
  readonly links: NodeLinks;
  /** The lab's switches this node is cabled to (set when the lab attaches it). */
  wire?: LabNetwork;
  private managed = new Set<string>();

  constructor(
    readonly node: string,
    address: string,
  ) {
    const octets = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
    this.links = new NodeLinks(`bc:24:11:${octets[2]}:${octets[3]}`);
    this.links.add({ name: 'lo', kind: 'loopback', mac: '00:00:00:00:00:00', mtu: 65536, minMtu: 0, maxMtu: 0, up: true, carrier: true, inet: ['127.0.0.1/8'], inet6: ['::1/128'] });
    for (const nic of NICS) {
      const mac = this.links.macFor(nic.name);
      this.links.add({ name: nic.name, kind: 'ether', mac, mtu: 1500, minMtu: 68, maxMtu: NIC_MAX_MTU, up: false, carrier: nic.carrier, inet: [], inet6: [], parentdev: nic.parentdev, speedMbps: nic.speedMbps, ...(nic.altname ? { altname: nic.altname } : {}) });
    }
  }

  /** Power-on: the devices come up blank and networking.service runs `ifup -a`. */
  async boot(fs: LabFs): Promise<void> {
    for (const link of this.links.all()) {
      if (link.kind === 'bridge') this.links.delete(link.name);
      else if (link.kind === 'ether') {
        delete link.master;
        link.inet = [];
        link.inet6 = [];
        link.up = false;
        link.mtu = Math.min(1500, link.maxMtu);
      }
    }
    delete this.links.defaultRoute;
    this.managed = new Set();
    await this.reload(fs);
  }

  /** `ifreload -a`: parse the files, apply, and return what ifupdown2 logs. */
  async reload(fs: LabFs, opts: { noAct?: boolean } = {}): Promise<IfupdownMessage[]> {
    const parsed = await readInterfaces(fs);
    if (opts.noAct) return parsed.messages;
    const applied = applyInterfaces(this.links, parsed.ifaces, this.managed);
    this.managed = applied.managed;
    return [...parsed.messages, ...applied.messages];
  }

  /** One ICMP echo to `dst` along `route`, through the lab's switches. */
  echo(dst: string, route: Route, payload: number, dontFragment: boolean, seq: number): EchoOutcome {
    if (!this.wire) return { kind: 'lost' };
    return this.wire.echo(this.node, dst, route, payload, dontFragment, seq);
  }

  /** `ip link set dev X up` gives an interface its link-local address, as the kernel does. */
  setUp(name: string, up: boolean): void {
    const link = this.links.get(name);
    if (!link) return;
    link.up = up;
    if (up && link.kind !== 'loopback' && !link.master && link.inet6.length === 0) link.inet6 = [linkLocal(link.mac)];
  }
}
