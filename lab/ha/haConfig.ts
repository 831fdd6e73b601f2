import type { LabFs } from '../fs/labFs';
import { parseSections, writeSections, type Section, type SectionFile } from './sectionConfig';
import { guestLocations } from './vmRuntime';

export const HA_DIR = '/etc/pve/ha';
export const RESOURCES_CFG = `${HA_DIR}/resources.cfg`;
export const GROUPS_CFG = `${HA_DIR}/groups.cfg`;
export const RULES_CFG = `${HA_DIR}/rules.cfg`;
export const MANAGER_STATUS = `${HA_DIR}/manager_status`;
export const CRM_COMMANDS = `${HA_DIR}/crm_commands`;

export function lrmStatusPath(node: string): string {
  return `/etc/pve/nodes/${node}/lrm_status`;
}

/** Options each section type cannot do without: written first, sorted (the rest follow sorted). */
const REQUIRED: Record<string, string[]> = {
  group: ['nodes'],
  'node-affinity': ['nodes', 'resources'],
  'resource-affinity': ['affinity', 'resources'],
};

async function readSections(fs: LabFs, path: string): Promise<SectionFile> {
  return parseSections(await fs.readFile(path).catch(() => ''));
}

async function writeFile(fs: LabFs, path: string, sections: Section[]): Promise<void> {
  await fs.writeFile(path, writeSections(sections, (type) => REQUIRED[type] ?? []));
}

export const readResources = (fs: LabFs) => readSections(fs, RESOURCES_CFG);
export const readGroups = (fs: LabFs) => readSections(fs, GROUPS_CFG);
export const readRules = (fs: LabFs) => readSections(fs, RULES_CFG);
export const writeResources = (fs: LabFs, sections: Section[]) => writeFile(fs, RESOURCES_CFG, sections);
export const writeGroups = (fs: LabFs, sections: Section[]) => writeFile(fs, GROUPS_CFG, sections);
export const writeRules = (fs: LabFs, sections: Section[]) => writeFile(fs, RULES_CFG, sections);

export function sidOf(s: Section): string {
  return `${s.type}:${s.id}`;
}

/** A resource as the CRM uses it (read_and_check_resources_config): defaults filled in. */
export interface ServiceConfig {
  sid: string;
  type: string;
  vmid: number;
  /** started | stopped | disabled | ignored. */
  state: string;
  group?: string;
  maxRestart: number;
  maxRelocate: number;
  failback: boolean;
  comment?: string;
  /** The node whose config holds the guest; undefined when the guest does not exist. */
  node?: string;
}

export function serviceConfig(s: Section, node: string | undefined): ServiceConfig {
  const state = s.props['state'] ?? 'started';
  return {
    sid: sidOf(s),
    type: s.type,
    vmid: Number(s.id),
    state: state === 'enabled' ? 'started' : state,
    group: s.props['group'],
    maxRestart: Number(s.props['max_restart'] ?? 1),
    maxRelocate: Number(s.props['max_relocate'] ?? 1),
    failback: s.props['failback'] !== '0',
    comment: s.props['comment'],
    node,
  };
}

/** read_and_check_resources_config as a node sees it: every resource with defaults and its guest's node. */
export async function configuredServices(fs: LabFs): Promise<Map<string, ServiceConfig>> {
  const where = new Map((await guestLocations(fs)).map((g) => [g.vmid, g]));
  const out = new Map<string, ServiceConfig>();
  for (const s of (await readResources(fs)).sections) {
    if (s.type !== 'vm' && s.type !== 'ct') continue;
    const g = where.get(Number(s.id));
    out.set(sidOf(s), serviceConfig(s, g && (g.type === 'qemu') === (s.type === 'vm') ? g.node : undefined));
  }
  return out;
}

/** The CRM's view of one service in manager_status. */
export interface ServiceStatus {
  node: string;
  state: string;
  uid: string;
  /** Set once the LRM reported a successful start, while the state stays `started`. */
  running?: 1;
  /** Where a `migrate` or `relocate` takes the service. */
  target?: string;
  /** A command queued for the service (`stop TIMEOUT`, `migrate NODE`), consumed by the state machine. */
  cmd?: (string | number)[];
  timeout?: number;
}

/** Syslog levels the HA daemons log at. */
export type HaLogLevel = 'info' | 'notice' | 'warning' | 'err';

/** /etc/pve/ha/manager_status: what the master CRM last flushed. */
export interface ManagerStatus {
  master_node?: string;
  node_status: Record<string, string>;
  service_status: Record<string, ServiceStatus>;
  timestamp?: number;
}

/** A result the LRM reports for one CRM request (by its uid). */
export interface LrmResult {
  sid: string;
  exit_code: number;
  state: string;
}

/** /etc/pve/nodes/NODE/lrm_status. */
export interface LrmStatus {
  mode: string;
  results: Record<string, LrmResult>;
  state: string;
  timestamp: number;
}

/** Perl's JSON with canonical keys: what pmxcfs stores for the HA daemons. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export async function readManagerStatus(fs: LabFs): Promise<ManagerStatus> {
  const raw = await fs.readFile(MANAGER_STATUS).catch(() => '');
  const parsed = raw ? (JSON.parse(raw) as Partial<ManagerStatus>) : {};
  return { ...parsed, node_status: parsed.node_status ?? {}, service_status: parsed.service_status ?? {} };
}

export async function writeManagerStatus(fs: LabFs, ms: ManagerStatus): Promise<void> {
  await fs.writeFile(MANAGER_STATUS, canonicalJson(ms));
}

export async function readLrmStatus(fs: LabFs, node: string): Promise<LrmStatus | undefined> {
  const raw = await fs.readFile(lrmStatusPath(node)).catch(() => undefined);
  return raw ? (JSON.parse(raw) as LrmStatus) : undefined;
}

export async function writeLrmStatus(fs: LabFs, node: string, status: LrmStatus): Promise<void> {
  await fs.writeFile(lrmStatusPath(node), canonicalJson(status));
}

/** PVE::HA::Config::queue_crm_commands: a line the master reads at its next round. */
export async function queueCrmCommand(fs: LabFs, cmd: string): Promise<void> {
  const current = await fs.readFile(CRM_COMMANDS).catch(() => '');
  await fs.writeFile(CRM_COMMANDS, `${current}${cmd}\n`);
}

export async function takeCrmCommands(fs: LabFs): Promise<string[]> {
  const current = await fs.readFile(CRM_COMMANDS).catch(() => '');
  if (!current) return [];
  await fs.writeFile(CRM_COMMANDS, '');
  return current.split('\n').filter(Boolean);
}

/** A rule as GET /cluster/ha/rules returns it: defaults set, its position, the file's digest. */
export function ruleRows(rules: SectionFile): Record<string, string | number>[] {
  return rules.sections.map((s, i) => {
    const row: Record<string, string | number> = { rule: s.id, type: s.type, digest: rules.digest, order: i + 1 };
    for (const [k, v] of Object.entries(s.props)) row[k] = /^(strict|disable)$/.test(k) ? Number(v) : v;
    if (s.type === 'node-affinity' && row['strict'] === undefined) row['strict'] = 0;
    return row;
  });
}

/** PVE 9 keeps using groups.cfg until the CRM migrated every group to a rule (or there never was one). */
export function groupsMigrated(groups: SectionFile): boolean {
  return groups.sections.length === 0;
}
