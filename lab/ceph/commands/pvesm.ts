import type { ExecResult } from 'just-bash';
import { isResult, parseParams, pmxcfsDown, type ParamSpec } from '../../commands/pveCli';
import { fail, ok, type LabCommand, type NodeContext } from '../../commands/types';
import { poolMaxAvail, poolStored } from '../report';
import { addSection, isStorageId, parseStorageCfg, removeSection, STORAGE_CFG, type StorageSection } from '../storageCfg';

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

/** The rbd plugin's options `pvesm add rbd` takes here (PVE::Storage::RBDPlugin). */
const RBD_OPTIONS: Record<string, ParamSpec> = {
  type: { type: 'string' },
  storage: { type: 'string' },
  pool: { type: 'string' },
  content: { type: 'string' },
  krbd: { type: 'boolean' },
  nodes: { type: 'string' },
  disable: { type: 'boolean' },
  monhost: { type: 'string' },
  username: { type: 'string' },
  'data-pool': { type: 'string' },
};

/**
 * `pvesm add rbd ID --pool POOL ...` (PVE::API2::Storage::Config::create): the section written
 * under the storage config lock, keys sorted as PVE writes them; silent on success.
 */
async function add(args: string[], node: NodeContext): Promise<ExecResult> {
  const usage = 'pvesm add <type> <storage> [OPTIONS]';
  const params = parseParams(usage, args, ['type', 'storage'], RBD_OPTIONS);
  if (isResult(params)) return params;
  const type = String(params['type']);
  if (type !== 'rbd') return fail(`pvesm add ${type}: not simulated by the lab twin (rbd is)\n`, 255);
  const id = String(params['storage']);
  if (!isStorageId(id)) return fail(`400 Parameter verification failed.\nstorage: invalid format - storage ID '${id}' contains illegal characters\n\n${usage}\n`, 255);
  if (!node.cluster.cfsQuorate(node.name)) return fail("create storage failed: cfs-lock 'file-storage_cfg' error: no quorum!\n", 255);
  const text = await node.fs.readFile(STORAGE_CFG).catch(() => '');
  if (parseStorageCfg(text).some((s) => s.id === id)) return fail(`create storage failed: storage ID '${id}' already defined\n`, 255);
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'type' && k !== 'storage') props[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  const section: StorageSection = { type, id, props: Object.fromEntries(Object.keys(props).sort().map((k) => [k, props[k] as string])) };
  await node.fs.writeFile(STORAGE_CFG, addSection(text, section));
  return ok();
}

/** `pvesm remove ID` (PVE::API2::Storage::Config::delete): the section goes, the others stay as written. */
async function remove(args: string[], node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvesm remove <storage>', args, ['storage'], { storage: { type: 'string' } });
  if (isResult(params)) return params;
  const id = String(params['storage']);
  if (!node.cluster.cfsQuorate(node.name)) return fail("delete storage failed: cfs-lock 'file-storage_cfg' error: no quorum!\n", 255);
  const text = await node.fs.readFile(STORAGE_CFG).catch(() => '');
  if (!parseStorageCfg(text).some((s) => s.id === id)) return fail(`delete storage failed: storage '${id}' does not exist\n`, 255);
  await node.fs.writeFile(STORAGE_CFG, removeSection(text, id));
  return ok();
}

/** pvesm (PVE::CLI::pvesm): `status`, the storages this node sees with their sizes in KiB; `add rbd` and `remove`. */
export const pvesm: LabCommand = {
  name: 'pvesm',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const down = pmxcfsDown(node);
    if (down) return down;
    if (args[0] === 'status') return status(args.slice(1), node);
    if (args[0] === 'add') return add(args.slice(1), node);
    if (args[0] === 'remove') return remove(args.slice(1), node);
    if (args[0] === undefined) return fail('ERROR: no command specified\nUSAGE: pvesm <COMMAND> [ARGS] [OPTIONS]\n', 255);
    return fail(`pvesm ${args[0]}: not simulated by the lab twin\n`, 255);
  },
};
