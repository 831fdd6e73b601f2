import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { seal, unseal, resolveSecret, secretKey, sealInline } from '../../activities/secrets';

describe('secrets', () => {
  const key = randomBytes(32);

  test('sealed text carries no clear value and opens with the same key only', () => {
    const s = seal('hunter2-root-password', key);
    assert.ok('sealed' in s);
    assert.ok(!s.sealed.includes('hunter2'));
    assert.equal(unseal(s.sealed, key), 'hunter2-root-password');
    assert.throws(() => unseal(s.sealed, randomBytes(32)));
    assert.notEqual(seal('x', key).sealed, seal('x', key).sealed, 'a fresh IV every time');
  });

  test('sealInline seals inline values and leaves references alone', () => {
    assert.ok('sealed' in sealInline({ inline: 'pw' }, key));
    assert.deepEqual(sealInline({ env: 'PW' }, key), { env: 'PW' });
    assert.deepEqual(sealInline({ file: '/x' }, key), { file: '/x' });
  });

  test('the worker resolves env, file and sealed references; failures are permanent and name the field', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-home-'));
    const env = { PVE_RUNBOOKS_HOME: home, ROOT_PW: 's3cret' } as NodeJS.ProcessEnv;
    assert.equal(resolveSecret({ env: 'ROOT_PW' }, 'pve1.password', env), 's3cret');
    const f = path.join(home, 'pw');
    fs.writeFileSync(f, 'from-file\n');
    assert.equal(resolveSecret({ file: f }, 'pve1.password', env), 'from-file');
    const k = secretKey(env);
    assert.equal(fs.statSync(path.join(home, 'secret.key')).mode & 0o777, 0o600);
    assert.deepEqual(secretKey(env), k, 'the generated key is reused');
    assert.equal(resolveSecret(seal('inline-pw', k), 'pve1.password', env), 'inline-pw');
    assert.throws(() => resolveSecret({ env: 'MISSING_PW' }, 'pve2.password', env), (e: Error & { nonRetryable?: boolean }) => {
      assert.match(e.message, /pve2\.password: environment variable MISSING_PW is not set/);
      assert.equal(e.nonRetryable, true);
      return true;
    });
    assert.throws(() => resolveSecret({ file: '/nonexistent/pw' }, 'pve3.password', env), /pve3\.password: cannot read secret file/);
    assert.throws(() => resolveSecret(seal('x', randomBytes(32)), 'pve1.password', env), /cannot be opened with this worker's key/);
  });

  test('a malformed PVE_RUNBOOKS_SECRET_KEY is refused with the fix', () => {
    assert.throws(() => secretKey({ PVE_RUNBOOKS_SECRET_KEY: 'c2hvcnQ=' }), /32 bytes, base64-encoded/);
  });
});
