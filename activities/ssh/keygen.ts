import { utils, type ParsedKey } from 'ssh2';

/** The key in an OpenSSH public or private key text, or undefined when ssh2 cannot read it. */
export function parseKey(text: string | Buffer): ParsedKey | undefined {
  const parsed = utils.parseKey(text) as ParsedKey | ParsedKey[] | Error;
  if (parsed instanceof Error) return undefined;
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

export interface KeySpec {
  type: 'ed25519' | 'rsa' | 'ecdsa';
  /** RSA modulus or ECDSA curve size; defaults as ssh-keygen's (3072, 256). */
  bits?: number;
  comment: string;
  /** Encrypts the private key (aes256-ctr, bcrypt KDF) when non-empty. */
  passphrase?: string;
}

/**
 * A new key pair in OpenSSH formats. ssh2 1.17 drops the leading zero byte of an ed25519 public
 * key (about one key in 256), producing keys nothing can parse; such pairs are drawn again.
 */
export function generateKeyPair(spec: KeySpec): { private: string; public: string } {
  const { comment, passphrase } = spec;
  const secret = passphrase ? { passphrase, cipher: 'aes256-ctr', rounds: 16 } : {};
  for (;;) {
    const pair =
      spec.type === 'rsa'
        ? utils.generateKeyPairSync('rsa', { bits: spec.bits ?? 3072, comment, ...secret })
        : spec.type === 'ecdsa'
          ? utils.generateKeyPairSync('ecdsa', { bits: (spec.bits ?? 256) as 256 | 384 | 521, comment, ...secret })
          : utils.generateKeyPairSync('ed25519', { comment, ...secret });
    const pub = parseKey(pair.public);
    const priv = utils.parseKey(pair.private, passphrase) as ParsedKey | ParsedKey[] | Error;
    const privKey = Array.isArray(priv) ? priv[0] : priv;
    if (pub && privKey && !(privKey instanceof Error) && pub.getPublicSSH().equals(privKey.getPublicSSH())) return pair;
  }
}

