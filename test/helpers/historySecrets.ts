// Looks for secrets in workflow histories as `temporal workflow show --output json` prints them:
// payloads there are base64, so a clear password inside an activity's input would never match a
// plain search of the file. Every string is read as is and, when it is base64, decoded (and the
// decoded JSON walked again), and each secret is also looked for in its own base64 forms.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The lab root password `npm run histories` records with, so the committed histories can be checked for it. */
export const RECORDED_ROOT_PASSWORD = 'recorded-lab-root-pw-7f3a9c';

export interface SecretForm {
  /** What it is, for the report: `root password`, `controller key (body line 3)`... */
  name: string;
  value: string;
}

/**
 * The substrings that betray `value` however it was carried: as is, and base64-encoded at each of
 * the three alignments a surrounding text may put it at (the characters that depend on the
 * neighbours are trimmed).
 */
export function forms(name: string, value: string): SecretForm[] {
  const out: SecretForm[] = [{ name, value }];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), Buffer.from(value, 'utf8')]).toString('base64');
    const start = shift === 0 ? 0 : Math.ceil((shift * 4) / 3);
    const core = b64.slice(start, Math.floor(((shift + Buffer.byteLength(value)) * 4) / 3));
    if (core.length >= 8) out.push({ name: `${name} (base64)`, value: core });
  }
  return out;
}

/** An OpenSSH/PEM private key file: its text, its base64 body joined, and each body line. */
export function keyForms(name: string, pem: string): SecretForm[] {
  const lines = pem.split(/\r?\n/).filter((l) => l && !l.startsWith('-----'));
  return [
    { name, value: pem.trim() },
    { name: `${name} (base64 body)`, value: lines.join('') },
    ...lines.filter((l) => l.length >= 32).map((l, i) => ({ name: `${name} (body line ${i + 1})`, value: l })),
  ];
}

/** The secrets a runbooks home holds: the controller's private key and the sealing key, when present. */
export function homeSecrets(home: string): SecretForm[] {
  const out: SecretForm[] = [];
  const controller = path.join(home, 'id_ed25519');
  if (fs.existsSync(controller)) out.push(...keyForms('controller private key', fs.readFileSync(controller, 'utf8')));
  const sealing = path.join(home, 'secret.key');
  if (fs.existsSync(sealing)) {
    const b64 = fs.readFileSync(sealing, 'utf8').trim();
    out.push({ name: 'sealing key', value: b64 }, { name: 'sealing key (hex)', value: Buffer.from(b64, 'base64').toString('hex') });
  }
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Every string in the JSON text with where it sits, base64 strings also decoded (and walked again when they hold JSON). */
export function readableStrings(json: string): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  const walk = (v: unknown, where: string, depth: number): void => {
    if (typeof v === 'string') {
      out.push({ where, text: v });
      if (depth < 4 && v.length >= 8 && BASE64.test(v)) {
        const decoded = Buffer.from(v, 'base64').toString('utf8');
        out.push({ where: `${where} (decoded)`, text: decoded });
        try {
          walk(JSON.parse(decoded), `${where} (decoded JSON)`, depth + 1);
        } catch {
          // not JSON: the decoded text itself was searched
        }
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${where}[${i}]`, depth));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push({ where: `${where}.${k}`, text: k });
        walk(x, `${where}.${k}`, depth);
      }
    }
  };
  walk(JSON.parse(json), '$', 0);
  return out;
}

/** Where each secret appears in the history JSON, as `secret name at path`; empty when clean. */
export function findSecrets(json: string, secrets: SecretForm[]): string[] {
  const found: string[] = [];
  for (const { where, text } of readableStrings(json)) {
    for (const s of secrets) if (text.includes(s.value)) found.push(`${s.name} at ${where}`);
  }
  return found;
}
