import type { ExecResult } from 'just-bash';
import { isIp, isResult, parseParams } from '../../commands/pveCli';
import type { NodeContext } from '../../commands/types';
import { osdDir } from '../cluster';
import { ADMIN_KEYRING, MON_KEYRING, cephxKey, inCidr, keyringKey, keyringText, monHostAddresses, type CephConf } from '../conf';
import { monAddrVec } from '../health';
import { releaseNumber } from '../releases';
import { cephTime } from '../report';
import {
  Task,
  TaskFailure,
  checkInited,
  checkInstalled,
  createdSymlink,
  die,
  getOrCreateAdminKeyring,
  rados,
  readConf,
  removedSymlink,
  setupSymlinks,
  startUnit,
  stopUnit,
  withCephConfLock,
  writeConf,
} from './pvecephCommon';
import { cephVolumeList, VolumeFailure, zapOsd } from './cephVolumeOps';

const idFormat = (v: string) => (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v) ? undefined : 'value does not match the regex pattern');

/** The node's configured IPv4 addresses (what PVE::Network::get_local_ip_from_cidr looks through). */
function localAddresses(node: NodeContext): string[] {
  const configured = node.net.links.addresses().filter((a) => a !== '127.0.0.1');
  return configured.length ? configured : [node.address];
}

/** Monitors PVE knows of: ceph.conf's [mon.X] sections and the cluster's monmap. */
function knownMons(node: NodeContext, cfg: CephConf): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const [section, keys] of Object.entries(cfg)) {
    const m = /^mon\.(\S+)$/.exec(section);
    if (m) out.set(m[1] as string, keys['public_addr'] ?? keys['mon_addr']);
  }
  if (node.ceph.exists) for (const mon of node.ceph.mons()) out.set(mon.name, mon.addr);
  return out;
}

/** $find_mon_ips: one address of the node in each public network, else the node's own address. */
function findMonIp(node: NodeContext, cfg: CephConf, override: string | undefined): string {
  const pubnet = cfg['global']?.['public_network'];
  const local = localAddresses(node);
  if (!pubnet) return override ?? node.address;
  const nets = pubnet.split(/[\s,;]+/).filter(Boolean);
  if (override) {
    if (!nets.some((n) => local.filter((ip) => inCidr(ip, n)).includes(override))) throw new TaskFailure(`Specified monitor IP '${override}' not configured or up on ${node.name}!`);
    return override;
  }
  const net = nets[0] as string;
  const ips = local.filter((ip) => inCidr(ip, net));
  if (ips.length < 1) throw new TaskFailure(`No active IP found for the requested ceph public network '${net}' on node '${node.name}'`);
  if (ips.length > 1) throw new TaskFailure(`Multiple IPs for ceph public network '${net}' detected on ${node.name}:\n${ips.join('\n')}\nuse 'mon-address' to specify one of them.`);
  return ips[0] as string;
}

/** $assert_mon_prerequisites: the address is not a monitor's yet, then the id is free. */
function assertMonPrerequisites(cfg: CephConf, mons: Map<string, string | undefined>, monid: string, ip: string): void {
  const used = new Set([...monHostAddresses(cfg['global']?.['mon_host']), ...[...mons.values()].filter((a): a is string => !!a)]);
  if (used.has(ip)) throw new TaskFailure(`monitor address '${ip}' already in use`);
  if (mons.has(monid)) throw new TaskFailure(`monitor '${monid}' already exists`);
}

/** PVE::Ceph::Services::create_mgr inside a task. */
async function createMgr(t: Task, id: string): Promise<void> {
  const node = t.node;
  const dir = `/var/lib/ceph/mgr/ceph-${id}`;
  if (await node.fs.exists(dir)) throw new TaskFailure(`ceph manager directory '${dir}' already exists`);
  t.print(`creating manager directory '${dir}'\n`);
  await node.fs.mkdir(dir, { recursive: true });
  t.print(`creating keys for 'mgr.${id}'\n`);
  const auth = node.ceph.authGetOrCreate(`mgr.${id}`, { mds: 'allow *', mon: 'allow profile mgr', osd: 'allow *' });
  await node.fs.writeFile(`${dir}/keyring`, keyringText(`mgr.${id}`, auth));
  t.print('setting owner for directory\n');
  t.print(`enabling service 'ceph-mgr@${id}.service'\n`);
  t.print(createdSymlink(node, 'ceph-mgr.target', `ceph-mgr@${id}.service`, 'ceph-mgr@.service'));
  t.print(`starting service 'ceph-mgr@${id}.service'\n`);
  node.ceph.addMgr(id, node.name);
  await startUnit(node, `ceph-mgr@${id}`, true);
}

