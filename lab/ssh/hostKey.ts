import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint, generateKeyPair, parseKey, publicLine } from './keys';

export interface HostKey {
  /** OpenSSH private key text, as in /etc/ssh/ssh_host_ed25519_key. */
  private: string;
  /** The .pub line. */
  public: string;
  /** `SHA256:…`, what ssh shows when it first meets the host. */
  fingerprint: string;
  /** Where the private key is kept, so a restarted lab keeps the node's identity. */
  file: string;
}

const FILE = 'ssh_host_ed25519_key';

/** The node's ed25519 host key from `dir`, generated on first use so a restarted lab keeps its identity. */
export function loadOrCreateHostKey(dir: string, comment: string): HostKey {
  const path = join(dir, FILE);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeNewKey(path, comment);
  }
  return readHostKey(path);
}

/** A new key in place of the old one, as reinstalling the node does: a restarted lab keeps the new one. */
export function replaceHostKey(old: HostKey, comment: string): HostKey {
  writeNewKey(old.file, comment);
  return readHostKey(old.file);
}

function writeNewKey(path: string, comment: string): void {
  const pair = generateKeyPair({ type: 'ed25519', comment });
  writeFileSync(path, pair.private, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readHostKey(path: string): HostKey {
  const text = readFileSync(path, 'utf8');
  const key = parseKey(text);
  if (!key?.isPrivateKey()) throw new Error(`${path} is not an OpenSSH private key`);
  const pub = `${publicLine(key, key.comment)}\n`;
  writeFileSync(`${path}.pub`, pub);
  return { private: text, public: pub, fingerprint: fingerprint(key), file: path };
}
