import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utils } from 'ssh2';
import { generateKeyPair } from '../../activities/ssh/keygen';
import { KnownHosts, fingerprint, keyType } from '../../activities/ssh/knownHosts';

function hostKeyBlob(): Buffer {
  const pair = generateKeyPair({ type: 'ed25519', comment: 'test' });
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error) throw parsed;
  return parsed.getPublicSSH();
}

test('trust on first use, then pinned; a changed key is refused with what to do', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-kh-')), 'known_hosts');
  const kh = new KnownHosts(file);
  const e = { name: 'pve1', user: 'root', host: '127.0.0.1', port: 2201 };
  const a = hostKeyBlob();
  const b = hostKeyBlob();
  assert.equal(keyType(a), 'ssh-ed25519');
  assert.equal(kh.verify(e, a), undefined);
  assert.match(fs.readFileSync(file, 'utf8'), /^\[127\.0\.0\.1\]:2201 ssh-ed25519 AAAA/);
  assert.equal(kh.verify(e, a), undefined, 'known key accepted');
  assert.equal(new KnownHosts(file).verify(e, a), undefined, 'persisted across instances');
  const err = kh.verify(e, b) as Error & { nonRetryable?: boolean; type?: string };
  assert.ok(err);
  assert.equal(err.nonRetryable, true);
  assert.equal(err.type, 'SshHostKeyChanged');
  assert.ok(err.message.includes(fingerprint(a)) && err.message.includes(fingerprint(b)));
  assert.match(err.message, /remove its line from that file/);
  assert.equal(kh.verify({ ...e, port: 2202 }, b), undefined, 'another port is another host');
});
