import type { Dialect, FieldPath, Location } from './dialect';
import { formatPath } from './dialect';
import { splitWords } from './ini-lex';
import { CLUSTER_NAME_VAR, INI_ALIASES, INI_CLUSTER_VARS, INI_HOST_VARS, type IniVar, type NodeSetting, clusterVarFor, iniValue, iniVarFor, settingOf } from './ini-vars';
import { emptyFile, type Finding } from './problem';
import { inventoryInput } from './schema';
import type { Source } from './source';
import { nearest, unknownKeyFix } from './suggest';

const PRIMARY = 'proxmox_cluster_primary';
const NODES = 'proxmox_cluster_nodes';
const PARENT = 'proxmox_cluster';
const GROUPS: readonly string[] = [PRIMARY, NODES, PARENT];
const CHILDREN: readonly string[] = [PRIMARY, NODES];

type HostGroup = typeof PRIMARY | typeof NODES;
type Section = { kind: 'hosts' | 'vars' | 'children'; group: string } | { kind: 'skipped' };

/** One `key=value`, remembered with where it was written so problems can point at it. */
interface Assignment {
  variable: string;
  value: string;
  line: number;
  /** The host it was written for, or `group:vars`. */
  scope: string;
}

interface Host {
  name: string;
  group: HostGroup;
  line: number;
  vars: Map<NodeSetting, Assignment>;
  /** Part of its line could not be read. */
  incomplete: boolean;
}

/** The parsed file: hosts in order, group vars, and what was wrong on the way. */
interface IniInventory {
  hosts: Host[];
  groupVars: Map<string, Map<NodeSetting, Assignment>>;
  /** Cluster-wide variables by name, each set once. */
  clusterVars: Map<string, Assignment>;
  /** Groups with a vars line that could not be read: their hosts may lack what it set. */
  unreadableVars: Set<string>;
  findings: Finding[];
  hasContent: boolean;
}

/**
 * The Ansible INI inventory of the make + Ansible flow: the primary under
 * [proxmox_cluster_primary], the other nodes under [proxmox_cluster_nodes], settings on host lines
 * or in `[group:vars]`.
 */
export function readIniSource(text: string): Source {
  const ini = parseIni(text);
  const dialect = iniDialect(ini);
  if (!ini.hasContent) return { dialect, findings: [emptyFile('ini')], warnings: [] };
  const draft: Record<string, unknown> = { cluster: {} };
  for (const [variable, a] of ini.clusterVars) {
    const spec = INI_CLUSTER_VARS[variable];
    if (spec) setIn(draft, spec.path, iniValue(spec.kind, a.value));
  }
  draft.nodes = ini.hosts.map((h) => nodeDraft(ini, h));
  const unread = (h: Host) => h.incomplete || ini.unreadableVars.has(h.group) || ini.unreadableVars.has(PARENT);
  const incomplete = new Set(ini.hosts.flatMap((h, i) => (unread(h) ? [i] : [])));
  return { dialect, findings: ini.findings, warnings: [], parsed: { document: draft, schema: inventoryInput('ini'), draft, incomplete } };
}

/** One variable per setting (ansible_ssh_pass and ansible_password share one). */
const SETTINGS: ReadonlyMap<NodeSetting, IniVar> = new Map(
  Object.values(INI_HOST_VARS).flatMap((s): [NodeSetting, IniVar][] => (s === null ? [] : [[settingOf(s), s]])),
);

/** Precedence as in Ansible: the host line, then its group's vars, then [proxmox_cluster:vars]. */
function effective(ini: IniInventory, host: Host, setting: NodeSetting): Assignment | undefined {
  return host.vars.get(setting) ?? ini.groupVars.get(host.group)?.get(setting) ?? ini.groupVars.get(PARENT)?.get(setting);
}

function nodeDraft(ini: IniInventory, host: Host): Record<string, unknown> {
  const node: Record<string, unknown> = { name: host.name, primary: host.group === PRIMARY, host: host.name };
  for (const [setting, spec] of SETTINGS) {
    const a = effective(ini, host, setting);
    if (a) setIn(node, spec.path, iniValue(spec.kind, a.value));
  }
  return node;
}

function setIn(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [key, ...rest] = path;
  if (key === undefined) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const inner = target[key];
  const child: Record<string, unknown> = typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Record<string, unknown>) : {};
  target[key] = child;
  setIn(child, rest, value);
}

