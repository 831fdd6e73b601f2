import { quoteArg } from './quote';

/**
 * Remote scripts that print several facts mark each with a `@name` line; one round trip then
 * answers many questions while each answer stays separately parsable.
 */
export function parseSections(stdout: string): Record<string, string> {
  const sections: Record<string, string> = {};
  let current = '';
  for (const line of stdout.split('\n')) {
    const m = /^@([\w-]+)$/.exec(line);
    if (m) {
      current = m[1];
      sections[current] = '';
    } else if (current) {
      sections[current] += (sections[current] ? '\n' : '') + line;
    }
  }
  for (const k of Object.keys(sections)) sections[k] = sections[k].replace(/\s+$/, '');
  return sections;
}

export const section = (name: string, command: string) => `echo @${name}; ${command}`;

/**
 * Appends a line to a file unless it is already there, exactly, and says which happened. The file
 * is appended to through its path (following PVE's symlinks into /etc/pve/priv), never rewritten;
 * a missing final newline is added first so the line never glues onto the last one.
 */
export function appendLineOnce(file: string, line: string, mode = '600'): string {
  const f = file.startsWith('$HOME/') ? `"${file}"` : quoteArg(file);
  const l = quoteArg(line);
  return [
    `if grep -qxF -- ${l} ${f} 2>/dev/null; then echo present;`,
    `else mkdir -p "$(dirname ${f})"`,
    `&& { [ ! -s ${f} ] || [ -z "$(tail -c 1 ${f})" ] || echo >> ${f}; }`,
    `&& printf '%s\\n' ${l} >> ${f} && chmod ${mode} ${f} && echo added; fi`,
  ].join(' ');
}
