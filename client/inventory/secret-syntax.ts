import { z } from 'zod';
import { Secret, SecretRef } from '../../common/secrets';
import type { InventoryFormat } from './format';
import { unknownKeyFix } from './suggest';
import { describeKind, isPlainObject } from './values';

/**
 * How a password may be written, and what it means. Messages never repeat the written value: it
 * may be the password itself. Shared by the schema (which turns the
 * written form into a `Secret`) and by the environment checks (which need the same reading).
 */
export type SecretReading = { secret: Secret } | { message: string; fix: string };

const ENV_REFERENCE = /^\$\{([^}]*)\}$/;
const ANSIBLE_LOOKUP = /^\{\{\s*lookup\(\s*(['"])(\w+)\1\s*,\s*(['"])(.*?)\3\s*\)\s*\}\}$/;
const SECRET_KEYS = ['env', 'file', 'inline', 'sealed'] as const;

export function readSecret(value: unknown, format: InventoryFormat): SecretReading {
  if (typeof value === 'string') return readSecretText(value, format);
  if (isPlainObject(value)) return readSecretObject(value, format);
  const scalar = typeof value === 'number' || typeof value === 'boolean';
  return {
    message: `a password must be text, got ${describeKind(value)}`,
    fix: scalar ? "quote it so YAML reads it as text: `password: '...'`" : forms(format),
  };
}

function readSecretText(text: string, format: InventoryFormat): SecretReading {
  if (text === '') return { message: 'the password is empty', fix: `remove the empty password or write one: ${forms(format)}` };
  const ref = ENV_REFERENCE.exec(text);
  if (ref) return envSecret(ref[1] ?? '', format);
  if (text.includes('{{')) return readJinja(text, format);
  if (text.includes('${')) {
    return {
      message: `the password mixes text with \`${/\$\{[^}]*\}?/.exec(text)?.[0] ?? '${'}\`; only a value that is exactly \`\${VAR}\` is read from the environment`,
      fix:
        format === 'yaml'
          ? 'write exactly `${VAR}` to read the environment variable VAR, or `{inline: "..."}` to use the text as it is'
          : "write exactly ${VAR} to read the environment variable VAR, or put the password in a file and use {{ lookup('file', '/path') }}",
    };
  }
  return { secret: { inline: text } };
}

function readJinja(text: string, format: InventoryFormat): SecretReading {
  const lookup = ANSIBLE_LOOKUP.exec(text);
  if (format === 'yaml') {
    const written = lookup?.[2] === 'env' ? '{env: VAR}' : lookup?.[2] === 'file' ? '{file: PATH}' : '`${VAR}`, {env: VAR} or {file: PATH}';
    return {
      message: `\`${text}\` is a Jinja expression; YAML inventories do not evaluate Jinja or Ansible lookups`,
      fix: `write the password as ${written}`,
    };
  }
  if (lookup?.[2] === 'env') return envSecret(lookup[4] ?? '', format);
  if (lookup?.[2] === 'file') {
    return lookup[4] ? { secret: { file: lookup[4] } } : { message: 'the file lookup names no file', fix: "write {{ lookup('file', '/path/to/password') }}" };
  }
  return {
    message: lookup
      ? `the \`${lookup[2]}\` lookup is not supported; only the env and file lookups are read`
      : `\`${text}\` is a Jinja expression, which pve-runbooks does not evaluate`,
    fix: forms(format),
  };
}

function envSecret(name: string, format: InventoryFormat): SecretReading {
  if (SecretRef.safeParse({ env: name }).success) return { secret: { env: name } };
  return {
    message: `\`${name}\` is not a valid environment variable name`,
    fix: `use letters, digits and underscores, not starting with a digit, e.g. ${format === 'yaml' ? '`${PVE_ROOT_PASSWORD}`' : '${PVE_ROOT_PASSWORD}'}`,
  };
}

function readSecretObject(value: Record<string, unknown>, format: InventoryFormat): SecretReading {
  const keys = Object.keys(value);
  const unknown = keys.find((k) => !(SECRET_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) return { message: `unknown key \`${unknown}\` in the password`, fix: unknownKeyFix(unknown, ['env', 'file', 'inline']) };
  const [key] = keys;
  if (keys.length !== 1 || key === undefined) {
    return { message: `a password takes exactly one of env, file or inline, got ${keys.length === 0 ? 'none' : keys.join(' and ')}`, fix: forms(format) };
  }
  const inner = value[key];
  if (typeof inner !== 'string') return { message: `\`${key}\` must be text, got ${describeKind(inner)}`, fix: forms(format) };
  if (key === 'env') return envSecret(inner, format);
  const parsed = Secret.safeParse(value);
  return parsed.success ? { secret: parsed.data } : { message: `\`${key}\` is empty`, fix: forms(format) };
}

function forms(format: InventoryFormat): string {
  return format === 'yaml'
    ? 'write `password: ${VAR}` (environment), `password: {file: /path}` or the password itself'
    : "write ansible_password=${VAR}, ansible_password=\"{{ lookup('env', 'VAR') }}\", ansible_password=\"{{ lookup('file', '/path') }}\" or the password itself";
}

/** The written password becomes a `Secret`, or a problem the schema reports at the password's path. */
export function secretInput(format: InventoryFormat) {
  return z.preprocess((value, ctx) => {
    const reading = readSecret(value, format);
    if ('secret' in reading) return reading.secret;
    ctx.addIssue({ code: 'custom', message: reading.message, params: { fix: reading.fix } });
    return z.NEVER;
  }, Secret);
}
