import type { ExecResult } from 'just-bash';
import { isResult, parseParams, pmxcfsDown } from '../../commands/pveCli';
import { fail, ok, type LabCommand, type NodeContext } from '../../commands/types';
import { poolMaxAvail, poolStored } from '../report';
import { parseStorageCfg, STORAGE_CFG, type StorageSection } from '../storageCfg';

interface StorageStatus {
  id: string;
  type: string;
  enabled: boolean;
  active: boolean;
  total: number;
  used: number;
  avail: number;
}

/** What a fresh PVE root filesystem holds (the OS, /var/lib/vz's templates directory structure). */
const ROOT_USED_BYTES = 3.6 * 2 ** 30;

/** The storage plugins' status(): sizes from the node's disks, and for rbd from the Ceph cluster. */
function pluginStatus(node: NodeContext, s: StorageSection): Omit<StorageStatus, 'id' | 'type' | 'enabled'> {
  const down = { active: false, total: 0, used: 0, avail: 0 };
  if (s.type === 'dir' && s.props['path']?.startsWith('/var/lib/vz')) {
    const root = node.storage.lv('pve', 'root');
    if (!root) return down;
    // ext4's own metadata takes about 2% of the LV; 5% is reserved for root, which df does not count as available.
    const total = Math.floor(root.sizeBytes * 0.9785);
    return { active: true, total, used: ROOT_USED_BYTES, avail: Math.floor(total * 0.95 - ROOT_USED_BYTES) };
  }
  if (s.type === 'lvmthin') {
    const pool = node.storage.lv(s.props['vgname'] ?? '', s.props['thinpool'] ?? '');
    if (!pool) return down;
    return { active: true, total: pool.sizeBytes, used: 0, avail: pool.sizeBytes };
  }
  if (s.type === 'rbd') {
    const ceph = node.ceph;
    const name = s.props['pool'] ?? 'rbd';
    if (!ceph.exists || !ceph.quorate() || !ceph.poolExists(name)) return down;
    const snap = ceph.snapshot();
    const size = ceph.pool(name)?.size ?? 3;
    const used = poolStored(snap, name);
    const avail = poolMaxAvail(snap, size);
    return { active: true, total: used + avail, used, avail };
  }
  return down;
}

function statusTable(node: NodeContext, rows: StorageStatus[]): string {
  const width = Math.max(0, ...rows.map((r) => r.id.length)) + 1;
  const kib = node.release.major === 9 ? ' (KiB)' : '';
  let out = `${'Name'.padEnd(width)} ${'Type'.padStart(10)} ${'Status'.padStart(10)} ${`Total${kib}`.padStart(15)} ${`Used${kib}`.padStart(15)} ${`Available${kib}`.padStart(15)} ${'%'.padStart(8)}\n`;
  for (const r of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const status = r.enabled ? (r.active ? 'active' : 'inactive') : 'disabled';
    const percent = r.enabled ? `${(r.total > 0 ? (r.used * 100) / r.total : 0).toFixed(2).padStart(7)}%` : 'N/A'.padStart(8);
    const k = (n: number) => String(Math.floor(n / 1024)).padStart(15);
    out += `${r.id.padEnd(width)} ${r.type.padStart(10)} ${status.padStart(10)} ${k(r.total)} ${k(r.used)} ${k(r.avail)} ${percent}\n`;
  }
  return out;
}

async function status(args: string[], node: NodeContext): Promise<ExecResult> {
  const usage = 'pvesm status  [OPTIONS]';
  const params = parseParams(usage, args, [], { storage: { type: 'string' }, content: { type: 'string' }, enabled: { type: 'boolean' }, format: { type: 'boolean' }, target: { type: 'string' } });
  if (isResult(params)) return params;
  const sections = parseStorageCfg(await node.fs.readFile(STORAGE_CFG).catch(() => ''));
  const wanted = params['storage'] === undefined ? undefined : String(params['storage']);
  if (wanted !== undefined && !sections.some((s) => s.id === wanted)) return fail(`storage '${wanted}' does not exist\n`, 255);
  const rows: StorageStatus[] = [];
  for (const s of sections) {
    if (wanted !== undefined && s.id !== wanted) continue;
    const nodes = s.props['nodes']?.split(',');
    if (nodes && !nodes.includes(node.name)) continue;
    const enabled = s.props['disable'] === undefined;
    if (params['enabled'] === true && !enabled) continue;
    if (params['content'] !== undefined && !(s.props['content'] ?? '').split(',').includes(String(params['content']))) continue;
    const st = enabled ? pluginStatus(node, s) : { active: false, total: 0, used: 0, avail: 0 };
    rows.push({ id: s.id, type: s.type, enabled, ...st });
  }
  return ok(statusTable(node, rows));
}

/** pvesm (PVE::CLI::pvesm): `status`, the storages this node sees with their sizes in KiB. */
export const pvesm: LabCommand = {
  name: 'pvesm',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const down = pmxcfsDown(node);
    if (down) return down;
    if (args[0] === 'status') return status(args.slice(1), node);
    if (args[0] === undefined) return fail('ERROR: no command specified\nUSAGE: pvesm <COMMAND> [ARGS] [OPTIONS]\n', 255);
    return fail(`pvesm ${args[0]}: not simulated by the lab twin\n`, 255);
  },
};
