import { randomBytes, randomUUID } from 'node:crypto';
import type { ExecResult } from 'just-bash';
import { readResources, sidOf, writeResources } from '../ha/haConfig';
import { requestHaState } from '../ha/haManager';
import { parseSections, type Section } from '../ha/sectionConfig';
import { guestLocations } from '../ha/vmRuntime';
import { cfsQuorate } from '../pve/setup';
import { SBIN_VIA_USR_BIN } from '../storage/commands/sbin';
import { isResult, parseParams, pmxcfsDown, TaskOutput } from './pveCli';
import { fail, ok, type LabCommand, type NodeContext } from './types';

const QM_USAGE = `USAGE: qm <COMMAND> [ARGS] [OPTIONS]
       qm config <vmid> [OPTIONS]
       qm create <vmid> [OPTIONS]
       qm destroy <vmid> [OPTIONS]
       qm list  [OPTIONS]
       qm shutdown <vmid> [OPTIONS]
       qm start <vmid> [OPTIONS]
       qm status <vmid> [OPTIONS]
       qm stop <vmid> [OPTIONS]
`;

/** The QEMU each release ships, as qm create records it in `meta`. */
const QEMU: Record<8 | 9, string> = { 8: '9.2.0', 9: '10.0.2' };

/** qemu-server's drive keys and its "allocate a new disk" syntax (`STORAGE:SIZE_GB`). */
const DRIVE = /^(scsi\d+|virtio\d+|sata\d+|ide\d+|efidisk0|tpmstate0)$/;
const NEW_DISK = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/;

interface GuestConf {
  vmid: number;
  values: Map<string, string>;
}

function parseConf(vmid: number, text: string): GuestConf {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('[')) break;
    const m = /^([a-z][a-z_]*\d*):\s*(.*?)\s*$/.exec(line);
    if (m) values.set(m[1] as string, m[2] as string);
  }
  return { vmid, values };
}

function confPath(node: NodeContext, vmid: number): string {
  return `/etc/pve/nodes/${node.name}/qemu-server/${vmid}.conf`;
}

async function localGuests(node: NodeContext, dir: 'qemu-server' | 'lxc'): Promise<GuestConf[]> {
  const base = `/etc/pve/nodes/${node.name}/${dir}`;
  const out: GuestConf[] = [];
  for (const file of await node.fs.readdir(base).catch(() => [] as string[])) {
    const m = /^(\d+)\.conf$/.exec(file);
    if (!m) continue;
    out.push(parseConf(Number(m[1]), await node.fs.readFile(`${base}/${file}`).catch(() => '')));
  }
  return out.sort((a, b) => a.vmid - b.vmid);
}

/** Bytes of the boot disk (`scsi0: local-lvm:vm-100-disk-0,size=32G`), 0 without one. */
function bootDiskGb(conf: GuestConf): number {
  for (const key of ['scsi0', 'virtio0', 'sata0', 'ide0']) {
    const size = /size=(\d+(?:\.\d+)?)([KMGT])?/.exec(conf.values.get(key) ?? '');
    if (!size) continue;
    const n = Number(size[1]);
    return size[2] === 'T' ? n * 1024 : size[2] === 'M' ? n / 1024 : size[2] === 'K' ? n / 1024 / 1024 : n;
  }
  return 0;
}

/** The guest is an HA resource that HA acts on (PVE::HA::Config::vm_is_ha_managed). */
async function haManaged(node: NodeContext, vmid: number): Promise<boolean> {
  const s = (await readResources(node.fs)).sections.find((x) => sidOf(x) === `vm:${vmid}`);
  return !!s && s.props['state'] !== 'ignored';
}

async function haConfigured(node: NodeContext, vmid: number): Promise<boolean> {
  return (await readResources(node.fs)).sections.some((x) => sidOf(x) === `vm:${vmid}`);
}

async function storages(node: NodeContext): Promise<Section[]> {
  return parseSections(await node.fs.readFile('/etc/pve/storage.cfg').catch(() => '')).sections;
}

/** A MAC in Proxmox's OUI, as qemu-server generates for a new NIC. */
function newMac(): string {
  const b = randomBytes(3);
  return `BC:24:11:${[...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':')}`;
}

