import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

/**
 * The controller's own state (its SSH key pair, pinned host keys, the secret-sealing key) lives in
 * one folder so a lab can keep its throwaway trust apart from a real deployment's.
 */
export function runbooksHome(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.PVE_RUNBOOKS_HOME ? path.resolve(env.PVE_RUNBOOKS_HOME) : path.join(os.homedir(), '.pve-runbooks');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
