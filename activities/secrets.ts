import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Secret, SecretRef } from '../common/secrets';
import { runbooksHome } from './home';

/**
 * Inline secrets from an inventory are sealed by the client with AES-256-GCM before a workflow
 * starts, so Temporal history only ever holds ciphertext; the worker opens them with the same key.
 * The key comes from PVE_RUNBOOKS_SECRET_KEY (base64, 32 bytes) or a 0600 file in the runbooks
 * home, created on first use, so a lab or a single-machine setup needs no configuration.
 */
export function secretKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.PVE_RUNBOOKS_SECRET_KEY) {
    const key = Buffer.from(env.PVE_RUNBOOKS_SECRET_KEY, 'base64');
    if (key.length !== 32) throw new Error('PVE_RUNBOOKS_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
    return key;
  }
  const file = path.join(runbooksHome(env), 'secret.key');
  if (!fs.existsSync(file)) {
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return secretKey({ ...env, PVE_RUNBOOKS_SECRET_KEY: fs.readFileSync(file, 'utf8').trim() });
}

const VERSION = 'v1';

export function seal(value: string, key: Buffer): { sealed: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(value, 'utf8'), c.final()]);
  return { sealed: [VERSION, iv.toString('base64'), c.getAuthTag().toString('base64'), body.toString('base64')].join(':') };
}

export function unseal(sealed: string, key: Buffer): string {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed secret of this version');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  d.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(body, 'base64')), d.final()]).toString('utf8');
}

/** The client's side: what leaves for a workflow carries no clear secret. */
export function sealInline(s: Secret, key: Buffer): SecretRef {
  return 'inline' in s ? seal(s.inline, key) : s;
}

/** The worker's side. Failures are permanent: only the operator can provide the secret. */
export function resolveSecret(ref: SecretRef, field: string, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined) {
      throw ApplicationFailure.nonRetryable(`${field}: environment variable ${ref.env} is not set on the worker. Set it in the worker's environment.`, 'SecretUnavailable');
    }
    return v;
  }
  if ('file' in ref) {
    try {
      return fs.readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`${field}: cannot read secret file ${ref.file} on the worker (${(err as NodeJS.ErrnoException).code}).`, 'SecretUnavailable');
    }
  }
  try {
    return unseal(ref.sealed, secretKey(env));
  } catch {
    throw ApplicationFailure.nonRetryable(
      `${field}: the sealed secret cannot be opened with this worker's key. Give the client and the worker the same PVE_RUNBOOKS_SECRET_KEY (or the same ${'$'}PVE_RUNBOOKS_HOME/secret.key).`,
      'SecretUnavailable',
    );
  }
}
