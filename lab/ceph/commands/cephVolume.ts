import { randomUUID } from 'node:crypto';
import type { ExecResult } from 'just-bash';
import { fail, ok, type LabCommand, type NodeContext } from '../../commands/types';
import { StorageError } from '../../storage/nodeStorage';
import { osdDir } from '../cluster';
import { BOOTSTRAP_OSD_KEYRING, cephxKey } from '../conf';
import { connect, isConnected } from './client';
import {
  activateOsd,
  cephVolumeList,
  clusterFsid,
  fromStderr,
  fromStdout,
  info,
  prettyReport,
  pythonJson,
  run,
  tagStrings,
  tagsOf,
  VolumeFailure,
  zapDevice,
  zapOsd,
} from './cephVolumeOps';

const CREATE_USAGE = `usage: ceph-volume lvm create [-h] --data DATA [--data-size DATA_SIZE]
                              [--data-slots DATA_SLOTS] [--osd-id OSD_ID]
                              [--osd-fsid OSD_FSID]
                              [--crush-device-class CRUSH_DEVICE_CLASS]
                              [--dmcrypt] [--no-systemd] [--bluestore]
                              [--block.db BLOCK_DB] [--block.wal BLOCK_WAL]
`;

/** Lab ms of ceph-volume's slower steps. */
const STEP_MS = { key: 300, osdNew: 1_000, lvm: 1_000, tags: 500, getmap: 800, mkfs: 6_000 };

const BOOTSTRAP = `/usr/bin/ceph --cluster ceph --name client.bootstrap-osd --keyring ${BOOTSTRAP_OSD_KEYRING}`;

/** What ceph-volume has printed so far: everything goes to stderr, and a killed run leaves it as it was. */
class Log {
  text = '';
  add(s: string): void {
    this.text += s;
  }
}

interface CreateArgs {
  data: string;
  db?: string;
  osdFsid?: string;
  crushDeviceClass?: string;
  systemd: boolean;
}

function argError(usage: string, sub: string, msg: string): ExecResult {
  return fail(`${usage}ceph-volume lvm ${sub}: error: ${msg}\n`, 2);
}

function parseCreate(args: string[], sub: string): CreateArgs | ExecResult {
  const out: Partial<CreateArgs> & { systemd: boolean } = { systemd: true };
  const valued: Record<string, 'data' | 'db' | 'osdFsid' | 'crushDeviceClass' | 'ignored'> = {
    '--data': 'data',
    '--block.db': 'db',
    '--osd-fsid': 'osdFsid',
    '--crush-device-class': 'crushDeviceClass',
    '--osd-id': 'ignored',
    '--block.wal': 'ignored',
    '--data-size': 'ignored',
    '--block.db-size': 'ignored',
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = /^(--[\w.-]+)=(.*)$/.exec(a);
    const flag = eq ? (eq[1] as string) : a;
    const key = valued[flag];
    if (key) {
      const v = eq ? eq[2] : args[++i];
      if (v === undefined) return argError(CREATE_USAGE, sub, `argument ${flag}: expected one argument`);
      if (key !== 'ignored') out[key] = v;
    } else if (a === '--no-systemd') out.systemd = false;
    else if (a === '--bluestore') continue;
    else return argError(CREATE_USAGE, sub, `unrecognized arguments: ${a}`);
  }
  if (!out.data) return argError(CREATE_USAGE, sub, 'the following arguments are required: --data');
  return out as CreateArgs;
}

/** ValidDevice / ValidDataDevice: what argparse refuses before anything runs, or undefined. */
function validate(node: NodeContext, path: string, data: boolean, sub: string): ExecResult | 'prepared' | undefined {
  const lvRef = /^([^/]+)\/([^/]+)$/.exec(path);
  const lv = lvRef ? node.storage.lv(lvRef[1] as string, lvRef[2] as string) : undefined;
  const dev = lv ? node.storage.blockDevice(lv.path) : node.storage.blockDevice(path);
  if (!dev) return argError(CREATE_USAGE, sub, `Unable to proceed with non-existing device: ${path}`);
  const sig = node.storage.signature(lv ? lv.path : path);
  const partitioned = !lv && node.storage.tree().some((d) => d.path === path && d.children.some((c) => c.type === 'part'));
  if (partitioned) return fail(`-->  RuntimeError: Device ${path} has partitions.\n`, 1);
  if (!lv && sig?.type === 'gpt') return argError(CREATE_USAGE, sub, `GPT headers found, they must be removed on: ${path}`);
  if (!data) return undefined;
  const tags = lv ? tagsOf(lv) : {};
  if (lv && tags['ceph.osd_id'] !== undefined && (tags['ceph.type'] === 'block' || tags['ceph.type'] === 'data')) return 'prepared';
  if (sig && sig.type !== 'ceph_bluestore' && sig.type !== 'LVM2_member' && sig.type !== 'gpt' && sig.type !== 'linux_raid_member') return fail(`-->  RuntimeError: Device ${path} has a filesystem.\n`, 1);
  if (!lv && path.startsWith('/') && sig?.type === 'ceph_bluestore') return fail(`-->  RuntimeError: Device ${path} has bluestore signature.\n`, 1);
  return undefined;
}

