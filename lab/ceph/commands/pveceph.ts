import { randomUUID } from 'node:crypto';
import type { ExecResult } from 'just-bash';
import { isResult, parseParams, pmxcfsDown, type Params } from '../../commands/pveCli';
import { fail, ok, type LabCommand, type NodeContext } from '../../commands/types';
import { ADMIN_KEYRING, BOOTSTRAP_OSD_KEYRING, CEPH_CONF, MON_KEYRING, PVE_CEPH_CONF, isCidr } from '../conf';
import { statusText } from '../report';
import { install } from './pvecephInstall';
import { TaskFailure, checkInited, die, getOrCreateAdminKeyring, readConf, setupSymlinks, stopUnit, withCephConfLock, writeConf } from './pvecephCommon';
import { localServices, mgrCreate, mgrDestroy, monCreate, monDestroy, osdDestroy } from './pvecephDaemons';
import { poolCreate, poolDestroy, poolLs } from './pvecephPool';
import { connect, isConnected } from './client';

const USAGE = `USAGE: pveceph <COMMAND> [ARGS] [OPTIONS]

       pveceph init  [OPTIONS]
       pveceph install  [OPTIONS]
       pveceph purge  [OPTIONS]
       pveceph status

       pveceph fs create  [OPTIONS]
       pveceph fs destroy <name> [OPTIONS]

       pveceph mds create  [OPTIONS]
       pveceph mds destroy <name>

       pveceph mgr create  [OPTIONS]
       pveceph mgr destroy <id>

       pveceph mon create  [OPTIONS]
       pveceph mon destroy <monid>

       pveceph osd create <dev> [OPTIONS]
       pveceph osd destroy <osdid> [OPTIONS]
       pveceph osd details <osdid> [OPTIONS] [FORMAT_OPTIONS]

       pveceph pool create <name> [OPTIONS]
       pveceph pool destroy <name> [OPTIONS]
       pveceph pool get <name> [OPTIONS] [FORMAT_OPTIONS]
       pveceph pool ls  [FORMAT_OPTIONS]
       pveceph pool set <name> [OPTIONS]

       pveceph start  [OPTIONS]
       pveceph stop  [OPTIONS]

       pveceph help [<extra-args>] [OPTIONS]
`;

/** The old single-word names PVE keeps as aliases. */
const ALIASES: Record<string, string[]> = {
  createmon: ['mon', 'create'],
  destroymon: ['mon', 'destroy'],
  createmgr: ['mgr', 'create'],
  destroymgr: ['mgr', 'destroy'],
  createosd: ['osd', 'create'],
  destroyosd: ['osd', 'destroy'],
  createpool: ['pool', 'create'],
  destroypool: ['pool', 'destroy'],
  lspools: ['pool', 'ls'],
};

const cidr = (v: string) => (isCidr(v) ? undefined : 'value does not look like a valid CIDR network');

/** `pveceph init` (PVE::API2::Ceph::init): idempotent; an existing [global] keeps its fsid and defaults. */
async function init(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const usage = 'pveceph init  [OPTIONS]';
  const params = parseParams(usage, args, [], {
    network: { type: 'string', format: cidr, maxLength: 128 },
    'cluster-network': { type: 'string', format: cidr, maxLength: 128 },
    size: { type: 'integer', minimum: 1 },
    min_size: { type: 'integer', minimum: 1 },
    pg_bits: { type: 'integer', minimum: 6 },
    disable_cephx: { type: 'boolean' },
  });
  if (isResult(params)) return params;
  if (params['cluster-network'] !== undefined && params['network'] === undefined) {
    return fail(`400 Parameter verification failed.\nnetwork: missing property - 'cluster-network' requires this property\n\n${usage}\n`, 255);
  }
  const pkgs = node.ceph.packages(node.name);
  // get_local_version reads `ceph --version`: ceph-common is always there, so only a pre-Nautilus one stops it.
  if (Number(pkgs.common.series.split('.')[0]) < 14) return die("Ceph Nautilus required - please run 'pveceph install'");
  const auth = params['disable_cephx'] === true ? 'none' : 'cephx';
  try {
    return await withCephConfLock(node, signal, async () => {
      const link = await writeInitialConf(node, params, auth);
      return link ? die(link) : ok();
    });
  } catch (err) {
    if (err instanceof TaskFailure) return die(err.message);
    throw err;
  }
}

/** The [global] defaults of a new cluster, the networks, the admin keyring and the /etc/ceph link. */
async function writeInitialConf(node: NodeContext, params: Params, auth: string): Promise<string | undefined> {
  const cfg = await readConf(node);
  if (!cfg['global']) {
    cfg['global'] = {
      fsid: randomUUID(),
      auth_cluster_required: auth,
      auth_service_required: auth,
      auth_client_required: auth,
      osd_pool_default_size: String(params['size'] ?? 3),
      osd_pool_default_min_size: String(params['min_size'] ?? 2),
      mon_allow_pool_delete: 'true',
    };
  }
  const global = cfg['global'];
  if (auth === 'cephx') cfg['client'] = { ...(cfg['client'] ?? {}), keyring: '/etc/pve/priv/$cluster.$name.keyring' };
  if (params['network'] !== undefined) {
    global['public_network'] = String(params['network']);
    global['cluster_network'] = String(params['network']);
  }
  if (params['cluster-network'] !== undefined) global['cluster_network'] = String(params['cluster-network']);
  await writeConf(node, cfg);
  if (auth === 'cephx') await getOrCreateAdminKeyring(node);
  return setupSymlinks(node);
}

