import { flattenLsblk, parseLsblkJson, parseLvmReportJson, parseMdstat } from '../parsers';
import type { Mdstat } from '../parsers';
import { Remote, SshDeps } from '../ssh/remote';
import { parseSections, section } from '../ssh/script';
import { readOutput } from '../ssh/readOutput';
import { NodeTask } from '../nodes/task';
import { mdName, type NodeDiskLayout } from '../../common/hyperConverged';

export interface DiskState {
  path: string;
  present: boolean;
  sizeBytes: number | null;
  /** Why the disk cannot be used, or null when it is blank or already ours. */
  busy: string | null;
  /** It already carries our array or our OSD's DB: a re-run, not a conflict. */
  ours: boolean;
}

export interface StorageState {
  node: string;
  members: DiskState[];
  db: DiskState;
  /** Our array as /proc/mdstat shows it, null when it is not assembled. */
  array: Mdstat['arrays'][number] | null;
  arraySizeBytes: number | null;
  /** The array's ARRAY line is in /etc/mdadm/mdadm.conf. */
  arrayPersisted: boolean;
  volumeGroup: boolean;
  logicalVolume: { path: string; sizeBytes: number | null; tags: string[] } | null;
}

const LSBLK = 'lsblk -J -b -o NAME,PATH,TYPE,SIZE,ROTA,FSTYPE,MOUNTPOINT,MODEL';
export const LVS = 'lvs --reportformat json --units b --nosuffix -o lv_name,vg_name,lv_path,lv_size,lv_tags,devices';
export const PVS = 'pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_size,pv_free';

export const STORAGE_STATE_COMMAND = [
  section('lsblk', LSBLK),
  section('mdstat', 'cat /proc/mdstat'),
  section('mdadmconf', 'cat /etc/mdadm/mdadm.conf 2>/dev/null || true'),
  section('scan', 'mdadm --detail --scan 2>/dev/null || true'),
  section('pvs', `${PVS} 2>/dev/null || echo '{"report":[{"pv":[]}]}'`),
  section('lvs', `${LVS} 2>/dev/null || echo '{"report":[{"lv":[]}]}'`),
].join('; ');

/**
 * What the node's disks are, in one round trip: lsblk for presence, size and holders, mdstat for
 * the array, LVM for the volume group and the OSD's LV. A disk is busy when it has partitions, a
 * signature or holders that are not this build's own.
 */
export function storageState(t: Remote['target'], node: string, d: NodeDiskLayout, s: Record<string, string>): StorageState {
  const lsblk = readOutput(t, LSBLK, () => parseLsblkJson(s.lsblk ?? ''));
  const mdstat = readOutput(t, 'cat /proc/mdstat', () => parseMdstat(s.mdstat ?? ''));
  const pvs = readOutput(t, 'pvs', () => parseLvmReportJson(s.pvs ?? ''));
  const lvs = readOutput(t, 'lvs', () => parseLvmReportJson(s.lvs ?? ''));
  const md = mdName(d.array);
  const array = mdstat.arrays.find((a) => a.name === md) ?? null;
  const lv = lvs.lv.find((l) => l.vg === d.volumeGroup && l.name === d.logicalVolume) ?? null;
  const osdDb = lv?.tags.find((tag) => tag.startsWith('ceph.db_device='))?.slice('ceph.db_device='.length);
  const dbVgs = new Set(lvs.lv.filter((l) => l.tags.includes('ceph.type=db')).map((l) => l.vg));
  const top = lsblk.devices;

  const disk = (path: string, role: 'member' | 'db'): DiskState => {
    const dev = top.find((x) => x.path === path || `/dev/${x.name}` === path);
    if (!dev) return { path, present: false, sizeBytes: null, busy: null, ours: false };
    const children = flattenLsblk(dev.children ?? []);
    const parts = children.filter((c) => c.type === 'part');
    const mounted = [dev, ...children].find((c) => c.mountpoint);
    const inMd = children.filter((c) => c.type.startsWith('raid') || c.type === 'md').map((c) => c.name);
    const pv = pvs.pv.find((p) => p.name === path);
    if (role === 'member' && inMd.length && inMd.every((n) => n === md) && array?.members.some((m) => `/dev/${m.device}` === path || m.device === path.replace('/dev/', ''))) {
      return { path, present: true, sizeBytes: dev.sizeBytes, busy: null, ours: true };
    }
    if (role === 'db' && pv?.vg && dbVgs.has(pv.vg) && (osdDb === undefined || osdDb.startsWith(`/dev/${pv.vg}/`) || osdDb === path)) {
      return { path, present: true, sizeBytes: dev.sizeBytes, busy: null, ours: true };
    }
    let busy: string | null = null;
    if (mounted) busy = `mounted on ${mounted.mountpoint}`;
    else if (parts.length) busy = `has partitions (${parts.map((p) => p.name).join(', ')})`;
    else if (inMd.length) busy = `is a member of md array ${[...new Set(inMd)].join(', ')}`;
    else if (pv) busy = `is an LVM physical volume${pv.vg ? ` of volume group ${pv.vg}` : ''}`;
    else if (children.some((c) => c.type === 'lvm')) busy = 'holds LVM volumes';
    else if (dev.fstype) busy = `carries a ${dev.fstype} signature (wipe it with \`wipefs -a ${path}\` if it is really unused)`;
    return { path, present: true, sizeBytes: dev.sizeBytes, busy, ours: false };
  };

  const arrayDev = flattenLsblk(top).find((x) => x.name === md && x.type.startsWith('raid'));
  const scan = (s.scan ?? '').split('\n').find((l) => l.startsWith(`ARRAY ${d.array} `) || l.startsWith(`ARRAY /dev/md/${md} `));
  const uuid = /UUID=(\S+)/.exec(scan ?? '')?.[1];
  return {
    node,
    members: d.raidMembers.map((m) => disk(m, 'member')),
    db: disk(d.db, 'db'),
    array,
    arraySizeBytes: arrayDev?.sizeBytes ?? (array ? array.blocks * 1024 : null),
    arrayPersisted: !!uuid && (s.mdadmconf ?? '').split('\n').some((l) => l.startsWith('ARRAY') && l.includes(uuid)),
    volumeGroup: pvs.pv.some((p) => p.vg === d.volumeGroup) || lvs.lv.some((l) => l.vg === d.volumeGroup),
    logicalVolume: lv ? { path: lv.path ?? `/dev/${lv.vg}/${lv.name}`, sizeBytes: lv.sizeBytes, tags: lv.tags } : null,
  };
}

export function inspectActivities(deps: SshDeps) {
  return {
    async inspectStorage(task: NodeTask, disks: NodeDiskLayout): Promise<StorageState> {
      const remote = Remote.of(task.node, task, deps);
      return storageState(remote.target, task.node.name, disks, parseSections(await remote.check(STORAGE_STATE_COMMAND, { label: 'inspect disks' })));
    },
  };
}