/** Runs an LVM change the way ceph-volume's process.run reports it; a failure is its RuntimeError. */
function lvm<T>(log: Log, cmd: string, fn: () => T, stdout: (r: T) => string): T {
  log.add(run(cmd));
  try {
    const r = fn();
    log.add(fromStdout(stdout(r)));
    return r;
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    if (err.stdout) log.add(fromStdout(err.stdout));
    log.add(fromStderr(err.message));
    throw new VolumeFailure(`RuntimeError: command returned non-zero exit status: ${err.exitCode}`);
  }
}

interface Prepared {
  id: number;
  osdFsid: string;
}

/** Prepare (bluestore): an OSD id from the monitors, the LVs tagged, the OSD's data directory made and mkfs'd. */
async function prepare(node: NodeContext, a: CreateArgs, log: Log, signal: AbortSignal | undefined): Promise<Prepared | ExecResult> {
  const sleep = (ms: number) => node.clock.sleep(ms, signal);
  const fsid = await clusterFsid(node);
  if (!fsid) return fail('-->  RuntimeError: Unable to load expected Ceph config at: /etc/ceph/ceph.conf\n', 1);
  const secret = cephxKey(node.clock.now());
  const osdFsid = a.osdFsid ?? randomUUID();
  log.add(run('/usr/bin/ceph-authtool --gen-print-key'));
  await sleep(STEP_MS.key);
  log.add(run(`${BOOTSTRAP} -i - osd new ${osdFsid}`));
  const conn = await connect(node, { name: 'client.bootstrap-osd', keyring: BOOTSTRAP_OSD_KEYRING }, signal);
  if (!isConnected(conn)) {
    if (signal?.aborted) throw signal.reason;
    log.add(fromStderr(conn.stderr));
    return fail(`${log.text}-->  RuntimeError: Unable to create a new OSD id\n`, 1);
  }
  await sleep(STEP_MS.osdNew);
  const id = node.ceph.osdNew(osdFsid, secret);
  try {
    const tags: Record<string, string> = {
      'ceph.osd_fsid': osdFsid,
      'ceph.osd_id': String(id),
      'ceph.cluster_fsid': fsid,
      'ceph.cluster_name': 'ceph',
      'ceph.crush_device_class': a.crushDeviceClass ?? '',
      'ceph.osdspec_affinity': '',
    };
    const block = await dataVolume(node, a.data, log, sleep);
    tags['ceph.block_device'] = block.path;
    tags['ceph.block_uuid'] = node.storage.findLv(block.vg, block.name).uuid;
    tags['ceph.cephx_lockbox_secret'] = '';
    tags['ceph.encrypted'] = '0';
    tags['ceph.vdo'] = '0';
    const db = a.db ? await dbVolume(node, a.db, tags, log, sleep) : undefined;
    tags['ceph.type'] = 'block';
    node.storage.setLvTags(block.vg, block.name, tagStrings(tags), block.tags.filter((t) => t.startsWith('ceph.')));
    await sleep(STEP_MS.tags);
    await prepareBluestore(node, { id, osdFsid, secret, blockPath: block.path, dbPath: db }, log, sleep);
    const dev = node.storage.blockDevice(block.path);
    node.ceph.osdPrepared(id, node.name, block.sizeBytes, a.crushDeviceClass ?? (dev?.rotational ? 'hdd' : 'ssd'));
    log.add(info(`ceph-volume lvm prepare successful for: ${a.data}`));
    return { id, osdFsid };
  } catch (err) {
    if (signal?.aborted) throw err;
    const failure = err instanceof VolumeFailure ? err : err instanceof StorageError ? new VolumeFailure(`RuntimeError: ${err.message.split('\n')[0]}`) : undefined;
    if (!failure) throw err;
    // prepare's rollback: the OSD id goes, whatever LVM already did stays.
    log.add(info('Was unable to complete a new OSD, will rollback changes'));
    log.add(run(`${BOOTSTRAP} osd purge-new osd.${id} --yes-i-really-mean-it`));
    node.ceph.osdPurgeNew(id);
    log.add(fromStderr(`purged osd.${id}`));
    throw failure;
  }
}

