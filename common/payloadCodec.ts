// Payload encryption for everything Temporal stores: workflow and activity inputs and results,
// signals, queries, updates, failure details, memos, user metadata (summaries), and — through
// the failure converter of `encodedFailureConverter.ts` — error messages and stack traces.
// AES-256-GCM with a key from the environment, in the layout of Temporal's `encryption` sample
// (metadata `encoding: binary/encrypted` and `encryption-key-id`, data iv | ciphertext | tag of
// the protobuf-serialized original Payload), so the Web UI can show it through a codec server.
//
// Node-only (node:crypto): never import this module from workflows/.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError } from '@temporalio/common';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const PAYLOAD_KEY_ENV = 'PVE_RUNBOOKS_PAYLOAD_KEY';
export const PAYLOAD_KEY_ID_ENV = 'PVE_RUNBOOKS_PAYLOAD_KEY_ID';
/** Earlier keys, still accepted for decoding after a rotation: comma-separated `ID:BASE64` (or `BASE64`, id derived). */
export const PAYLOAD_PREVIOUS_KEYS_ENV = 'PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAKE_ONE = 'make one with `openssl rand -base64 32`';

export interface PayloadKey {
  /** Stored in every encrypted payload's metadata, so a payload names the key that opens it. */
  id: string;
  key: Buffer;
}

/** A wrong or missing payload key, or a payload that cannot be opened: always says which key and what to do. */
export class PayloadKeyError extends ValueError {}

/** The default key id: the first 8 hex digits of the key's SHA-256 (tells keys apart, reveals nothing usable). */
export function defaultKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** A key from its base64 text; `what` names where it came from in the error. */
export function parsePayloadKey(base64: string, id?: string, what = PAYLOAD_KEY_ENV): PayloadKey {
  const text = base64.trim();
  const key = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!key || key.length !== KEY_BYTES) {
    const got = key ? `${key.length} bytes` : 'not base64';
    throw new PayloadKeyError(`${what} must be the base64 of ${KEY_BYTES} random bytes (got ${got}): ${MAKE_ONE}.`);
  }
  if (id !== undefined && !KEY_ID.test(id)) {
    throw new PayloadKeyError(`${PAYLOAD_KEY_ID_ENV} must be 1 to 64 letters, digits, dots, dashes or underscores (got ${JSON.stringify(id)}); unset it to use one derived from the key.`);
  }
  return { id: id ?? defaultKeyId(key), key };
}

/**
 * The payload keys of this process, the active one first: PVE_RUNBOOKS_PAYLOAD_KEY (with
 * PVE_RUNBOOKS_PAYLOAD_KEY_ID) then PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS. None when the key is unset
 * or empty: then payloads are not encrypted, as before this codec existed.
 */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadKey[] | undefined {
  const b64 = env[PAYLOAD_KEY_ENV]?.trim();
  if (!b64) {
    if (env[PAYLOAD_KEY_ID_ENV] || env[PAYLOAD_PREVIOUS_KEYS_ENV]) {
      throw new PayloadKeyError(`${PAYLOAD_KEY_ID_ENV} or ${PAYLOAD_PREVIOUS_KEYS_ENV} is set but ${PAYLOAD_KEY_ENV} is not: set the key (${MAKE_ONE}) or unset them.`);
    }
    return undefined;
  }
  const keys = [parsePayloadKey(b64, env[PAYLOAD_KEY_ID_ENV]?.trim() || undefined)];
  const previous = (env[PAYLOAD_PREVIOUS_KEYS_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  previous.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? undefined : entry.slice(0, colon);
    keys.push(parsePayloadKey(colon < 0 ? entry : entry.slice(colon + 1), id, `${PAYLOAD_PREVIOUS_KEYS_ENV} entry ${i + 1}`));
  });
  const ids = keys.map((k) => k.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new PayloadKeyError(`two payload keys have the id ${dup}: give each key of ${PAYLOAD_KEY_ENV} and ${PAYLOAD_PREVIOUS_KEYS_ENV} its own id.`);
  return keys;
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/**
 * AES-256-GCM payload codec. encode: every payload becomes one `binary/encrypted` payload under
 * the active key. decode: `binary/encrypted` payloads are opened with the key their metadata
 * names; any other payload passes through, so plain histories recorded before encryption was
 * turned on still replay and read.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  readonly keyId: string;

  constructor(keys: PayloadKey[]) {
    if (!keys.length) throw new PayloadKeyError(`a payload codec needs a key: set ${PAYLOAD_KEY_ENV} (${MAKE_ONE}).`);
    for (const k of keys) if (k.key.length !== KEY_BYTES) throw new PayloadKeyError(`payload key ${k.id} is ${k.key.length} bytes, not ${KEY_BYTES}: ${MAKE_ONE}.`);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.keyId = keys[0]!.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.encodeOne(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.decodeOne(p));
  }

  encodeOne(payload: Payload): Payload {
    const key = this.keys.get(this.keyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const clear = temporal.api.common.v1.Payload.encode(payload).finish();
    const body = Buffer.concat([iv, cipher.update(clear), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [METADATA_KEY_ID]: utf8(this.keyId) },
      data: new Uint8Array(body),
    };
  }

  decodeOne(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(payload.metadata?.[METADATA_KEY_ID]);
    if (!keyId) throw new PayloadKeyError(`an encrypted payload has no ${METADATA_KEY_ID} in its metadata: it was not made by this codec.`);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new PayloadKeyError(
        `a payload is encrypted with key id ${keyId}, which this process does not have (its ${PAYLOAD_KEY_ENV} has id ${this.keyId}${this.keys.size > 1 ? `, earlier keys ${[...this.keys.keys()].slice(1).join(', ')}` : ''}). ` +
          `Give every client, worker and codec server the same ${PAYLOAD_KEY_ENV}; after a rotation, keep the old key in ${PAYLOAD_PREVIOUS_KEYS_ENV} as ${keyId}:BASE64.`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadKeyError(`an encrypted payload (key id ${keyId}) is ${data.length} bytes, too short to be iv | ciphertext | tag.`);
    let clear: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      clear = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadKeyError(
        `an encrypted payload does not authenticate with key id ${keyId}: it was altered, or encrypted with another key under the same id. Check that ${PAYLOAD_KEY_ENV} is the key that encrypted it.`,
      );
    }
    const decoded = temporal.api.common.v1.Payload.decode(clear);
    return { metadata: decoded.metadata, data: decoded.data, ...(decoded.externalPayloads?.length ? { externalPayloads: decoded.externalPayloads } : {}) };
  }
}

/** The codec of this process's environment, or undefined when PVE_RUNBOOKS_PAYLOAD_KEY is unset. */
export function payloadCodecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmPayloadCodec | undefined {
  const keys = payloadKeysFromEnv(env);
  return keys ? new AesGcmPayloadCodec(keys) : undefined;
}

/** Compiled path of the failure converter that moves error messages and stack traces into an (encrypted) payload. */
export const encodedFailureConverterPath = require.resolve('./encodedFailureConverter');

/**
 * The data converter every client and worker of this project uses: undefined (the SDK's default,
 * nothing encrypted) without a payload key; with one, the AES-GCM codec and a failure converter
 * that puts error messages and stack traces into an encrypted payload too. Workers also need the
 * same failure converter in their workflow bundle (worker/worker.ts bundleWorkflows does it).
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = payloadCodecFromEnv(env);
  return codec ? { payloadCodecs: [codec], failureConverterPath: encodedFailureConverterPath } : undefined;
}