/** `virtio,bridge=vmbr0` → `virtio=BC:24:11:..,bridge=vmbr0`: a model without an address gets one. */
function withMac(net: string): string {
  const parts = net.split(',');
  const first = parts[0] as string;
  if (/^(virtio|e1000|e1000e|rtl8139|vmxnet3)$/.test(first)) parts[0] = `${first}=${newMac()}`;
  return parts.join(',');
}

function parseDrive(value: string): { file: string; rest: string[] } {
  const parts = value.split(',');
  const first = (parts[0] as string).replace(/^file=/, '');
  return { file: first, rest: parts.slice(1) };
}

/** Allocates a new volume for a drive (PVE::Storage::vdisk_alloc) and returns the drive string qemu-server writes. */
function allocate(node: NodeContext, vmid: number, disk: number, scfg: Section, sizeGb: number, rest: string[]): string {
  const image = `vm-${vmid}-disk-${disk}`;
  if (scfg.type !== 'rbd') throw new Error(`allocating on '${scfg.type}' storage is not simulated by the lab twin (rbd is)`);
  try {
    node.ceph.rbdCreate(scfg.props['pool'] ?? 'rbd', image, sizeGb * 1024 ** 3);
  } catch (err) {
    throw new Error(`rbd create '${image}' error: ${(err as Error).message}`);
  }
  return [`${scfg.id}:${image}`, ...rest, `size=${sizeGb}G`].join(',');
}

/** The volumes of a config on rbd storages: what destroy frees. */
async function rbdVolumes(node: NodeContext, conf: GuestConf): Promise<{ pool: string; image: string }[]> {
  const all = await storages(node);
  const out: { pool: string; image: string }[] = [];
  for (const [key, value] of conf.values) {
    if (!DRIVE.test(key) && !/^unused\d+$/.test(key)) continue;
    const m = /^([^:,]+):([^,]+)/.exec(value);
    const scfg = m ? all.find((s) => s.id === m[1]) : undefined;
    if (m && scfg?.type === 'rbd') out.push({ pool: scfg.props['pool'] ?? 'rbd', image: m[2] as string });
  }
  return out;
}

/** get_default_bootdevices: the first disk (ide, sata, scsi, virtio in that order) and the first NIC. */
function defaultBootOrder(keys: string[]): string[] {
  const bus = ['ide', 'sata', 'scsi', 'virtio'];
  const rank = (k: string) => {
    const m = /^([a-z]+)(\d+)$/.exec(k) as RegExpExecArray;
    return bus.indexOf(m[1] as string) * 100 + Number(m[2]);
  };
  const disk = keys.filter((k) => DRIVE.test(k) && !/^(efidisk0|tpmstate0)$/.test(k)).sort((a, b) => rank(a) - rank(b))[0];
  const net = keys.filter((k) => /^net\d+$/.test(k)).sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))[0];
  return [disk, net].filter((k): k is string => k !== undefined);
}

