import { z } from 'zod';
import { inventorySchema } from '../../common/inventory';
import type { InventoryFormat } from './format';
import { secretInput } from './secret-syntax';

/**
 * The normalized inventory schema with the written password syntax of a format plugged in; its
 * output is exactly `Inventory`.
 */
export function inventoryInput(format: InventoryFormat) {
  return inventorySchema(secretInput(format));
}

/** What `defaults` may carry in YAML: the settings that make sense for every node at once. */
const DEFAULTS_MASK = { user: true, port: true, password: true, privateKeyFile: true } as const;
export const DEFAULTABLE_KEYS: readonly string[] = Object.keys(DEFAULTS_MASK);

/** The YAML file as written: the normalized shape plus `defaults`, which the loader merges into nodes. */
export function yamlFileSchema() {
  const input = inventoryInput('yaml');
  return input.extend({ defaults: input.shape.nodes.element.pick(DEFAULTS_MASK).partial().optional() });
}

/** The keys an object schema accepts at `path`, for did-you-mean suggestions. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (const seg of path) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, unknown>)[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element;
    else return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function unwrap(s: unknown): unknown {
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap();
  return s;
}
