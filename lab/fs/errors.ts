const DESCRIPTIONS = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'illegal operation on a directory',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  EROFS: 'read-only file system',
  EBUSY: 'resource busy or locked',
  EXDEV: 'cross-device link not permitted',
  EIO: 'input/output error',
  EINVAL: 'invalid argument',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTCONN: 'socket is not connected',
} as const;

export type FsErrorCode = keyof typeof DESCRIPTIONS;

/** glibc's strerror text, what bash and coreutils print. */
const STRERROR: Record<FsErrorCode, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Too many levels of symbolic links',
  EROFS: 'Read-only file system',
  EBUSY: 'Device or resource busy',
  EXDEV: 'Invalid cross-device link',
  EIO: 'Input/output error',
  EINVAL: 'Invalid argument',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOTCONN: 'Transport endpoint is not connected',
};

export function strerror(code: FsErrorCode): string {
  return STRERROR[code];
}

export interface FsError extends Error {
  code: FsErrorCode;
}

/**
 * Errors shaped like Node's (`ENOENT: no such file or directory, open '/x'`), because just-bash's
 * commands recognise failures by those message prefixes.
 */
export function fsError(code: FsErrorCode, syscall: string, path: string): FsError {
  return Object.assign(new Error(`${code}: ${DESCRIPTIONS[code]}, ${syscall} '${path}'`), { code });
}

/** The errno code of an error thrown by a backing filesystem, which reports paths relative to its mount. */
export function errorCode(err: unknown): FsErrorCode | undefined {
  const code = (err as { code?: unknown })?.code ?? /^([A-Z]+):/.exec(String((err as Error)?.message))?.[1];
  return typeof code === 'string' && code in DESCRIPTIONS ? (code as FsErrorCode) : undefined;
}