/** `pveceph status`: `ceph -s` with a 15 s timeout, after check_ceph_inited. */
async function status(node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const conn = await connect(node, { name: 'client.admin', connectTimeoutMs: 15_000 }, signal);
  if (!isConnected(conn)) return { stdout: '', stderr: `${conn.stderr}command 'ceph -s' failed: ${/timed out/.test(conn.stderr) ? 'got timeout' : `exit code ${conn.exitCode}`}\n`, exitCode: 255 };
  return ok(statusText(node.ceph.snapshot()));
}

/** `pveceph purge`: refuses while this node still matters to the cluster; else removes its Ceph data and config. */
async function purge(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph purge  [OPTIONS]', args, [], { logs: { type: 'boolean' }, crash: { type: 'boolean' } });
  if (isResult(params)) return params;
  const ceph = node.ceph;
  let stderr = '';
  let message = '';
  const conn = (await node.fs.exists(CEPH_CONF)) ? await connect(node, { name: 'client.admin', connectTimeoutMs: 5_000 }, signal) : undefined;
  const reachable = conn !== undefined && isConnected(conn);
  if (!reachable) stderr += 'Error gathering ceph info, already purged? Message: got timeout\n';
  const local = localServices(node);
  if (reachable) {
    if (ceph.pools().length) message += '- remove pools, this will !!DESTROY DATA!!\n';
    if (local.osd) message += `- remove active OSD on ${node.name}\n`;
    if (ceph.mons().length > 1 && local.mon) message += `- remove other MONs, ${node.name} is not the last MON\n`;
  }
  if (message) return { stdout: '', stderr: `${stderr}Unable to purge Ceph!\n\nTo continue:\n${message}`, exitCode: 255 };
  for (const unit of node.services.units().filter((u) => /^ceph-(mon|mgr|mds|osd)@/.test(u))) {
    node.services.setEnabled(unit, false);
    await stopUnit(node, unit);
    node.services.remove(unit);
  }
  if (reachable && local.mon) ceph.purge();
  for (const type of ['mon', 'mgr', 'mds', ...(params['crash'] === true ? ['crash'] : [])]) {
    for (const entry of await node.fs.readdir(`/var/lib/ceph/${type}`).catch(() => [] as string[])) await node.fs.rm(`/var/lib/ceph/${type}/${entry}`, { recursive: true, force: true });
  }
  if (params['logs'] === true) for (const f of await node.fs.readdir('/var/log/ceph').catch(() => [] as string[])) await node.fs.rm(`/var/log/ceph/${f}`, { recursive: true, force: true });
  const cfg = await readConf(node);
  const foreignMon = (cfg['global']?.['mon_host'] ?? '').split(/\s+/).filter(Boolean).length > 0 && !local.mon;
  let stdout = '';
  if (foreignMon) stderr += 'Foreign MON address in ceph.conf. Keeping config & keyrings\n';
  else {
    stdout += 'Removing config & keyring files\n';
    for (const f of [PVE_CEPH_CONF, MON_KEYRING, ADMIN_KEYRING, BOOTSTRAP_OSD_KEYRING, '/var/lib/ceph/bootstrap-mds/ceph.keyring', CEPH_CONF]) await node.fs.rm(f, { force: true }).catch(() => undefined);
  }
  return { stdout, stderr, exitCode: 0 };
}

/** pveceph: install, init, monitors, managers, OSD removal, pools and status on the lab's Ceph model. */
export const pveceph: LabCommand = {
  name: 'pveceph',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const [first, ...after] = args;
    if (first === undefined) return fail(`ERROR: no command specified\n${USAGE}`, 255);
    if (first === 'help') return ok(USAGE);
    const down = pmxcfsDown(node);
    if (down) return down;
    const words = ALIASES[first] ? [...(ALIASES[first] as string[]), ...after] : args;
    const [cmd, sub, ...rest] = words;
    const signal = ctx.signal;
    if (cmd === 'install') return install(words.slice(1), node, signal);
    if (cmd === 'init') return init(words.slice(1), node, signal);
    if (cmd === 'status') return status(node, signal);
    if (cmd === 'purge') return purge(words.slice(1), node, signal);
    const key = `${cmd} ${sub ?? ''}`;
    switch (key) {
      case 'mon create':
        return monCreate(rest, node, signal);
      case 'mon destroy':
        return monDestroy(rest, node, signal);
      case 'mgr create':
        return mgrCreate(rest, node, signal);
      case 'mgr destroy':
        return mgrDestroy(rest, node, signal);
      case 'osd destroy':
        return osdDestroy(rest, node, signal);
      case 'pool create':
        return poolCreate(rest, node, signal);
      case 'pool destroy':
        return poolDestroy(rest, node, signal);
      case 'pool ls':
        return poolLs(rest, node, signal);
    }
    if (['mon', 'mgr', 'osd', 'pool', 'fs', 'mds'].includes(cmd as string) && sub === undefined) return fail(`ERROR: no command specified\n${USAGE}`, 255);
    if (!['mon', 'mgr', 'osd', 'pool', 'fs', 'mds', 'start', 'stop'].includes(cmd as string)) return fail(`ERROR: unknown command 'pveceph ${words.join(' ')}'\n${USAGE}`, 255);
    return fail(`pveceph ${key.trim()}: not simulated by the lab twin\n`, 255);
  },
};