async function create(node: NodeContext, rest: string[]): Promise<ExecResult> {
  const usage = 'qm create <vmid> [OPTIONS]';
  const vmidArg = rest[0];
  const options: Record<string, { type: 'string' }> = {};
  for (const a of rest.slice(1)) {
    const m = /^--?([a-z][a-z_]*\d*)/.exec(a);
    if (m) options[m[1] as string] = { type: 'string' };
  }
  const params = parseParams(usage, rest, ['vmid'], { vmid: { type: 'string' }, ...options });
  if (isResult(params)) return params;
  if (!/^\d+$/.test(vmidArg ?? '') || Number(vmidArg) < 100) return fail(`400 Parameter verification failed.\nvmid: value must have a minimum value of 100\n\n${usage}\n`, 255);
  const vmid = Number(vmidArg);
  if (!cfsQuorate(node)) return fail('cluster not ready - no quorum?\n', 255);
  const owner = (await guestLocations(node.fs)).find((g) => g.vmid === vmid)?.node;
  if (owner) return fail(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${owner}'\n`, 255);
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(params)) if (k !== 'vmid') values.set(k, String(v));
  // check_storage_access: every new disk's storage must exist and hold images.
  const all = await storages(node);
  const newDisks: { key: string; scfg: Section; sizeGb: number; rest: string[] }[] = [];
  for (const [key, value] of values) {
    if (!DRIVE.test(key)) continue;
    const drive = parseDrive(value);
    const m = NEW_DISK.exec(drive.file);
    if (!m) continue;
    const storeid = m[1] ?? values.get('storage');
    if (!storeid) return fail('no storage ID specified (and no default storage)\n', 255);
    const scfg = all.find((s) => s.id === storeid);
    if (!scfg) return fail(`storage '${storeid}' does not exist\n`, 255);
    if (!(scfg.props['content'] ?? '').split(',').includes('images')) return fail(`400 Parameter verification failed.\nstorage: storage '${storeid}' does not support vm images\n\n${usage}\n`, 255);
    newDisks.push({ key, scfg, sizeGb: Number(m[2]), rest: drive.rest });
  }
  const out = new TaskOutput();
  try {
    newDisks.forEach((d, i) => {
      const drive = allocate(node, vmid, i, d.scfg, d.sizeGb, d.rest);
      values.set(d.key, drive);
      out.print(`${d.key}: successfully created disk '${drive}'\n`);
    });
  } catch (err) {
    return out.error(`unable to create VM ${vmid} - ${(err as Error).message}`);
  }
  for (const [k, v] of values) if (/^net\d+$/.test(k)) values.set(k, withMac(v));
  if (!values.has('boot')) {
    const order = defaultBootOrder([...values.keys()]);
    if (order.length) values.set('boot', `order=${order.join(';')}`);
  }
  values.delete('storage');
  values.set('meta', `creation-qemu=${QEMU[node.release.major]},ctime=${Math.floor(node.clock.now() / 1000)}`);
  values.set('smbios1', `uuid=${randomUUID()}`);
  values.set('vmgenid', randomUUID());
  const text = [...values.keys()].sort().map((k) => `${k}: ${values.get(k)}\n`).join('');
  try {
    await node.fs.writeFile(confPath(node, vmid), text);
  } catch {
    return out.error(`unable to create VM ${vmid} - cluster not ready - no quorum?`);
  }
  return out.ok();
}

async function destroy(node: NodeContext, vmid: number, conf: GuestConf, args: string[]): Promise<ExecResult> {
  const params = parseParams('qm destroy <vmid> [OPTIONS]', args, ['vmid'], { vmid: { type: 'string' }, purge: { type: 'boolean' }, skiplock: { type: 'boolean' }, 'destroy-unreferenced-disks': { type: 'boolean' } });
  if (isResult(params)) return params;
  const ha = await haConfigured(node, vmid);
  if (!params['purge'] && ha) return fail(`unable to remove VM ${vmid} - used in HA resources and purge parameter not set.\n`, 255);
  if (node.vms.running(vmid)) return fail(`VM ${vmid} is running - destroy failed\n`, 255);
  if (!cfsQuorate(node)) return fail('cluster not ready - no quorum?\n', 255);
  const out = new TaskOutput();
  let warnings = '';
  // destroy_vm frees each volume and only warns when one cannot be freed.
  for (const v of await rbdVolumes(node, conf)) {
    try {
      node.ceph.rbdRemove(v.pool, v.image);
    } catch (err) {
      warnings += `rbd rm '${v.image}' error: ${(err as Error).message}\n`;
    }
  }
  if (params['purge']) {
    out.print(`purging VM ${vmid} from related configurations..\n`);
    if (ha) {
      const cfg = await readResources(node.fs);
      await writeResources(node.fs, cfg.sections.filter((s) => sidOf(s) !== `vm:${vmid}`));
      out.print(`NOTE: removed VM ${vmid} from HA resource configuration.\n`);
    }
  }
  await node.fs.rm(confPath(node, vmid));
  return { ...out.ok(), stderr: warnings };
}

