import { RawNumber, type JsonValue } from './jsonWriter';
import type { Link, NodeLinks } from './links';

/** What iproute2 derives from a device's flags and carrier. */
export interface LinkView {
  flags: string[];
  operstate: 'UP' | 'DOWN' | 'UNKNOWN';
  qdisc: string;
  linkType: 'loopback' | 'ether';
  broadcast: string;
}

export function linkView(links: NodeLinks, link: Link): LinkView {
  if (link.kind === 'loopback') {
    return { flags: ['LOOPBACK', ...(link.up ? ['UP', 'LOWER_UP'] : [])], operstate: 'UNKNOWN', qdisc: link.up ? 'noqueue' : 'noop', linkType: 'loopback', broadcast: '00:00:00:00:00:00' };
  }
  const carrier = link.kind === 'bridge' ? links.ports(link.name).some((p) => p.up && p.carrier) : link.carrier;
  const lowerUp = link.up && carrier;
  const flags = [...(link.up && !carrier ? ['NO-CARRIER'] : []), 'BROADCAST', 'MULTICAST', ...(link.up ? ['UP'] : []), ...(lowerUp ? ['LOWER_UP'] : [])];
  const qdisc = !link.up ? 'noop' : link.kind === 'ether' ? 'mq' : 'noqueue';
  return { flags, operstate: lowerUp ? 'UP' : 'DOWN', qdisc, linkType: 'ether', broadcast: 'ff:ff:ff:ff:ff:ff' };
}

export interface ShowOptions {
  details: boolean;
  /** iproute2 6.1 (PVE 8, Debian 12) or 6.15 (PVE 9, Debian 13): newer ones print more attributes. */
  pveMajor: 8 | 9;
}

const TIMER = new RawNumber('0.00');

/** The kernel's initial STP port cost for the NIC's speed (br_initial_port_cost). */
function portCost(link: Link): number {
  const speed = link.speedMbps ?? 10_000;
  return speed >= 10_000 ? 2 : speed >= 1000 ? 4 : speed >= 100 ? 19 : 100;
}

function bridgeId(link: Link): string {
  return `8000.${link.mac}`;
}

/** `-d` attributes of a bridge (iplink_bridge.c's order). */
function bridgeInfo(link: Link): JsonValue {
  return {
    info_kind: 'bridge',
    info_data: {
      forward_delay: link.forwardDelay ?? 1500,
      hello_time: 200,
      max_age: 2000,
      ageing_time: 30000,
      stp_state: link.stp ? 1 : 0,
      priority: 32768,
      vlan_filtering: 0,
      vlan_protocol: '802.1Q',
      bridge_id: bridgeId(link),
      root_id: bridgeId(link),
      root_port: 0,
      root_path_cost: 0,
      topology_change: 0,
      topology_change_detected: 0,
      hello_timer: TIMER,
      tcn_timer: TIMER,
      topology_change_timer: TIMER,
      gc_timer: new RawNumber('28.42'),
      vlan_default_pvid: 1,
      vlan_stats_enabled: 0,
      vlan_stats_per_port: 0,
      group_fwd_mask: '0',
      group_addr: '01:80:c2:00:00:00',
      mcast_snooping: 1,
      no_linklocal_learn: 0,
      mcast_vlan_snooping: 0,
      mcast_router: 1,
      mcast_query_use_ifaddr: 0,
      mcast_querier: 0,
      mcast_hash_elasticity: 16,
      mcast_hash_max: 4096,
      mcast_last_member_cnt: 2,
      mcast_startup_query_cnt: 2,
      mcast_last_member_intvl: 100,
      mcast_membership_intvl: 26000,
      mcast_querier_intvl: 25500,
      mcast_query_intvl: 12500,
      mcast_query_response_intvl: 1000,
      mcast_startup_query_intvl: 3125,
      mcast_stats_enabled: 0,
      mcast_igmp_version: 2,
      mcast_mld_version: 1,
      nf_call_iptables: 0,
      nf_call_ip6tables: 0,
      nf_call_arptables: 0,
    },
  };
}

/** `-d` attributes of a bridge port (iplink_bridge_slave.c's order). */
function bridgePortInfo(port: Link, bridge: Link | undefined, no: number): JsonValue {
  const id = bridge ? bridgeId(bridge) : '';
  return {
    info_slave_kind: 'bridge',
    info_slave_data: {
      state: 'forwarding',
      priority: 32,
      cost: portCost(port),
      hairpin: false,
      guard: false,
      root_block: false,
      fastleave: false,
      learning: true,
      flood: true,
      id: `0x${(0x8000 + no).toString(16)}`,
      no: `0x${no.toString(16)}`,
      designated_port: 0x8000 + no,
      designated_cost: 0,
      bridge_id: id,
      root_id: id,
      hold_timer: TIMER,
      message_age_timer: TIMER,
      forward_delay_timer: TIMER,
      topology_change_ack: 0,
      config_pending: 0,
      proxy_arp: false,
      proxy_arp_wifi: false,
      multicast_router: 1,
      mcast_flood: true,
      bcast_flood: true,
      mcast_to_unicast: false,
      neigh_suppress: false,
      group_fwd_mask: '0',
      group_fwd_mask_str: '0x0',
      vlan_tunnel: false,
      isolated: false,
    },
  };
}

