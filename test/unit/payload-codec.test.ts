import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, defaultPayloadConverter, DefaultFailureConverter, ApplicationFailure } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  METADATA_KEY_ID,
  PayloadKeyError,
  dataConverterFromEnv,
  defaultKeyId,
  parsePayloadKey,
  payloadCodecFromEnv,
  payloadKeysFromEnv,
} from '../../common/payloadCodec';
import { failureConverter } from '../../common/encodedFailureConverter';
import { CodecServer, defaultOrigins, requireCodec, startCodecServer } from '../../client/codecServer';
import { UserError } from '../../client/errors';

const newKey = () => randomBytes(32).toString('base64');
const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const inventory = { cluster: { name: 'prod' }, nodes: [{ name: 'pve-secret-node', host: '192.0.2.77' }] };

describe('AES-GCM payload codec', () => {
  const key = newKey();
  const codec = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key })!;

  test('round trip: what is encoded decodes to the same payload, metadata included', async () => {
    const plain = [defaultPayloadConverter.toPayload(inventory), defaultPayloadConverter.toPayload(undefined), defaultPayloadConverter.toPayload(new Uint8Array([0, 1, 2, 255]))];
    const encoded = await codec.encode(plain);
    assert.equal(encoded.length, plain.length);
    const decoded = await codec.decode(encoded);
    assert.deepEqual(decoded.map((p) => defaultPayloadConverter.fromPayload(p)), [inventory, undefined, new Uint8Array([0, 1, 2, 255])]);
    for (let i = 0; i < plain.length; i++) {
      assert.deepEqual(Object.keys(decoded[i]!.metadata!).sort(), Object.keys(plain[i]!.metadata!).sort());
      for (const k of Object.keys(plain[i]!.metadata!)) assert.equal(str(decoded[i]!.metadata![k]), str(plain[i]!.metadata![k]));
      assert.equal(str(decoded[i]!.data), str(plain[i]!.data));
    }
  });

  test('metadata shape: binary/encrypted, the key id, data = iv(12) | ciphertext | tag(16), nothing readable', async () => {
    const plain = defaultPayloadConverter.toPayload(inventory);
    const [enc] = await codec.encode([plain]);
    assert.deepEqual(Object.keys(enc!.metadata!).sort(), [METADATA_KEY_ID, METADATA_ENCODING_KEY].sort());
    assert.equal(str(enc!.metadata![METADATA_ENCODING_KEY]), ENCRYPTED_ENCODING);
    assert.equal(str(enc!.metadata![METADATA_KEY_ID]), defaultKeyId(Buffer.from(key, 'base64')));
    assert.match(codec.keyId, /^[0-9a-f]{8}$/);
    // The serialized Payload (JSON data + "encoding: json/plain" metadata) plus 12 + 16 bytes.
    assert.ok(enc!.data!.length >= plain.data!.length + 28, `${enc!.data!.length} bytes`);
    const raw = Buffer.from(enc!.data!);
    for (const clear of ['pve-secret-node', '192.0.2.77', 'json/plain']) {
      assert.ok(!raw.includes(clear) && !raw.toString('base64').includes(Buffer.from(clear).toString('base64').slice(0, 12)), `${clear} readable`);
    }
    const [again] = await codec.encode([plain]);
    assert.notDeepEqual(Buffer.from(again!.data!).subarray(0, 12), raw.subarray(0, 12), 'a fresh iv every time');
  });

  test('an explicit key id is stored as is', async () => {
    const c = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key, PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'prod-2025-01' })!;
    const [enc] = await c.encode([defaultPayloadConverter.toPayload('x')]);
    assert.equal(str(enc!.metadata![METADATA_KEY_ID]), 'prod-2025-01');
    // Same key, other id: the id is what selects the key, so the default-id codec does not know it.
    await assert.rejects(codec.decode([enc!]), /key id prod-2025-01/);
  });

  test('tampering with the ciphertext, the iv or the tag fails authentication', async () => {
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload(inventory)]);
    for (const at of [0, 20, enc!.data!.length - 1]) {
      const data = Buffer.from(enc!.data!);
      data[at] ^= 0x01;
      await assert.rejects(codec.decode([{ ...enc!, data }]), (err: Error) => {
        assert.ok(err instanceof PayloadKeyError);
        assert.match(err.message, /does not authenticate with key id [0-9a-f]{8}: it was altered/);
        return true;
      });
    }
    await assert.rejects(codec.decode([{ ...enc!, data: Buffer.from(enc!.data!).subarray(0, 20) }]), /too short/);
  });

  test('another key under the same id fails authentication; a key id it does not have is a clear error', async () => {
    const other = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: newKey(), PVE_RUNBOOKS_PAYLOAD_KEY_ID: codec.keyId })!;
    const [enc] = await other.encode([defaultPayloadConverter.toPayload('x')]);
    await assert.rejects(codec.decode([enc!]), /does not authenticate/);

    const stranger = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: newKey(), PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'old-key' })!;
    const [foreign] = await stranger.encode([defaultPayloadConverter.toPayload('x')]);
    await assert.rejects(codec.decode([foreign!]), (err: Error) => {
      assert.ok(err instanceof PayloadKeyError);
      assert.match(err.message, /encrypted with key id old-key, which this process does not have \(its PVE_RUNBOOKS_PAYLOAD_KEY has id [0-9a-f]{8}\)/);
      assert.match(err.message, /PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS as old-key:BASE64/);
      return true;
    });
    const noId = { metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING) }, data: foreign!.data };
    await assert.rejects(codec.decode([noId]), /no encryption-key-id/);
  });

  test('rotation: a previous key still decodes, new payloads use the active key', async () => {
    const oldKey = newKey();
    const old = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: oldKey, PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'k1' })!;
    const [before] = await old.encode([defaultPayloadConverter.toPayload('before rotation')]);
    const rotated = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: newKey(), PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'k2', PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS: `k1:${oldKey}` })!;
    assert.equal(defaultPayloadConverter.fromPayload((await rotated.decode([before!]))[0]!), 'before rotation');
    const [after] = await rotated.encode([defaultPayloadConverter.toPayload('after')]);
    assert.equal(str(after!.metadata![METADATA_KEY_ID]), 'k2');
  });

  test('payloads that are not binary/encrypted pass through untouched (plain histories still read)', async () => {
    const plain: Payload[] = [defaultPayloadConverter.toPayload(inventory), { metadata: { [METADATA_ENCODING_KEY]: Buffer.from('binary/null') } }, {}];
    const decoded = await codec.decode(plain);
    for (let i = 0; i < plain.length; i++) assert.equal(decoded[i], plain[i]);
  });

  test('the key: unset means no codec; a bad one names the variable and the fix', () => {
    assert.equal(payloadCodecFromEnv({}), undefined);
    assert.equal(payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: '' }), undefined);
    assert.equal(dataConverterFromEnv({}), undefined);
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!!']) {
      assert.throws(() => payloadKeysFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: bad }), (err: Error) => {
        assert.ok(err instanceof PayloadKeyError, String(err));
        assert.match(err.message, /^PVE_RUNBOOKS_PAYLOAD_KEY must be the base64 of 32 random bytes \(got .*\): make one with `openssl rand -base64 32`\.$/);
        return true;
      });
    }
    assert.throws(() => payloadKeysFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: newKey(), PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'with space' }), /PVE_RUNBOOKS_PAYLOAD_KEY_ID must be/);
    assert.throws(() => payloadKeysFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY_ID: 'k1' }), /PVE_RUNBOOKS_PAYLOAD_KEY is not/);
    assert.throws(() => payloadKeysFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key, PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS: key }), /two payload keys have the id/);
    assert.throws(() => payloadKeysFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key, PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS: 'k0:abc' }), /PVE_RUNBOOKS_PAYLOAD_PREVIOUS_KEYS entry 1 must be the base64/);
    assert.throws(() => new AesGcmPayloadCodec([]), /needs a key/);
    assert.equal(parsePayloadKey(` ${key}\n`).key.length, 32, 'surrounding whitespace (a key file read with $(cat ...)) is fine');
  });

  test('with a key, the data converter carries the codec and the failure converter that hides error texts', () => {
    const dc = dataConverterFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key })!;
    assert.ok(dc.payloadCodecs?.[0] instanceof AesGcmPayloadCodec);
    assert.match(dc.failureConverterPath ?? '', /encodedFailureConverter\.js$/);
    assert.ok(failureConverter instanceof DefaultFailureConverter);
    const f = failureConverter.errorToFailure(ApplicationFailure.nonRetryable('ssh to pve-secret-node refused'), defaultPayloadConverter);
    assert.equal(f.message, 'Encoded failure');
    assert.equal(f.stackTrace, '');
    assert.match(str(f.encodedAttributes?.data), /pve-secret-node/, 'the text moved into a payload, which the codec encrypts');
  });
});

