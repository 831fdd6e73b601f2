import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  parseCephMonStatJson,
  parseCephOsdDumpJson,
  parseCephOsdPoolLsJson,
  parseCephOsdTreeJson,
  parseCephVolumeLvmList,
  parseLvmReportJson,
  parseMdadmDetailScan,
  parseMdstat,
} from '../parsers';
import { readJson } from '../parsers/json';
import { result } from '../parsers/result';
import { ParseError } from '../parsers/errors';
import { contentLines, quote } from '../parsers/text';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import { LVS, PVS } from '../disks/inspect';
import type { OsdVolumeResult, PersistRaidResult, RaidArrayResult } from '../disks/raid';
import type { OsdResult } from '../ceph/osd';
import type { PoolResult } from '../ceph/pool';
import { cephFailure } from '../ceph/errors';
import { SYSTEM_POOLS, destroyDaemonsOn, destroyOsdCommand, destroyPoolsOn, must, purgeOn } from '../ceph/teardown';
import { mdName } from '../../common/hyperConverged';
import type { UndoResult } from './ssh';

const MDADM_CONF = '/etc/mdadm/mdadm.conf';
const PVE_CEPH_CONF = '/etc/pve/ceph.conf';
const VGS = 'vgs --reportformat json --units b --nosuffix -o vg_name,pv_count,lv_count,vg_size,vg_free,vg_tags';

const done = (what: string[]): UndoResult => ({ status: 'done', detail: what.join('; ') });
const already = (detail: string): UndoResult => ({ status: 'already', detail });

