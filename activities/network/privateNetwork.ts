import { ApplicationFailure } from '@temporalio/common';
import { parseIpAddrJson, parseIpLinkJson, parsePing } from '../parsers';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import { PrivateBridge, renderInterfaces } from './interfaces';

export const INTERFACES = '/etc/network/interfaces';
/** The file as it was before the first change: what a rollback restores. */
export const INTERFACES_BACKUP = '/etc/network/interfaces.pve-runbooks.orig';

export interface LinkState {
  ifname: string;
  mtu: number;
  maxMtu: number | null;
  master: string | null;
  kind: string | null;
  /** IP/prefix. */
  addresses: string[];
}

export interface NetworkState {
  links: LinkState[];
}

export const NETWORK_STATE_COMMAND = [section('link', 'ip -j -d link show'), section('addr', 'ip -j addr show')].join('; ');

export function networkState(t: Remote['target'], s: Record<string, string>): NetworkState {
  const links = readOutput(t, 'ip -j -d link show', () => parseIpLinkJson(s.link ?? ''));
  const addrs = readOutput(t, 'ip -j addr show', () => parseIpAddrJson(s.addr ?? ''));
  return {
    links: links.links.map((l) => ({
      ifname: l.ifname,
      mtu: l.mtu,
      maxMtu: l.maxMtu,
      master: l.master,
      kind: l.kind,
      addresses: (addrs.interfaces.find((i) => i.ifname === l.ifname)?.addresses ?? []).filter((a) => a.family === 'inet' || a.family === 'inet6').map((a) => `${a.local}/${a.prefixlen}`),
    })),
  };
}

/** The running state already is the private bridge: the address on the bridge, the NIC enslaved, both at the MTU. */
export function bridgeInPlace(state: NetworkState, p: PrivateBridge): boolean {
  const bridge = state.links.find((l) => l.ifname === p.bridge);
  const nic = state.links.find((l) => l.ifname === p.nic);
  return !!bridge && !!nic && bridge.addresses.includes(p.cidr) && bridge.mtu >= p.mtu && nic.mtu >= p.mtu && nic.master === p.bridge;
}

/** Keeps the first version aside, replaces the file in one rename (never half-written), applies it. */
export function writeInterfacesCommand(content: string): string {
  return [
    `[ -e ${INTERFACES_BACKUP} ] || cp -p ${INTERFACES} ${INTERFACES_BACKUP}`,
    `printf '%s' ${quoteArg(content)} > ${INTERFACES}.new`,
    `mv ${INTERFACES}.new ${INTERFACES}`,
    'ifreload -a',
  ].join(' && ');
}

export interface PingResult {
  from: string;
  to: string;
  address: string;
  ok: boolean;
  /** What failed, as ping put it. */
  detail: string;
}

/** Payload that fills an MTU-sized frame: MTU minus the IPv4 (20) and ICMP (8) headers. */
export const jumboPayload = (mtu: number) => mtu - 28;

export function networkActivities(deps: SshDeps) {
  return {
    async readNetworkState(task: NodeTask): Promise<NetworkState> {
      const remote = Remote.of(task.node, task, deps);
      return networkState(remote.target, parseSections(await remote.check(NETWORK_STATE_COMMAND, { label: 'ip -j link/addr show' })));
    },

    /**
     * Writes the bridge stanzas and applies them with `ifreload -a`, once: a node whose file and
     * running state already match is left alone. The first version of the file is kept aside.
     */
    async configurePrivateBridge(task: NodeTask, p: PrivateBridge): Promise<{ status: 'done' | 'already'; state: NetworkState }> {
      const remote = Remote.of(task.node, task, deps);
      const s = parseSections(await remote.check(`${section('file', `cat ${INTERFACES}`)}; ${NETWORK_STATE_COMMAND}`, { label: 'read network configuration' }));
      const current = s.file ?? '';
      const wanted = renderInterfaces(current, p);
      const before = networkState(remote.target, s);
      if (current.replace(/\s+$/, '') === wanted.replace(/\s+$/, '') && bridgeInPlace(before, p)) return { status: 'already', state: before };
      const nic = before.links.find((l) => l.ifname === p.nic);
      if (!nic) throw ApplicationFailure.nonRetryable(`${where(remote.target)}: has no network interface ${p.nic} (it has ${before.links.map((l) => l.ifname).join(', ')}); fix the private NIC in the inventory.`, 'NicMissing');
      if (nic.maxMtu !== null && nic.maxMtu < p.mtu) throw ApplicationFailure.nonRetryable(`${where(remote.target)}: ${p.nic} supports at most MTU ${nic.maxMtu}, not ${p.mtu}; use another NIC or a smaller MTU.`, 'MtuUnsupported');
      const r = await remote.run(writeInterfacesCommand(wanted), { label: 'write /etc/network/interfaces and ifreload -a', timeoutMs: 120_000 });
      if (r.exitCode !== 0) throw commandFailed(remote.target, 'ifreload -a', r, /error:/i.test(r.stderr) && !/lock/i.test(r.stderr));
      const after = networkState(remote.target, parseSections(await remote.check(NETWORK_STATE_COMMAND, { label: 'ip -j link/addr show' })));
      if (!bridgeInPlace(after, p)) {
        const b = after.links.find((l) => l.ifname === p.bridge);
        throw ApplicationFailure.retryable(`${where(remote.target)}: after ifreload -a, ${p.bridge} has ${b ? `mtu ${b.mtu} and ${b.addresses.join(', ') || 'no address'}` : 'not appeared'}; expected ${p.cidr} at MTU ${p.mtu} over ${p.nic}.`, 'NetworkNotApplied');
      }
      return { status: 'done', state: after };
    },

    /** `ping -M do` with a frame of exactly the MTU to each peer: a pair that fails is named. */
    async jumboPing(task: NodeTask, peers: { name: string; address: string }[], mtu: number): Promise<PingResult[]> {
      const remote = Remote.of(task.node, task, deps);
      const script = peers.map((p, i) => section(`p${i}`, `${cmd('ping', '-M', 'do', '-s', String(jumboPayload(mtu)), '-c', '3', '-i', '0.2', '-W', '2', p.address)} 2>&1`)).join('; ');
      const s = parseSections((await remote.run(script, { label: 'jumbo ping', timeoutMs: 60_000 })).stdout);
      return peers.map((p, i) => {
        const out = s[`p${i}`] ?? '';
        const ping = readOutput(remote.target, `ping ${p.address}`, () => parsePing(out));
        const ok = ping.received > 0 && ping.received === ping.transmitted && !ping.localError;
        const detail = ping.localError ? `local error: ${ping.localError}` : `${ping.received}/${ping.transmitted} ${jumboPayload(mtu)}-byte pings with DF answered`;
        return { from: task.node.name, to: p.name, address: p.address, ok, detail };
      });
    },
  };
}