describe('codec server (HTTP, Temporal remote codec protocol)', () => {
  const key = newKey();
  const codec = payloadCodecFromEnv({ PVE_RUNBOOKS_PAYLOAD_KEY: key })!;
  const ui = 'http://127.0.0.1:8233';
  let server: CodecServer;
  before(async () => {
    server = await startCodecServer({ codec, port: 0, host: '127.0.0.1', origins: defaultOrigins(ui) });
  });
  after(async () => {
    await server?.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const toJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  });

  test('POST /encode then /decode round-trips JSON payloads; /decode reads what the codec encoded', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload(inventory));
    const enc = await post('/encode', JSON.stringify({ payloads: [plain] }));
    assert.equal(enc.status, 200);
    const { payloads: encrypted } = (await enc.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(Buffer.from(encrypted[0]!.metadata['encoding']!, 'base64').toString(), 'binary/encrypted');
    const dec = await post('/default/decode', JSON.stringify({ payloads: encrypted }), { 'x-namespace': 'default' });
    assert.equal(dec.status, 200);
    const { payloads } = (await dec.json()) as { payloads: { data: string }[] };
    assert.deepEqual(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString()), inventory);

    const [direct] = await codec.encode([defaultPayloadConverter.toPayload('from a worker')]);
    const r = await post('/decode', JSON.stringify({ payloads: [toJson(direct!)] }));
    const body = (await r.json()) as { payloads: { data: string }[] };
    assert.equal(Buffer.from(body.payloads[0]!.data, 'base64').toString(), '"from a worker"');
  });

  test("CORS: the Web UI's origin (and its localhost twin) is allowed, with an OPTIONS preflight; another origin is refused", async () => {
    for (const origin of ['http://127.0.0.1:8233', 'http://localhost:8233']) {
      const pre = await fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), origin);
      assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
      const r = await post('/decode', JSON.stringify({ payloads: [] }), { origin });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
    }
    const evil = await post('/decode', JSON.stringify({ payloads: [] }), { origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.match(((await evil.json()) as { error: string }).error, /origin http:\/\/evil\.example is not allowed; start the codec server with --origin/);
  });

  test('4xx with a message: bad JSON, a wrong shape, bad base64, an undecodable payload, a wrong path or method', async () => {
    const cases: [Promise<Response>, number, RegExp][] = [
      [post('/decode', '{not json'), 400, /the body is not JSON/],
      [post('/decode', JSON.stringify({ nope: [] })), 400, /must be \{"payloads": \[\.\.\.\]\}/],
      [post('/decode', JSON.stringify({ payloads: [{ data: '%%%' }] })), 400, /payloads\[0\]\.data must be a base64 string/],
      [post('/decode', JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('binary/encrypted').toString('base64') }, data: 'AAAA' }] })), 422, /no encryption-key-id/],
      [post('/elsewhere', '{}'), 404, /POST \/encode or \/decode/],
      [fetch(`${server.url}/decode`), 405, /use POST/],
    ];
    for (const [pending, status, message] of cases) {
      const r = await pending;
      assert.equal(r.status, status);
      assert.match(((await r.json()) as { error: string }).error, message);
    }
  });

  test('a body over the limit gets 413', async () => {
    const small = await startCodecServer({ codec, port: 0, host: '127.0.0.1', origins: [], maxBodyBytes: 1024 });
    try {
      const r = await fetch(`${small.url}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [{ data: 'A'.repeat(4096) }] }) });
      assert.equal(r.status, 413);
      assert.match(((await r.json()) as { error: string }).error, /over 1024 bytes/);
    } finally {
      await small.close();
    }
  });

  test('refuses to start without the key, saying what to set', () => {
    assert.throws(() => requireCodec({}), (err: Error) => err instanceof UserError && /needs the payload key: set PVE_RUNBOOKS_PAYLOAD_KEY .*openssl rand -base64 32/.test(err.message));
    assert.throws(() => requireCodec({ PVE_RUNBOOKS_PAYLOAD_KEY: 'bad' }), (err: Error) => err instanceof UserError && /PVE_RUNBOOKS_PAYLOAD_KEY must be the base64/.test(err.message));
  });
});
