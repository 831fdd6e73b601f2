import type { StorageState } from '../../activities/disks/inspect';
import type { NetworkState } from '../../activities/network/privateNetwork';
import { cephSettings, nodeDisks, nodeNetwork } from '../../common/hyperConverged';
import type { RunbookInventory } from '../../common/inventory';

/** The Ceph releases and repositories `pveceph install` offers on each PVE major. */
export const CEPH_OFFER: Record<number, { versions: string[]; repositories: string[] }> = {
  8: { versions: ['quincy', 'reef', 'squid'], repositories: ['enterprise', 'no-subscription', 'test'] },
  9: { versions: ['squid', 'tentacle'], repositories: ['enterprise', 'no-subscription', 'test', 'manual'] },
};

const GiB = 1024 ** 3;
const size = (b: number) => (b >= 1024 * GiB ? `${(b / 1024 / GiB).toFixed(2)} TiB` : `${(b / GiB).toFixed(1)} GiB`);

/**
 * Phase 2's hardware checks, pure so they are tested without a cluster: every fact that would
 * make a later phase fail halfway is refused here, before anything changes. A disk that already
 * carries this build's own array or OSD is a re-run, not a conflict.
 */
export function hardwareProblems(inv: RunbookInventory, pveMajor: number, storage: Record<string, StorageState>, network: Record<string, NetworkState>): string[] {
  const problems: string[] = [];
  const ceph = cephSettings(inv);
  if (ceph) {
    const offer = CEPH_OFFER[pveMajor];
    if (offer && !offer.versions.includes(ceph.version)) problems.push(`ceph.version: PVE ${pveMajor} offers Ceph ${offer.versions.join(', ')}, not ${ceph.version}: choose one of those`);
    if (offer && !offer.repositories.includes(ceph.repository)) problems.push(`ceph.repository: PVE ${pveMajor} offers ${offer.repositories.join(', ')}, not ${ceph.repository}`);
  }
  for (const n of inv.nodes) {
    const d = nodeDisks(inv, n);
    const st = storage[n.name];
    if (d && st) {
      for (const m of st.members) {
        if (!m.present) problems.push(`${n.name}: RAID member ${m.path} is missing (lsblk does not list it): fix disks.raidMembers for ${n.name} or the hardware`);
        else if (m.busy) problems.push(`${n.name}: RAID member ${m.path} is in use: it ${m.busy}; free it or choose another disk`);
      }
      if (!st.db.present) problems.push(`${n.name}: DB device ${st.db.path} is missing (lsblk does not list it): fix disks.db for ${n.name}`);
      else if (st.db.busy) problems.push(`${n.name}: DB device ${st.db.path} is in use: it ${st.db.busy}; free it or choose another device`);
      const present = st.members.filter((m) => m.present && m.sizeBytes !== null);
      if (st.db.present && st.db.sizeBytes !== null && present.length === st.members.length && present.length >= 3) {
        const data = st.arraySizeBytes ?? (present.length - 1) * Math.min(...present.map((m) => m.sizeBytes!));
        const need = Math.ceil((data * d.dbMinPercent) / 100);
        if (st.db.sizeBytes < need) problems.push(`${n.name}: DB device ${st.db.path} has ${size(st.db.sizeBytes)}, less than ${d.dbMinPercent}% of the ${size(data)} array (${size(need)}): use a larger device or lower disks.dbMinPercent`);
      }
    }
    const net = nodeNetwork(inv, n);
    const ns = network[n.name];
    if (net && ns) {
      const nic = ns.links.find((l) => l.ifname === net.nic);
      if (!nic) problems.push(`${n.name}: has no network interface ${net.nic} (it has ${ns.links.map((l) => l.ifname).filter((x) => x !== 'lo').join(', ')}): fix the private NIC in the inventory`);
      else if (nic.maxMtu !== null && nic.maxMtu < net.mtu) problems.push(`${n.name}: ${net.nic} supports at most MTU ${nic.maxMtu}, not ${net.mtu}: use a NIC with jumbo frames or lower network.mtu`);
      const holder = ns.links.find((l) => l.addresses.some((a) => a.split('/')[0] === net.address) && l.ifname !== net.nic && l.ifname !== net.bridge);
      if (holder) problems.push(`${n.name}: its private address ${net.address} is on ${holder.ifname}, not on ${net.nic} or ${net.bridge}: move it or fix the inventory`);
    }
  }
  return problems;
}

/**
 * Nodes whose private address already sits on an interface at the wanted MTU: between those,
 * a jumbo ping proves the path now, before anything changes. Others get their MTU in phase 7,
 * which proves the path again.
 */
export function jumboReady(inv: RunbookInventory, network: Record<string, NetworkState>): { name: string; address: string }[] {
  return inv.nodes.flatMap((n) => {
    const net = nodeNetwork(inv, n);
    const carrier = net && network[n.name]?.links.find((l) => l.addresses.some((a) => a.split('/')[0] === net.address));
    return net && carrier && carrier.mtu >= net.mtu ? [{ name: n.name, address: net.address }] : [];
  });
}
