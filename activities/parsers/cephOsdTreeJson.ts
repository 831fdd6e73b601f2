import { z } from 'zod';
import { result } from './result';
import { check, jsonInt, jsonNumber, readJsonDoc } from './json';

export const CephOsdTree = z.object({
  /** Every CRUSH item as listed: buckets (root, rack, host...) and OSDs. */
  nodes: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      type: z.string(),
      status: z.string().optional(),
      reweight: z.number().optional(),
      crushWeight: z.number().optional(),
      deviceClass: z.string().optional(),
      children: z.array(z.number().int()).optional(),
    }),
  ),
  /** The OSDs, sorted by id, with the host each sits under in the tree. */
  osds: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      host: z.string().optional(),
      /** up | down | destroyed | DNE */
      status: z.string(),
      up: z.boolean(),
      /** In the data distribution: reweight above 0. */
      in: z.boolean(),
      reweight: z.number(),
      crushWeight: z.number().optional(),
      deviceClass: z.string().optional(),
      /** Known to the cluster but in no CRUSH bucket. */
      stray: z.boolean(),
    }),
  ),
});
export type CephOsdTree = z.infer<typeof CephOsdTree>;
type TreeNode = CephOsdTree['nodes'][number];

const Node = z.object({
  id: jsonInt,
  name: z.string(),
  type: z.string(),
  status: z.string().optional(),
  reweight: jsonNumber.optional(),
  crush_weight: jsonNumber.optional(),
  device_class: z.string().optional(),
  children: z.array(jsonInt).optional(),
});
const Input = z.object({ nodes: z.array(Node), stray: z.array(Node).optional() });

/** Derives each OSD's host from the bucket hierarchy; shared with the text form of `ceph osd tree`. */
export function osdTree(kind: string, nodes: TreeNode[], stray: TreeNode[]): CephOsdTree {
  const parent = new Map<number, TreeNode>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n);
  const hostOf = (id: number): string | undefined => {
    for (let p = parent.get(id); p; p = parent.get(p.id)) if (p.type === 'host') return p.name;
    return undefined;
  };
  const osds = [...nodes.map((n) => ({ n, stray: false })), ...stray.map((n) => ({ n, stray: true }))]
    .filter(({ n }) => n.type === 'osd')
    .map(({ n, stray }) => ({
      id: n.id,
      name: n.name,
      host: hostOf(n.id),
      status: n.status ?? 'DNE',
      up: n.status === 'up',
      in: (n.reweight ?? 0) > 0,
      reweight: n.reweight ?? 0,
      crushWeight: n.crushWeight,
      deviceClass: n.deviceClass,
      stray,
    }))
    .sort((a, b) => a.id - b.id);
  return result(kind, CephOsdTree, { nodes, osds });
}

/** `ceph osd tree -f json`: any depth of buckets (root, datacenter, rack, host...), several roots, stray OSDs. */
export function parseCephOsdTreeJson(text: string): CephOsdTree {
  const kind = 'ceph-osd-tree-json';
  const doc = readJsonDoc(kind, text);
  const input = check(kind, doc, Input);
  const tidy = (n: z.infer<typeof Node>): TreeNode => ({
    id: n.id,
    name: n.name,
    type: n.type,
    status: n.status,
    reweight: n.reweight,
    crushWeight: n.crush_weight,
    deviceClass: n.device_class,
    children: n.children,
  });
  return osdTree(kind, input.nodes.map(tidy), (input.stray ?? []).map(tidy));
}
