import { CephOsdTree, osdTree } from './cephOsdTreeJson';
import { ParseError } from './errors';
import { contentLines, quote } from './text';

type TreeNode = CephOsdTree['nodes'][number];

/**
 * Plain `ceph osd tree`: Luminous and later (`ID CLASS WEIGHT TYPE NAME STATUS REWEIGHT PRI-AFF`)
 * and older (`ID WEIGHT TYPE NAME UP/DOWN REWEIGHT PRIMARY-AFFINITY`). The hierarchy is in the
 * indentation of the TYPE NAME column; an OSD outside every bucket is stray.
 */
export function parseCephOsdTreeText(text: string): CephOsdTree {
  const kind = 'ceph-osd-tree';
  const [header, ...rows] = contentLines(kind, text);
  const columns = header!.text.trim().split(/\s+/);
  if (columns[0] !== 'ID' || !columns.includes('WEIGHT') || !/\bTYPE NAME\b/.test(header!.text)) {
    throw new ParseError(kind, `cannot read ${quote(header!.text)}: expected the header "ID CLASS WEIGHT TYPE NAME STATUS REWEIGHT PRI-AFF"`, header!.no);
  }
  const hasClass = columns.includes('CLASS');
  const nodes: TreeNode[] = [];
  const stray: TreeNode[] = [];
  const stack: { indent: number; node: TreeNode }[] = [];
  for (const row of rows) {
    const tokens = [...row.text.matchAll(/\S+/g)].map((m) => ({ t: m[0], at: m.index }));
    const bad = (why: string) => new ParseError(kind, `cannot read ${quote(row.text)}: ${why}`, row.no);
    const id = tokens.shift()?.t ?? '';
    if (!/^-?\d+$/.test(id)) throw bad('the ID column is not a number');
    const deviceClass = hasClass && tokens[0] && !/^-?\d+(\.\d+)?$/.test(tokens[0].t) ? tokens.shift()!.t : undefined;
    const weight = tokens.shift()?.t ?? '';
    if (!/^-?\d+(\.\d+)?$/.test(weight)) throw bad('the WEIGHT column is not a number');
    const indent = tokens[0]?.at ?? 0;
    let node: TreeNode;
    if (Number(id) < 0) {
      if (tokens.length !== 2) throw bad('a bucket row has a type and a name');
      node = { id: Number(id), name: tokens[1]!.t, type: tokens[0]!.t, crushWeight: Number(weight), children: [] };
    } else {
      const [name, status, reweight, primaryAffinity] = tokens.map((x) => x.t);
      if (!name || !status || !/^\d+(\.\d+)?$/.test(reweight ?? '') || (primaryAffinity !== undefined && tokens.length !== 4)) {
        throw bad('an OSD row has a name, a status, a reweight and a primary affinity');
      }
      node = { id: Number(id), name, type: 'osd', status, reweight: Number(reweight), crushWeight: Number(weight), deviceClass };
    }
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    const parent = stack[stack.length - 1]?.node;
    parent?.children!.push(node.id);
    (parent === undefined && node.type === 'osd' ? stray : nodes).push(node);
    if (node.type !== 'osd') stack.push({ indent, node });
  }
  if (nodes.length + stray.length === 0) throw new ParseError(kind, 'the tree has no rows');
  return osdTree(kind, nodes, stray);
}
