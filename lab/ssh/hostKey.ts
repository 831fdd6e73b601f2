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
}

const FILE = 'ssh_host_ed25519_key';

/** The node's ed25519 host key from `dir`, generated on first use so a restarted lab keeps its identity. */
export function loadOrCreateHostKey(dir: string, comment: string): HostKey {
  const path = join(dir, FILE);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const pair = generateKeyPair({ type: 'ed25519', comment });
    writeFileSync(path, pair.private, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, 'utf8');
  const key = parseKey(text);
  if (!key?.isPrivateKey()) throw new Error(`${path} is not an OpenSSH private key`);
  const pub = `${publicLine(key, key.comment)}\n`;
  writeFileSync(`${path}.pub`, pub);
  return { private: text, public: pub, fingerprint: fingerprint(key) };
}
