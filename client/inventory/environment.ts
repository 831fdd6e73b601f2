import * as fs from 'node:fs';
import type { Dialect } from './dialect';
import type { Finding } from './problem';
import { resolveUserPath } from './paths';
import { readSecret } from './secret-syntax';
import { draftNodes, textAt } from './values';

export interface EnvironmentChecks {
  /** Secret files and private keys exist and can be read. */
  checkFiles: boolean;
  /** Environment variables named by secrets are set. */
  checkEnv: boolean;
  env: NodeJS.ProcessEnv;
  baseDir: string;
  home: string;
}

/**
 * What the file points at outside itself. These checks run where the command runs; the worker
 * resolves the same references at run time, so a failure here is a failure there.
 */
export function checkEnvironment(draft: unknown, d: Dialect, o: EnvironmentChecks): Finding[] {
  return draftNodes(draft).flatMap(({ index, node }) => {
    const out: Finding[] = [];
    const at = (key: string, message: string, fix: string) => out.push({ ...d.locate(['nodes', index, key]), message, fix });
    const reading = node.password === undefined ? undefined : readSecret(node.password, d.format);
    const secret = reading && 'secret' in reading ? reading.secret : undefined;
    if (secret && 'env' in secret && o.checkEnv) {
      const value = o.env[secret.env];
      if (value === undefined) {
        at('password', `environment variable ${secret.env} is not set`, `export ${secret.env}=... in the environment that runs pve-runbooks (the worker reads it too, when the runbook runs)`);
      } else if (value === '') at('password', `environment variable ${secret.env} is set but empty`, `give ${secret.env} the password as its value`);
    }
    if (secret && 'file' in secret && o.checkFiles) {
      const problem = fileProblem(secret.file, o);
      if (problem) at('password', `password file ${problem}`, 'create it with the password on one line (chmod 600), or correct the path');
    }
    const key = textAt(node, 'privateKeyFile');
    if (key !== undefined && key !== '' && o.checkFiles) {
      const problem = fileProblem(key, o) ?? publicKeyProblem(resolveUserPath(key, o.baseDir, o.home));
      if (problem) at('privateKeyFile', `private key file ${problem}`, 'point it at the private key the worker logs in with, e.g. ~/.ssh/id_ed25519 (ssh-keygen -t ed25519 makes one)');
    }
    return out;
  });
}

function fileProblem(written: string, o: EnvironmentChecks): string | undefined {
  const full = resolveUserPath(written, o.baseDir, o.home);
  const shown = full === written ? full : `${full} (written as ${written})`;
  try {
    if (!fs.statSync(full).isFile()) return `${shown} is not a regular file`;
    fs.accessSync(full, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${shown} does not exist`;
    if (code === 'EACCES') return `${shown} cannot be read (permission denied)`;
    return `${shown} cannot be read (${code ?? (err as Error).message})`;
  }
}

/** Giving the `.pub` half is the classic slip: it exists, so only its content tells. */
function publicKeyProblem(full: string): string | undefined {
  const fd = fs.openSync(full, 'r');
  const buf = Buffer.alloc(64);
  let head: string;
  try {
    head = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0));
  } finally {
    fs.closeSync(fd);
  }
  return /^(ssh-|ecdsa-|sk-)/.test(head) ? `${full} holds a public key; the worker needs the private half (the same name without .pub)` : undefined;
}
