import { createHash, createPublicKey } from 'node:crypto';
import { type ParsedKey } from 'ssh2';

export { parseKey, generateKeyPair, type KeySpec } from '../../activities/ssh/keygen';

/** `SHA256:…` as ssh-keygen -l and ssh print it. */
export function fingerprint(key: ParsedKey): string {
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

/** Key size as ssh-keygen reports it. */
export function keyBits(key: ParsedKey): number {
  if (key.type === 'ssh-ed25519') return 256;
  const curve = /^ecdsa-sha2-nistp(\d+)$/.exec(key.type);
  if (curve) return Number(curve[1]);
  return createPublicKey(key.getPublicPEM()).asymmetricKeyDetails?.modulusLength ?? 0;
}

/** The type name ssh-keygen shows in parentheses and in randomart titles. */
export function keyLabel(key: ParsedKey): string {
  if (key.type === 'ssh-ed25519') return 'ED25519';
  if (key.type.startsWith('ecdsa-')) return 'ECDSA';
  if (key.type === 'ssh-rsa') return 'RSA';
  return key.type.toUpperCase();
}

/** An authorized_keys / .pub line for the key. */
export function publicLine(key: ParsedKey, comment: string): string {
  return `${key.type} ${key.getPublicSSH().toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** OpenSSH's "drunken bishop" picture of the SHA256 fingerprint (sshkey_fingerprint_randomart). */
export function randomart(key: ParsedKey): string {
  const symbols = ' .o+=*BOX@%&#/^SE';
  const width = 17;
  const height = 9;
  const field = Array.from({ length: width }, () => new Array<number>(height).fill(0));
  let x = Math.floor(width / 2);
  let y = Math.floor(height / 2);
  for (let byte of createHash('sha256').update(key.getPublicSSH()).digest()) {
    for (let step = 0; step < 4; step++) {
      x = Math.min(Math.max(x + (byte & 1 ? 1 : -1), 0), width - 1);
      y = Math.min(Math.max(y + (byte & 2 ? 1 : -1), 0), height - 1);
      const column = field[x] as number[];
      if ((column[y] as number) < symbols.length - 3) column[y] = (column[y] as number) + 1;
      byte >>= 2;
    }
  }
  (field[Math.floor(width / 2)] as number[])[Math.floor(height / 2)] = symbols.length - 2;
  (field[x] as number[])[y] = symbols.length - 1;

  const border = (label: string) => {
    const left = Math.floor((width - label.length) / 2);
    return `+${'-'.repeat(left)}${label}${'-'.repeat(width - left - label.length)}+`;
  };
  const rows = [];
  for (let row = 0; row < height; row++)
    rows.push(`|${field.map((column) => symbols[Math.min(column[row] as number, symbols.length - 1)]).join('')}|`);
  return [border(`[${keyLabel(key)} ${keyBits(key)}]`), ...rows, border('[SHA256]')].join('\n');
}