/** monmaptool's report of the map it wrote (`--print`). */
function monmapPrint(node: NodeContext, epoch: number, fsid: string, mons: { name: string; addr: string }[], created: number, first: boolean): string {
  const release = node.ceph.packages(node.name).daemons ?? node.ceph.packages(node.name).common;
  let out = 'monmaptool: monmap file /tmp/monmap\n';
  if (first) out += `setting min_mon_release = ${release.codename}\nmonmaptool: set fsid to ${fsid}\n`;
  out += `epoch ${epoch}\nfsid ${fsid}\nlast_changed ${cephTime(node.clock.now())}\ncreated ${cephTime(created)}\nmin_mon_release ${releaseNumber(release)} (${release.codename})\nelection_strategy: 1\n`;
  mons.forEach((m, rank) => (out += `${rank}: ${monAddrVec(m.addr)} mon.${m.name}\n`));
  out += `monmaptool: writing epoch ${epoch} to /tmp/monmap (${mons.length} monitors)\n`;
  return out;
}

/** `pveceph mon create [--monid ID] [--mon-address IP]` (PVE::API2::Ceph::MON::createmon). */
export async function monCreate(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph mon create  [OPTIONS]', args, [], { monid: { type: 'string', format: idFormat, maxLength: 200 }, 'mon-address': { type: 'string', format: (v) => (v.split(/[,;\s]+/).every(isIp) ? undefined : `value '${v}' does not look like a valid IP address`) } });
  if (isResult(params)) return params;
  const problem = (await checkInstalled(node, 'ceph_mon')) ?? (await checkInited(node)) ?? (await setupSymlinks(node));
  if (problem) return die(problem);
  const cfg = await readConf(node);
  const mons = knownMons(node, cfg);
  const first = mons.size === 0 && !cfg['global']?.['mon_host'];
  const connected = first ? 'first' : await rados(node, signal);
  if (!first && connected !== undefined) return die('Could not connect to ceph cluster despite configured monitors');
  const monid = String(params['monid'] ?? node.name);
  const override = params['mon-address'] === undefined ? undefined : String(params['mon-address']);
  let ip: string;
  try {
    ip = findMonIp(node, cfg, override);
    assertMonPrerequisites(cfg, mons, monid, ip);
  } catch (err) {
    if (err instanceof TaskFailure) return die(err.message);
    throw err;
  }
  return new Task(node, signal).run((t) => withCephConfLock(node, signal, () => createMon(t, first, monid, ip)));
}

/** The worker of createmon, under the ceph.conf lock. */
async function createMon(t: Task, first: boolean, monid: string, ip: string): Promise<void> {
  const node = t.node;
  const signal = t.signal;
  const cfg = await readConf(node);
  assertMonPrerequisites(cfg, knownMons(node, cfg), monid, ip);
  await getOrCreateAdminKeyring(node);
  if (!(await node.fs.exists(MON_KEYRING))) {
    t.print('creating new monitor keyring\n');
    await node.fs.writeFile(MON_KEYRING, keyringText('mon.', { key: cephxKey(node.clock.now()), caps: { mon: 'allow *' } }));
    t.print(`creating ${MON_KEYRING}\n`);
    const admin = await node.fs.readFile(ADMIN_KEYRING);
    await node.fs.appendFile(MON_KEYRING, admin);
    t.print(`importing contents of ${ADMIN_KEYRING} into ${MON_KEYRING}\n`);
  }
  const mondir = `/var/lib/ceph/mon/ceph-${monid}`;
  if (await node.fs.exists(mondir)) throw new TaskFailure(`monitor filesystem '${mondir}' already exist`);
  await node.fs.mkdir(mondir, { recursive: true });
  const fsid = cfg['global']?.['fsid'] as string;
  const ceph = node.ceph;
  const others = first ? [] : ceph.mons().map((m) => ({ name: m.name, addr: m.addr }));
  const all = [...others, { name: monid, addr: ip }].sort((a, b) => a.addr.localeCompare(b.addr, undefined, { numeric: true }));
  t.print(monmapPrint(node, first ? 0 : ceph.state().monmapEpoch, fsid, all, first ? node.clock.now() : ceph.state().createdAt, first));
  await t.sleep(1500);
  await node.fs.writeFile(`${mondir}/keyring`, keyringText('mon.', { key: keyringKey(await node.fs.readFile(MON_KEYRING), 'mon.') ?? '', caps: { mon: 'allow *' } }));
  await node.fs.writeFile(`${mondir}/kv_backend`, 'rocksdb\n');
  await node.fs.mkdir(`${mondir}/store.db`, { recursive: true });
  const global = (cfg['global'] ??= {});
  global['ms_bind_ipv4'] = 'true';
  if (first) global['ms_bind_ipv6'] = 'false';
  global['mon_host'] = [global['mon_host'], ...(global['mon_host'] === undefined ? others.map((m) => m.addr) : []), ip].filter(Boolean).join(' ');
  cfg[`mon.${monid}`] = { ...(cfg[`mon.${monid}`] ?? {}), public_addr: ip };
  await writeConf(node, cfg);
  const mon = { name: monid, host: node.name, addr: ip };
  if (first) {
    const release = ceph.packages(node.name).daemons ?? ceph.packages(node.name).common;
    const adminKey = keyringKey(await node.fs.readFile(ADMIN_KEYRING), 'client.admin') ?? '';
    const monKey = keyringKey(await node.fs.readFile(MON_KEYRING), 'mon.') ?? '';
    await ceph.createFirstMon(mon, { fsid, confText: await node.fs.readFile('/etc/pve/ceph.conf'), adminKey, monKey, release });
  } else ceph.addMon(mon);
  await startUnit(node, `ceph-mon@${monid}`, true);
  if (first) {
    t.print("created the first monitor, assume it's safe to disable insecure global ID reclaim for new setup\n");
    const err = await rados(node, signal, 60_000);
    if (err === undefined) ceph.setConfig('mon/auth_allow_insecure_global_id_reclaim', 'false');
    else t.print(`${err}\n`);
  }
  t.print(createdSymlink(node, 'ceph-mon.target', `ceph-mon@${monid}.service`, 'ceph-mon@.service'));
  if (first) await createMgr(t, node.name);
}

