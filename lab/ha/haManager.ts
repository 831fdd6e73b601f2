import type { ExecResult } from 'just-bash';
import { isResult, parseParams, pmxcfsDown, type ParamSpec, type Params } from '../commands/pveCli';
import { fail, ok, type LabCommand, type NodeContext } from '../commands/types';
import { SBIN_VIA_USR_BIN } from '../storage/commands/sbin';
import { textTable } from './cliTable';
import {
  groupsMigrated,
  HA_DIR,
  queueCrmCommand,
  readGroups,
  readManagerStatus,
  readResources,
  readRules,
  ruleRows,
  sidOf,
  writeGroups,
  writeResources,
  writeRules,
} from './haConfig';
import type { Section } from './sectionConfig';
import { fullClusterState, haStatusRows, perlPrettyJson } from './status';
import { guestLocations } from './vmRuntime';

/** A die in PVE code: its message goes to stderr and the CLI exits 255. */
class HaError extends Error {}

const die = (msg: string): never => {
  throw new HaError(msg);
};

function usageList(major: 8 | 9): string {
  const lines = [
    'ha-manager add <sid> [OPTIONS]',
    'ha-manager config [OPTIONS]',
    'ha-manager remove <sid>',
    'ha-manager set <sid> [OPTIONS]',
    '',
    'ha-manager crm-command migrate <sid> <node>',
    'ha-manager crm-command node-maintenance disable <node>',
    'ha-manager crm-command node-maintenance enable <node>',
    'ha-manager crm-command relocate <sid> <node>',
    'ha-manager crm-command stop <sid> <timeout>',
    '',
    'ha-manager groupadd <group> --nodes <string> [OPTIONS]',
    'ha-manager groupconfig',
    'ha-manager groupremove <group>',
    'ha-manager groupset <group> [OPTIONS]',
    '',
    ...(major === 9
      ? ['ha-manager rules add <type> <rule> --resources <string> [OPTIONS]', 'ha-manager rules config [OPTIONS] [FORMAT_OPTIONS]', 'ha-manager rules list [OPTIONS] [FORMAT_OPTIONS]', 'ha-manager rules remove <rule>', 'ha-manager rules set <type> <rule> [OPTIONS]', '']
      : []),
    'ha-manager status  [OPTIONS]',
    '',
    'ha-manager help [<extra-args>] [OPTIONS]',
  ];
  return `USAGE: ha-manager <COMMAND> [ARGS] [OPTIONS]\n${lines.map((l) => (l ? `       ${l}` : '')).join('\n')}\n`;
}

