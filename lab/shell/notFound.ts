import { strerror, type FsErrorCode } from '../fs/errors';

/**
 * just-bash reports a missing python3, sqlite3, yq or xan as "not available in browser
 * environments"; a PVE node says what bash says for any missing program.
 */
export function bashNotFound(stderr: string): string {
  return stderr.replace(
    /^bash: (\S+): command not available in browser environments\. Exclude '\1' from your commands or use the Node\.js bundle\.$/gm,
    'bash: $1: command not found',
  );
}

/**
 * just-bash's coreutils word filesystem errors as Node does (`touch: cannot touch '/etc/pve/x':
 * EACCES: permission denied, open '/etc/pve/x'`); coreutils says glibc's strerror text.
 */
export function coreutilsErrors(stderr: string): string {
  return stderr.replace(/\b(E[A-Z]+): [a-z -]+, [a-z]+ '[^'\n]*'/g, (whole, code: string) => {
    const text = errnoText(code);
    return text ?? whole;
  });
}

function errnoText(code: string): string | undefined {
  try {
    const text = strerror(code as FsErrorCode);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}
