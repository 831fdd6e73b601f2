/**
 * Remote commands are built from argv and quoted here, never by string concatenation of values.
 * Single quotes are the only POSIX quoting with no special characters inside, so every argument
 * is wrapped in them and embedded single quotes are closed, escaped and reopened.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('a command argument cannot contain a NUL byte');
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** One simple command from its argv. */
export function cmd(...argv: string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quoteArg).join(' ');
}