/** The `link` part of one device, as `ip -j [-d] link` prints it (ipaddress.c's order). */
export function linkJson(links: NodeLinks, link: Link, opts: ShowOptions & { forAddr?: boolean }): Record<string, JsonValue | undefined> {
  const v = linkView(links, link);
  const out: Record<string, JsonValue | undefined> = {
    ifindex: link.index,
    ifname: link.name,
    flags: v.flags,
    mtu: link.mtu,
    qdisc: v.qdisc,
    master: link.master,
    operstate: v.operstate,
    linkmode: opts.forAddr ? undefined : 'DEFAULT',
    group: 'default',
    txqlen: 1000,
    link_type: v.linkType,
    address: link.mac,
    broadcast: v.broadcast,
  };
  if (opts.details && !opts.forAddr) {
    const nine = opts.pveMajor === 9;
    const queues = link.kind === 'ether' ? 8 : 1;
    out.promiscuity = link.master ? 1 : 0;
    if (nine) out.allmulti = 0;
    out.min_mtu = link.minMtu;
    out.max_mtu = link.maxMtu;
    if (link.kind === 'bridge') out.linkinfo = bridgeInfo(link);
    else if (link.master) out.linkinfo = bridgePortInfo(link, links.get(link.master), links.ports(link.master).indexOf(link) + 1);
    out.inet6_addr_gen_mode = 'eui64';
    out.num_tx_queues = queues;
    out.num_rx_queues = queues;
    out.gso_max_size = 65536;
    out.gso_max_segs = 65535;
    out.tso_max_size = link.kind === 'ether' ? 65536 : 524280;
    out.tso_max_segs = 65535;
    out.gro_max_size = 65536;
    if (nine) {
      out.gso_ipv4_max_size = 65536;
      out.gro_ipv4_max_size = 65536;
    }
    if (link.parentdev) {
      out.parentbus = 'pci';
      out.parentdev = link.parentdev;
    }
  }
  if (link.altname) out.altnames = [link.altname];
  return out;
}

const FOREVER = 4294967295;

/** `addr_info` of one device: IPv4 then IPv6, as the kernel lists them. */
export function addrInfo(link: Link, family: 'all' | 'inet' | 'inet6'): JsonValue[] {
  const out: JsonValue[] = [];
  if (family !== 'inet6') {
    for (const cidr of link.inet) {
      const [local, prefix] = cidr.split('/');
      out.push({ family: 'inet', local: local as string, prefixlen: Number(prefix), scope: link.kind === 'loopback' ? 'host' : 'global', label: link.name, valid_life_time: FOREVER, preferred_life_time: FOREVER });
    }
  }
  if (family !== 'inet') {
    for (const cidr of link.inet6) {
      const [local, prefix] = cidr.split('/');
      const host = local === '::1';
      out.push({ family: 'inet6', local: local as string, prefixlen: Number(prefix), scope: host ? 'host' : 'link', ...(host ? { noprefixroute: true } : {}), valid_life_time: FOREVER, preferred_life_time: FOREVER });
    }
  }
  return out;
}

/** The first line of a device in `ip link` / `ip addr` text output. */
export function linkHeader(links: NodeLinks, link: Link, mode: boolean): string {
  const v = linkView(links, link);
  const master = link.master ? ` master ${link.master}` : '';
  return `${link.index}: ${link.name}: <${v.flags.join(',')}> mtu ${link.mtu} qdisc ${v.qdisc}${master} state ${v.operstate}${mode ? ' mode DEFAULT' : ''} group default qlen 1000`;
}

export function linkLine(links: NodeLinks, link: Link): string {
  const v = linkView(links, link);
  return `    link/${v.linkType} ${link.mac} brd ${v.broadcast}`;
}

/**
 * What `-d` adds in text after the link line's `brd …`: the MTU range on that line, then, for a
 * bridge or a bridge port, a line with its kind's attributes, where addrgenmode and the queue
 * figures follow (iproute2 prints them without a line break of their own).
 */
export function detailText(link: Link, opts: ShowOptions): string {
  const nine = opts.pveMajor === 9;
  let out = ` promiscuity ${link.master ? 1 : 0} ${nine ? ' allmulti 0 ' : ''}minmtu ${link.minMtu} maxmtu ${link.maxMtu} `;
  if (link.kind === 'bridge') out += `\n    bridge forward_delay ${link.forwardDelay ?? 1500} hello_time 200 max_age 2000 ageing_time 30000 stp_state ${link.stp ? 1 : 0} priority 32768 vlan_filtering 0 vlan_protocol 802.1Q bridge_id ${bridgeId(link)} designated_root ${bridgeId(link)} `;
  else if (link.master) out += `\n    bridge_slave state forwarding priority 32 cost ${portCost(link)} hairpin off guard off root_block off fastleave off learning on flood on `;
  const queues = link.kind === 'ether' ? 8 : 1;
  out += `addrgenmode eui64 numtxqueues ${queues} numrxqueues ${queues} gso_max_size 65536 gso_max_segs 65535 tso_max_size ${link.kind === 'ether' ? 65536 : 524280} tso_max_segs 65535 gro_max_size 65536 `;
  if (nine) out += 'gso_ipv4_max_size 65536 gro_ipv4_max_size 65536 ';
  if (link.parentdev) out += `parentbus pci parentdev ${link.parentdev} `;
  return out;
}