function parseIni(text: string): IniInventory {
  const ini: IniInventory = { hosts: [], groupVars: new Map(), clusterVars: new Map(), unreadableVars: new Set(), findings: [], hasContent: false };
  const problem = (line: number, field: string, message: string, fix: string) => ini.findings.push({ line, field, message, fix });
  let section: Section | undefined;

  const setVar = (target: Map<NodeSetting, Assignment>, a: Assignment, inVars: boolean) => {
    const field = `${a.scope}.${a.variable}`;
    if (a.variable in INI_CLUSTER_VARS) {
      if (!inVars) {
        const what = a.variable === CLUSTER_NAME_VAR ? 'names the whole cluster' : 'is a setting of the whole cluster';
        return problem(a.line, field, `${a.variable} ${what}, not one host`, `move it to [${PARENT}:vars]`);
      }
      const earlier = ini.clusterVars.get(a.variable);
      if (!earlier) ini.clusterVars.set(a.variable, a);
      else if (earlier.value !== a.value) {
        problem(a.line, a.variable, `${a.variable} is already set to \`${earlier.value}\` at line ${earlier.line}`, `set ${a.variable} once, in [${PARENT}:vars]`);
      }
      return;
    }
    if (!(a.variable in INI_HOST_VARS)) {
      const known = inVars ? [...Object.keys(INI_HOST_VARS), ...Object.keys(INI_CLUSTER_VARS)] : Object.keys(INI_HOST_VARS);
      return problem(a.line, field, `unknown variable \`${a.variable}\``, unknownKeyFix(a.variable, known, INI_ALIASES));
    }
    if (a.variable === 'ansible_connection' && a.value !== 'ssh') {
      return problem(a.line, field, `ansible_connection=${a.value} is not supported: pve-runbooks always connects over SSH`, 'remove ansible_connection, or set it to ssh');
    }
    const spec = INI_HOST_VARS[a.variable];
    if (spec === null || spec === undefined) return;
    const setting = settingOf(spec);
    const earlier = target.get(setting);
    if (earlier) {
      const what = earlier.variable === a.variable ? `\`${a.variable}\` is set twice` : `\`${earlier.variable}\` and \`${a.variable}\` both set the password`;
      return problem(a.line, field, `${what} (first at line ${earlier.line})`, 'keep only one of them');
    }
    target.set(setting, a);
  };

  const readHeader = (line: string, n: number): Section => {
    const m = /^\[([^[\]]+)\]\s*(?:[#;].*)?$/.exec(line);
    if (!m) {
      problem(n, 'ini', `malformed section header \`${line}\``, 'write a section header as [group], [group:vars] or [group:children]');
      return { kind: 'skipped' };
    }
    const [group = '', kind, ...extra] = (m[1] ?? '').trim().split(':');
    if (extra.length > 0 || (kind !== undefined && kind !== 'vars' && kind !== 'children')) {
      problem(n, `[${m[1]}]`, `\`:${[kind, ...extra].join(':')}\` is not a kind of section`, 'write a section header as [group], [group:vars] or [group:children]');
      return { kind: 'skipped' };
    }
    const suffix = kind ? `:${kind}` : '';
    if (!GROUPS.includes(group)) {
      const near = nearest(group, GROUPS);
      problem(
        n,
        `[${group}${suffix}]`,
        `group \`${group}\` is not part of a PVE inventory; only ${PRIMARY}, ${NODES} and ${PARENT} are read`,
        near ? `did you mean [${near}${suffix}]?` : `move its hosts under [${PRIMARY}] or [${NODES}], or remove the group`,
      );
      return { kind: 'skipped' };
    }
    if (kind === 'children' && group !== PARENT) {
      problem(n, `[${group}:children]`, `only [${PARENT}:children] may list groups`, `remove [${group}:children]; list hosts directly under [${group}]`);
      return { kind: 'skipped' };
    }
    return { kind: kind ?? 'hosts', group };
  };

  const readHost = (line: string, n: number, group: string) => {
    const split = splitWords(line);
    // An unreadable line still names its host, so the other checks keep their footing.
    const [pattern = '', ...pairs] = 'error' in split ? line.split(/\s+/) : split.words;
    if (group !== PRIMARY && group !== NODES) {
      return problem(n, pattern, `hosts cannot be listed directly under [${group}]`, `list the primary under [${PRIMARY}] and the other hosts under [${NODES}]`);
    }
    if (/[[\]]/.test(pattern)) return problem(n, pattern, 'host ranges such as pve[1:3] are not supported', 'list each host on its own line');
    const withPort = /^([^:]+):(\d+)$/.exec(pattern);
    const name = withPort?.[1] ?? pattern;
    // A quoted empty or blank word (`""`, `" "`) names nothing, so the line is reported under its group.
    if (name.trim() === '') {
      return problem(n, `[${group}]`, `a host line starts with ${name === '' ? 'an empty' : 'a blank'} name`, "start the line with the host's name, e.g. pve1 ansible_host=10.0.0.1");
    }
    const listed = ini.hosts.find((h) => h.name === name);
    if (listed) {
      return problem(n, name, `\`${name}\` is already listed at line ${listed.line} (under [${listed.group}])`, `list each host once: the primary under [${PRIMARY}], the others under [${NODES}]`);
    }
    const host: Host = { name, group, line: n, vars: new Map(), incomplete: 'error' in split };
    ini.hosts.push(host);
    if ('error' in split) return problem(n, name, split.error, 'close the quote, or quote the whole value: key="a b"');
    // Ansible's `host:port` form is the same as ansible_port on the line.
    if (withPort?.[2]) setVar(host.vars, { variable: 'ansible_port', value: withPort[2], line: n, scope: name }, false);
    let previous: string | undefined;
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) {
        // After a password, a bare word is most likely the rest of a password with a space: not echoed.
        if (previous !== undefined && isPassword(previous)) {
          problem(n, `${name}.${previous}`, `a word without = follows ${previous}`, `quote a password that contains spaces: ${previous}="..."`);
        } else {
          problem(n, name, `expected key=value after the host name, got \`${pair}\``, 'write host variables as key=value, and quote values that contain spaces: key="a b"');
        }
        continue;
      }
      const variable = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      previous = variable;
      if (value.startsWith('{{') && !value.includes('}}')) {
        host.incomplete = true;
        return problem(n, `${name}.${variable}`, 'the Jinja expression is cut at a space', `wrap the whole value in double quotes: ${variable}="{{ ... }}"`);
      }
      setVar(host.vars, { variable, value, line: n, scope: name }, false);
    }
  };

  const readVar = (line: string, n: number, group: string) => {
    const scope = `${group}:vars`;
    const m = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!m) return problem(n, scope, `expected key=value, got \`${line}\``, 'write one variable per line as key=value');
    const variable = m[1] ?? '';
    const rest = m[2] ?? '';
    const split = splitWords(rest);
    if ('error' in split || split.words.length > 1) ini.unreadableVars.add(group);
    if ('error' in split) return problem(n, `${scope}.${variable}`, split.error, 'close the quote, or quote the whole value: key="a b"');
    if (split.words.length > 1) {
      const shown = isPassword(variable) ? '...' : rest.trim();
      return problem(n, `${scope}.${variable}`, 'the value contains spaces', `quote the whole value: ${variable}="${shown}"`);
    }
    let vars = ini.groupVars.get(group);
    if (!vars) ini.groupVars.set(group, (vars = new Map()));
    setVar(vars, { variable, value: split.words[0] ?? '', line: n, scope }, true);
  };

  const readChild = (line: string, n: number) => {
    if (CHILDREN.includes(line)) return;
    const near = nearest(line, CHILDREN);
    problem(n, `${PARENT}:children`, `\`${line}\` is not a group of a PVE inventory`, near ? `did you mean ${near}?` : `only ${PRIMARY} and ${NODES} belong here`);
  };

  for (const [index, raw] of text.replace(/^\uFEFF/, '').split(/\r?\n/).entries()) {
    const n = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    ini.hasContent = true;
    if (line.startsWith('[')) section = readHeader(line, n);
    else if (!section) {
      problem(n, line.split(/\s/)[0] ?? line, 'is outside any group (Ansible would put it in `ungrouped`, which is not read)', `put it under [${PRIMARY}] or [${NODES}]`);
    } else if (section.kind === 'hosts') readHost(line, n, section.group);
    else if (section.kind === 'vars') readVar(line, n, section.group);
    else if (section.kind === 'children') readChild(line, n);
  }
  return ini;
}

