import { z } from 'zod';
import { ParseError } from './errors';

/**
 * Validates a parser's result against its schema, first dropping keys whose value is undefined:
 * an absent field is absent, in JS as in the JSON the CLI prints, rather than present as undefined.
 * A value the schema refuses (a count of 10^400 digits, say) is still the input's fault: a ParseError.
 */
export function result<T>(kind: string, schema: z.ZodType<T>, value: unknown): T {
  const checked = schema.safeParse(dropUndefined(value));
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0]!;
  throw new ParseError(kind, `${issue.path.map(String).join('.') || 'result'}: ${issue.message.replace(/^Invalid input: /, '')}`);
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, dropUndefined(v)]])));
}
