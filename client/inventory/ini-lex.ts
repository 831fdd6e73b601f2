/**
 * Ansible reads host lines with Python's shlex (POSIX mode, comments on): words split on
 * whitespace, single quotes literal, double quotes with backslash escapes, a `#` starting a word
 * starts a comment. The same rules are used for values in `[group:vars]`, so a value means the same
 * wherever it is written.
 */
export type Words = { words: string[] } | { error: string };

export function splitWords(text: string): Words {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { error: 'a single quote is not closed' };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const quoted = readDoubleQuoted(text, i + 1);
      if (quoted === undefined) return { error: 'a double quote is not closed' };
      word += quoted.value;
      inWord = true;
      i = quoted.next;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text.charAt(i + 1);
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { words };
}

/** Inside double quotes a backslash only escapes `"`, `\`, `$` and a backquote, as in POSIX shells. */
function readDoubleQuoted(text: string, start: number): { value: string; next: number } | undefined {
  let value = '';
  for (let i = start; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') return { value, next: i + 1 };
    if (c === '\\' && '"\\$`'.includes(text.charAt(i + 1)) && i + 1 < text.length) {
      value += text.charAt(i + 1);
      i++;
    } else value += c;
  }
  return undefined;
}
