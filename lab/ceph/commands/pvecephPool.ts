import type { ExecResult } from 'just-bash';
import { isResult, parseParams, type ParamSpec, type Params } from '../../commands/pveCli';
import { fail, ok, type NodeContext } from '../../commands/types';
import { CephCommandError } from '../cluster';
import { poolMaxAvail, poolStored } from '../report';
import { addSection, isStorageId, parseStorageCfg, rbdStorage, removeSection, STORAGE_CFG } from '../storageCfg';
import { enumErrors } from './pveParams';
import { Task, TaskFailure, checkConfigured, checkInited, die, rados, readConf } from './pvecephCommon';

const CREATE_USAGE = 'pveceph pool create <name> [OPTIONS]';
const DESTROY_USAGE = 'pveceph pool destroy <name> [OPTIONS]';

function maxErrors(usage: string, params: Params, max: Record<string, number>): ExecResult | undefined {
  const errors = Object.entries(max)
    .filter(([k, m]) => typeof params[k] === 'number' && (params[k] as number) > m)
    .map(([k, m]) => `${k}: value must have a maximum value of ${m}`);
  return errors.length ? fail(`400 Parameter verification failed.\n${errors.sort().join('\n')}\n\n${usage}\n`, 255) : undefined;
}

/** `pveceph pool create NAME ...` (PVE::API2::Ceph::Pool::createpool): pool, settings, and with add_storages an rbd storage. */
export async function poolCreate(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const options: Record<string, ParamSpec> = {
    name: { type: 'string', format: (v) => (/^[^:/\s]+$/.test(v) ? undefined : 'value does not match the regex pattern') },
    add_storages: { type: 'boolean' },
    application: { type: 'string' },
    crush_rule: { type: 'string' },
    min_size: { type: 'integer', minimum: 1 },
    pg_autoscale_mode: { type: 'string' },
    pg_num: { type: 'integer', minimum: 1 },
    pg_num_min: { type: 'integer' },
    size: { type: 'integer', minimum: 1 },
    target_size: { type: 'string' },
    target_size_ratio: { type: 'string' },
  };
  const params = parseParams(CREATE_USAGE, args, ['name'], options);
  if (isResult(params)) return params;
  const bad = maxErrors(CREATE_USAGE, params, { size: 7, min_size: 7, pg_num: 32768 }) ?? enumErrors(CREATE_USAGE, params, { application: ['rbd', 'cephfs', 'rgw'], pg_autoscale_mode: ['on', 'off', 'warn'] });
  if (bad) return bad;
  if (!node.cluster.cfsQuorate(node.name)) return die('cluster not ready - no quorum?');
  const configured = await checkConfigured(node);
  if (configured) return die(configured);
  const name = String(params['name']);
  const addStorages = params['add_storages'] === true;
  if (addStorages && !isStorageId(name)) return die('pool name contains characters which are illegal for storage naming');
  const err = await rados(node, signal);
  if (err) return die(err);
  const settings: Record<string, string | number> = {
    application: String(params['application'] ?? 'rbd'),
    min_size: Number(params['min_size'] ?? 2),
    pg_autoscale_mode: String(params['pg_autoscale_mode'] ?? 'warn'),
    pg_num: Number(params['pg_num'] ?? 128),
    size: Number(params['size'] ?? 3),
  };
  return new Task(node, signal).run(async (t) => {
    const ceph = node.ceph;
    await t.sleep(1000);
    ceph.createPool(name, { pgNum: Number(settings['pg_num']) });
    // set_pool: size first (it resets min_size), then the rest in key order.
    const keys = ['size', ...Object.keys(settings).filter((k) => k !== 'size').sort()];
    for (const key of keys) {
      const value = String(settings[key]);
      t.print(`pool ${name}: applying ${key} = ${value}\n`);
      if (key === 'application') ceph.setApplication(name, value);
      else ceph.setPool(name, key as 'size' | 'min_size' | 'pg_num' | 'pg_autoscale_mode', value);
      await t.sleep(150);
    }
    if (addStorages) {
      const text = await node.fs.readFile(STORAGE_CFG).catch(() => '');
      if (parseStorageCfg(text).some((s) => s.id === name)) throw new TaskFailure(`adding PVE storage for ceph pool '${name}' failed: storage ID '${name}' already defined`);
      try {
        await node.fs.writeFile(STORAGE_CFG, addSection(text, rbdStorage(name, name)));
      } catch {
        throw new TaskFailure(`adding PVE storage for ceph pool '${name}' failed: cfs-lock 'file-storage_cfg' error: no quorum!`);
      }
    }
  });
}

