import { randomBytes } from 'node:crypto';

/** ceph.conf as PVE::CephConfig reads it: sections of `key = value`, keys with ' ' or '-' read as '_'. */
export type CephConf = Record<string, Record<string, string>>;

export const PVE_CEPH_CONF = '/etc/pve/ceph.conf';
export const CEPH_CONF = '/etc/ceph/ceph.conf';
export const ADMIN_KEYRING = '/etc/pve/priv/ceph.client.admin.keyring';
export const MON_KEYRING = '/etc/pve/priv/ceph.mon.keyring';
export const BOOTSTRAP_OSD_KEYRING = '/var/lib/ceph/bootstrap-osd/ceph.keyring';

export function parseCephConf(text: string): CephConf {
  const cfg: CephConf = {};
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(?<!\\)[;#].*$/, '').trim();
    if (!line) continue;
    const header = /^\[(\S+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      cfg[section] ??= {};
      continue;
    }
    const kv = /^(.*?\S)\s*=\s*(\S.*)$/.exec(line);
    if (section && kv) (cfg[section] as Record<string, string>)[(kv[1] as string).replace(/[- ]/g, '_')] = kv[2] as string;
  }
  return cfg;
}

/** PVE::CephConfig::write_ceph_config: sections in a fixed order of kinds, each sorted, keys sorted, one tab. */
export function writeCephConf(cfg: CephConf): string {
  const order = [/^global$/, /^client$/, /^client\..*$/, /^mds$/, /^mds\..*$/, /^mon$/, /^mon\..*$/, /^osd$/, /^osd\..*$/, /^mgr$/, /^mgr\..*$/, /^.*$/];
  const written = new Set<string>();
  let out = '';
  for (const re of order) {
    for (const section of Object.keys(cfg).sort()) {
      if (!re.test(section) || written.has(section)) continue;
      written.add(section);
      out += `[${section}]\n`;
      const keys = cfg[section] as Record<string, string>;
      for (const key of Object.keys(keys).sort()) out += `\t${key} = ${keys[key]}\n`;
      out += '\n';
    }
  }
  return out;
}

/** The addresses of `mon_host`, whatever its form (`a b`, `a,b`, `[v2:a:3300/0,v1:a:6789/0]`). */
export function monHostAddresses(monHost: string | undefined): string[] {
  if (!monHost) return [];
  const out: string[] = [];
  for (const part of monHost.split(/[\s,;]+/)) {
    const ip = part.replace(/^\[?v\d+:/, '').replace(/\/\d+\]?$/, '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (/^\d+\.\d+\.\d+\.\d+$/.test(ip) && !out.includes(ip)) out.push(ip);
  }
  return out;
}

/** A cephx secret as `ceph-authtool --gen-print-key` prints it: CryptoKey (AES, creation time, 16 bytes) in base64. */
export function cephxKey(nowMs: number): string {
  const buf = Buffer.alloc(28);
  buf.writeUInt16LE(1, 0);
  buf.writeUInt32LE(Math.floor(nowMs / 1000), 2);
  buf.writeUInt32LE((nowMs % 1000) * 1_000_000, 6);
  buf.writeUInt16LE(16, 10);
  randomBytes(16).copy(buf, 12);
  return buf.toString('base64');
}

export interface AuthEntity {
  key: string;
  caps: Record<string, string>;
}

/** A keyring section as `ceph auth get` and ceph-authtool write it, caps sorted by service. */
export function keyringText(entity: string, auth: AuthEntity): string {
  let out = `[${entity}]\n\tkey = ${auth.key}\n`;
  for (const svc of Object.keys(auth.caps).sort()) out += `\tcaps ${svc} = "${auth.caps[svc]}"\n`;
  return out;
}

/** The `key = ...` of an entity in a keyring file, or undefined. */
export function keyringKey(text: string, entity: string): string | undefined {
  const section = parseCephConf(text)[entity];
  return section?.['key'];
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** PVE::JSONSchema's CIDR format (IPv4 here). */
export function isCidr(value: string): boolean {
  const m = CIDR.exec(value);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const m = CIDR.exec(cidr);
  if (!m || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
  const bits = Number(m[5]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(m.slice(1, 5).join('.')) & mask) >>> 0);
}