/** The block LV: the given VG/LV, or a `ceph-UUID/osd-block-UUID` ceph-volume makes on a whole device. */
async function dataVolume(node: NodeContext, data: string, log: Log, sleep: (ms: number) => Promise<void>) {
  const ref = /^([^/]+)\/([^/]+)$/.exec(data);
  if (ref) return node.storage.lv(ref[1] as string, ref[2] as string) as NonNullable<ReturnType<NodeContext['storage']['lv']>>;
  const vg = `ceph-${randomUUID()}`;
  const name = `osd-block-${randomUUID()}`;
  lvm(log, `vgcreate --force --yes ${vg} ${data}`, () => node.storage.vgcreate(vg, [data], { yes: true }), (r) => r.join('\n'));
  await sleep(STEP_MS.lvm);
  const rec = node.storage.vg(vg);
  const extents = rec ? rec.pvs.reduce((n, p) => n + p.peCount, 0) : 0;
  lvm(log, `lvcreate --yes -l ${extents} -n ${name} ${vg}`, () => node.storage.lvcreate(vg, name, { extents }, []), () => `Logical volume "${name}" created.`);
  await sleep(STEP_MS.lvm);
  return node.storage.lv(vg, name) as NonNullable<ReturnType<NodeContext['storage']['lv']>>;
}

/** setup_device('db', ...): an existing LV gets the tags; a whole device becomes a VG with one LV using all of it. */
async function dbVolume(node: NodeContext, db: string, tags: Record<string, string>, log: Log, sleep: (ms: number) => Promise<void>): Promise<string> {
  const dbTags: Record<string, string> = { ...tags, 'ceph.type': 'db', 'ceph.vdo': '0' };
  const ref = /^([^/]+)\/([^/]+)$/.exec(db);
  const existing = ref ? node.storage.lv(ref[1] as string, ref[2] as string) : undefined;
  if (existing) {
    tags['ceph.db_device'] = existing.path;
    tags['ceph.db_uuid'] = node.storage.findLv(existing.vg, existing.name).uuid;
    node.storage.setLvTags(existing.vg, existing.name, tagStrings({ ...dbTags, 'ceph.db_device': tags['ceph.db_device'], 'ceph.db_uuid': tags['ceph.db_uuid'] }));
    await sleep(STEP_MS.tags);
    return existing.path;
  }
  const vg = `ceph-${randomUUID()}`;
  const name = `osd-db-${randomUUID()}`;
  lvm(log, `vgcreate --force --yes ${vg} ${db}`, () => node.storage.vgcreate(vg, [db], { yes: true }), (r) => r.join('\n'));
  await sleep(STEP_MS.lvm);
  const rec = node.storage.vg(vg);
  const extents = rec ? rec.pvs.reduce((n, p) => n + p.peCount, 0) : 0;
  lvm(log, `lvcreate --yes -l ${extents} -n ${name} ${vg}`, () => node.storage.lvcreate(vg, name, { extents }, []), () => `Logical volume "${name}" created.`);
  const lv = node.storage.lv(vg, name) as NonNullable<ReturnType<NodeContext['storage']['lv']>>;
  tags['ceph.db_device'] = lv.path;
  tags['ceph.db_uuid'] = node.storage.findLv(vg, name).uuid;
  node.storage.setLvTags(vg, name, tagStrings({ ...dbTags, 'ceph.db_device': lv.path, 'ceph.db_uuid': tags['ceph.db_uuid'] }));
  await sleep(STEP_MS.lvm);
  return lv.path;
}

