import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabState {
  rootPassword: string;
}

/**
 * The lab's persistent settings in STATE/lab.json, so a restarted lab keeps the credentials that
 * inventories and workers already use. A password given by the caller replaces the stored one.
 */
export function loadLabState(stateDir: string, rootPassword?: string): LabState {
  const file = join(stateDir, 'lab.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LabState>) : {};
  const state: LabState = { rootPassword: rootPassword ?? stored.rootPassword ?? randomBytes(12).toString('base64url') };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  return state;
}

export function nodeStateDir(stateDir: string, node: string): string {
  return join(stateDir, 'nodes', node);
}