const sidFormat = (v: string) => (/^((?:ct|vm):)?\d+$/.test(v) ? undefined : 'value does not look like a valid ha resource id');
const configId = (v: string) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`);
/** pve-node: what PVE::JSONSchema::pve_verify_node_name accepts. */
const nodeName = (v: string) => (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v) ? undefined : 'value does not look like a valid node name');
const nodeList = (v: string) => (v.split(/[,;\s]+/).filter(Boolean).every((n) => /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:\d+)?$/.test(n)) ? undefined : `unable to parse group node '${v}'`);

const RESOURCE_STATES = ['started', 'stopped', 'enabled', 'disabled', 'ignored'];

function resourceOptions(major: 8 | 9): Record<string, ParamSpec> {
  return {
    sid: { type: 'string', format: sidFormat },
    state: { type: 'string' },
    group: { type: 'string', format: configId },
    max_restart: { type: 'integer', minimum: 0 },
    max_relocate: { type: 'integer', minimum: 0 },
    comment: { type: 'string', maxLength: 4096 },
    type: { type: 'string' },
    ...(major === 9 ? { failback: { type: 'boolean' } as ParamSpec } : {}),
  };
}

/** Schema enums, checked as PVE::JSONSchema reports them. */
function checkEnums(params: Params, enums: Record<string, string[]>, usage: string): ExecResult | undefined {
  const errors: string[] = [];
  for (const [k, allowed] of Object.entries(enums)) {
    const v = params[k];
    if (v !== undefined && !allowed.includes(String(v))) errors.push(`${k}: value '${v}' does not have a value in the enumeration '${allowed.join(', ')}'`);
  }
  return errors.length ? fail(`400 Parameter verification failed.\n${errors.sort().join('\n')}\n\n${usage}\n`, 255) : undefined;
}

function toProp(v: string | number | boolean): string {
  return typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
}

/** PVE::HA::Config::parse_sid: `vm:100`, `ct:101`, or a bare id looked up in the vmlist. */
async function parseSid(node: NodeContext, sid: string): Promise<{ sid: string; type: string; name: string }> {
  if (/^\d+$/.test(sid)) {
    const g = (await guestLocations(node.fs)).find((x) => x.vmid === Number(sid));
    if (!g) die(`unable do detect SID from VMID - VM/CT ${sid} does not exist\n`);
    const type = g?.type === 'lxc' ? 'ct' : 'vm';
    return { sid: `${type}:${sid}`, type, name: sid };
  }
  const m = /^(\S+):(\S+)$/.exec(sid);
  if (!m) return die(`unable to parse service id '${sid}'\n`);
  return { sid, type: m[1] as string, name: m[2] as string };
}

function requireQuorum(node: NodeContext): void {
  if (!node.cluster.cfsQuorate(node.name)) die('cluster not ready - no quorum?\n');
}

/** PVE::HA::Config::service_is_ha_managed (ignored resources are not). */
async function isManaged(node: NodeContext, sid: string): Promise<boolean> {
  const s = (await readResources(node.fs)).sections.find((x) => sidOf(x) === sid);
  return !!s && s.props['state'] !== 'ignored';
}

/** PVE::API2::HA::Resources::check_service_state. */
async function checkServiceState(node: NodeContext, sid: string, requested?: string): Promise<void> {
  if (!(await isManaged(node, sid))) return;
  const ss = (await readManagerStatus(node.fs)).service_status[sid];
  if (ss?.state === 'error' && requested !== 'disabled') die(`service '${sid}' in error state, must be disabled and fixed first\n`);
}

async function checkGroup(node: NodeContext, group: string | undefined): Promise<void> {
  if (group === undefined) return;
  const groups = await readGroups(node.fs);
  if (node.release.major === 9 && groupsMigrated(groups)) die(`invalid parameter 'group': ha groups have been migrated to rules\n`);
  if (!groups.sections.some((g) => g.id === group)) die(`HA group '${group}' does not exist\n`);
}

async function ensureHaDir(node: NodeContext): Promise<void> {
  if (!(await node.fs.exists(HA_DIR))) await node.fs.mkdir(HA_DIR, { recursive: true });
}

/** `ha-manager add` (PVE::API2::HA::Resources::create). */
async function add(node: NodeContext, args: string[]): Promise<ExecResult> {
  const usage = 'ha-manager add <sid> [OPTIONS]';
  const params = parseParams(usage, args, ['sid'], resourceOptions(node.release.major));
  if (isResult(params)) return params;
  const bad = checkEnums(params, { state: RESOURCE_STATES, type: ['ct', 'vm'] }, usage);
  if (bad) return bad;
  requireQuorum(node);
  await ensureHaDir(node);
  const { sid, type, name } = await parseSid(node, String(params['sid']));
  if (params['type'] !== undefined && params['type'] !== type) die('types does not match\n');
  if (type !== 'vm' && type !== 'ct') die(`unknown resource type '${type}'\n`);
  if (!/^[1-9][0-9]+$/.test(name)) die(type === 'vm' ? 'invalid VMID\n' : 'invalid CT ID\n');
  const g = (await guestLocations(node.fs)).find((x) => x.vmid === Number(name) && (x.type === 'qemu') === (type === 'vm'));
  if (!g) die(`resource '${sid}' does not exist in cluster\n`);
  await checkGroup(node, params['group'] as string | undefined);
  const cfg = await readResources(node.fs);
  if (cfg.sections.some((s) => sidOf(s) === sid)) die(`create resource failed: resource ID '${sid}' already defined\n`);
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'sid' && k !== 'type') props[k] = toProp(v);
  cfg.sections.push({ type, id: name, props });
  await writeResources(node.fs, cfg.sections);
  return ok();
}

/** `ha-manager set` (PVE::API2::HA::Resources::update); also what `qm start/stop` of a managed guest run. */
async function set(node: NodeContext, args: string[]): Promise<ExecResult> {
  const usage = 'ha-manager set <sid> [OPTIONS]';
  const params = parseParams(usage, args, ['sid'], { ...resourceOptions(node.release.major), delete: { type: 'string' }, digest: { type: 'string' } });
  if (isResult(params)) return params;
  const bad = checkEnums(params, { state: RESOURCE_STATES, type: ['ct', 'vm'] }, usage);
  if (bad) return bad;
  requireQuorum(node);
  const { sid, type } = await parseSid(node, String(params['sid']));
  if (params['type'] !== undefined && params['type'] !== type) die('types does not match\n');
  await checkGroup(node, params['group'] as string | undefined);
  await checkServiceState(node, sid, params['state'] as string | undefined);
  const cfg = await readResources(node.fs);
  if (params['digest'] !== undefined && params['digest'] !== cfg.digest) die('update resources config failed: detected modified configuration - file changed by other user? Try again.\n');
  const s = cfg.sections.find((x) => sidOf(x) === sid);
  if (!s) return die(`update resources config failed: no such resource '${sid}'\n`);
  for (const [k, v] of Object.entries(params)) if (!['sid', 'type', 'delete', 'digest'].includes(k)) s.props[k] = toProp(v);
  for (const k of String(params['delete'] ?? '').split(/[,;\s]+/).filter(Boolean)) {
    if (!(k in resourceOptions(node.release.major)) || k === 'sid' || k === 'type') die(`update resources config failed: no such option '${k}'\n`);
    delete s.props[k];
  }
  await writeResources(node.fs, cfg.sections);
  return ok();
}

async function remove(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager remove <sid>', args, ['sid'], { sid: { type: 'string', format: sidFormat } });
  if (isResult(params)) return params;
  const { sid } = await parseSid(node, String(params['sid']));
  const cfg = await readResources(node.fs);
  if (!cfg.sections.some((s) => sidOf(s) === sid && s.props['state'] !== 'ignored')) die(`resource '${sid}' is not HA managed\n`);
  requireQuorum(node);
  await writeResources(node.fs, cfg.sections.filter((s) => sidOf(s) !== sid));
  return ok();
}

async function config(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager config [OPTIONS]', args, [], { type: { type: 'string' } });
  if (isResult(params)) return params;
  const groups = await readGroups(node.fs);
  const cfg = await readResources(node.fs);
  let out = '';
  let err = '';
  for (const s of [...cfg.sections].sort((a, b) => sidOf(a).localeCompare(sidOf(b)))) {
    if (params['type'] !== undefined && s.type !== params['type']) continue;
    out += `${sidOf(s)}\n`;
    for (const k of Object.keys(s.props).sort()) out += `\t${k} ${s.props[k]}\n`;
    const group = s.props['group'];
    if (group && !groups.sections.some((g) => g.id === group)) err += `error: property 'group' - group '${group}' does not exist\n`;
    out += '\n';
  }
  return { stdout: out, stderr: err, exitCode: 0 };
}

function groupsGone(node: NodeContext, groups: { sections: Section[] }, verb: string): void {
  if (node.release.major === 9 && groups.sections.length === 0) die(`cannot ${verb}: ha groups have been migrated to rules\n`);
}

const GROUP_OPTIONS: Record<string, ParamSpec> = {
  group: { type: 'string', format: configId },
  nodes: { type: 'string', format: nodeList },
  comment: { type: 'string', maxLength: 4096 },
  nofailback: { type: 'boolean' },
  restricted: { type: 'boolean' },
  type: { type: 'string' },
};

async function groupadd(node: NodeContext, args: string[]): Promise<ExecResult> {
  const usage = 'ha-manager groupadd <group> --nodes <string> [OPTIONS]';
  const params = parseParams(usage, args, ['group'], GROUP_OPTIONS);
  if (isResult(params)) return params;
  if (params['nodes'] === undefined) return fail(`400 Parameter verification failed.\nnodes: property is missing and it is not optional\n\n${usage}\n`, 255);
  const bad = checkEnums(params, { type: ['group'] }, usage);
  if (bad) return bad;
  groupsGone(node, await readGroups(node.fs), 'create group');
  requireQuorum(node);
  await ensureHaDir(node);
  const cfg = await readGroups(node.fs);
  const id = String(params['group']);
  if (cfg.sections.some((g) => g.id === id)) die(`create ha group failed: ha group ID '${id}' already defined\n`);
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== 'group' && k !== 'type') props[k] = k === 'nodes' ? String(v).split(/[,;\s]+/).filter(Boolean).join(',') : toProp(v);
  cfg.sections.push({ type: 'group', id, props });
  await writeGroups(node.fs, cfg.sections);
  return ok();
}

async function groupset(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager groupset <group> [OPTIONS]', args, ['group'], { ...GROUP_OPTIONS, delete: { type: 'string' }, digest: { type: 'string' } });
  if (isResult(params)) return params;
  const cfg = await readGroups(node.fs);
  groupsGone(node, cfg, 'update group');
  const id = String(params['group']);
  const g = cfg.sections.find((x) => x.id === id);
  if (!g) return die(`update ha group failed: no such ha group '${id}'\n`);
  for (const [k, v] of Object.entries(params)) if (!['group', 'type', 'delete', 'digest'].includes(k)) g.props[k] = k === 'nodes' ? String(v).split(/[,;\s]+/).filter(Boolean).join(',') : toProp(v);
  for (const k of String(params['delete'] ?? '').split(/[,;\s]+/).filter(Boolean)) {
    if (k === 'nodes') die(`update ha group failed: unable to delete required option '${k}'\n`);
    if (!(k in GROUP_OPTIONS)) die(`update ha group failed: no such option '${k}'\n`);
    delete g.props[k];
  }
  await writeGroups(node.fs, cfg.sections);
  return ok();
}

async function groupremove(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager groupremove <group>', args, ['group'], { group: GROUP_OPTIONS['group'] as ParamSpec });
  if (isResult(params)) return params;
  const cfg = await readGroups(node.fs);
  groupsGone(node, cfg, 'delete group');
  const id = String(params['group']);
  const user = (await readResources(node.fs)).sections.find((s) => s.props['group'] === id);
  if (user) die(`delete ha group failed: ha group is used by service '${sidOf(user)}'\n`);
  await writeGroups(node.fs, cfg.sections.filter((g) => g.id !== id));
  return ok();
}

async function groupconfig(node: NodeContext): Promise<ExecResult> {
  const cfg = await readGroups(node.fs);
  groupsGone(node, cfg, 'index groups');
  let out = '';
  for (const g of [...cfg.sections].sort((a, b) => a.id.localeCompare(b.id))) {
    out += `group: ${g.id}\n`;
    for (const k of Object.keys(g.props).sort()) out += `\t${k} ${g.props[k]}\n`;
    out += '\n';
  }
  return ok(out);
}

// ---- rules (PVE 9) ---------------------------------------------------------------------------

/** `nodes` and `resources` are stored sorted, as the rule plugins encode them. */
function encodeList(v: string): string {
  return [...new Set(v.split(/[,;\s]+/).filter(Boolean))].sort().join(',');
}

const RULE_OPTIONS: Record<string, ParamSpec> = {
  type: { type: 'string' },
  rule: { type: 'string', format: configId },
  resources: { type: 'string' },
  nodes: { type: 'string', format: nodeList },
  strict: { type: 'boolean' },
  affinity: { type: 'string' },
  comment: { type: 'string', maxLength: 4096 },
  disable: { type: 'boolean' },
};

/**
 * What PVE::API2::HA::Rules checks before it writes a rule: its resources managed, its nodes in
 * the cluster, and (check_feasibility) no resource in two node-affinity rules.
 */
async function checkRule(node: NodeContext, rules: Section[], rule: Section, failed: (msg: string) => never): Promise<void> {
  const resources = (rule.props['resources'] ?? '').split(',').filter(Boolean);
  const managed = new Set((await readResources(node.fs)).sections.map(sidOf));
  const unmanaged = resources.filter((r) => !managed.has(r));
  if (unmanaged.length) failed(`cannot use unmanaged resource(s) ${unmanaged.join(', ')}.\n`);
  if (rule.props['nodes'] !== undefined) {
    const known = new Set(await node.fs.readdir('/etc/pve/nodes').catch(() => [] as string[]));
    const unknown = rule.props['nodes'].split(',').map((n) => n.split(':')[0] as string).filter((n) => n !== node.name && !known.has(n));
    if (unknown.length) failed(`cannot use non-existant node(s) ${unknown.join(', ')}.\n`);
  }
  if (rule.type !== 'node-affinity' || rule.props['disable'] === '1') return;
  for (const other of rules) {
    if (other.id === rule.id || other.type !== 'node-affinity' || other.props['disable'] === '1') continue;
    const shared = resources.find((x) => (other.props['resources'] ?? '').split(',').includes(x));
    if (shared) failed(`400 Rule '${rule.id}' is invalid.\nresources: resource '${shared}' is already used in another node affinity rule\n`);
  }
}

function ruleProps(params: Params, into: Record<string, string>): void {
  for (const [k, v] of Object.entries(params)) {
    if (k === 'type' || k === 'rule' || k === 'delete' || k === 'digest') continue;
    into[k] = k === 'resources' || k === 'nodes' ? encodeList(String(v)) : toProp(v);
  }
}

async function rulesAdd(node: NodeContext, args: string[]): Promise<ExecResult> {
  const usage = 'ha-manager rules add <type> <rule> --resources <string> [OPTIONS]';
  const params = parseParams(usage, args, ['type', 'rule'], RULE_OPTIONS);
  if (isResult(params)) return params;
  const bad = checkEnums(params, { type: ['node-affinity', 'resource-affinity'], affinity: ['positive', 'negative'] }, usage);
  if (bad) return bad;
  const type = String(params['type']);
  const missing = ['resources', ...(type === 'node-affinity' ? ['nodes'] : ['affinity'])].filter((k) => params[k] === undefined);
  if (missing.length) return fail(`400 Parameter verification failed.\n${missing.map((k) => `${k}: property is missing and it is not optional`).join('\n')}\n\n${usage}\n`, 255);
  requireQuorum(node);
  await ensureHaDir(node);
  if (!groupsMigrated(await readGroups(node.fs))) die('cannot create ha rule: ha groups have not been migrated yet\n');
  const id = String(params['rule']);
  const rules = await readRules(node.fs);
  const failed = (msg: string) => die(`create ha rule failed: ${msg}`);
  if (rules.sections.some((r) => r.id === id)) failed(`HA rule '${id}' already defined\n`);
  const rule: Section = { type, id, props: {} };
  ruleProps(params, rule.props);
  await checkRule(node, rules.sections, rule, failed);
  rules.sections.push(rule);
  await writeRules(node.fs, rules.sections);
  return ok();
}

/** `ha-manager rules set` (PVE::API2::HA::Rules::update_rule): the rule keeps its own type. */
async function rulesSet(node: NodeContext, args: string[]): Promise<ExecResult> {
  const usage = 'ha-manager rules set <type> <rule> [OPTIONS]';
  const params = parseParams(usage, args, ['type', 'rule'], { ...RULE_OPTIONS, delete: { type: 'string' }, digest: { type: 'string' } });
  if (isResult(params)) return params;
  const bad = checkEnums(params, { type: ['node-affinity', 'resource-affinity'], affinity: ['positive', 'negative'] }, usage);
  if (bad) return bad;
  if (!groupsMigrated(await readGroups(node.fs))) die('cannot update ha rule: ha groups have not been migrated yet\n');
  requireQuorum(node);
  const rules = await readRules(node.fs);
  const failed = (msg: string) => die(`update HA rules failed: ${msg}`);
  if (params['digest'] !== undefined && params['digest'] !== rules.digest) failed('detected modified configuration - file changed by other user? Try again.\n');
  const id = String(params['rule']);
  const rule = rules.sections.find((r) => r.id === id);
  if (!rule) return failed(`HA rule '${id}' does not exist\n`);
  ruleProps(params, rule.props);
  for (const k of String(params['delete'] ?? '').split(/[,;\s]+/).filter(Boolean)) {
    if (!(k in RULE_OPTIONS) || k === 'type' || k === 'rule') failed(`no such option '${k}'\n`);
    if (k === 'resources' || (k === 'nodes' && rule.type === 'node-affinity') || (k === 'affinity' && rule.type === 'resource-affinity')) failed(`unable to delete required option '${k}'\n`);
    if (params[k] !== undefined) failed(`cannot set and delete property '${k}' at the same time!\n`);
    delete rule.props[k];
  }
  await checkRule(node, rules.sections, rule, failed);
  await writeRules(node.fs, rules.sections);
  return ok();
}

async function rulesRemove(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager rules remove <rule>', args, ['rule'], { rule: { type: 'string', format: configId } });
  if (isResult(params)) return params;
  requireQuorum(node);
  const rules = await readRules(node.fs);
  await writeRules(node.fs, rules.sections.filter((r) => r.id !== params['rule']));
  return ok();
}

async function rulesShow(node: NodeContext, args: string[], verb: 'config' | 'list'): Promise<ExecResult> {
  const usage = `ha-manager rules ${verb} [OPTIONS] [FORMAT_OPTIONS]`;
  const params = parseParams(usage, args, [], { type: { type: 'string' }, resource: { type: 'string' }, 'output-format': { type: 'string' }, noborder: { type: 'boolean' }, noheader: { type: 'boolean' } });
  if (isResult(params)) return params;
  const bad = checkEnums(params, { 'output-format': ['text', 'json', 'json-pretty', 'yaml'], type: ['node-affinity', 'resource-affinity'] }, usage);
  if (bad) return bad;
  let rows = ruleRows(await readRules(node.fs));
  if (params['type'] !== undefined) rows = rows.filter((r) => r['type'] === params['type']);
  if (params['resource'] !== undefined) rows = rows.filter((r) => String(r['resources'] ?? '').split(',').includes(String(params['resource'])));
  if (verb === 'config') rows = rows.map((r) => ({ ...r, enabled: r['disable'] ? 0 : 1, state: 'in use' }));
  const format = String(params['output-format'] ?? 'text');
  const sorted = rows.map((r) => Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]])));
  if (format === 'json') return ok(`${JSON.stringify(sorted)}\n`);
  if (format === 'json-pretty') return ok(`${JSON.stringify(sorted, null, 3)}\n`);
  return ok(textTable(rows, verb === 'config' ? ['enabled', 'state', 'rule', 'type', 'resources', 'comment'] : ['rule']));
}

async function rules(node: NodeContext, args: string[]): Promise<ExecResult> {
  const [verb, ...rest] = args;
  if (verb === 'add') return rulesAdd(node, rest);
  if (verb === 'remove') return rulesRemove(node, rest);
  if (verb === 'config' || verb === 'list') return rulesShow(node, rest, verb);
  if (verb === 'set') return rulesSet(node, rest);
  return fail(`ERROR: unknown command 'ha-manager rules${verb ? ` ${verb}` : ''}'\n${usageList(9)}`, 255);
}

/** `crm-command migrate|relocate` (PVE::API2::HA::Resources::migrate/relocate): queued for the master, which checks the target. */
async function moveCommand(node: NodeContext, verb: 'migrate' | 'relocate', args: string[]): Promise<ExecResult> {
  const params = parseParams(`ha-manager crm-command ${verb} <sid> <node>`, args, ['sid', 'node'], { sid: { type: 'string', format: sidFormat }, node: { type: 'string', format: nodeName } });
  if (isResult(params)) return params;
  const { sid } = await parseSid(node, String(params['sid']));
  if (!(await readResources(node.fs)).sections.some((s) => sidOf(s) === sid)) die(`resource '${sid}' is not HA managed\n`);
  await checkServiceState(node, sid);
  requireQuorum(node);
  await queueCrmCommand(node.fs, `${verb} ${sid} ${params['node']}`);
  return ok();
}

async function crmCommand(node: NodeContext, args: string[]): Promise<ExecResult> {
  const [verb, ...rest] = args;
  if (verb === 'migrate' || verb === 'relocate') return moveCommand(node, verb, rest);
  if (verb !== 'stop') return fail(`ha-manager crm-command ${verb ?? ''}: not simulated by the lab twin (crm-command stop, migrate and relocate are)\n`, 255);
  const usage = 'ha-manager crm-command stop <sid> <timeout>';
  const params = parseParams(usage, rest, ['sid', 'timeout'], { sid: { type: 'string', format: sidFormat }, timeout: { type: 'integer', minimum: 0 } });
  if (isResult(params)) return params;
  const { sid } = await parseSid(node, String(params['sid']));
  if (!(await isManaged(node, sid))) die(`resource '${sid}' is not HA managed\n`);
  await checkServiceState(node, sid);
  requireQuorum(node);
  await queueCrmCommand(node.fs, `stop ${sid} ${params['timeout']}`);
  return ok();
}

async function status(node: NodeContext, args: string[]): Promise<ExecResult> {
  const params = parseParams('ha-manager status  [OPTIONS]', args, [], { verbose: { type: 'boolean' } });
  if (isResult(params)) return params;
  let out = (await haStatusRows(node)).map((r) => `${r['type']} ${r['status']}\n`).join('');
  if (params['verbose']) out += `full cluster state:\n${perlPrettyJson(await fullClusterState(node))}\n`;
  return ok(out);
}

/** `qm start|stop` of an HA-managed guest: the HA stack is asked instead (`ha-manager set --state`, `crm-command stop`). */
export async function requestHaState(node: NodeContext, sid: string, request: { state: 'started' } | { stop: number }): Promise<ExecResult> {
  try {
    return 'state' in request ? await set(node, [sid, '--state', request.state]) : await crmCommand(node, ['stop', sid, String(request.stop)]);
  } catch (err) {
    if (err instanceof HaError) return fail(err.message, 255);
    throw err;
  }
}

/** ha-manager (pve-ha-manager's CLI) over the node's /etc/pve/ha; the CRM and LRMs act on it (lab/ha/labHa.ts). */
export const haManager: LabCommand = {
  name: 'ha-manager',
  // `ha-manager add` with its options passes nine arguments: more than a /usr/sbin hand-over script can pass on.
  dir: SBIN_VIA_USR_BIN,
  async run(args, _ctx, node) {
    const down = pmxcfsDown(node);
    if (down) return down;
    const [sub, ...rest] = args;
    const major = node.release.major;
    try {
      switch (sub) {
        case 'status':
          return await status(node, rest);
        case 'config':
          return await config(node, rest);
        case 'add':
          return await add(node, rest);
        case 'set':
          return await set(node, rest);
        case 'remove':
          return await remove(node, rest);
        case 'groupadd':
          return await groupadd(node, rest);
        case 'groupset':
          return await groupset(node, rest);
        case 'groupremove':
          return await groupremove(node, rest);
        case 'groupconfig':
          return await groupconfig(node);
        case 'crm-command':
          return await crmCommand(node, rest);
        case 'migrate':
        case 'relocate':
          return await crmCommand(node, [sub, ...rest]);
        case 'rules':
          if (major === 9) return await rules(node, rest);
          break;
        case 'help':
          return ok(usageList(major));
        case undefined:
          return fail(`ERROR: no command specified\n${usageList(major)}`, 255);
      }
    } catch (err) {
      if (err instanceof HaError) return fail(err.message, 255);
      throw err;
    }
    return fail(`ERROR: unknown command 'ha-manager ${sub}'\n${usageList(major)}`, 255);
  },
};
