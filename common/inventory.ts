import { z } from 'zod';
import { Secret, SecretRef } from './secrets';

/**
 * The inventory after loading and normalization, whatever its source format (YAML or Ansible INI).
 * This is the single source of truth for inventory types. Workflows import the types only.
 */

/** PVE cluster names: 1–15 characters, letters, digits and dashes (pve-cluster's own rule). */
export const CLUSTER_NAME_RE = /^[A-Za-z0-9-]{1,15}$/;
/** PVE node names are DNS labels: letters, digits, dashes; not starting or ending with a dash. */
export const NODE_NAME_RE = /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export const sshDefaults = { port: 22, user: 'root', connectTimeoutSeconds: 15, commandTimeoutSeconds: 300 };

const IP_ADDRESS = z.union([z.ipv4(), z.ipv6()]);

/** Corosync binds links to addresses, not names: `pvecm create/add --link0` needs an IP. */
export function isIpAddress(value: string): boolean {
  return IP_ADDRESS.safeParse(value).success;
}

function nodeSchema<S extends z.ZodTypeAny>(secret: S) {
  return z
    .object({
      /** PVE node name (short hostname), as in /etc/pve/nodes/NAME. */
      name: z.string().regex(NODE_NAME_RE),
      /** Address the controller reaches over SSH (IP or DNS name). */
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(sshDefaults.port),
      user: z.string().min(1).default(sshDefaults.user),
      /** FQDN the node should report (`hostname=` in the Ansible flow). */
      hostname: z.string().optional(),
      password: secret.optional(),
      /** Path of a private key on the worker's machine. */
      privateKeyFile: z.string().min(1).optional(),
      primary: z.boolean().default(false),
      /** Corosync link0 address of this node; defaults to `host` when that is an IP. */
      link0: z.string().refine(isIpAddress, 'corosync links must be IP addresses').optional(),
    })
    .strict();
}

/** Exported so a loader can plug in its own secret syntax and still share every other rule. */
export function inventorySchema<S extends z.ZodTypeAny>(secret: S) {
  return z
    .object({
      cluster: z.object({ name: z.string().regex(CLUSTER_NAME_RE) }).strict(),
      ssh: z
        .object({
          connectTimeoutSeconds: z.number().positive().default(sshDefaults.connectTimeoutSeconds),
          commandTimeoutSeconds: z.number().positive().default(sshDefaults.commandTimeoutSeconds),
        })
        .strict()
        .default({
          connectTimeoutSeconds: sshDefaults.connectTimeoutSeconds,
          commandTimeoutSeconds: sshDefaults.commandTimeoutSeconds,
        }),
      nodes: z.array(nodeSchema(secret)).min(1),
    })
    .strict();
}

/** What the client holds: secrets may still be inline. */
export const Inventory = inventorySchema(Secret);
export type Inventory = z.infer<typeof Inventory>;
export type InventoryNode = Inventory['nodes'][number];

/** What travels to workflows and activities: no secret in clear. */
export const RunbookInventory = inventorySchema(SecretRef);
export type RunbookInventory = z.infer<typeof RunbookInventory>;
export type RunbookNode = RunbookInventory['nodes'][number];