/** `pveceph mon destroy MONID`. */
export async function monDestroy(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph mon destroy <monid>', args, ['monid'], { monid: { type: 'string', format: idFormat } });
  if (isResult(params)) return params;
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const monid = String(params['monid']);
  const err = await rados(node, signal);
  if (err) return die(err);
  const cfg = await readConf(node);
  const mondir = `/var/lib/ceph/mon/ceph-${monid}`;
  const assertCanRemove = async () => {
    if (!knownMons(node, cfg).has(monid)) throw new TaskFailure(`no such monitor id '${monid}'`);
    if (!(await node.fs.exists(mondir))) throw new TaskFailure(`monitor filesystem '${mondir}' does not exist on this node`);
    if (node.ceph.mons().length <= 1) throw new TaskFailure("can't remove last monitor");
  };
  try {
    await assertCanRemove();
  } catch (e) {
    if (e instanceof TaskFailure) return die(e.message);
    throw e;
  }
  return new Task(node, signal).run((t) => withCephConfLock(node, signal, async () => {
    await assertCanRemove();
    const addr = node.ceph.mons().find((m) => m.name === monid)?.addr;
    node.ceph.removeMon(monid);
    await stopUnit(node, `ceph-mon@${monid}`);
    const fresh = await readConf(node);
    delete fresh[`mon.${monid}`];
    const global = fresh['global'];
    if (global?.['mon_host'] && addr) global['mon_host'] = global['mon_host'].split(/\s+/).filter((a) => a && !monHostAddresses(a).includes(addr)).join(' ');
    await writeConf(node, fresh);
    await node.fs.rm(mondir, { recursive: true, force: true });
    node.services.setEnabled(`ceph-mon@${monid}`, false);
    t.print(removedSymlink(node, 'ceph-mon.target', `ceph-mon@${monid}.service`));
  }));
}

/** `pveceph mgr create [--id ID]`. */
export async function mgrCreate(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph mgr create  [OPTIONS]', args, [], { id: { type: 'string', format: idFormat, maxLength: 200 } });
  if (isResult(params)) return params;
  const problem = (await checkInstalled(node, 'ceph_mgr')) ?? (await checkInited(node)) ?? (await setupSymlinks(node));
  if (problem) return die(problem);
  const id = String(params['id'] ?? node.name);
  return new Task(node, signal).run(async (t) => {
    const err = await rados(node, signal, 60_000);
    if (err) throw new TaskFailure(err);
    await createMgr(t, id);
  });
}