/** A refusal no retry can fix: the rollback stops there and says what to do. */
function refuse(remote: Remote, message: string, type = 'RollbackRefused'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${where(remote.target)}: ${message}`, type);
}

// ---- RAID and LVM ---------------------------------------------------------------------------

/** What undoRaidArray needs of ensureRaidArray's result. */
export type RaidUndoRecord = Pick<RaidArrayResult, 'array' | 'members' | 'uuid'>;

/** /proc/mdstat, the running arrays' ARRAY lines, and the Array UUID each member's md superblock names (empty: none). */
export function raidStateCommand(members: string[]): string {
  return [
    section('mdstat', 'cat /proc/mdstat'),
    section('scan', 'mdadm --detail --scan 2>/dev/null || true'),
    ...members.map((m, i) => section(`member${i}`, `mdadm --examine ${quoteArg(m)} 2>/dev/null | sed -n 's/^ *Array UUID : //p'`)),
  ].join('; ');
}

/** An md UUID as mdadm prints it: four groups of eight hex digits joined by colons. */
const MD_UUID = /^[0-9a-f]{8}(:[0-9a-f]{8}){3}$/i;

// ---- storage.cfg ----------------------------------------------------------------------------

export const StorageCfg = z.object({
  storages: z.array(z.object({ type: z.string(), id: z.string(), pool: z.string().optional(), monhost: z.string().optional() })),
});
export type StorageCfg = z.infer<typeof StorageCfg>;

/**
 * /etc/pve/storage.cfg (PVE's section config): `TYPE: ID` then indented `key value` lines. Any
 * storage type is read (plugins add their own); an rbd storage without `pool` uses pool `rbd`.
 */
export function parseStorageCfg(text: string): StorageCfg {
  const kind = 'storage-cfg';
  const storages: StorageCfg['storages'] = [];
  let current: StorageCfg['storages'][number] | undefined;
  // An empty or missing storage.cfg is a valid config with no storage.
  for (const line of text.trim() ? contentLines(kind, text) : []) {
    if (/^\s*#/.test(line.text)) continue;
    const head = /^([a-z][\w-]*):\s*(\S+)\s*$/.exec(line.text);
    if (head) {
      current = { type: head[1]!, id: head[2]! };
      if (current.type === 'rbd') current.pool = 'rbd';
      storages.push(current);
      continue;
    }
    const prop = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line.text);
    if (!prop || !current) throw new ParseError(kind, `cannot read ${quote(line.text)}: expected "TYPE: ID" or an indented property`, line.no);
    if (prop[1] === 'pool') current.pool = prop[2] ?? '';
    if (prop[1] === 'monhost') current.monhost = prop[2] ?? '';
  }
  return result(kind, StorageCfg, { storages });
}

/** `rbd ls -p POOL --format json`: the image names. */
export function parseRbdLsJson(text: string): string[] {
  return readJson('rbd-ls-json', text, z.array(z.string()));
}

// ---- Ceph state -----------------------------------------------------------------------------

interface CephState {
  /** /etc/pve/ceph.conf exists: Ceph is initialised in this cluster. */
  conf: boolean;
  osds: { id: number; up: boolean; in: boolean }[];
  pools: string[];
  mons: string[];
  monCount: number;
}

/** One round trip: whether Ceph is initialised, and then its OSDs, pools and monitors. A monitor that does not answer is a retryable failure. */
async function cephState(remote: Remote): Promise<CephState> {
  const script = [
    `if [ ! -e ${PVE_CEPH_CONF} ]; then echo @none; exit 0; fi`,
    `${section('dump', 'ceph osd dump -f json')} || exit $?`,
    `${section('pools', 'ceph osd pool ls detail -f json')} || exit $?`,
    `${section('mons', 'ceph mon stat -f json')} || exit $?`,
  ].join('\n');
  const r = await remote.run(script, { label: 'ceph osd dump, ceph osd pool ls detail, ceph mon stat' });
  if (r.exitCode !== 0) throw cephFailure(remote.target, 'ceph osd dump, ceph osd pool ls detail, ceph mon stat', r);
  if (r.stdout.split('\n').includes('@none')) return { conf: false, osds: [], pools: [], mons: [], monCount: 0 };
  const s = parseSections(r.stdout);
  const t = remote.target;
  const dump = readOutput(t, 'ceph osd dump -f json', () => parseCephOsdDumpJson(s.dump ?? ''));
  const pools = readOutput(t, 'ceph osd pool ls detail -f json', () => parseCephOsdPoolLsJson(s.pools ?? ''));
  const mons = readOutput(t, 'ceph mon stat -f json', () => parseCephMonStatJson(s.mons ?? ''));
  return {
    conf: true,
    osds: dump.osds.map((o) => ({ id: o.id, up: o.up, in: o.in })),
    pools: pools.pools.map((p) => p.name),
    mons: mons.mons,
    monCount: mons.monCount ?? mons.mons.length,
  };
}

/** What undoOsd needs of ensureOsd's result: the id, and where the OSD lives (its data `VG/LV`, its DB device, whether the run added its CRUSH host). */
export type OsdUndoRecord = Pick<OsdResult, 'id' | 'data' | 'db' | 'hostBucket'>;

interface OsdLocalState {
  conf: boolean;
  inMap?: { up: boolean; in: boolean };
  /** ceph-volume lists this id on this node, on the recorded data LV. */
  listed: boolean;
  /** Listed on this node but on another LV than the record's: not the OSD this run made. */
  listedElsewhere: boolean;
  /** The data LV still carries this OSD's ceph tags. */
  dataTagged: boolean;
  /** The DB device carries LVM or a signature, and no listed OSD uses it. */
  dbLeftover: boolean;
  /** The node's CRUSH host bucket exists and holds nothing. */
  emptyHostBucket: boolean;
}

async function osdState(remote: Remote, node: string, rec: OsdUndoRecord): Promise<OsdLocalState> {
  const script = [
    section('conf', `[ -e ${PVE_CEPH_CONF} ] && echo yes || echo no`),
    section('dump', `if [ -e ${PVE_CEPH_CONF} ]; then ceph osd dump -f json || echo @dump-failed; fi`),
    section('tree', `if [ -e ${PVE_CEPH_CONF} ]; then ceph osd tree -f json || echo @tree-failed; fi`),
    section('list', 'ceph-volume lvm list --format json 2>/dev/null || echo "{}"'),
    section('lvs', LVS),
    section('pvs', PVS),
    section('dbsig', rec.db ? `wipefs -n ${quoteArg(rec.db)} 2>/dev/null || true` : 'true'),
  ].join('; ');
  const s = parseSections(await remote.check(script, { label: 'ceph osd dump, ceph osd tree, ceph-volume lvm list, lvs, pvs' }));
  const t = remote.target;
  const conf = s.conf === 'yes';
  if (conf && ('dump-failed' in s || 'tree-failed' in s || !s.dump || !s.tree)) {
    throw ApplicationFailure.retryable(`${where(t)}: ceph osd dump / ceph osd tree did not answer; the monitors may be electing.`, 'CephUnreachable');
  }
  const dump = conf ? readOutput(t, 'ceph osd dump -f json', () => parseCephOsdDumpJson(s.dump ?? '')) : undefined;
  const tree = conf ? readOutput(t, 'ceph osd tree -f json', () => parseCephOsdTreeJson(s.tree ?? '')) : undefined;
  const list = readOutput(t, 'ceph-volume lvm list --format json', () => parseCephVolumeLvmList(s.list || '{}'));
  const lvs = readOutput(t, 'lvs', () => parseLvmReportJson(s.lvs ?? ''));
  const pvs = readOutput(t, 'pvs', () => parseLvmReportJson(s.pvs ?? ''));
  const entry = list.osds.find((o) => o.id === rec.id);
  const block = entry?.devices.find((d) => d.type === 'block');
  const onData = !!block && (!rec.data || `${block.vg}/${block.lv}` === rec.data);
  const [vg, lv] = (rec.data ?? '').split('/');
  const dataLv = lvs.lv.find((l) => l.vg === vg && l.name === lv);
  const inMap = dump?.osds.find((o) => o.id === rec.id);
  // Other OSDs of this node: a listing of this id left here is only stale tags (undoOsd destroys a registered one first).
  const complete = list.osds.filter((o) => o.id !== rec.id && o.devices.some((d) => d.type === 'block'));
  const dbInUse = !!rec.db && complete.some((o) => o.devices.some((d) => d.type === 'db' && (d.devices ?? []).includes(rec.db!)));
  const dbMarked = !!rec.db && (pvs.pv.some((p) => p.name === rec.db) || (s.dbsig ?? '').trim().length > 0);
  const host = tree?.nodes.find((n) => n.type === 'host' && n.name === node);
  return {
    conf,
    inMap: inMap ? { up: inMap.up, in: inMap.in } : undefined,
    listed: onData,
    listedElsewhere: !!entry && !onData,
    dataTagged: !!dataLv?.tags.includes(`ceph.osd_id=${rec.id}`),
    dbLeftover: dbMarked && !dbInUse,
    emptyHostBucket: !!host && (host.children ?? []).length === 0,
  };
}

/** What undoPool needs of ensurePool's result. */
export type PoolUndoRecord = Pick<PoolResult, 'name' | 'pool' | 'storage'>;

/**
 * Compensations for the Ceph phase (8). Each reads the node first, removes only what its record
 * names, and answers `already` when nothing of it is left, so a retry or a second rollback is
 * harmless. They run in the reverse order of the forward steps:
 *
 *   undoPool → undoOsd (each node) → undoManager (each) → undoMonitor (each) → undoCephInit
 *   → undoOsdVolume → undoPersistRaidArray → undoRaidArray (each node)
 *
 * installCeph has no compensation: the packages stay (removing them could take away what the
 * node had before, and a later run reuses them).
 */
export function cephRollbackActivities(deps: SshDeps) {
  return {
    /**
     * ensureRaidArray said `done`: the array it created (recognised by UUID, or by its exact
     * members when no UUID was recorded) is stopped, and the md superblock of each recorded
     * member that names that UUID is zeroed. An array of another UUID or members is left alone.
     */
    async undoRaidArray(task: NodeTask, rec: RaidUndoRecord): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const t = remote.target;
      const s = parseSections(await remote.check(raidStateCommand(rec.members), { label: 'cat /proc/mdstat; mdadm --detail --scan; mdadm --examine' }));
      const mdstat = readOutput(t, 'cat /proc/mdstat', () => parseMdstat(s.mdstat ?? ''));
      // No array running: `mdadm --detail --scan` prints nothing at all.
      const scan = (s.scan ?? '').trim() ? readOutput(t, 'mdadm --detail --scan', () => parseMdadmDetailScan(s.scan ?? '')) : { arrays: [] };
      const memberUuid = rec.members.map((_, i) => (s[`member${i}`] ?? '').trim()).map((u) => (MD_UUID.test(u) ? u : ''));
      const name = mdName(rec.array);
      const byName = mdstat.arrays.find((a) => a.name === name);
      const sameMembers = (devs: string[]) => [...devs].sort().join(',') === rec.members.map((m) => m.replace(/^\/dev\//, '')).sort().join(',');
      // The UUID: recorded; else the one every recorded member carries; else the running array's, if made of exactly these members.
      const common = memberUuid.every((u) => u && u === memberUuid[0]) ? memberUuid[0] : undefined;
      const scannedByName = scan.arrays.find((a) => a.device === rec.array || a.device === `/dev/md/${name}` || a.device === `/dev/${name}`);
      const uuid = rec.uuid ?? common ?? (byName && sameMembers(byName.members.map((m) => m.device)) ? (scannedByName?.uuid ?? undefined) : undefined);
      if (!uuid) {
        if (byName) return already(`${rec.array} is running but is not made of ${rec.members.join(' ')}: not this run's array, left alone`);
        return already(`no array of ${rec.members.join(' ')} is running and no member carries its superblock`);
      }
      // Running under its own name, or under another one (md127 after a reboot without mdadm.conf).
      const running = scan.arrays.find((a) => a.uuid === uuid && a.device);
      const what: string[] = [];
      if (running?.device) {
        const r = await remote.run(cmd('mdadm', '--stop', running.device), { label: `mdadm --stop ${running.device}` });
        if (r.exitCode !== 0) {
          const f = commandFailed(t, `mdadm --stop ${running.device}`, r);
          if (/exclusive access|busy|in use/i.test(r.stderr)) throw refuse(remote, `${f.message}. Fix: something still holds ${running.device} (an LVM volume group, a mount): undo ensureOsdVolume first or release it by hand.`, 'RaidBusy');
          throw f;
        }
        what.push(`stopped ${running.device}`);
      } else if (byName) {
        return already(`${rec.array} is running as another array (UUID ${scannedByName?.uuid ?? 'unknown'}, not ${uuid}): not this run's, left alone`);
      }
      const zero = rec.members.filter((_, i) => memberUuid[i] === uuid);
      if (zero.length) {
        const r = await remote.run(cmd('mdadm', '--zero-superblock', ...zero), { label: `mdadm --zero-superblock ${zero.join(' ')}` });
        if (r.exitCode !== 0) throw commandFailed(t, `mdadm --zero-superblock ${zero.join(' ')}`, r);
        what.push(`zeroed the md superblock of ${zero.join(' ')}`);
      }
      return what.length ? done(what) : already(`array ${uuid} is stopped and no member carries its superblock`);
    },

    /**
     * persistRaidArray said conf `added`: that ARRAY line (the last exact copy of it; by UUID
     * when no line was recorded) leaves mdadm.conf, every other byte stays, and the initramfs is
     * rebuilt whenever it is older than mdadm.conf, so a crash between the two is repaired.
     */
    async undoPersistRaidArray(task: NodeTask, rec: Pick<PersistRaidResult, 'line' | 'uuid'>): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      if (!rec.line && !(rec.uuid && MD_UUID.test(rec.uuid))) return already('the record names no ARRAY line');
      const find = rec.line ? `grep -nxF -- ${quoteArg(rec.line)} ${MDADM_CONF}` : `grep -nE ${quoteArg(`^ARRAY .*UUID=${rec.uuid}([[:space:]]|$)`)} ${MDADM_CONF}`;
      const script = [
        `n=$(${find} | tail -n 1 | cut -d: -f1)`,
        `if [ -n "$n" ]; then sed -i "\${n}d" ${MDADM_CONF} && conf=removed || exit 1; else conf=absent; fi`,
        `if [ /boot/initrd.img-$(uname -r) -nt ${MDADM_CONF} ]; then initramfs=current; else update-initramfs -u >/dev/null 2>&1 && initramfs=updated || exit 1; fi`,
        `${section('conf', 'echo $conf')}; ${section('initramfs', 'echo $initramfs')}`,
      ].join('\n');
      const r = await remote.run(script, { label: 'remove the ARRAY line from mdadm.conf; update-initramfs -u', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !s.conf || !s.initramfs) throw commandFailed(remote.target, 'remove the ARRAY line from mdadm.conf; update-initramfs -u', r);
      const what = [...(s.conf === 'removed' ? [`ARRAY line removed from ${MDADM_CONF}`] : []), ...(s.initramfs === 'updated' ? ['initramfs rebuilt'] : [])];
      return what.length ? done(what) : already(`no such ARRAY line in ${MDADM_CONF}; initramfs current`);
    },

    /**
     * ensureOsdVolume said `done`: the LV, VG and PV it made (only those the record names), LV
     * first. An LV that still carries an OSD's tags is refused (undoOsd comes first); a VG that
     * holds other LVs, and a PV in another VG, are kept.
     */
    async undoOsdVolume(task: NodeTask, rec: Pick<OsdVolumeResult, 'pv' | 'vg' | 'lv'>): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const t = remote.target;
      const s = parseSections(await remote.check([section('lvs', LVS), section('vgs', VGS), section('pvs', PVS)].join('; '), { label: 'lvs, vgs, pvs' }));
      const lvs = readOutput(t, 'lvs', () => parseLvmReportJson(s.lvs ?? '')).lv;
      const vgs = readOutput(t, 'vgs', () => parseLvmReportJson(s.vgs ?? '')).vg;
      const pvs = readOutput(t, 'pvs', () => parseLvmReportJson(s.pvs ?? '')).pv;
      const [lvVg, lvName] = (rec.lv ?? '').split('/');
      const lv = rec.lv ? lvs.find((l) => l.vg === lvVg && l.name === lvName) : undefined;
      const steps: string[] = [];
      const kept: string[] = [];
      if (lv) {
        const osd = lv.tags.find((tag) => tag.startsWith('ceph.osd_id='));
        if (osd) throw refuse(remote, `${rec.lv} still carries the tags of osd.${osd.split('=')[1]}: undo ensureOsd first (undoOsd), then this.`, 'VolumeInUse');
        steps.push(cmd('lvremove', '-y', rec.lv!));
      }
      const removingVg = !!rec.vg && vgs.some((v) => v.name === rec.vg);
      if (rec.vg && removingVg) {
        const others = lvs.filter((l) => l.vg === rec.vg && l !== lv);
        if (others.length) kept.push(`VG ${rec.vg} kept: it holds ${others.map((l) => l.name).join(', ')}`);
        else steps.push(cmd('vgremove', rec.vg));
      }
      const vgGoes = removingVg && !kept.length;
      if (rec.pv) {
        const pv = pvs.find((p) => p.name === rec.pv);
        if (pv && (pv.vg === null || pv.vg === '' || (vgGoes && pv.vg === rec.vg))) steps.push(cmd('pvremove', rec.pv));
        else if (pv) kept.push(`PV ${rec.pv} kept: it belongs to VG ${pv.vg}`);
      }
      if (!steps.length) return already(['nothing of it left', ...kept].join('; '));
      const r = await remote.run(steps.join(' && '), { label: steps.join(' && ') });
      if (r.exitCode !== 0) throw commandFailed(t, steps.join(' && '), r);
      return done([...steps, ...kept]);
    },

    /**
     * ensureOsd said `done` (or `activated`): that OSD id only, and only while ceph-volume on this
     * node lists it on the recorded data LV: out, stopped, `pveceph osd destroy ID`; then the
     * data LV's ceph tags are zapped (the LV itself stays: it is ensureOsdVolume's, or was
     * there before) and the DB device's volume group ceph-volume made is destroyed; with
     * hostBucket `added`, the node's CRUSH host bucket goes once empty.
     *
     * Not `--cleanup 1`: ceph-volume would then destroy the data LV and, as the last LV of its
     * VG, the VG and the array's PV, which the record of this step does not name.
     */
    async undoOsd(task: NodeTask, rec: OsdUndoRecord): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const node = task.node.name;
      const what: string[] = [];
      let st = await osdState(remote, node, rec);
      if (st.inMap && !st.listed) {
        return already(`osd.${rec.id} is in the cluster but ceph-volume on ${node} ${st.listedElsewhere ? 'lists it on another volume' : 'does not list it'}${rec.data ? ` (expected ${rec.data})` : ''}: not this run's OSD, left alone`);
      }
      if (st.inMap) {
        const r = await remote.run(destroyOsdCommand(rec.id, false), { label: `pveceph osd destroy ${rec.id}`, timeoutMs: 10 * 60_000 });
        // "osd is still running (up == 1)": the monitors have not seen it stop yet; a retry finds it down.
        if (r.exitCode !== 0) throw cephFailure(remote.target, `ceph osd out ${rec.id}; systemctl stop ceph-osd@${rec.id}; pveceph osd destroy ${rec.id}`, r);
        what.push(`osd.${rec.id} out, stopped and destroyed`);
        st = await osdState(remote, node, rec);
      }
      if (st.dataTagged && rec.data) {
        await must(remote, cmd('ceph-volume', 'lvm', 'zap', rec.data), `ceph-volume lvm zap ${rec.data}`);
        what.push(`ceph tags zapped from ${rec.data}`);
      }
      if (st.dbLeftover && rec.db) {
        await must(remote, cmd('ceph-volume', 'lvm', 'zap', '--destroy', rec.db), `ceph-volume lvm zap --destroy ${rec.db}`);
        what.push(`DB volume on ${rec.db} destroyed`);
      }
      if (rec.hostBucket === 'added' && st.emptyHostBucket) {
        await must(remote, cmd('ceph', 'osd', 'crush', 'remove', node), `ceph osd crush remove ${node}`);
        what.push(`empty CRUSH host ${node} removed`);
      }
      return what.length ? done(what) : already(`osd.${rec.id} is gone from the cluster and from ${node}'s volumes`);
    },

    /**
     * ensurePool: with pool `done`, `pveceph pool destroy NAME` (only while it holds no RBD
     * image), with `--remove_storages 1` when the storages on that pool are just the one this
     * run added; with storage `done` (also when the pool was there before), `pvesm remove NAME`.
     * A storage that was there before the run is never removed, nor a pool.
     */
    async undoPool(task: NodeTask, rec: PoolUndoRecord): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const t = remote.target;
      const name = rec.name;
      if (!name) return already('the record names no pool');
      const poolOurs = rec.pool === 'done';
      const storageOurs = rec.storage === 'done';
      if (!poolOurs && !storageOurs) return already(`pool ${name} and its storage were there before the run`);
      const script = [
        section('cfg', 'cat /etc/pve/storage.cfg 2>/dev/null || true'),
        section('pools', `if [ -e ${PVE_CEPH_CONF} ]; then ceph osd pool ls detail -f json || echo @pools-failed; else echo "[]"; fi`),
      ].join('; ');
      const s = parseSections(await remote.check(script, { label: 'storage.cfg, ceph osd pool ls detail' }));
      if ('pools-failed' in s) throw ApplicationFailure.retryable(`${where(t)}: ceph osd pool ls did not answer; the monitors may be electing.`, 'CephUnreachable');
      const storages = readOutput(t, '/etc/pve/storage.cfg', () => parseStorageCfg(s.cfg ?? '')).storages;
      const pools = readOutput(t, 'ceph osd pool ls detail -f json', () => parseCephOsdPoolLsJson(s.pools || '[]')).pools;
      const what: string[] = [];
      let storageLeft = storages.some((x) => x.id === name);
      if (poolOurs && pools.some((p) => p.name === name)) {
        const images = await remote.run(cmd('rbd', 'ls', '-p', name, '--format', 'json'), { label: `rbd ls -p ${name}` });
        if (images.exitCode !== 0) throw cephFailure(t, `rbd ls -p ${name}`, images);
        const list = readOutput(t, `rbd ls -p ${name} --format json`, () => parseRbdLsJson(images.stdout || '[]'));
        if (list.length) throw refuse(remote, `pool ${name} still holds RBD images (${list.join(', ')}): undo the test VM first, or move or remove those disks; the pool is kept.`, 'PoolInUse');
        const onPool = storages.filter((x) => x.type === 'rbd' && x.pool === name && !x.monhost);
        const removeStorages = storageOurs && onPool.every((x) => x.id === name);
        const destroy = cmd('pveceph', 'pool', 'destroy', name, '--remove_storages', removeStorages ? '1' : '0');
        const r = await remote.run(destroy, { label: `pveceph pool destroy ${name}`, timeoutMs: 10 * 60_000 });
        if (r.exitCode !== 0) {
          if (/pool deletion is disabled/i.test(r.stderr + r.stdout)) throw refuse(remote, `${commandFailed(t, destroy, r).message}. Fix: set mon_allow_pool_delete = true (ceph config set mon mon_allow_pool_delete true), then roll back again.`, 'PoolDeleteDisabled');
          throw cephFailure(t, destroy, r);
        }
        what.push(`pool ${name} destroyed${removeStorages && storageLeft ? ' with its storage' : ''}`);
        if (removeStorages) storageLeft = false;
      }
      if (storageOurs && storageLeft) {
        const r = await remote.run(cmd('pvesm', 'remove', name), { label: `pvesm remove ${name}` });
        if (r.exitCode !== 0 && !/does not exist/i.test(r.stderr)) throw commandFailed(t, `pvesm remove ${name}`, r);
        what.push(`storage ${name} removed`);
      }
      return what.length ? done(what) : already(`no pool or storage ${name} of this run's left`);
    },

    /** ensureManager said `done`: `pveceph mgr destroy NODE` while its data directory exists. */
    async undoManager(task: NodeTask): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const n = task.node.name;
      const dir = `/var/lib/ceph/mgr/ceph-${n}`;
      const r = await remote.run(`if [ -d ${quoteArg(dir)} ]; then ${cmd('pveceph', 'mgr', 'destroy', n)} && echo @destroyed; else echo @absent; fi`, { label: `pveceph mgr destroy ${n}` });
      if (r.stdout.includes('@absent')) return already(`no manager on ${n}`);
      if (r.exitCode !== 0 || !r.stdout.includes('@destroyed')) throw cephFailure(remote.target, `pveceph mgr destroy ${n}`, r);
      return done([`manager ${n} destroyed`]);
    },

    /**
     * ensureMonitor said `done`: `pveceph mon destroy NODE`, except for the last monitor of the
     * cluster, which PVE refuses to destroy: undoCephInit's `pveceph purge` takes it.
     */
    async undoMonitor(task: NodeTask): Promise<UndoResult> {
      const remote = Remote.of(task.node, task, deps);
      const n = task.node.name;
      const dir = `/var/lib/ceph/mon/ceph-${n}`;
      const has = await remote.check(`[ -d ${quoteArg(dir)} ] && echo yes || echo no`, { label: `ls ${dir}` });
      if (has.trim() !== 'yes') return already(`no monitor on ${n}`);
      const st = await cephState(remote);
      if (st.conf && st.monCount <= 1) return already(`${n} runs the last monitor: it goes with pveceph purge (undoCephInit)`);
      await must(remote, cmd('pveceph', 'mon', 'destroy', n), `pveceph mon destroy ${n}`);
      return done([`monitor ${n} destroyed`]);
    },

    /**
     * initCeph said `done`, so the Ceph cluster is this run's: the final Ceph undo. With no OSD
     * and no pool of the operator's left (their undos ran first; anything else is refused), the
     * remaining managers and all monitors but one go, then the managers' own pools, then
     * `pveceph purge` on the node of the last monitor and on every other node of `nodes` (what
     * `pveceph mon/mgr create` and the bootstrap keyring left there), and a `/etc/ceph/ceph.conf`
     * symlink left dangling into /etc/pve. `nodes`: every node Ceph was set up on.
     */
    async undoCephInit(task: NodeTask, nodes: NodeTask[] = []): Promise<UndoResult> {
      const all = [task, ...nodes.filter((n) => n.node.name !== task.node.name)];
      const remote = Remote.of(task.node, task, deps);
      const what: string[] = [];
      const st = await cephState(remote);
      if (st.conf) {
        if (st.osds.length) throw refuse(remote, `Ceph still has OSDs (${st.osds.map((o) => `osd.${o.id}`).join(', ')}): undo them first (undoOsd), or tear Ceph down with destroyCluster --teardown.`, 'CephInUse');
        const userPools = st.pools.filter((p) => !SYSTEM_POOLS.has(p));
        if (userPools.length) throw refuse(remote, `Ceph still has pools (${userPools.join(', ')}): undo them first (undoPool), or tear Ceph down with destroyCluster --teardown.`, 'CephInUse');
        const stranger = st.mons.filter((m) => !all.some((n) => n.node.name === m));
        if (stranger.length) throw refuse(remote, `monitors run on ${stranger.join(', ')}, which are not among the nodes given: pveceph purge would keep the configuration for them.`, 'CephInUse');
        const keep = st.mons.includes(task.node.name) ? task.node.name : st.mons[0];
        // `pveceph init` copied the new cluster's admin key to /etc/ceph on its node, and `pveceph purge`
        // leaves that copy: removed while the cluster's key still proves it is that copy (PVE's own
        // commands read the key from /etc/pve/priv).
        // Likewise the cluster-wide copy of the bootstrap-osd key (ensureBootstrapKeyring's), which purge does not know.
        const shared = '/etc/pve/priv/ceph.client.bootstrap-osd.keyring';
        const bootstrap = await remote.run(`if [ -f ${shared} ] && key=$(ceph auth get client.bootstrap-osd 2>/dev/null) && [ "$key" = "$(cat ${shared})" ]; then rm -f ${shared} && echo @removed; fi`, { label: `rm ${shared}` });
        if (bootstrap.exitCode !== 0) throw commandFailed(remote.target, `rm ${shared}`, bootstrap);
        if (bootstrap.stdout.includes('@removed')) what.push(`${shared} (the cluster's bootstrap-osd key) removed`);
        for (const n of all) {
          const copy = '/etc/ceph/ceph.client.admin.keyring';
          const cluster = '/etc/pve/priv/ceph.client.admin.keyring';
          const r = Remote.of(n.node, n, deps);
          const out = await r.run(`if [ -f ${copy} ] && [ -f ${cluster} ] && diff -q ${copy} ${cluster} >/dev/null 2>&1; then rm -f ${copy} && echo @removed; fi`, { label: `rm ${copy}` });
          if (out.exitCode !== 0) throw commandFailed(r.target, `rm ${copy}`, out);
          if (out.stdout.includes('@removed')) what.push(`${copy} (the cluster's admin key) removed on ${n.node.name}`);
        }
        for (const n of all) {
          const removed = await destroyDaemonsOn(Remote.of(n.node, n, deps), n.node.name, n.node.name === keep);
          what.push(...removed.map((d) => `${d} on ${n.node.name} destroyed`));
        }
        const system = await destroyPoolsOn(remote, { onlySystem: true });
        what.push(...system.map((p) => `pool ${p} deleted`));
        const last = all.find((n) => n.node.name === keep) ?? task;
        if ((await purgeOn(Remote.of(last.node, last, deps))) === 'done') what.push(`pveceph purge on ${last.node.name}`);
      }
      for (const n of all) {
        const r = Remote.of(n.node, n, deps);
        // The cluster's configuration is gone (purged above, or before): a node that still sees it waits for
        // pmxcfs to catch up, as its purge would otherwise keep the keyrings for a "foreign" monitor.
        const leftovers = [
          `for i in 1 2 3 4 5 6 7 8 9 10; do [ -e ${PVE_CEPH_CONF} ] || break; sleep 1; done`,
          `if [ -e ${PVE_CEPH_CONF} ]; then echo @conf-present; exit 0; fi`,
          `if [ -n "$(ls -A /var/lib/ceph/mon 2>/dev/null)$(ls -A /var/lib/ceph/mgr 2>/dev/null)" ] || [ -e /var/lib/ceph/bootstrap-osd/ceph.keyring ]; then`,
          '  pveceph purge >/dev/null || exit $?; echo @purged;',
          'fi',
          `if [ -L /etc/ceph/ceph.conf ] && [ ! -e /etc/ceph/ceph.conf ] && [ "$(readlink /etc/ceph/ceph.conf)" = ${PVE_CEPH_CONF} ]; then rm -f /etc/ceph/ceph.conf && echo @unlinked; fi`,
        ].join('\n');
        const out = await r.run(leftovers, { label: `pveceph purge on ${n.node.name}`, timeoutMs: 10 * 60_000 });
        if (out.exitCode !== 0) throw cephFailure(r.target, `pveceph purge on ${n.node.name}`, out);
        if (out.stdout.includes('@conf-present')) throw ApplicationFailure.retryable(`${where(r.target)}: still sees ${PVE_CEPH_CONF} after the purge; pmxcfs has not caught up yet.`, 'PmxcfsNotReady');
        if (out.stdout.includes('@purged')) what.push(`pveceph purge on ${n.node.name}`);
        if (out.stdout.includes('@unlinked')) what.push(`dangling /etc/ceph/ceph.conf removed on ${n.node.name}`);
      }
      return what.length ? done(what) : already('no Ceph configuration, daemon or keyring left on these nodes');
    },
  };
}
