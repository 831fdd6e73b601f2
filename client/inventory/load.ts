import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Inventory } from '../../common/inventory';
import { checkEnvironment } from './environment';
import { type InventoryFormat, detectFormat } from './format';
import { readIniSource } from './ini-source';
import { resolveInventoryPaths } from './paths';
import { type Finding, type Problem, finalizeProblems } from './problem';
import { checkRules } from './rules';
import { inventoryInput } from './schema';
import { readYamlSource } from './yaml-source';
import { findingsFromIssues } from './zod-findings';

export interface LoadOptions {
  /** Overrides detection by extension and content (`--format`). */
  format?: InventoryFormat;
  /** Check that secret files and private keys exist (default on). */
  checkFiles?: boolean;
  /** Check that referenced environment variables are set (default on). */
  checkEnv?: boolean;
  /** The environment for `${VAR}` checks and `~` (HOME); defaults to this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface ParseOptions extends LoadOptions {
  /** Named in problems; relative paths in the inventory are resolved from its directory. */
  file: string;
}

export type LoadResult = { ok: true; inventory: Inventory; warnings: Problem[] } | { ok: false; problems: Problem[] };

export function loadInventory(file: string, opts: LoadOptions = {}): LoadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: finalizeProblems(file, [unreadable(file, err as NodeJS.ErrnoException)]) };
  }
  return parseInventoryText(text, { ...opts, file });
}

export function parseInventoryText(text: string, opts: ParseOptions): LoadResult {
  const format = opts.format ?? detectFormat(opts.file, text);
  const env = opts.env ?? process.env;
  const baseDir = path.dirname(path.resolve(opts.file));
  const home = env.HOME || os.homedir();
  const source = format === 'yaml' ? readYamlSource(text) : readIniSource(text);
  const errors: Finding[] = [...source.findings];
  const warnings: Finding[] = [...source.warnings];
  if (source.parsed) {
    const { document, schema, draft, incomplete } = source.parsed;
    const checked = schema.safeParse(document);
    if (!checked.success) errors.push(...findingsFromIssues(checked.error.issues, document, schema, source.dialect));
    const rules = checkRules(draft, incomplete, source.dialect);
    errors.push(...rules.errors);
    warnings.push(...rules.warnings);
    errors.push(...checkEnvironment(draft, source.dialect, { checkFiles: opts.checkFiles ?? true, checkEnv: opts.checkEnv ?? true, env, baseDir, home }));
    if (errors.length === 0) {
      const normalized = inventoryInput(format);
      const parsed = normalized.safeParse(draft);
      if (parsed.success) return { ok: true, inventory: resolveInventoryPaths(parsed.data, baseDir, home), warnings: finalizeProblems(opts.file, warnings) };
      errors.push(...findingsFromIssues(parsed.error.issues, draft, normalized, source.dialect));
    }
  }
  return { ok: false, problems: finalizeProblems(opts.file, errors) };
}

function unreadable(file: string, err: NodeJS.ErrnoException): Finding {
  const field = 'file';
  if (err.code === 'ENOENT') return { field, message: `inventory file ${file} does not exist`, fix: 'check the path given with -i' };
  if (err.code === 'EISDIR') return { field, message: `${file} is a directory, not an inventory file`, fix: 'give the inventory file itself, e.g. -i inventory.yaml' };
  if (err.code === 'EACCES') return { field, message: `inventory file ${file} cannot be read (permission denied)`, fix: 'make it readable by the user running pve-runbooks' };
  return { field, message: `inventory file ${file} cannot be read (${err.code ?? err.message})`, fix: 'check the path given with -i' };
}
