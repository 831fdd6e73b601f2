/** Components of an absolute or relative path, empty and `.` parts dropped; `..` kept for the resolver. */
export function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

/** Lexical normalisation, the way the shell joins paths before the filesystem sees them. */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const part of components(path)) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

export function join(...parts: string[]): string {
  return normalize(parts.join('/'));
}

export function dirname(path: string): string {
  const p = normalize(path);
  return p === '/' ? '/' : p.slice(0, p.lastIndexOf('/')) || '/';
}

export function basename(path: string): string {
  const p = normalize(path);
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Whether `path` is `prefix` or lies under it (both normalised). */
export function within(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}
