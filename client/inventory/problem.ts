import { z } from 'zod';
import type { InventoryFormat } from './format';

/** One thing wrong with an inventory, written for the engineer who has to fix the file. */
export const Problem = z.object({
  file: z.string(),
  line: z.number().int().positive().optional(),
  /** Where, in the words of the file: `nodes[1].name`, `pve2.ansible_port`, `cluster_name`. */
  field: z.string(),
  message: z.string(),
  fix: z.string(),
});
export type Problem = z.infer<typeof Problem>;

/** Where a problem sits, before the file name is known to the code that found it. */
export type Finding = Omit<Problem, 'file'>;

/**
 * A value inherited from `defaults` or a group's vars is checked once per node; the engineer
 * fixes it once, so it is reported once. Sorted by line so the report reads top to bottom.
 */
export function finalizeProblems(file: string, findings: readonly Finding[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const f of findings) {
    const key = [f.line ?? '', f.field, f.message].join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, ...(f.line === undefined ? {} : { line: f.line }), field: f.field, message: f.message, fix: f.fix });
  }
  return out
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i)
    .map(({ p }) => p);
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return `${where}: ${p.field}: ${p.message}\n  fix: ${p.fix}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map(formatProblem).join('\n');
}

export function emptyFile(format: InventoryFormat): Finding {
  return {
    field: 'file',
    message: 'the inventory is empty',
    fix:
      format === 'yaml'
        ? 'describe the cluster: `cluster: {name: ...}` and a `nodes:` list (see the example inventories)'
        : 'list the primary under [proxmox_cluster_primary], the other hosts under [proxmox_cluster_nodes], and cluster_name under [proxmox_cluster:vars]',
  };
}