/** `pveceph mgr destroy ID`. */
export async function mgrDestroy(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph mgr destroy <id>', args, ['id'], { id: { type: 'string', format: idFormat } });
  if (isResult(params)) return params;
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const id = String(params['id']);
  return new Task(node, signal).run(async (t) => {
    const dir = `/var/lib/ceph/mgr/ceph-${id}`;
    if (!(await node.fs.exists(dir))) throw new TaskFailure(`ceph manager directory '${dir}' not found`);
    t.print(`disabling service 'ceph-mgr@${id}.service'\n`);
    node.services.setEnabled(`ceph-mgr@${id}`, false);
    t.print(removedSymlink(node, 'ceph-mgr.target', `ceph-mgr@${id}.service`));
    t.print(`stopping service 'ceph-mgr@${id}.service'\n`);
    await stopUnit(node, `ceph-mgr@${id}`);
    t.print(`removing manager directory '${dir}'\n`);
    await node.fs.rm(dir, { recursive: true, force: true });
    t.print(`removing authkeys for mgr.${id}\n`);
    const err = await rados(node, signal, 60_000);
    if (err) throw new TaskFailure(err);
    node.ceph.authDel(`mgr.${id}`);
    node.ceph.removeMgr(id);
  });
}

/** The data directory is a tmpfs mount: unmounted, its files are gone and the empty mountpoint stays. */
async function unmountOsdDir(node: NodeContext, id: number): Promise<void> {
  const dir = osdDir(id);
  if (!(await node.fs.exists(dir))) return;
  for (const f of await node.fs.readdir(dir)) await node.fs.rm(`${dir}/${f}`, { recursive: true, force: true });
}

/** `pveceph osd destroy ID [--cleanup 1]`: refuses while the OSD is in or up, then stops, removes and zaps it. */
export async function osdDestroy(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph osd destroy <osdid> [OPTIONS]', args, ['osdid'], { osdid: { type: 'integer' }, cleanup: { type: 'boolean' } });
  if (isResult(params)) return params;
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const id = Number(params['osdid']);
  const cleanup = params['cleanup'] === true;
  const err = await rados(node, signal);
  if (err) return die(err);
  const ceph = node.ceph;
  const osd = ceph.osd(id);
  if (osd?.crush?.host !== node.name) return die(`OSD osd.${id} does not belong to node ${node.name}! at /usr/share/perl5/PVE/API2/Ceph/OSD.pm line 1010.`);
  if (osd.in) return die('osd is in use (in == 1)');
  if (osd.up) return die('osd is still running (up == 1)');
  return new Task(node, signal).run(async (t) => {
    t.print(`destroy OSD osd.${id}\n`);
    await stopUnit(node, `ceph-osd@${id}`);
    if (node.services.state(`ceph-osd@${id}`) !== undefined) t.print(removedSymlink(node, 'ceph-osd.target', `ceph-osd@${id}.service`, true));
    node.services.remove(`ceph-osd@${id}`);
    t.print(`Remove osd.${id} from the CRUSH map\n`);
    ceph.crushRemove(`osd.${id}`);
    t.print(`Remove the osd.${id} authentication key.\n`);
    ceph.authDel(`osd.${id}`);
    t.print(`Remove OSD osd.${id}\n`);
    if (ceph.osd(id)) ceph.osdRm(id);
    await t.sleep(500);
    const listed = cephVolumeList(node);
    if (listed.has(id)) {
      try {
        t.print(await zapOsd(node, id, cleanup, signal));
      } catch (e) {
        if (!(e instanceof VolumeFailure)) throw e;
        t.print(`${e.printed}-->  ${e.message}\ncommand '/usr/sbin/ceph-volume lvm zap --osd-id ${id}${cleanup ? ' --destroy' : ''}' failed: exit code 1\n`);
      }
      // PVE then removes the PVs itself, quietly; zap --destroy usually did already, so that fails.
      for (const dev of cleanup ? (listed.get(id) ?? []).flatMap((lv) => lv.devices) : []) {
        const pv = node.storage.pvs().find((p) => p.path === dev);
        if (pv && !pv.vg) node.storage.pvremove(dev);
        else t.print(`command '/sbin/pvremove ${dev}' failed: exit code 5\n`);
      }
    } else {
      t.print(`Unmount OSD osd.${id} from  ${osdDir(id)}\n`);
    }
    await unmountOsdDir(node, id);
  });
}

/** The monitors' view PVE uses to decide whether this node still runs Ceph daemons. */
export function localServices(node: NodeContext): { mon: boolean; osd: boolean } {
  const ceph = node.ceph;
  if (!ceph.exists) return { mon: false, osd: false };
  return { mon: ceph.mons().some((m) => m.host === node.name), osd: ceph.osds().some((o) => o.node === node.name) };
}