async function prepareBluestore(
  node: NodeContext,
  o: { id: number; osdFsid: string; secret: string; blockPath: string; dbPath?: string },
  log: Log,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const dir = osdDir(o.id);
  const dm = (p: string) => node.storage.blockDevice(p)?.name ?? 'dm-0';
  log.add(run('/usr/bin/ceph-authtool --gen-print-key'));
  await sleep(STEP_MS.key);
  log.add(run(`/usr/bin/mount -t tmpfs tmpfs ${dir}`));
  // A fresh tmpfs: whatever an earlier attempt left under the mount point is hidden.
  await node.fs.mkdir(dir, { recursive: true });
  for (const f of await node.fs.readdir(dir)) await node.fs.rm(`${dir}/${f}`, { force: true });
  log.add(info('Executable selinuxenabled not in PATH: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'));
  log.add(run(`/usr/bin/chown -h ceph:ceph ${o.blockPath}`));
  log.add(run(`/usr/bin/chown -R ceph:ceph /dev/${dm(o.blockPath)}`));
  log.add(run(`/usr/bin/ln -s ${o.blockPath} ${dir}/block`));
  await node.fs.symlink(o.blockPath, `${dir}/block`).catch(() => undefined);
  log.add(run(`${BOOTSTRAP} mon getmap -o ${dir}/activate.monmap`));
  await sleep(STEP_MS.getmap);
  log.add(fromStderr(`got monmap epoch ${node.ceph.exists ? node.ceph.state().monmapEpoch : 0}`));
  log.add(run(`/usr/bin/ceph-authtool ${dir}/keyring --create-keyring --name osd.${o.id} --add-key ${o.secret}`));
  log.add(fromStdout(`creating ${dir}/keyring\nadded entity osd.${o.id} auth(key=${o.secret})`));
  log.add(run(`/usr/bin/chown -R ceph:ceph ${dir}/keyring`));
  log.add(run(`/usr/bin/chown -R ceph:ceph ${dir}/`));
  if (o.dbPath) {
    log.add(run(`/usr/bin/chown -h ceph:ceph ${o.dbPath}`));
    log.add(run(`/usr/bin/chown -R ceph:ceph /dev/${dm(o.dbPath)}`));
  }
  log.add(
    run(
      `/usr/bin/ceph-osd --cluster ceph --osd-objectstore bluestore --mkfs -i ${o.id} --monmap ${dir}/activate.monmap --keyfile - ${o.dbPath ? `--bluestore-block-db-path ${o.dbPath} ` : ''}--osd-data ${dir}/ --osd-uuid ${o.osdFsid} --setuser ceph --setgroup ceph`,
    ),
  );
  await sleep(STEP_MS.mkfs);
  const when = node.clock.date().toISOString().slice(0, 23);
  log.add(
    fromStderr(
      `${when}+0000 7f4c2a4b53c0 -1 bluestore(${dir}//block) _read_bdev_label unable to decode label ${dir}//block at offset 102: void bluestore_bdev_label_t::decode(ceph::buffer::v15_2_0::list::const_iterator&) decode past end of struct encoding: Malformed input [buffer:3]`,
    ),
  );
  node.storage.setFsType(o.blockPath, 'ceph_bluestore');
}

async function create(args: string[], node: NodeContext, signal: AbortSignal | undefined, sub: 'create' | 'prepare'): Promise<ExecResult> {
  const a = parseCreate(args, sub);
  if (!('data' in a)) return a;
  const checked = validate(node, a.data, true, sub) ?? (a.db ? validate(node, a.db, false, sub) : undefined);
  if (checked === 'prepared') return { stdout: '', stderr: info(`Device ${a.data} is already prepared`), exitCode: 0 };
  if (checked) return checked;
  const log = new Log();
  try {
    const p = await prepare(node, a, log, signal);
    if (!('osdFsid' in p)) return p;
    if (sub === 'create') {
      log.add(await activateOsd(node, p.id, p.osdFsid, { systemd: a.systemd, signal }));
      log.add(info(`ceph-volume lvm create successful for: ${a.data}`));
    }
    return { stdout: '', stderr: log.text, exitCode: 0 };
  } catch (err) {
    if (signal?.aborted) return { stdout: '', stderr: log.text, exitCode: 130 };
    if (err instanceof VolumeFailure) return fail(`${log.text}${err.printed}-->  ${err.message}\n`, 1);
    throw err;
  }
}

