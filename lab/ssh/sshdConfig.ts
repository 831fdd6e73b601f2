import type { IFileSystem } from 'just-bash';
import { basename, dirname, join } from '../fs/paths';
import { SSHD_DEPRECATED, SSHD_KEYWORDS } from './sshdKeywords';

export const SSHD_CONFIG = '/etc/ssh/sshd_config';

export type PermitRootLogin = 'yes' | 'prohibit-password' | 'forced-commands-only' | 'no';

/** The settings the twin's sshd acts on, with OpenSSH's compiled-in defaults. */
export interface SshdSettings {
  permitRootLogin: PermitRootLogin;
  passwordAuthentication: boolean;
  pubkeyAuthentication: boolean;
  strictModes: boolean;
  maxAuthTries: number;
  /** Patterns as written (relative to the home directory unless absolute, with %h %u %% tokens). */
  authorizedKeysFiles: string[];
}

export interface SshdConfig {
  settings: SshdSettings;
  /** What `sshd -t` prints, in order. */
  messages: string[];
  valid: boolean;
}

const DEFAULTS: SshdSettings = {
  permitRootLogin: 'prohibit-password',
  passwordAuthentication: true,
  pubkeyAuthentication: true,
  strictModes: true,
  maxAuthTries: 6,
  authorizedKeysFiles: ['.ssh/authorized_keys', '.ssh/authorized_keys2'],
};

const ROOT_LOGIN: Record<string, PermitRootLogin> = {
  yes: 'yes',
  'prohibit-password': 'prohibit-password',
  'without-password': 'prohibit-password',
  'forced-commands-only': 'forced-commands-only',
  no: 'no',
};

/** OpenSSH's own limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;

class Fatal extends Error {}

/** Reads the node's sshd_config (and what it includes) the way sshd does: the first value of a keyword wins. */
export async function readSshdConfig(fs: IFileSystem, file = SSHD_CONFIG): Promise<SshdConfig> {
  const chosen = new Map<string, string[]>();
  const messages: string[] = [];
  let badOptions = 0;
  let inMatch = false;

  const parseFile = async (path: string, text: string, depth: number): Promise<void> => {
    const lines = text.split('\n');
    for (let n = 1; n <= lines.length; n++) {
      const words = tokenize(lines[n - 1] as string);
      const keyword = words[0];
      if (keyword === undefined || keyword.startsWith('#')) continue;
      const key = keyword.toLowerCase();
      const args = words.slice(1);
      if (SSHD_DEPRECATED.has(key)) {
        messages.push(`${path} line ${n}: Deprecated option ${keyword}`);
        continue;
      }
      if (!SSHD_KEYWORDS.has(key)) {
        messages.push(`${path}: line ${n}: Bad configuration option: ${keyword}`);
        badOptions++;
        continue;
      }
      if (args.length === 0) throw new Fatal(`${path} line ${n}: ${keyword} missing argument.`);
      validate(key, args, `${path} line ${n}`);
      if (key === 'match') inMatch = true;
      else if (key === 'include') await include(args, depth, `${path} line ${n}`);
      else if (!inMatch && !chosen.has(key)) chosen.set(key, args);
    }
  };

  const include = async (patterns: string[], depth: number, where: string): Promise<void> => {
    if (depth >= MAX_INCLUDE_DEPTH) throw new Fatal(`${where}: include nesting too deep`);
    for (const pattern of patterns) {
      for (const path of await expandGlob(fs, pattern.startsWith('/') ? pattern : join('/etc/ssh', pattern))) {
        const text = await fs.readFile(path).catch(() => undefined);
        if (text !== undefined) await parseFile(path, text, depth + 1);
      }
    }
  };

  const text = await fs.readFile(file).catch(() => undefined);
  if (text === undefined) return { settings: { ...DEFAULTS }, messages: [`${file}: No such file or directory`], valid: false };
  try {
    await parseFile(file, text, 0);
  } catch (err) {
    if (!(err instanceof Fatal)) throw err;
    messages.push(err.message);
    return { settings: settingsFrom(chosen), messages, valid: false };
  }
  if (badOptions > 0) messages.push(`${file}: terminating, ${badOptions} bad configuration options`);
  return { settings: settingsFrom(chosen), messages, valid: badOptions === 0 };
}

/** sshd's argument splitting: the keyword ends at whitespace or one `=`, double quotes group words. */
function tokenize(line: string): string[] {
  const head = /^\s*([^\s=]+)\s*(?:=\s*)?/.exec(line);
  if (!head) return [];
  const words = [head[1] as string];
  const re = /"([^"]*)"|(\S+)/g;
  const rest = line.slice(head[0].length);
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) words.push(m[1] ?? (m[2] as string));
  return words;
}

function validate(key: string, args: string[], where: string): void {
  const value = args[0] as string;
  if (key === 'permitrootlogin' && !(value in ROOT_LOGIN)) throw new Fatal(`${where}: unsupported option "${value}".`);
  if (['passwordauthentication', 'pubkeyauthentication', 'strictmodes'].includes(key) && !/^(yes|no)$/.test(value))
    throw new Fatal(`${where}: unsupported option "${value}".`);
  if (key === 'maxauthtries' && !/^\d+$/.test(value)) throw new Fatal(`${where}: invalid integer value "${value}".`);
}

function settingsFrom(chosen: Map<string, string[]>): SshdSettings {
  const first = (key: string) => chosen.get(key)?.[0];
  const flag = (key: string, fallback: boolean) => (first(key) === undefined ? fallback : first(key) === 'yes');
  return {
    permitRootLogin: ROOT_LOGIN[first('permitrootlogin') ?? ''] ?? DEFAULTS.permitRootLogin,
    passwordAuthentication: flag('passwordauthentication', DEFAULTS.passwordAuthentication),
    pubkeyAuthentication: flag('pubkeyauthentication', DEFAULTS.pubkeyAuthentication),
    strictModes: flag('strictmodes', DEFAULTS.strictModes),
    maxAuthTries: Number(first('maxauthtries') ?? DEFAULTS.maxAuthTries),
    authorizedKeysFiles: chosen.get('authorizedkeysfile') ?? DEFAULTS.authorizedKeysFiles,
  };
}

/** Expands `*` and `?` in the last component, sorted like glob(3). */
async function expandGlob(fs: IFileSystem, pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!/[*?]/.test(name)) return [pattern];
  const dir = dirname(pattern);
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}
