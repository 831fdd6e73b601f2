import type { IFileSystem } from 'just-bash';
import type { AuthContext } from 'ssh2';
import { join } from '../fs/paths';
import { parseAuthorizedKeys, type AuthorizedKey } from './authorizedKeys';
import { readSshdConfig, type SshdSettings } from './sshdConfig';

/** The only account a node lets in. */
const ROOT = { user: 'root', home: '/root' };

export interface AuthSubject {
  fs: IFileSystem;
  rootPassword: string;
}

export type AuthMethod = 'publickey' | 'password';

export interface AuthDecision {
  accept: boolean;
  /** Methods to offer again after a rejection. */
  methods: AuthMethod[];
  settings: SshdSettings;
}

/**
 * Decides one authentication attempt from the node's own sshd_config and authorized_keys files,
 * read afresh through the node's filesystem (so a symlinked authorized_keys is followed).
 */
export async function decideAuth(subject: AuthSubject, ctx: AuthContext): Promise<AuthDecision> {
  const { settings } = await readSshdConfig(subject.fs);
  const methods: AuthMethod[] = [];
  if (settings.pubkeyAuthentication) methods.push('publickey');
  if (settings.passwordAuthentication) methods.push('password');
  const decision = (accept: boolean): AuthDecision => ({ accept, methods, settings });
  if (ctx.username !== ROOT.user || settings.permitRootLogin === 'no') return decision(false);

  if (ctx.method === 'password') {
    return decision(settings.passwordAuthentication && settings.permitRootLogin === 'yes' && ctx.password === subject.rootPassword);
  }
  if (ctx.method === 'publickey') {
    if (!settings.pubkeyAuthentication) return decision(false);
    const entry = (await authorizedKeys(subject.fs, settings)).find((k) => k.key.getPublicSSH().equals(ctx.key.data));
    if (!entry) return decision(false);
    if (settings.permitRootLogin === 'forced-commands-only' && !/(^|,)command="/i.test(entry.options)) return decision(false);
    // Without a signature the client only asks whether this key would do; with one, it must prove possession.
    if (!ctx.signature || !ctx.blob) return decision(true);
    return decision(entry.key.verify(ctx.blob, ctx.signature, ctx.hashAlgo));
  }
  return decision(false);
}

/**
 * What the node's sshd answers a root login offering `publicKey` (a key the client holds): the
 * same files and settings as for a connection from outside, used by the nodes' own ssh clients.
 */
export async function acceptsPublicKey(subject: AuthSubject, publicKey: Buffer): Promise<AuthDecision> {
  const { settings } = await readSshdConfig(subject.fs);
  const methods: AuthMethod[] = [];
  if (settings.pubkeyAuthentication) methods.push('publickey');
  if (settings.passwordAuthentication) methods.push('password');
  const decision = (accept: boolean): AuthDecision => ({ accept, methods, settings });
  if (settings.permitRootLogin === 'no' || !settings.pubkeyAuthentication) return decision(false);
  const entry = (await authorizedKeys(subject.fs, settings)).find((k) => k.key.getPublicSSH().equals(publicKey));
  if (!entry) return decision(false);
  if (settings.permitRootLogin === 'forced-commands-only' && !/(^|,)command="/i.test(entry.options)) return decision(false);
  return decision(true);
}

/** Keys from every AuthorizedKeysFile, skipping files StrictModes would refuse. */
async function authorizedKeys(fs: IFileSystem, settings: SshdSettings): Promise<AuthorizedKey[]> {
  const keys: AuthorizedKey[] = [];
  for (const pattern of settings.authorizedKeysFiles) {
    if (pattern === 'none') continue;
    const expanded = pattern.replace(/%([%hu])/g, (_, t: string) => (t === 'h' ? ROOT.home : t === 'u' ? ROOT.user : '%'));
    const path = expanded.startsWith('/') ? expanded : join(ROOT.home, expanded);
    const text = await fs.readFile(path).catch(() => undefined);
    if (text === undefined) continue;
    if (settings.strictModes && !(await safeModes(fs, path))) continue;
    keys.push(...parseAuthorizedKeys(text));
  }
  return keys;
}

/** OpenSSH refuses key files that others could write to, and key files in such directories. */
async function safeModes(fs: IFileSystem, path: string): Promise<boolean> {
  const real = await fs.realpath(path);
  const file = await fs.stat(real);
  const dir = await fs.stat(real.slice(0, real.lastIndexOf('/')) || '/');
  return (file.mode & 0o022) === 0 && (dir.mode & 0o022) === 0;
}
