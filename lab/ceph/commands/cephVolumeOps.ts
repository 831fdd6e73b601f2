import type { NodeContext } from '../../commands/types';
import type { LogicalVolume } from '../../storage/nodeStorage';
import { osdDir } from '../cluster';
import { keyringText, parseCephConf } from '../conf';
import { releaseNumber } from '../releases';
import { createdSymlink } from './pvecephCommon';

/** One LV of an OSD as `ceph-volume lvm list --format json` reports it. */
export interface VolumeEntry {
  devices: string[];
  lv_name: string;
  lv_path: string;
  lv_size: string;
  lv_tags: string;
  lv_uuid: string;
  name: string;
  path: string;
  tags: Record<string, string>;
  type: string;
  vg_name: string;
}

/** ceph-volume's log line prefixes (it writes everything but reports on stderr). */
export const run = (cmd: string) => `Running command: ${cmd}\n`;
export const info = (msg: string) => `--> ${msg}\n`;
export const fromStdout = (text: string) => text.split('\n').filter(Boolean).map((l) => ` stdout: ${l.trim()}\n`).join('');
export const fromStderr = (text: string) => text.split('\n').filter(Boolean).map((l) => ` stderr: ${l.trim()}\n`).join('');

export function tagsOf(lv: LogicalVolume): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of lv.tags) {
    const i = t.indexOf('=');
    if (i > 0) out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

/** LVM tag strings for ceph-volume's tags; LVM keeps them sorted. */
export function tagStrings(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`);
}

function entry(node: NodeContext, lv: LogicalVolume): VolumeEntry {
  const tags = tagsOf(lv);
  const sorted = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    devices: lv.devices,
    lv_name: lv.name,
    lv_path: lv.path,
    lv_size: String(lv.sizeBytes),
    lv_tags: Object.entries(sorted)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    lv_uuid: node.storage.findLv(lv.vg, lv.name).uuid,
    name: lv.name,
    path: lv.path,
    tags: sorted,
    type: tags['ceph.type'] ?? '',
    vg_name: lv.vg,
  };
}

/** The OSDs ceph-volume finds on the node's LVs (by their ceph.osd_id tag), LVs sorted as `lvs` lists them. */
export function cephVolumeList(node: NodeContext): Map<number, VolumeEntry[]> {
  const out = new Map<number, VolumeEntry[]>();
  const lvs = node.storage.lvs().sort((a, b) => a.vg.localeCompare(b.vg) || a.name.localeCompare(b.name));
  for (const lv of lvs) {
    const id = tagsOf(lv)['ceph.osd_id'];
    if (id === undefined || !/^\d+$/.test(id)) continue;
    out.set(Number(id), [...(out.get(Number(id)) ?? []), entry(node, lv)]);
  }
  return out;
}

/** Python's json.dumps(indent=4, sort_keys=True): keys sorted as strings, `{}` for an empty object. */
export function pythonJson(value: unknown, depth = 0): string {
  const pad = '    '.repeat(depth + 1);
  const close = '    '.repeat(depth);
  if (Array.isArray(value)) return value.length ? `[\n${value.map((v) => pad + pythonJson(v, depth + 1)).join(',\n')}\n${close}]` : '[]';
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (!keys.length) return '{}';
    return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)}: ${pythonJson((value as Record<string, unknown>)[k], depth + 1)}`).join(',\n')}\n${close}}`;
  }
  return JSON.stringify(value);
}

/** listing.py's pretty_report. */
export function prettyReport(report: Map<number, VolumeEntry[]>): string {
  const out: string[] = [];
  const readable = (tag: string) => tag.replace('ceph.', '').replace(/_/g, ' ');
  for (const [id, devices] of [...report].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1))) {
    out.push(`\n\n====== osd.${id} =======\n`);
    for (const d of devices) {
      out.push(`\n  ${`[${d.type}]`.padEnd(13)} ${d.path}\n`);
      for (const [k, v] of Object.entries(d.tags).sort(([a], [b]) => (a < b ? -1 : 1))) out.push(`\n      ${readable(k).padEnd(25)} ${v}`);
      if (d.devices.length) out.push(`\n      ${'devices'.padEnd(25)} ${d.devices.join(',')}`);
    }
  }
  return `${out.join('')}\n`;
}

/** The files prime-osd-dir and the keyring leave in the OSD's (tmpfs) data directory. */
async function populateOsdDir(node: NodeContext, id: number, block: VolumeEntry, db: VolumeEntry | undefined): Promise<void> {
  const dir = osdDir(id);
  await node.fs.mkdir(dir, { recursive: true });
  for (const f of await node.fs.readdir(dir)) await node.fs.rm(`${dir}/${f}`, { force: true });
  await node.fs.symlink(block.lv_path, `${dir}/block`);
  if (db) await node.fs.symlink(db.lv_path, `${dir}/block.db`);
  const release = node.ceph.packages(node.name).daemons ?? node.ceph.packages(node.name).common;
  const key = node.ceph.exists ? (node.ceph.authGet(`osd.${id}`)?.key ?? '') : '';
  const files: Record<string, string> = {
    ceph_fsid: `${block.tags['ceph.cluster_fsid']}\n`,
    fsid: `${block.tags['ceph.osd_fsid']}\n`,
    keyring: keyringText(`osd.${id}`, { key, caps: {} }),
    ready: 'ready\n',
    require_osd_release: `${releaseNumber(release)}\n`,
    type: 'bluestore\n',
    whoami: `${id}\n`,
  };
  for (const [name, content] of Object.entries(files)) await node.fs.writeFile(`${dir}/${name}`, content);
}

export class VolumeFailure extends Error {
  constructor(
    message: string,
    /** What was printed before the failure. */
    readonly printed = '',
  ) {
    super(message);
  }
}

/**
 * `ceph-volume lvm activate ID FSID` (bluestore): prime the data directory from the block LV's
 * label, link block and block.db, enable ceph-volume@lvm-ID-FSID (which does all this again at
 * every boot) and ceph-osd@ID for this boot, and start the OSD.
 */
export async function activateOsd(node: NodeContext, id: number, fsid: string, opts: { systemd: boolean; signal?: AbortSignal }): Promise<string> {
  const list = cephVolumeList(node).get(id) ?? [];
  const block = list.find((e) => e.type === 'block' && e.tags['ceph.osd_fsid'] === fsid);
  if (!block) throw new VolumeFailure(`RuntimeError: could not find osd.${id} with osd_fsid ${fsid}`);
  const db = list.find((e) => e.type === 'db');
  const dir = osdDir(id);
  let out = run(`/usr/bin/chown -R ceph:ceph ${dir}`);
  out += run(`/usr/bin/ceph-bluestore-tool --cluster=ceph prime-osd-dir --dev ${block.lv_path} --path ${dir} --no-mon-config`);
  if (node.storage.signature(block.lv_path)?.type !== 'ceph_bluestore') {
    throw new VolumeFailure('RuntimeError: command returned non-zero exit status: 1', `${out}${fromStderr(`failed to read label for ${block.lv_path}: (2) No such file or directory`)}`);
  }
  await node.clock.sleep(800, opts.signal);
  await populateOsdDir(node, id, block, db);
  const dm = (path: string) => node.storage.blockDevice(path)?.name ?? 'dm-0';
  out += run(`/usr/bin/ln -snf ${block.lv_path} ${dir}/block`);
  out += run(`/usr/bin/chown -h ceph:ceph ${dir}/block`);
  out += run(`/usr/bin/chown -R ceph:ceph /dev/${dm(block.lv_path)}`);
  out += run(`/usr/bin/chown -R ceph:ceph ${dir}`);
  if (db) {
    out += run(`/usr/bin/ln -snf ${db.lv_path} ${dir}/block.db`);
    out += run(`/usr/bin/chown -h ceph:ceph ${db.lv_path}`);
    out += run(`/usr/bin/chown -R ceph:ceph /dev/${dm(db.lv_path)}`);
    out += run(`/usr/bin/chown -h ceph:ceph ${dir}/block.db`);
    out += run(`/usr/bin/chown -R ceph:ceph /dev/${dm(db.lv_path)}`);
  }
  const unit = `ceph-osd@${id}`;
  const atBoot = async () => {
    await populateOsdDir(node, id, block, db);
    node.services.add(unit);
    node.services.set(unit, 'active');
  };
  if (opts.systemd) {
    out += run(`/usr/bin/systemctl enable ceph-volume@lvm-${id}-${fsid}`);
    out += fromStderr(createdSymlink(node, 'multi-user.target', `ceph-volume@lvm-${id}-${fsid}.service`, 'ceph-volume@.service'));
    out += run(`/usr/bin/systemctl enable --runtime ceph-osd@${id}`);
    out += fromStderr(createdSymlink(node, 'ceph-osd.target', `${unit}.service`, 'ceph-osd@.service', true));
    out += run(`/usr/bin/systemctl start ceph-osd@${id}`);
    node.ceph.osdActivated(id, atBoot);
    node.services.add(unit);
    await node.clock.sleep(500, opts.signal);
    node.services.set(unit, 'active');
  }
  return `${out}${info(`ceph-volume lvm activate successful for osd ID: ${id}`)}`;
}

/** zap.py's zap of one LV: wipe its start, then with --destroy remove it (and its VG when it is the last). */
function zapLv(node: NodeContext, lv: LogicalVolume, destroy: boolean): string {
  let out = info(`Zapping: ${lv.path}`);
  const busy = node.storage.holder(lv.path);
  if (busy) throw new VolumeFailure('RuntimeError: command returned non-zero exit status: 1', `${out}${run(`/usr/bin/dd if=/dev/zero of=${lv.path} bs=1M count=10 conv=fsync`)}${fromStderr(`/usr/bin/dd: failed to open '${lv.path}': Device or resource busy`)}`);
  out += run(`/usr/bin/dd if=/dev/zero of=${lv.path} bs=1M count=10 conv=fsync`);
  out += fromStderr('10+0 records in\n10+0 records out\n10485760 bytes (10 MB, 10 MiB) copied, 0.0253 s, 414 MB/s');
  node.storage.setFsType(lv.path, undefined);
  if (!destroy) {
    node.storage.setLvTags(lv.vg, lv.name, [], lv.tags.filter((t) => t.startsWith('ceph.')));
    return out;
  }
  const inVg = node.storage.lvs().filter((l) => l.vg === lv.vg);
  if (inVg.length <= 1) {
    out += info(`Only 1 LV left in VG, will proceed to destroy volume group ${lv.vg}`);
    const pvs = lv.devices;
    out += run(`vgremove -v -f ${lv.vg}`);
    out += fromStdout(`Logical volume "${lv.name}" successfully removed.\nVolume group "${lv.vg}" successfully removed`);
    node.storage.vgremove(lv.vg, { yes: true });
    for (const pv of pvs) {
      out += run(`pvremove -v -f -f ${pv}`);
      out += fromStdout(node.storage.pvremove(pv));
    }
  } else {
    out += info('More than 1 LV left in VG, will proceed to destroy LV only');
    out += info(`Removing LV because --destroy was given: ${lv.path}`);
    out += run(`lvremove -v -f ${lv.path}`);
    out += fromStdout(node.storage.lvremove(lv.vg, lv.name));
  }
  return out;
}

/** `ceph-volume lvm zap --osd-id ID [--destroy]`: every LV tagged for the OSD. */
export async function zapOsd(node: NodeContext, id: number, destroy: boolean, signal?: AbortSignal): Promise<string> {
  const lvs = node.storage.lvs().filter((lv) => tagsOf(lv)['ceph.osd_id'] === String(id));
  if (!lvs.length) throw new VolumeFailure(`RuntimeError: Unable to find any LV for zapping OSD: ${id}`);
  let out = '';
  for (const lv of lvs) {
    out += zapLv(node, lv, destroy);
    await node.clock.sleep(300, signal);
  }
  return `${out}${info(`Zapping successful for OSD: ${id}`)}`;
}

/** `ceph-volume lvm zap [--destroy] DEV|VG/LV`. */
export async function zapDevice(node: NodeContext, target: string, destroy: boolean, signal?: AbortSignal): Promise<string> {
  const m = /^(?:\/dev\/)?([^/]+)\/([^/]+)$/.exec(target);
  const asLv = m ? node.storage.lv(m[1] as string, m[2] as string) : undefined;
  if (asLv) {
    const out = zapLv(node, asLv, destroy);
    await node.clock.sleep(300, signal);
    return `${out}${info(`Zapping successful for: <LV: ${asLv.path}>`)}`;
  }
  const dev = node.storage.blockDevice(target);
  if (!dev) throw new VolumeFailure(`RuntimeError: Unable to proceed with non-existing device: ${target}`);
  let out = info(`Zapping: ${target}`);
  const pv = node.storage.pvs().find((p) => p.path === target);
  const vgLvs = pv?.vg ? node.storage.lvs().filter((l) => l.vg === pv.vg?.name) : [];
  if (pv?.vg && vgLvs.length === 0) {
    // ceph-volume's zap_lvm_member: a volume group left without LVs (vgcreate done, lvcreate never) is removed.
    out += info(`Found empty VG ${pv.vg.name}, removing`);
    out += run(`vgremove -v -f ${pv.vg.name}`);
    node.storage.vgremove(pv.vg.name, { yes: true });
  }
  if (pv?.vg && vgLvs.length) {
    for (const lv of vgLvs) {
      out += info(`Zapping lvm member ${target}. lv_path is ${lv.path}`);
      out += zapLv(node, lv, destroy);
    }
  } else if (pv && destroy) {
    out += run(`pvremove -v -f -f ${target}`);
    out += fromStdout(node.storage.pvremove(target));
  }
  // Without --destroy the volume group stays, and so does the LVM label that holds it.
  if (node.storage.pvs().some((p) => p.path === target && p.vg)) return `${out}${info(`Zapping successful for: <Raw Device: ${target}>`)}`;
  const busy = node.storage.holder(target);
  if (busy) throw new VolumeFailure('RuntimeError: command returned non-zero exit status: 1', `${out}${run(`/usr/bin/dd if=/dev/zero of=${target} bs=1M count=10 conv=fsync`)}${fromStderr(`/usr/bin/dd: failed to open '${target}': Device or resource busy`)}`);
  node.storage.wipe(target);
  out += run(`/usr/bin/dd if=/dev/zero of=${target} bs=1M count=10 conv=fsync`);
  out += fromStderr('10+0 records in\n10+0 records out\n10485760 bytes (10 MB, 10 MiB) copied, 0.0191 s, 549 MB/s');
  await node.clock.sleep(300, signal);
  return `${out}${info(`Zapping successful for: <Raw Device: ${target}>`)}`;
}

/** The cluster fsid ceph-volume reads from /etc/ceph/ceph.conf. */
export async function clusterFsid(node: NodeContext): Promise<string | undefined> {
  const text = await node.fs.readFile('/etc/ceph/ceph.conf').catch(() => undefined);
  return text === undefined ? undefined : parseCephConf(text)['global']?.['fsid'];
}
