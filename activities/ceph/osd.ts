import { ApplicationFailure } from '@temporalio/common';
import { parseCephOsdDumpJson, parseCephOsdTreeJson, parseCephVolumeLvmList, parseLvmReportJson } from '../parsers';
import { Remote, SshDeps } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { where } from '../ssh/errors';
import { NodeTask } from '../nodes/task';
import type { NodeDiskLayout } from '../../common/hyperConverged';
import { cephFailure } from './errors';
import { awaitTransientUnit, inTransientUnit } from '../ssh/transientUnit';

/** `ceph-volume lvm create` runs detached in this unit: a worker killed mid-create does not cut it, and a retry waits for it. */
const OSD_UNIT = 'pve-runbooks-osd';
import { LVS, PVS } from '../disks/inspect';

export interface OsdResult {
  status: 'done' | 'already' | 'activated';
  id: number;
  /** What a killed earlier attempt had left and this run removed. */
  cleaned: string[];
  /** The OSD's data volume `VG/LV` and its DB device: where a rollback looks for this OSD. */
  data?: string;
  db?: string;
  /** Whether the node's CRUSH host bucket was there before this creation (`added`: the new OSD brought it). */
  hostBucket?: 'added' | 'existing';
}

/** Whether CRUSH has a host bucket for the node; undefined when the tree cannot be read (only a record for a rollback, never a reason to fail). */
async function crushHostBucket(remote: Remote, node: string): Promise<'added' | 'existing' | undefined> {
  const r = await remote.run('ceph osd tree -f json', { label: 'ceph osd tree' });
  if (r.exitCode !== 0) return undefined;
  try {
    return parseCephOsdTreeJson(r.stdout).nodes.some((n) => n.type === 'host' && n.name === node) ? 'existing' : 'added';
  } catch {
    return undefined;
  }
}

const osdStateCommand = (db: string) =>
  [
    section('list', 'ceph-volume lvm list --format json 2>/dev/null || echo "{}"'),
    section('dump', 'ceph osd dump -f json'),
    section('lvs', LVS),
    section('pvs', PVS),
    section('dbsig', `wipefs -n ${quoteArg(db)} 2>/dev/null || true`),
  ].join('; ');

interface OsdState {
  /** The OSD ceph-volume knows on our data LV, and whether the cluster has it under the same fsid. */
  ours?: { id: number; fsid?: string; registered: boolean; up: boolean; neverBooted: boolean };
  /** Allocated by `ceph osd new` but never booted: what a ceph-volume killed before mkfs leaves. */
  neverBooted: number[];
  /** ceph.* tags on the data LV without an OSD ceph-volume can list. */
  staleTags: boolean;
  /** The DB device carries LVM (or any signature) although no listed OSD uses it: a killed ceph-volume's leftovers. */
  staleDb: boolean;
}

async function readState(remote: Remote, d: NodeDiskLayout): Promise<OsdState> {
  const s = parseSections(await remote.check(osdStateCommand(d.db), { label: 'ceph-volume lvm list, ceph osd dump, lvs, pvs' }));
  const t = remote.target;
  const list = readOutput(t, 'ceph-volume lvm list --format json', () => parseCephVolumeLvmList(s.list ?? '{}'));
  const dump = readOutput(t, 'ceph osd dump -f json', () => parseCephOsdDumpJson(s.dump ?? ''));
  const lvs = readOutput(t, 'lvs', () => parseLvmReportJson(s.lvs ?? ''));
  const pvs = readOutput(t, 'pvs', () => parseLvmReportJson(s.pvs ?? ''));
  const listed = list.osds.find((o) => o.devices.some((dev) => dev.type === 'block' && dev.vg === d.volumeGroup && dev.lv === d.logicalVolume));
  const inCluster = listed ? dump.osds.find((o) => o.id === listed.id) : undefined;
  const dataLv = lvs.lv.find((l) => l.vg === d.volumeGroup && l.name === d.logicalVolume);
  // An entry without a block volume is half-tagged: ceph-volume was stopped between tagging the DB and the data.
  const complete = list.osds.filter((o) => o.devices.some((dev) => dev.type === 'block'));
  const dbInUse = complete.some((o) => o.devices.some((dev) => dev.type === 'db' && (dev.devices ?? []).includes(d.db)));
  const dbMarked = pvs.pv.some((p) => p.name === d.db) || (s.dbsig ?? '').trim().length > 0;
  const knownFsids = new Set(complete.map((o) => o.osdFsid).filter(Boolean));
  return {
    ours: listed
      ? { id: listed.id, fsid: listed.osdFsid, registered: !!inCluster && (!listed.osdFsid || !inCluster.uuid || inCluster.uuid === listed.osdFsid), up: !!inCluster?.up, neverBooted: !!inCluster?.state.includes('new') }
      : undefined,
    neverBooted: dump.osds.filter((o) => o.state.includes('new') && !o.up && !(o.uuid && knownFsids.has(o.uuid))).map((o) => o.id),
    staleTags: !listed && (dataLv?.tags ?? []).some((tag) => tag.startsWith('ceph.')),
    staleDb: !listed && !dbInUse && dbMarked,
  };
}

