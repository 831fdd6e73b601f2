import type { ParsedKey } from 'ssh2';
import { parseKey } from './keys';

export interface AuthorizedKey {
  key: ParsedKey;
  /** The options prefix (`from="…",command="…"`), empty when absent. */
  options: string;
  comment: string;
}

const KEY_TYPE = /^(ssh-[a-z0-9]+|ecdsa-sha2-nistp\d+|sk-[a-z0-9.@-]+)$/;

/** Splits off the options field, whose quoted values may hold spaces and escaped quotes. */
function splitOptions(line: string): [string, string] {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return [line.slice(0, i), line.slice(i).trimStart()];
  }
  return [line, ''];
}

/** The usable keys of an authorized_keys file; lines sshd would reject are skipped, as sshd does. */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let options = '';
    let rest = line;
    if (!KEY_TYPE.test(line.split(/\s+/)[0] as string)) [options, rest] = splitOptions(line);
    const [type, blob, ...comment] = rest.split(/\s+/);
    if (!type || !blob || !KEY_TYPE.test(type)) continue;
    const key = parseKey(`${type} ${blob}`);
    if (key) keys.push({ key, options, comment: comment.join(' ') });
  }
  return keys;
}