function isPassword(variable: string): boolean {
  const spec = INI_HOST_VARS[variable];
  return spec !== null && spec !== undefined && settingOf(spec) === 'password';
}

function iniDialect(ini: IniInventory): Dialect {
  const hostAt = (path: FieldPath): Host | undefined => (path[0] === 'nodes' && typeof path[1] === 'number' ? ini.hosts[path[1]] : undefined);
  const itemAt = (path: FieldPath, k: number): number | undefined => {
    const seg = path[k];
    return typeof seg === 'number' ? seg : undefined;
  };
  /** The node setting a path falls in (a list item falls in its list), and where its value was written. */
  const assignmentAt = (path: FieldPath): { host: Host; setting: NodeSetting; item?: number; a?: Assignment } | undefined => {
    const host = hostAt(path);
    if (!host) return undefined;
    for (let k = path.length; k > 2; k--) {
      const setting = path.slice(2, k).join('.');
      if (SETTINGS.has(setting)) return { host, setting, item: itemAt(path, k), a: effective(ini, host, setting) };
    }
    return undefined;
  };
  /** The cluster variable a path falls in; for a whole section, the first of its variables written. */
  const clusterVarAt = (path: FieldPath): { variable: string; item?: number; a?: Assignment } | undefined => {
    for (let k = path.length; k > 0; k--) {
      const variable = clusterVarFor(path.slice(0, k));
      if (variable) return { variable, item: itemAt(path, k), a: ini.clusterVars.get(variable) };
    }
    const inside = `${path.join('.')}.`;
    const first = [...ini.clusterVars.values()]
      .filter((a) => INI_CLUSTER_VARS[a.variable]?.path.join('.').startsWith(inside))
      .sort((x, y) => x.line - y.line)[0];
    return first ? { variable: first.variable, a: first } : undefined;
  };
  const locate = (path: FieldPath): Location => {
    if (path[0] !== 'nodes') {
      const c = clusterVarAt(path);
      if (!c) return { field: formatPath(path) };
      return c.a ? { field: c.variable, line: c.a.line } : { field: c.variable };
    }
    const host = hostAt(path);
    if (!host) return { field: 'hosts' };
    const at = assignmentAt(path);
    if (!at) return { field: host.name, line: host.line };
    if (at.a) return { field: `${at.a.scope}.${at.a.variable}`, line: at.a.line };
    return { field: `${host.name}.${iniVarFor(at.setting) ?? at.setting}`, line: host.line };
  };
  return {
    format: 'ini',
    locate,
    howToSet(path, example) {
      if (path[0] !== 'nodes') {
        const c = clusterVarAt(path);
        if (!c) return `set ${formatPath(path)}`;
        if (c.item !== undefined) return `correct item ${c.item + 1} of ${c.variable}, e.g. ${example}`;
        return `set ${c.variable}=${example} in [${c.a?.scope ?? `${PARENT}:vars`}]`;
      }
      const at = assignmentAt(path);
      if (!at) return `set ${locate(path).field}`;
      const variable = at.a?.variable ?? iniVarFor(at.setting) ?? at.setting;
      if (at.item !== undefined) return `correct item ${at.item + 1} of ${variable}, e.g. ${example}`;
      return at.a && at.a.scope !== at.host.name ? `write ${variable}=${example} in [${at.a.scope}]` : `write ${variable}=${example} on the host line of ${at.host.name}`;
    },
    hints: {
      noNodes: `list the primary under [${PRIMARY}] and the other hosts under [${NODES}]`,
      noPrimary: `list the host that creates the cluster under [${PRIMARY}] (the others join it)`,
      manyPrimaries: `keep one host under [${PRIMARY}] and move the others to [${NODES}]`,
      noAuth: (i) =>
        `add ansible_password=\${PVE_ROOT_PASSWORD} or ansible_ssh_private_key_file=~/.ssh/id_ed25519 to the host line of ${ini.hosts[i]?.name ?? 'the host'}, or to [${PARENT}:vars] for every host`,
      inlinePassword: `read it from the environment (ansible_password=\${VAR}) or a file (ansible_password="{{ lookup('file', '/path') }}") so the inventory holds no secret`,
    },
  };
}
