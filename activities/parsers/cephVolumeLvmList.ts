import { z } from 'zod';
import { result } from './result';
import { check, readJsonDoc } from './json';

export const CephVolumeLvmList = z.object({
  /** Sorted by id; empty when the node has no OSD (`{}`), which is what an idempotency check looks for. */
  osds: z.array(
    z.object({
      id: z.number().int(),
      osdFsid: z.string().optional(),
      clusterFsid: z.string().optional(),
      /** True when the OSD's LVs are dm-crypt encrypted. */
      encrypted: z.boolean().optional(),
      /** The OSD's logical volumes: `block`, and `db` / `wal` when they are separate. */
      devices: z.array(
        z.object({
          /** block | db | wal | data | journal */
          type: z.string(),
          lvPath: z.string(),
          vg: z.string(),
          lv: z.string(),
          lvUuid: z.string().optional(),
          /** As LVM prints it, e.g. `<8.00g`. */
          lvSize: z.string().optional(),
          /** The physical devices under the LV. */
          devices: z.array(z.string()).optional(),
          deviceClass: z.string().optional(),
        }),
      ),
      /** db or wal on a plain partition (not an LV): ceph-volume lists it by path only. */
      partitions: z.array(z.object({ type: z.string(), path: z.string(), partUuid: z.string().optional() })),
    }),
  ),
});
export type CephVolumeLvmList = z.infer<typeof CephVolumeLvmList>;

const Lv = z.object({
  type: z.string(),
  lv_path: z.string(),
  vg_name: z.string(),
  lv_name: z.string(),
  lv_uuid: z.string().optional(),
  lv_size: z.string().optional(),
  devices: z.array(z.string()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
const Partition = z.object({ type: z.string(), path: z.string(), tags: z.record(z.string(), z.string()).optional() });
const Input = z.record(z.string().regex(/^\d+$/, 'OSD ids are numbers'), z.array(z.looseObject({ type: z.string() })));

/** `ceph-volume lvm list --format json`: OSD id → its LVs (and partitions for a db/wal given as one). */
export function parseCephVolumeLvmList(text: string): CephVolumeLvmList {
  const kind = 'ceph-volume-lvm-list';
  const doc = readJsonDoc(kind, text);
  const input = check(kind, doc, Input);
  const osds = Object.entries(input).map(([id, entries]) => {
    const osd: CephVolumeLvmList['osds'][number] = { id: Number(id), devices: [], partitions: [] };
    entries.forEach((e, i) => {
      if (!('lv_path' in e)) {
        const p = check(kind, doc, Partition, e, [id, i]);
        osd.partitions.push({ type: p.type, path: p.path, ...(p.tags?.['PARTUUID'] ? { partUuid: p.tags['PARTUUID'] } : {}) });
        return;
      }
      const lv = check(kind, doc, Lv, e, [id, i]);
      const tags = lv.tags ?? {};
      osd.osdFsid ??= tags['ceph.osd_fsid'];
      osd.clusterFsid ??= tags['ceph.cluster_fsid'];
      if (tags['ceph.encrypted'] !== undefined) osd.encrypted ??= tags['ceph.encrypted'] === '1';
      const deviceClass = tags['ceph.crush_device_class'];
      osd.devices.push({
        type: lv.type,
        lvPath: lv.lv_path,
        vg: lv.vg_name,
        lv: lv.lv_name,
        lvUuid: lv.lv_uuid,
        lvSize: lv.lv_size,
        devices: lv.devices,
        // ceph-volume writes the Python None when no class was given.
        ...(deviceClass && deviceClass !== 'None' ? { deviceClass } : {}),
      });
    });
    return osd;
  });
  return result(kind, CephVolumeLvmList, { osds: osds.sort((a, b) => a.id - b.id) });
}
