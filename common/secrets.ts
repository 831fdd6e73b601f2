import { z } from 'zod';

/**
 * A secret as it may travel to a workflow: never its clear value.
 * `env` and `file` are resolved by the worker; `sealed` is AES-256-GCM ciphertext made by the
 * client from an inline value, opened by the worker with the shared key.
 */
export const SecretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ sealed: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRef>;

/** A secret as the client may hold it after loading an inventory: refs or an inline value. */
export const Secret = z.union([SecretRef, z.object({ inline: z.string() }).strict()]);
export type Secret = z.infer<typeof Secret>;
