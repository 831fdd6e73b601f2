import type { IfaceConfig, IfupdownMessage } from './interfaces';
import { LinkError, type NodeLinks } from './links';

/** ifupdown2's default MTU policy: physical NICs and bridges without `mtu` are set back to it. */
const DEFAULT_MTU = 1500;

/**
 * The interfaces `ifreload -a` brings up: those marked auto and, through them, their bridge
 * ports (ifupdown2 follows lower devices whether or not they are auto), lower devices first.
 */
function upOrder(ifaces: Map<string, IfaceConfig>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const port of ifaces.get(name)?.bridgePorts ?? []) if (ifaces.has(port)) visit(port);
    order.push(name);
  };
  for (const cfg of ifaces.values()) if (cfg.auto) visit(cfg.name);
  return order;
}

/**
 * Applies a parsed configuration to the running links as `ifreload -a` does: interfaces dropped
 * from the configuration are taken down (bridges deleted, addresses flushed), then each one to
 * bring up gets its bridge and ports, MTU (through sysfs, so a refusal is a warning), addresses
 * and default route. Returns what ifupdown2 logs and the interfaces it now manages.
 */
export function applyInterfaces(links: NodeLinks, ifaces: Map<string, IfaceConfig>, previously: Set<string>): { messages: IfupdownMessage[]; managed: Set<string> } {
  const messages: IfupdownMessage[] = [];
  const warn = (text: string) => messages.push({ level: 'warning', text });
  const error = (text: string) => messages.push({ level: 'error', text });
  const order = upOrder(ifaces);
  const managed = new Set(order);

  for (const name of previously) {
    if (managed.has(name)) continue;
    const link = links.get(name);
    if (!link) continue;
    if (link.kind === 'bridge') links.delete(name);
    else if (link.kind === 'ether') {
      if (link.master && !order.includes(link.master)) links.setNoMaster(name);
      link.inet = [];
      link.up = false;
    }
  }

  const setMtu = (name: string, mtu: number) => {
    const link = links.get(name);
    if (!link || link.mtu === mtu) return;
    try {
      links.setMtu(name, mtu);
    } catch (err) {
      if (!(err instanceof LinkError)) throw err;
      warn(`error while writing to file /sys/class/net/${name}/mtu: [Errno 22] Invalid argument`);
    }
  };

  for (const name of order) {
    const cfg = ifaces.get(name) as IfaceConfig;
    if (cfg.method === 'loopback' || name === 'lo') continue;
    let link = links.get(name);
    if (cfg.bridgePorts !== undefined) {
      if (!link) link = links.createBridge(name);
      let missing = false;
      for (const port of links.ports(name)) if (!cfg.bridgePorts.includes(port.name)) links.setNoMaster(port.name);
      for (const port of cfg.bridgePorts) {
        const p = links.get(port);
        if (!p) {
          error(`${name}: bridge port ${port} does not exist`);
          missing = true;
          continue;
        }
        if (p.master !== name) links.setMaster(port, name);
      }
      if (missing) warn(`${name}: apply bridge ports settings: bridge configuration failed (missing ports)`);
      link.stp = cfg.bridgeStp !== undefined && /^(on|yes|1)$/i.test(cfg.bridgeStp);
      link.forwardDelay = (cfg.bridgeFd ?? 15) * 100;
    }
    if (!link) {
      if (cfg.auto) warn(`${name}: interface not recognized - please check interface configuration`);
      continue;
    }
    if (cfg.bridgePorts === undefined) for (const attr of cfg.bridgeAttrs) warn(`${name}: invalid use of bridge attribute (${attr}) on non-bridge stanza`);
    setMtu(name, cfg.mtu ?? DEFAULT_MTU);
    if (link.master) {
      link.inet = [];
      link.inet6 = [];
    } else {
      const wanted = cfg.addresses.filter((a) => a.includes('/'));
      link.inet = [...link.inet.filter((a) => wanted.includes(a)), ...wanted.filter((a) => !link.inet.includes(a))];
      if (link.inet6.length === 0 && link.kind !== 'loopback') link.inet6 = [linkLocal(link.mac)];
    }
    link.up = true;
    if (cfg.gateway) links.defaultRoute = { gateway: cfg.gateway, dev: name };
    else if (links.defaultRoute?.dev === name) delete links.defaultRoute;
  }
  return { messages, managed };
}

/** The EUI-64 link-local address the kernel derives from a MAC. */
export function linkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  b[0] = (b[0] as number) ^ 2;
  const words = [(b[0] << 8) | (b[1] as number), ((b[2] as number) << 8) | 0xff, (0xfe << 8) | (b[3] as number), ((b[4] as number) << 8) | (b[5] as number)];
  return `fe80::${words.map((w) => w.toString(16)).join(':')}/64`;
}
