import type { InventoryNode } from '../../common/inventory';

/** The node settings a variable can set: everything but the name and the primary role (the groups say those). */
export type NodeSetting = Exclude<keyof InventoryNode, 'name' | 'primary'>;

/**
 * The Ansible variables an INI inventory may carry for a host, and the node setting each one
 * fills; `null` marks variables that are accepted because the Ansible flow writes them, but mean
 * nothing here.
 */
export const INI_HOST_VARS: Readonly<Record<string, NodeSetting | null>> = {
  ansible_host: 'host',
  ansible_port: 'port',
  ansible_user: 'user',
  ansible_password: 'password',
  ansible_ssh_pass: 'password',
  ansible_ssh_private_key_file: 'privateKeyFile',
  hostname: 'hostname',
  link0: 'link0',
  ansible_python_interpreter: null,
  ansible_connection: null,
};

/** Only meaningful for the whole cluster, so only in `[group:vars]` sections. */
export const CLUSTER_NAME_VAR = 'cluster_name';

/** How the INI file spells a node setting (the first, preferred, variable for it). */
export function iniVarFor(setting: string): string | undefined {
  return Object.entries(INI_HOST_VARS).find(([, s]) => s === setting)?.[0];
}

/** An INI variable written in a YAML inventory: suggest the YAML key. */
export const YAML_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(INI_HOST_VARS).flatMap(([v, s]) => (s === null ? [] : [[v, s]])),
);

/** A YAML key written in an INI inventory: suggest the Ansible variable. */
export const INI_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(YAML_ALIASES).map(([v, s]) => [s, iniVarFor(s) ?? v]),
);
