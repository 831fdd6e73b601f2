/**
 * How Ansible INI variables map onto the normalized inventory. A value is read as the kind its
 * setting takes; a value that does not read as that kind stays text, so the schema reports it
 * with every other problem.
 */
export type IniKind = 'text' | 'int' | 'number' | 'bool' | 'list' | 'int-list';

export interface IniVar {
  /** Where the value goes: inside the node for host variables, in the inventory for cluster ones. */
  path: readonly string[];
  kind: IniKind;
}

/** A node setting a host variable fills, named by its path inside the node: `port`, `private.address`. */
export type NodeSetting = string;

const v = (kind: IniKind, ...path: string[]): IniVar => ({ path, kind });

/**
 * Variable names come from the file, so the tables have no prototype: `toString=1` or
 * `__proto__=1` is an unknown variable, not a lookup that finds Object's own members.
 */
function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/**
 * The variables an INI inventory may carry for a host (on its line or in a group's vars); `null`
 * marks variables that are accepted because the Ansible flow writes them, but mean nothing here.
 * The name and the primary role come from the groups.
 */
export const INI_HOST_VARS = table<IniVar | null>({
  ansible_host: v('text', 'host'),
  ansible_port: v('int', 'port'),
  ansible_user: v('text', 'user'),
  ansible_password: v('text', 'password'),
  ansible_ssh_pass: v('text', 'password'),
  ansible_ssh_private_key_file: v('text', 'privateKeyFile'),
  hostname: v('text', 'hostname'),
  link0: v('text', 'link0'),
  private_address: v('text', 'private', 'address'),
  private_nic: v('text', 'private', 'nic'),
  private_bridge: v('text', 'private', 'bridge'),
  private_mtu: v('int', 'private', 'mtu'),
  raid_members: v('list', 'disks', 'raidMembers'),
  raid_array: v('text', 'disks', 'array'),
  db_device: v('text', 'disks', 'db'),
  ansible_python_interpreter: null,
  ansible_connection: null,
});

/**
 * Settings of the whole cluster: only in `[group:vars]` sections, set once. A section (network,
 * disks, ceph, ha) exists as soon as one of its variables is set.
 */
export const INI_CLUSTER_VARS = table<IniVar>({
  cluster_name: v('text', 'cluster', 'name'),
  network_cidr: v('text', 'network', 'cidr'),
  network_nic: v('text', 'network', 'nic'),
  network_bridge: v('text', 'network', 'bridge'),
  network_mtu: v('int', 'network', 'mtu'),
  lvm_volume_group: v('text', 'disks', 'volumeGroup'),
  lvm_logical_volume: v('text', 'disks', 'logicalVolume'),
  db_min_percent: v('number', 'disks', 'dbMinPercent'),
  ceph_repository: v('text', 'ceph', 'repository'),
  ceph_version: v('text', 'ceph', 'version'),
  ceph_public_network: v('text', 'ceph', 'publicNetwork'),
  ceph_cluster_network: v('text', 'ceph', 'clusterNetwork'),
  ceph_monitors: v('list', 'ceph', 'monitors'),
  ceph_managers: v('list', 'ceph', 'managers'),
  ceph_pool: v('text', 'ceph', 'pool', 'name'),
  ceph_pool_size: v('int', 'ceph', 'pool', 'size'),
  ceph_pool_min_size: v('int', 'ceph', 'pool', 'minSize'),
  ceph_pool_autoscale: v('text', 'ceph', 'pool', 'autoscale'),
  ceph_pool_add_storage: v('bool', 'ceph', 'pool', 'addStorage'),
  ha_name: v('text', 'ha', 'name'),
  ha_nodes: v('list', 'ha', 'nodes'),
  ha_strict: v('bool', 'ha', 'strict'),
  ha_vms: v('int-list', 'ha', 'vms'),
  ha_test_vm: v('int', 'ha', 'testVm', 'id'),
  ha_test_vm_name: v('text', 'ha', 'testVm', 'name'),
  ha_test_vm_memory_mib: v('int', 'ha', 'testVm', 'memoryMiB'),
  ha_test_vm_cores: v('int', 'ha', 'testVm', 'cores'),
  ha_test_vm_disk_gib: v('int', 'ha', 'testVm', 'diskGiB'),
  ha_test_vm_storage: v('text', 'ha', 'testVm', 'storage'),
});

export const CLUSTER_NAME_VAR = 'cluster_name';

export function settingOf(variable: IniVar): NodeSetting {
  return variable.path.join('.');
}

/** The value as its setting takes it; what does not read as that kind stays as written. */
export function iniValue(kind: IniKind, text: string): unknown {
  const int = (t: string): unknown => (/^\d+$/.test(t) ? Number(t) : t);
  const list = (): string[] => (text.trim() === '' ? [] : text.split(',').map((s) => s.trim()));
  switch (kind) {
    case 'text':
      return text;
    case 'int':
      return int(text);
    case 'number':
      return /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    case 'bool':
      // Ansible's own truthy and falsy spellings.
      if (/^(true|yes|on|1)$/i.test(text)) return true;
      return /^(false|no|off|0)$/i.test(text) ? false : text;
    case 'list':
      return list();
    case 'int-list':
      return list().map(int);
  }
}

/** How the INI file spells a node setting (the first, preferred, variable for it). */
export function iniVarFor(setting: NodeSetting): string | undefined {
  return Object.entries(INI_HOST_VARS).find(([, s]) => s !== null && settingOf(s) === setting)?.[0];
}

/** How the INI file spells a cluster setting at this path. */
export function clusterVarFor(path: readonly PropertyKey[]): string | undefined {
  const joined = path.join('.');
  return Object.entries(INI_CLUSTER_VARS).find(([, s]) => s.path.join('.') === joined)?.[0];
}

/** A YAML path as a reader would write it: `private: {address: ...}`. */
function yamlSpelling(path: readonly string[]): string {
  return path.reduceRight((inner, key, i) => (i === path.length - 1 ? `${key}: ...` : `${key}: {${inner}}`), '');
}

/** An INI host variable written in a YAML node: suggest the YAML key. */
export const YAML_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(INI_HOST_VARS).flatMap(([name, s]) => (s === null ? [] : [[name, s.path.length === 1 ? (s.path[0] ?? name) : yamlSpelling(s.path)]])),
);

/** An INI cluster variable written at the top of a YAML inventory. */
export const YAML_TOP_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(INI_CLUSTER_VARS).map(([name, s]) => [name, yamlSpelling(s.path)]));

/** A YAML node key written in an INI inventory: suggest the Ansible variable. */
export const INI_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(INI_HOST_VARS).flatMap(([name, s]) => (s === null || s.path.length !== 1 ? [] : [[s.path[0] ?? name, iniVarFor(settingOf(s)) ?? name]])),
);