/** qm: list, create, destroy, start, stop, shutdown, status, config — the VMs of this node. */
export const qm: LabCommand = {
  name: 'qm',
  // `qm create` takes a dozen arguments: more than a /usr/sbin hand-over script can pass on.
  dir: SBIN_VIA_USR_BIN,
  async run(args, ctx, node) {
    const sub = args[0];
    if (sub === undefined) return fail(`ERROR: no command specified\n${QM_USAGE}`, 255);
    const down = pmxcfsDown(node);
    if (down) return down;
    const rest = args.slice(1);
    if (sub === 'list') {
      const guests = await localGuests(node, 'qemu-server');
      if (guests.length === 0) return ok();
      let out = `${'VMID'.padStart(10)} ${'NAME'.padEnd(20)} ${'STATUS'.padEnd(10)} ${'MEM(MB)'.padEnd(10)} ${'BOOTDISK(GB)'.padStart(12)} ${'PID'.padEnd(10)}\n`;
      for (const g of guests) {
        const name = (g.values.get('name') ?? `VM ${g.vmid}`).slice(0, 20);
        const mem = g.values.get('memory') ?? '2048';
        const proc = node.vms.running(g.vmid);
        out += `${String(g.vmid).padStart(10)} ${name.padEnd(20)} ${(proc ? 'running' : 'stopped').padEnd(10)} ${mem.padEnd(10)} ${bootDiskGb(g).toFixed(2).padStart(12)} ${String(proc?.pid ?? 0).padEnd(10)}\n`;
      }
      return ok(out);
    }
    if (sub === 'create') return create(node, rest);
    if (!['destroy', 'status', 'config', 'start', 'stop', 'shutdown'].includes(sub)) return fail(`ERROR: unknown command 'qm ${sub}'\n${QM_USAGE}`, 255);
    const vmid = Number(rest[0]);
    const text = await node.fs.readFile(confPath(node, vmid)).catch(() => undefined);
    if (text === undefined) return fail(`Configuration file 'nodes/${node.name}/qemu-server/${vmid}.conf' does not exist\n`, 2);
    const running = node.vms.running(vmid);
    if (sub === 'status') return ok(`status: ${running ? 'running' : 'stopped'}\n`);
    if (sub === 'config') return ok(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${l}\n`).join(''));
    if (sub === 'destroy') return destroy(node, vmid, parseConf(vmid, text), rest);
    if (!cfsQuorate(node)) return fail('cluster not ready - no quorum?\n', 255);
    if (await haManaged(node, vmid)) {
      const request = sub === 'start' ? ({ state: 'started' } as const) : { stop: sub === 'stop' ? 0 : 180 };
      const r = await requestHaState(node, `vm:${vmid}`, request);
      const line = `Requesting HA ${sub === 'start' ? 'start' : 'stop'} for VM ${vmid}\n`;
      return r.exitCode === 0 ? ok(line) : { stdout: line, stderr: `${r.stderr}command 'ha-manager ${sub === 'start' ? `set vm:${vmid} --state started` : `crm-command stop vm:${vmid} ${'stop' in request ? request.stop : ''}`}' failed: exit code ${r.exitCode}\n`, exitCode: 255 };
    }
    const out = new TaskOutput();
    // A QEMU process starts, or its guest powers down, in a second or two.
    try {
      if (sub === 'start') {
        if (running) return out.error(`VM ${vmid} already running`);
        await node.clock.sleep(1200, ctx.signal);
        node.vms.start(vmid);
      } else if (sub === 'shutdown') {
        if (!running) return out.error(`VM ${vmid} not running`);
        await node.clock.sleep(2000, ctx.signal);
        node.vms.stop(vmid);
      } else if (running) {
        await node.clock.sleep(300, ctx.signal);
        node.vms.stop(vmid);
      }
    } catch {
      return fail('', 130);
    }
    return out.ok();
  },
};

/** pct list: the containers of this node (nothing at all when there are none). */
export const pct: LabCommand = {
  name: 'pct',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const sub = args[0];
    if (sub === undefined) return fail('ERROR: no command specified\n', 255);
    const down = pmxcfsDown(node);
    if (down) return down;
    if (sub !== 'list') return fail(`pct ${sub}: not simulated by the lab twin (pct list is)\n`, 255);
    const guests = await localGuests(node, 'lxc');
    if (guests.length === 0) return ok();
    const row = (a: string, b: string, c: string, d: string) => `${a.padEnd(10)} ${b.padEnd(10)} ${c.padEnd(12)} ${d.padEnd(20)}\n`;
    let out = row('VMID', 'Status', 'Lock', 'Name');
    for (const g of guests) out += row(String(g.vmid), 'stopped', g.values.get('lock') ?? '', g.values.get('hostname') ?? `CT${g.vmid}`);
    return ok(out);
  },
};
