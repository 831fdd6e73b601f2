import type { LabFs } from '../fs/labFs';

export const INTERFACES = '/etc/network/interfaces';

/** One interface as /etc/network/interfaces describes it (all its `iface` stanzas merged). */
export interface IfaceConfig {
  name: string;
  auto: boolean;
  method?: string;
  /** CIDRs, in the order written (`netmask` already folded in). */
  addresses: string[];
  gateway?: string;
  mtu?: number;
  /** `bridge-ports` (empty for `none`); undefined when the interface is not a bridge. */
  bridgePorts?: string[];
  bridgeStp?: string;
  bridgeFd?: number;
  /** Every `bridge-*` attribute written, in order (ifupdown2 warns about them on a non-bridge). */
  bridgeAttrs: string[];
}

/** A line ifupdown2 logs while reading or applying the configuration. */
export interface IfupdownMessage {
  level: 'error' | 'warning';
  text: string;
}

export interface InterfacesConfig {
  ifaces: Map<string, IfaceConfig>;
  messages: IfupdownMessage[];
}

/**
 * Keywords the modules ifupdown2 loads on a PVE node accept (address, bridge, mstpctl, dhcp,
 * ethtool, hooks...): anything else is "unsupported keyword", as ifupdown2's validator says.
 */
const KNOWN_KEYWORDS = new Set(
  `address netmask broadcast gateway mtu hwaddress alias scope preferred-lifetime metric
  bridge-ports bridge-stp bridge-fd bridge-vlan-aware bridge-vids bridge-pvid bridge-maxwait bridge-waitport
  bridge-ageing bridge-bridgeprio bridge-hashel bridge-hashmax bridge-mcsnoop bridge-mcrouter bridge-hello bridge-maxage
  bridge-portprios bridge-pathcosts bridge-mclmc bridge-mcqv4src bridge-access bridge-allow-untagged bridge-learning
  vlan-raw-device vlan-id vlan-protocol bond-slaves bond-mode bond-miimon bond-xmit-hash-policy bond-primary bond-lacp-rate
  bond-min-links bond-updelay bond-downdelay dns-nameservers dns-search link-speed link-duplex link-autoneg
  pre-up up post-up pre-down down post-down ovs-type ovs-bridge ovs-ports ovs-options ovs-bonds
  ip-forward ip6-forward mpls-enable accept-ra autoconf disable-ipv6 ipv6-addrgen vrf vrf-table`.split(/\s+/),
);

const FAMILIES: Record<string, string[]> = {
  inet: ['static', 'manual', 'loopback', 'dhcp', 'dhcp6', 'ppp', 'tunnel'],
  inet6: ['static', 'manual', 'loopback', 'dhcp', 'dhcp6', 'auto', 'tunnel'],
};

/** `255.255.255.0` → 24; undefined for a mask that is not contiguous. */
function maskBits(mask: string): number | undefined {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return /^\d+$/.test(mask) ? Number(mask) : undefined;
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined;
}

/** Shell-style glob match for `source /etc/network/interfaces.d/*`. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function expandSource(fs: LabFs, pattern: string): Promise<string[]> {
  const slash = pattern.lastIndexOf('/');
  const dir = pattern.slice(0, slash) || '/';
  const base = pattern.slice(slash + 1);
  if (!/[*?]/.test(base)) return (await fs.exists(pattern)) ? [pattern] : [];
  const re = globToRegExp(base);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => re.test(n)).sort().map((n) => `${dir === '/' ? '' : dir}/${n}`);
}

/**
 * ifupdown2's networkinterfaces parser over the node's files: `auto`/`allow-*`, `iface` stanzas
 * (several per interface are merged), `source` globs and `source-directory`, line numbers and
 * messages worded as ifupdown2 logs them.
 */
