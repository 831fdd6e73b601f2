import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateKeyPair } from './keygen';
import { runbooksHome } from '../home';

export interface ControllerKey {
  privateKey: string;
  /** One authorized_keys line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
}

/**
 * The controller's own identity, the key it installs on every node. Generated once per runbooks
 * home, so every worker sharing that home (or a copy of it) authenticates the same way.
 */
export function loadControllerKey(env: NodeJS.ProcessEnv = process.env): ControllerKey {
  const dir = runbooksHome(env);
  const priv = path.join(dir, 'id_ed25519');
  const pub = `${priv}.pub`;
  if (!fs.existsSync(priv)) {
    const comment = `pve-runbooks@${os.hostname()}`;
    const pair = generateKeyPair({ type: 'ed25519', comment });
    try {
      fs.writeFileSync(priv, pair.private, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(pub, `${pair.public.trim()}\n`, { mode: 0o644 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { privateKey: fs.readFileSync(priv, 'utf8'), publicKey: fs.readFileSync(pub, 'utf8').trim() };
}