/** `pveceph pool destroy NAME [--force] [--remove_storages 1]`. */
export async function poolDestroy(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams(DESTROY_USAGE, args, ['name'], { name: { type: 'string' }, force: { type: 'boolean' }, remove_storages: { type: 'boolean' }, remove_ecprofile: { type: 'boolean' } });
  if (isResult(params)) return params;
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const name = String(params['name']);
  return new Task(node, signal).run(async (t) => {
    const text = await node.fs.readFile(STORAGE_CFG).catch(() => '');
    const storages = parseStorageCfg(text).filter((s) => s.type === 'rbd' && (s.props['pool'] ?? 'rbd') === name);
    const ceph = node.ceph;
    if (params['force'] !== true) {
      for (const s of storages) {
        t.print(`checking storage '${s.id}' for RBD images..\n`);
        if (!s.props['monhost'] && ceph.poolExists(name) && ceph.rbdList(name).length > 0) throw new TaskFailure(`ceph pool '${name}' still in use by storage '${s.id}'`);
      }
    }
    const err = await rados(node, signal);
    if (err) throw new TaskFailure(err);
    if (!ceph.poolExists(name)) throw new TaskFailure(`error with 'osd pool get': mon_command failed - unrecognized pool '${name}'`);
    const cfg = await readConf(node);
    if (cfg['global']?.['mon_allow_pool_delete'] !== 'true') {
      throw new TaskFailure('mon_command failed - pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool');
    }
    await t.sleep(1500);
    try {
      ceph.deletePool(name);
    } catch (e) {
      if (e instanceof CephCommandError) throw new TaskFailure(e.message);
      throw e;
    }
    if (params['remove_storages'] === true) {
      let cfgText = text;
      for (const s of storages) if (!s.props['monhost']) cfgText = removeSection(cfgText, s.id);
      await node.fs.writeFile(STORAGE_CFG, cfgText);
    }
  });
}

const COLUMNS: [key: string, title: string, numeric: boolean][] = [
  ['pool_name', 'Name', false],
  ['size', 'Size', true],
  ['min_size', 'Min Size', true],
  ['pg_num', 'PG Num', true],
  ['pg_num_min', 'min. PG Num', true],
  ['pg_num_final', 'Optimal PG Num', true],
  ['pg_autoscale_mode', 'PG Autoscale Mode', false],
  ['target_size', 'PG Autoscale Target Size', true],
  ['target_size_ratio', 'PG Autoscale Target Ratio', true],
  ['crush_rule_name', 'Crush Rule Name', false],
  ['percent_used', '%-Used', true],
  ['bytes_used', 'Used', true],
];

/** PVE::CLIFormatter's text table with UTF-8 borders. */
function boxTable(rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => COLUMNS.map(([k]) => (r[k] === undefined ? '' : String(r[k]))));
  const widths = COLUMNS.map(([, title], i) => Math.max(title.length, ...cells.map((c) => (c[i] as string).length)));
  const rule = (l: string, m: string, r: string, f: string) => `${l}${widths.map((w) => f.repeat(w + 2)).join(m)}${r}\n`;
  const line = (c: string[], header: boolean) =>
    `│${c.map((v, i) => ` ${!header && COLUMNS[i]?.[2] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)} `).join('│')}│\n`;
  let out = rule('┌', '┬', '┐', '─') + line(COLUMNS.map(([, t]) => t), true) + rule('╞', '╪', '╡', '═');
  cells.forEach((c, i) => {
    out += line(c, false);
    if (i < cells.length - 1) out += rule('├', '┼', '┤', '─');
  });
  return out + rule('└', '┴', '┘', '─');
}

/** `pveceph pool ls [--output-format json|json-pretty|text]` (PVE::API2::Ceph::Pool::lspools). */
export async function poolLs(args: string[], node: NodeContext, signal: AbortSignal | undefined): Promise<ExecResult> {
  const params = parseParams('pveceph pool ls  [FORMAT_OPTIONS]', args, [], { 'output-format': { type: 'string' }, noborder: { type: 'boolean' }, noheader: { type: 'boolean' }, quiet: { type: 'boolean' }, 'human-readable': { type: 'boolean' } });
  if (isResult(params)) return params;
  const inited = await checkInited(node);
  if (inited) return die(inited);
  const err = await rados(node, signal);
  if (err) return die(err);
  const snap = node.ceph.snapshot();
  const rows = [...snap.pools]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((p) => {
      const used = poolStored(snap, p.name) * p.size;
      const avail = poolMaxAvail(snap, p.size);
      return {
        pool: p.id,
        pool_name: p.name,
        size: p.size,
        min_size: p.minSize,
        pg_num: p.pgNum,
        ...(p.name === '.mgr' ? { pg_num_min: 1 } : {}),
        pg_num_final: p.pgNum,
        pg_autoscale_mode: p.autoscale,
        crush_rule: 0,
        crush_rule_name: 'replicated_rule',
        type: 'replicated',
        percent_used: used + avail > 0 ? used / (used + avail) : 0,
        bytes_used: used,
        application_metadata: p.application ? { [p.application]: {} } : {},
      };
    });
  const format = String(params['output-format'] ?? 'text');
  if (format === 'json') return ok(`${JSON.stringify(rows)}\n`);
  if (format === 'json-pretty') return ok(`${JSON.stringify(rows, null, 4)}\n`);
  return ok(boxTable(rows));
}
