import { randomUUID } from 'node:crypto';
import { listGuests } from '../cluster';
import { cfsQuorate } from '../pve/setup';
import { isResult, parseParams, pmxcfsDown } from './pveCli';
import { fail, ok, type LabCommand, type NodeContext } from './types';

const QM_USAGE = `USAGE: qm <COMMAND> [ARGS] [OPTIONS]
       qm config <vmid> [OPTIONS]
       qm create <vmid> [OPTIONS]
       qm destroy <vmid> [OPTIONS]
       qm list  [OPTIONS]
       qm status <vmid> [OPTIONS]
`;

/** The QEMU each release ships, as qm create records it in `meta`. */
const QEMU: Record<8 | 9, string> = { 8: '9.2.0', 9: '10.0.2' };

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

/** Where the vmid is in use across the cluster (pmxcfs's vmlist). */
async function vmidOwner(node: NodeContext, vmid: number): Promise<string | undefined> {
  const guests = await listGuestsOf(node);
  return guests.find((g) => g.vmid === vmid)?.node;
}

async function listGuestsOf(node: NodeContext) {
  const nodes = await node.fs.readdir('/etc/pve/nodes').catch(() => [] as string[]);
  const out: { vmid: number; node: string }[] = [];
  for (const n of nodes) {
    for (const dir of ['qemu-server', 'lxc']) {
      for (const f of await node.fs.readdir(`/etc/pve/nodes/${n}/${dir}`).catch(() => [] as string[])) {
        const m = /^(\d+)\.conf$/.exec(f);
        if (m) out.push({ vmid: Number(m[1]), node: n });
      }
    }
  }
  return out;
}

/** qm: list, create, destroy, status, config — the guests of this node in /etc/pve. */
export const qm: LabCommand = {
  name: 'qm',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
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
        const mem = g.values.get('memory') ?? '512';
        out += `${String(g.vmid).padStart(10)} ${name.padEnd(20)} ${'stopped'.padEnd(10)} ${mem.padEnd(10)} ${bootDiskGb(g).toFixed(2).padStart(12)} ${'0'.padEnd(10)}\n`;
      }
      return ok(out);
    }
    if (sub === 'create') {
      const vmidArg = rest[0];
      const options: Record<string, { type: 'string' }> = {};
      for (const a of rest.slice(1)) {
        const m = /^--?([a-z][a-z_]*\d*)/.exec(a);
        if (m) options[m[1] as string] = { type: 'string' };
      }
      const params = parseParams('qm create <vmid> [OPTIONS]', rest, ['vmid'], { vmid: { type: 'string' }, ...options });
      if (isResult(params)) return params;
      if (!/^\d+$/.test(vmidArg ?? '') || Number(vmidArg) < 100) return fail(`400 Parameter verification failed.\nvmid: value must have a minimum value of 100\n\nqm create <vmid> [OPTIONS]\n`, 255);
      const vmid = Number(vmidArg);
      if (!cfsQuorate(node)) return fail('cluster not ready - no quorum?\n', 255);
      const owner = await vmidOwner(node, vmid);
      if (owner) return fail(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${owner}'\n`, 255);
      const values = new Map<string, string>();
      for (const [k, v] of Object.entries(params)) if (k !== 'vmid') values.set(k, String(v));
      if (!values.has('memory')) values.set('memory', '2048');
      values.set('meta', `creation-qemu=${QEMU[node.release.major]},ctime=${Math.floor(node.clock.now() / 1000)}`);
      values.set('smbios1', `uuid=${randomUUID()}`);
      values.set('vmgenid', randomUUID());
      const text = [...values.keys()].sort().map((k) => `${k}: ${values.get(k)}\n`).join('');
      try {
        await node.fs.writeFile(`/etc/pve/nodes/${node.name}/qemu-server/${vmid}.conf`, text);
      } catch {
        return fail(`unable to create VM ${vmid} - cluster not ready - no quorum?\n`, 255);
      }
      return ok();
    }
    if (sub === 'destroy' || sub === 'status' || sub === 'config') {
      const vmid = Number(rest[0]);
      const path = `/etc/pve/nodes/${node.name}/qemu-server/${vmid}.conf`;
      const text = await node.fs.readFile(path).catch(() => undefined);
      if (text === undefined) return fail(`Configuration file 'nodes/${node.name}/qemu-server/${vmid}.conf' does not exist\n`, 2);
      if (sub === 'status') return ok('status: stopped\n');
      if (sub === 'config') return ok(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${l}\n`).join(''));
      if (!cfsQuorate(node)) return fail('cluster not ready - no quorum?\n', 255);
      await node.fs.rm(path);
      return ok();
    }
    return fail(`ERROR: unknown command 'qm ${sub}'\n${QM_USAGE}`, 255);
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

export { listGuests };