async function activate(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const systemd = !args.includes('--no-systemd');
  const rest = args.filter((a) => !a.startsWith('--'));
  const jobs: { id: number; fsid: string }[] = [];
  let out = '';
  if (args.includes('--all')) {
    for (const [id, lvs] of cephVolumeList(node)) {
      const fsid = lvs.find((e) => e.type === 'block')?.tags['ceph.osd_fsid'];
      if (!fsid) continue;
      if (node.services.state(`ceph-osd@${id}`) === 'active') {
        out += info(`OSD ID ${id} FSID ${fsid} process is active. Skipping activation`);
        continue;
      }
      out += info(`Activating OSD ID ${id} FSID ${fsid}`);
      jobs.push({ id, fsid });
    }
  } else {
    if (rest.length !== 2 || !/^\d+$/.test(rest[0] as string)) return fail('usage: ceph-volume lvm activate [-h] [--bluestore] [--no-systemd] [--all] [osd_id] [osd_fsid]\n-->  RuntimeError: could not activate osd, please provide an ID and FSID, or --all\n', 1);
    jobs.push({ id: Number(rest[0]), fsid: rest[1] as string });
  }
  try {
    for (const j of jobs) out += await activateOsd(node, j.id, j.fsid, { systemd, signal });
    return { stdout: '', stderr: out, exitCode: 0 };
  } catch (err) {
    if (signal?.aborted) return { stdout: '', stderr: out, exitCode: 130 };
    if (err instanceof VolumeFailure) return fail(`${out}${err.printed}-->  ${err.message}\n`, 1);
    throw err;
  }
}

async function zap(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const destroy = args.includes('--destroy');
  const idAt = args.indexOf('--osd-id');
  const targets = args.filter((a, i) => !a.startsWith('--') && (idAt < 0 || i !== idAt + 1));
  let out = '';
  try {
    if (idAt >= 0) out += await zapOsd(node, Number(args[idAt + 1]), destroy, signal);
    for (const t of targets) out += await zapDevice(node, t, destroy, signal);
    if (idAt < 0 && !targets.length) return fail('usage: ceph-volume lvm zap [-h] [--destroy] [--osd-id OSD_ID] [--osd-fsid OSD_FSID] [--no-systemd] [DEVICES ...]\n-->  RuntimeError: Please provide a device or an OSD id to zap\n', 1);
    return { stdout: '', stderr: out, exitCode: 0 };
  } catch (err) {
    if (signal?.aborted) return { stdout: '', stderr: out, exitCode: 130 };
    if (err instanceof VolumeFailure) return fail(`${out}${err.printed}-->  ${err.message}\n`, 1);
    if (err instanceof StorageError) return fail(`${out}${fromStderr(err.message)}-->  RuntimeError: command returned non-zero exit status: ${err.exitCode}\n`, 1);
    throw err;
  }
}

function list(args: string[], node: NodeContext): ExecResult {
  const fmt = args.includes('--format=json') || (args.includes('--format') && args[args.indexOf('--format') + 1] === 'json') ? 'json' : 'pretty';
  const report = cephVolumeList(node);
  const filter = args.find((a) => !a.startsWith('--') && a !== 'json' && a !== 'pretty');
  const shown = filter ? new Map([...report].filter(([, lvs]) => lvs.some((e) => e.lv_path === filter || `${e.vg_name}/${e.lv_name}` === filter || e.devices.includes(filter)))) : report;
  if (fmt === 'json') return ok(`${pythonJson(Object.fromEntries([...shown].map(([id, lvs]) => [String(id), lvs])))}\n`);
  if (!shown.size) return fail('No valid Ceph lvm devices found\n', 1);
  return ok(prettyReport(shown));
}

/** ceph-volume (from the ceph-volume package): the `lvm` subcommands the runbooks use. */
export const cephVolume: LabCommand = {
  name: 'ceph-volume',
  dir: '/usr/sbin',
  async run(args, ctx, node) {
    if (args[0] !== 'lvm') {
      return fail(`usage: ceph-volume [-h] [--cluster CLUSTER] [--log-level {debug,info,warning,error,critical}] [--log-path LOG_PATH]\nceph-volume: error: the twin implements the lvm subcommands only, not '${args[0] ?? ''}'\n`, 2);
    }
    const sub = args[1];
    const rest = args.slice(2);
    if (sub === 'create' || sub === 'prepare') return create(rest, node, ctx.signal, sub);
    if (sub === 'activate') return activate(rest, node, ctx.signal);
    if (sub === 'list') return list(rest, node);
    if (sub === 'zap') return zap(rest, node, ctx.signal);
    return fail(`usage: ceph-volume lvm [-h] {activate,deactivate,batch,prepare,create,trigger,list,zap,migrate,new-wal,new-db} ...\nceph-volume lvm: error: argument subcommand: invalid choice: '${sub ?? ''}'\n`, 2);
  },
};
