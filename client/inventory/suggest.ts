import { closest, distance } from 'fastest-levenshtein';

/**
 * The fix for an unknown key: a close spelling, a known translation between the YAML and INI
 * dialects (`ansible_port` in YAML means `port`), or the list of what is allowed.
 */
export function unknownKeyFix(key: string, allowed: readonly string[], aliases: Readonly<Record<string, string>> = {}): string {
  // Keys come from the file: only the table's own entries count, never Object's (`constructor`).
  const own = (k: string) => (Object.hasOwn(aliases, k) ? aliases[k] : undefined);
  const alias = own(key) ?? own(key.toLowerCase());
  if (alias !== undefined) return `did you mean \`${alias}\`? (\`${key}\` is how the other inventory format spells it)`;
  const near = nearest(key, allowed);
  if (near !== undefined) return `did you mean \`${near}\`?`;
  return `remove it; the keys allowed here are: ${allowed.map((k) => `\`${k}\``).join(', ')}`;
}

/** Close enough to be a typo: transpositions and one or two wrong letters, more for long names. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word.trim() === '') return undefined;
  const lower = word.toLowerCase();
  const byLower = new Map(candidates.map((c) => [c.toLowerCase(), c]));
  const best = closest(lower, [...byLower.keys()]);
  const budget = Math.max(2, Math.floor(word.length / 4));
  return distance(lower, best) <= budget ? byLower.get(best) : undefined;
}
