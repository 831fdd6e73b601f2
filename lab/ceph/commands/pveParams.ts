import type { ExecResult } from 'just-bash';
import type { Params } from '../../commands/pveCli';
import { fail } from '../../commands/types';

/** PVE::JSONSchema's enum check, reported as parameter verification does (after the other checks passed). */
export function enumErrors(usage: string, params: Params, enums: Record<string, readonly string[]>): ExecResult | undefined {
  const errors: string[] = [];
  for (const [name, allowed] of Object.entries(enums)) {
    const value = params[name];
    if (value !== undefined && !allowed.includes(String(value))) errors.push(`${name}: value '${value}' does not have a value in the enumeration '${allowed.join(', ')}'`);
  }
  if (!errors.length) return undefined;
  return fail(`400 Parameter verification failed.\n${errors.sort().join('\n')}\n\n${usage}\n`, 255);
}
