import { stringify } from 'yaml';
import { hyperConvergedPhases } from '../../common/hyperConverged';
import type { InventoryFormat } from './format';
import { loadInventory } from './load';
import { formatProblem, formatProblems } from './problem';
import { redactInventory } from './redact';

export interface CheckOptions {
  json: boolean;
  format?: InventoryFormat;
  /** The environment for `${VAR}` checks and `~`; defaults to this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface CheckResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * `pve-runbooks inventory check -i FILE [--json]`: every check on, including the files and
 * environment variables the inventory points at. stdout carries only the inventory (or the JSON
 * report) so it can be piped; problems and warnings go to stderr in text mode.
 */
export function runInventoryCheck(file: string, opts: CheckOptions): CheckResult {
  const result = loadInventory(file, { format: opts.format, checkFiles: true, checkEnv: true, env: opts.env });
  if (opts.json) {
    const report = result.ok ? { ok: true, inventory: redactInventory(result.inventory), warnings: result.warnings } : result;
    return { exitCode: result.ok ? 0 : 1, stdout: `${JSON.stringify(report, null, 2)}\n`, stderr: '' };
  }
  if (!result.ok) {
    return { exitCode: 1, stdout: '', stderr: `${formatProblems(result.problems)}\n${count(result.problems.length, 'problem')} in ${file}\n` };
  }
  const { inventory, warnings } = result;
  const phases = hyperConvergedPhases(inventory);
  const built = [phases.network && 'private network', phases.ceph && 'Ceph', phases.ha && 'HA'].filter((p): p is string => p !== false);
  const summary = `${file}: valid inventory for cluster ${inventory.cluster.name} with ${count(inventory.nodes.length, 'node')}${built.length ? ` (${built.join(', ')})` : ''}${warnings.length ? `, ${count(warnings.length, 'warning')}` : ''}`;
  return {
    exitCode: 0,
    stdout: stringify(redactInventory(inventory), { lineWidth: 0, aliasDuplicateObjects: false }),
    stderr: [...warnings.map((w) => `warning: ${formatProblem(w)}`), summary].join('\n') + '\n',
  };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