export async function readInterfaces(fs: LabFs, path = INTERFACES): Promise<InterfacesConfig> {
  const ifaces = new Map<string, IfaceConfig>();
  const messages: IfupdownMessage[] = [];
  const auto = new Set<string>();
  const error = (file: string, line: number, msg: string) => messages.push({ level: 'error', text: `${file}: line${line}: ${msg}` });
  const warn = (file: string, line: number, msg: string) => messages.push({ level: 'warning', text: `${file}: line${line}: ${msg}` });
  const iface = (name: string): IfaceConfig => {
    let cfg = ifaces.get(name);
    if (!cfg) ifaces.set(name, (cfg = { name, auto: false, addresses: [], bridgeAttrs: [] }));
    return cfg;
  };

  const readFile = async (file: string): Promise<void> => {
    let text: string;
    try {
      text = await fs.readFile(file);
    } catch {
      messages.push({ level: 'warning', text: `error processing file ${file} ([Errno 2] No such file or directory: '${file}')` });
      return;
    }
    const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!line || line.startsWith('#')) continue;
      const words = line.split(/\s+/);
      const keyword = words[0] as string;
      if (keyword === 'auto' || keyword.startsWith('allow-')) {
        if (words.length < 2) error(file, i + 1, `invalid auto line '${line}'`);
        for (const w of words.slice(1)) auto.add(w);
      } else if (keyword === 'source') {
        const target = words[1];
        if (!target) {
          error(file, i + 1, 'unable to read source line');
          continue;
        }
        const abs = target.startsWith('/') ? target : `${file.slice(0, file.lastIndexOf('/'))}/${target}`;
        const files = await expandSource(fs, abs);
        if (files.length === 0 && !abs.includes('*')) warn(file, i + 1, `cannot find source file ${abs}`);
        for (const f of files) await readFile(f);
      } else if (keyword === 'source-directory') {
        const dir = words[1];
        if (!dir) {
          error(file, i + 1, 'unable to read source-directory line');
          continue;
        }
        for (const f of (await fs.readdir(dir).catch(() => [] as string[])).sort()) await readFile(`${dir}/${f}`);
      } else if (keyword === 'iface') {
        const name = words[1] ?? '';
        const cfg = iface(name);
        const [family, method] = [words[2], words[3]];
        if (family && !FAMILIES[family]) error(file, i + 1, `iface ${name}: unsupported address family '${family}'`);
        else if (family && method && !FAMILIES[family]?.includes(method)) error(file, i + 1, `iface ${name}: unsupported address method '${method}'`);
        else if (family === 'inet' && method) cfg.method = method;
        let pendingAddress: number | undefined;
        for (; i + 1 < lines.length; i++) {
          const attrLine = lines[i + 1] as string;
          if (!attrLine || attrLine.startsWith('#')) continue;
          const [rawKey, ...rest] = attrLine.split(/\s+/);
          const key = (rawKey as string).replace(/_/g, '-');
          if (['iface', 'auto', 'source', 'source-directory', 'vlan'].includes(rawKey as string) || (rawKey as string).startsWith('allow-')) break;
          const value = rest.join(' ');
          if (rest.length === 0) {
            error(file, i + 2, `iface ${name}: invalid syntax '${attrLine}'`);
            continue;
          }
          if (!KNOWN_KEYWORDS.has(key)) {
            error(file, i + 2, `iface ${name}: unsupported keyword (${rawKey})`);
            continue;
          }
          if (key.startsWith('bridge-') && !cfg.bridgeAttrs.includes(key)) cfg.bridgeAttrs.push(key);
          if (key === 'address') {
            cfg.addresses.push(value);
            pendingAddress = cfg.addresses.length - 1;
          } else if (key === 'netmask' && pendingAddress !== undefined) {
            const bits = maskBits(value);
            const addr = cfg.addresses[pendingAddress] as string;
            if (bits !== undefined && !addr.includes('/')) cfg.addresses[pendingAddress] = `${addr}/${bits}`;
          } else if (key === 'gateway') cfg.gateway = value;
          else if (key === 'mtu') cfg.mtu = Number(value);
          else if (key === 'bridge-ports') cfg.bridgePorts = value === 'none' ? [] : value.split(/\s+/);
          else if (key === 'bridge-stp') cfg.bridgeStp = value;
          else if (key === 'bridge-fd') cfg.bridgeFd = Number(value);
        }
      } else {
        error(file, i + 1, `error processing line '${line}'`);
      }
    }
  };

  await readFile(path);
  for (const cfg of ifaces.values()) cfg.auto = auto.has(cfg.name);
  return { ifaces, messages };
}

/** The reference deployment's file, as the PVE installer and the hoster left it. */
export function defaultInterfaces(opts: { mgmtAddress: string; gateway: string; privateAddress: string }): string {
  return `auto lo
iface lo inet loopback

iface eno1 inet manual

auto vmbr0
iface vmbr0 inet static
\taddress ${opts.mgmtAddress}/24
\tgateway ${opts.gateway}
\tbridge-ports eno1
\tbridge-stp off
\tbridge-fd 0

auto enp1s0f1
iface enp1s0f1 inet static
\taddress ${opts.privateAddress}/24
\tmtu 9000


source /etc/network/interfaces.d/*
`;
}
