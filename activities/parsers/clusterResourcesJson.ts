import { z } from 'zod';
import { result } from './result';
import { ParseError } from './errors';
import { check, jsonFlag, jsonInt, jsonNumber, readJsonDoc } from './json';

const Usage = {
  cpu: jsonNumber.optional(),
  maxcpu: jsonNumber.optional(),
  mem: jsonNumber.optional(),
  maxmem: jsonNumber.optional(),
  disk: jsonNumber.optional(),
  maxdisk: jsonNumber.optional(),
  uptime: jsonNumber.optional(),
};
const GuestIn = z.object({
  id: z.string(),
  type: z.enum(['qemu', 'lxc']),
  vmid: jsonInt,
  node: z.string(),
  status: z.string(),
  name: z.string().optional(),
  template: jsonFlag.optional(),
  tags: z.string().optional(),
  hastate: z.string().optional(),
  lock: z.string().optional(),
  pool: z.string().optional(),
  ...Usage,
});
const NodeIn = z.object({ id: z.string(), node: z.string(), status: z.string(), level: z.string().optional(), 'cgroup-mode': jsonInt.optional(), ...Usage });
const StorageIn = z.object({
  id: z.string(),
  storage: z.string(),
  node: z.string(),
  status: z.string(),
  plugintype: z.string().optional(),
  shared: jsonFlag.optional(),
  content: z.string().optional(),
  disk: jsonNumber.optional(),
  maxdisk: jsonNumber.optional(),
});
const PoolIn = z.object({ id: z.string(), pool: z.string() });
const Input = z.array(z.looseObject({ id: z.string(), type: z.string() }));

const UsageOut = {
  /** CPU usage as a fraction of maxcpu (0..1). */
  cpu: z.number().optional(),
  maxcpu: z.number().optional(),
  /** Bytes. */
  mem: z.number().optional(),
  maxmem: z.number().optional(),
  disk: z.number().optional(),
  maxdisk: z.number().optional(),
  /** Seconds. */
  uptime: z.number().optional(),
};

export const ClusterResourcesJson = z.object({
  vms: z.array(
    z.object({
      /** `qemu/100`, `lxc/101`. */
      id: z.string(),
      vmid: z.number().int(),
      type: z.enum(['qemu', 'lxc']),
      node: z.string(),
      /** running | stopped | paused... */
      status: z.string(),
      name: z.string().optional(),
      template: z.boolean(),
      tags: z.array(z.string()),
      /** The HA state when the guest is an HA resource. */
      hastate: z.string().optional(),
      lock: z.string().optional(),
      pool: z.string().optional(),
      ...UsageOut,
    }),
  ),
  nodes: z.array(
    z.object({
      id: z.string(),
      node: z.string(),
      status: z.string(),
      online: z.boolean(),
      level: z.string().optional(),
      cgroupMode: z.number().int().optional(),
      ...UsageOut,
    }),
  ),
  storages: z.array(
    z.object({
      /** `storage/NODE/STORAGE`: one entry per storage and node. */
      id: z.string(),
      storage: z.string(),
      node: z.string(),
      /** available | unknown... */
      status: z.string(),
      plugintype: z.string().optional(),
      shared: z.boolean(),
      content: z.array(z.string()),
      /** Bytes used and total. */
      disk: z.number().optional(),
      maxdisk: z.number().optional(),
    }),
  ),
  pools: z.array(z.object({ id: z.string(), pool: z.string() })),
});
export type ClusterResourcesJson = z.infer<typeof ClusterResourcesJson>;

const list = (s: string | undefined, sep: RegExp) => (s ?? '').split(sep).filter(Boolean);
const byId = <T extends { id: string }>(a: T, b: T) => a.id.localeCompare(b.id, 'en', { numeric: true });

/**
 * `pvesh get /cluster/resources --output-format json` (also the API's `{"data": [...]}` response).
 * Entries of other types (sdn, network, openvz) are left out; each list is sorted by id.
 */
export function parseClusterResourcesJson(text: string): ClusterResourcesJson {
  const kind = 'cluster-resources-json';
  const doc = readJsonDoc(kind, text, true);
  const entries = check(kind, doc, Input);
  const out: ClusterResourcesJson = { vms: [], nodes: [], storages: [], pools: [] };
  entries.forEach((e, i) => {
    if (e.type === 'qemu' || e.type === 'lxc') {
      const g = check(kind, doc, GuestIn, e, [i]);
      out.vms.push({
        id: g.id,
        vmid: g.vmid,
        type: g.type,
        node: g.node,
        status: g.status,
        name: g.name,
        template: g.template ?? false,
        tags: list(g.tags, /[;, ]+/),
        hastate: g.hastate,
        lock: g.lock,
        pool: g.pool,
        cpu: g.cpu,
        maxcpu: g.maxcpu,
        mem: g.mem,
        maxmem: g.maxmem,
        disk: g.disk,
        maxdisk: g.maxdisk,
        uptime: g.uptime,
      });
    } else if (e.type === 'node') {
      const { 'cgroup-mode': cgroupMode, ...n } = check(kind, doc, NodeIn, e, [i]);
      out.nodes.push({ ...n, online: n.status === 'online', cgroupMode });
    } else if (e.type === 'storage') {
      const s = check(kind, doc, StorageIn, e, [i]);
      out.storages.push({ ...s, shared: s.shared ?? false, content: list(s.content, /,/) });
    } else if (e.type === 'pool') {
      out.pools.push(check(kind, doc, PoolIn, e, [i]));
    }
  });
  if (out.nodes.length === 0) throw new ParseError(kind, 'no node entries: /cluster/resources always lists the nodes');
  return result(kind, ClusterResourcesJson, {
    vms: out.vms.sort(byId),
    nodes: out.nodes.sort(byId),
    storages: out.storages.sort(byId),
    pools: out.pools.sort(byId),
  });
}
