import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Endpoint, hostKeyChanged } from './errors';

export function keyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** OpenSSH's spelling of a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

type Verdict = { kind: 'known' } | { kind: 'new' } | { kind: 'changed'; expected: string };

/**
 * Host keys pinned on first use, in a known_hosts file of the project (OpenSSH format, so it can
 * be read and edited with the usual tools). A changed key is refused, never silently replaced.
 */
export class KnownHosts {
  private entries = new Map<string, Map<string, string>>();

  constructor(readonly file: string) {
    this.reload();
  }

  private reload(): void {
    this.entries.clear();
    if (!fs.existsSync(this.file)) return;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const [hosts, type, b64] = t.split(/\s+/);
      if (!hosts || !type || !b64) continue;
      for (const h of hosts.split(',')) {
        const m = this.entries.get(h) ?? new Map<string, string>();
        m.set(type, b64);
        this.entries.set(h, m);
      }
    }
  }

  check(host: string, port: number, blob: Buffer): Verdict {
    const pinned = this.entries.get(hostPattern(host, port));
    if (!pinned || pinned.size === 0) return { kind: 'new' };
    const b64 = blob.toString('base64');
    const same = pinned.get(keyType(blob));
    if (same === b64) return { kind: 'known' };
    const [anyType, anyB64] = same ? [keyType(blob), same] : [...pinned.entries()][0];
    return { kind: 'changed', expected: `${anyType} ${fingerprint(Buffer.from(anyB64, 'base64'))}` };
  }

  pin(host: string, port: number, blob: Buffer): void {
    const pattern = hostPattern(host, port);
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(this.file, `${pattern} ${keyType(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
    const m = this.entries.get(pattern) ?? new Map<string, string>();
    m.set(keyType(blob), blob.toString('base64'));
    this.entries.set(pattern, m);
  }

  /**
   * Verifies a presented key for ssh2's hostVerifier; returns the failure to raise, if any.
   * The file is re-read before deciding so a key removed by the operator takes effect at once.
   */
  verify(e: Endpoint, blob: Buffer): Error | undefined {
    this.reload();
    const v = this.check(e.host, e.port, blob);
    if (v.kind === 'known') return undefined;
    if (v.kind === 'new') {
      this.pin(e.host, e.port, blob);
      return undefined;
    }
    return hostKeyChanged(e, v.expected, `${keyType(blob)} ${fingerprint(blob)}`, this.file);
  }
}