/**
 * One OSD on the array's LV with its DB on the NVMe device, exactly once. `ceph-volume lvm list`
 * is the guard. A ceph-volume killed halfway (the worker died, the SSH session took it along)
 * leaves an OSD id that never booted, tags on the data LV and a DB volume group: they are
 * removed before the one `ceph-volume lvm create` that completes. An OSD prepared but not
 * activated is activated rather than created again. OSDs are created one node at a time, so an
 * id that never booted is never another node's OSD in the making.
 */
export function osdActivities(deps: SshDeps) {
  return {
    async ensureOsd(task: NodeTask, d: NodeDiskLayout): Promise<OsdResult> {
      const remote = Remote.of(task.node, task, deps);
      const vglv = `${d.volumeGroup}/${d.logicalVolume}`;
      const volumes = { data: vglv, db: d.db };
      await remote.check(awaitTransientUnit(OSD_UNIT), { label: `wait for an earlier ${OSD_UNIT}`, timeoutMs: 30 * 60_000 });
      const state = await readState(remote, d);
      const ours = state.ours;
      if (ours?.registered && ours.up) return { status: 'already', id: ours.id, cleaned: [], ...volumes };
      if (ours?.registered && ours.fsid) {
        const r = await remote.run(cmd('ceph-volume', 'lvm', 'activate', String(ours.id), ours.fsid), { label: `ceph-volume lvm activate ${ours.id}`, timeoutMs: 10 * 60_000 });
        if (r.exitCode === 0) return { status: 'activated', id: ours.id, cleaned: [], ...volumes };
        // An OSD that has run once holds data: only one that never booted may be thrown away.
        if (!ours.neverBooted) throw cephFailure(remote.target, `ceph-volume lvm activate ${ours.id}`, r);
      }
      // From here on nothing on these devices is a working OSD: what is there is an interrupted attempt's.
      const cleaned: string[] = [];
      const cleanup: string[] = [];
      const purge = new Set(state.neverBooted);
      if (ours?.registered) purge.add(ours.id);
      for (const id of purge) {
        cleanup.push(`ceph osd purge ${id} --yes-i-really-mean-it`);
        cleaned.push(`osd.${id} (allocated, never running)`);
      }
      if (ours || state.staleTags) {
        cleanup.push(cmd('ceph-volume', 'lvm', 'zap', vglv));
        cleaned.push(`ceph tags on ${vglv}`);
      }
      if (ours || state.staleDb) {
        cleanup.push(cmd('ceph-volume', 'lvm', 'zap', '--destroy', d.db));
        cleaned.push(`what an interrupted creation left on ${d.db}`);
      }
      if (cleanup.length) {
        const r = await remote.run(cleanup.join(' && '), { label: 'remove what an interrupted OSD creation left', timeoutMs: 5 * 60_000 });
        if (r.exitCode !== 0) throw cephFailure(remote.target, 'cleanup of an interrupted OSD creation', r);
      }
      const hostBucket = await crushHostBucket(remote, task.node.name);
      const create = inTransientUnit(OSD_UNIT, ['ceph-volume', 'lvm', 'create', '--data', vglv, '--block.db', d.db]);
      const r = await remote.run(create, { label: `ceph-volume lvm create --data ${vglv}`, timeoutMs: 30 * 60_000 });
      if (r.exitCode !== 0) throw cephFailure(remote.target, `ceph-volume lvm create --data ${vglv} --block.db ${d.db}`, r);
      const after = await readState(remote, d);
      if (!after.ours?.registered) throw ApplicationFailure.retryable(`${where(remote.target)}: ceph-volume lvm create succeeded but no OSD of the cluster is on ${vglv}.`, 'OsdMissing');
      return { status: 'done', id: after.ours.id, cleaned, ...volumes, ...(hostBucket ? { hostBucket } : {}) };
    },
  };
}
