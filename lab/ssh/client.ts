import { createHmac, randomBytes } from 'node:crypto';
import type { ExecResult } from 'just-bash';
import type { ClusterHost } from '../cluster';
import { hostsLines } from '../commands/etcHosts';
import type { NodeContext } from '../commands/types';
import { isIp } from '../commands/pveCli';
import { fingerprint, keyLabel, parseKey } from './keys';
import { acceptsPublicKey } from './sshdAuth';

export type StrictHostKeyChecking = 'ask' | 'yes' | 'no' | 'accept-new';

export interface SshClientOptions {
  user: string;
  /** BatchMode=yes: never prompt (host keys, passwords). */
  batchMode: boolean;
  strictHostKeyChecking: StrictHostKeyChecking;
  /** ConnectTimeout in lab ms; without it the kernel's TCP connect timeout (about 127 s) applies. */
  connectTimeoutMs?: number;
  /** -i files; default: root's ~/.ssh/id_rsa, id_ecdsa, id_ed25519. */
  identityFiles?: string[];
  /** -q: no warnings (host added to known_hosts...). */
  quiet?: boolean;
  /**
   * What the client does where it would ask the user (unknown host key, password) and no
   * BatchMode forbids it: without a terminal ssh fails; PVE's `pvecm add --use_ssh` waits forever.
   */
  onPrompt: 'fail' | 'hang';
}

export interface SshIo {
  stdin?: string;
  signal?: AbortSignal;
}

const TCP_CONNECT_TIMEOUT_MS = 127_000;
const NO_ROUTE_MS = 3_000;
/** Lab ms for the TCP handshake, key exchange and authentication of a session on the LAN. */
const SETUP_MS = 150;
const DEFAULT_IDENTITIES = ['/root/.ssh/id_rsa', '/root/.ssh/id_ecdsa', '/root/.ssh/id_ecdsa_sk', '/root/.ssh/id_ed25519', '/root/.ssh/id_ed25519_sk'];
const USER_KNOWN_HOSTS = ['/root/.ssh/known_hosts', '/root/.ssh/known_hosts2'];
const GLOBAL_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];

const failed = (stderr: string): ExecResult => ({ stdout: '', stderr, exitCode: 255 });

/** Waits for the signal; a run cut this way has no result anyone reads. */
function untilCut(signal: AbortSignal | undefined): Promise<ExecResult> {
  return new Promise((resolve) => {
    const done = () => resolve(failed(''));
    if (!signal || signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
  });
}

/** getaddrinfo on the node: its /etc/hosts, then the lab's DNS (node FQDNs, short names by the search domain). */
export async function resolveHost(from: NodeContext, name: string): Promise<string | undefined> {
  if (isIp(name)) return name;
  const lower = name.toLowerCase();
  for (const line of await hostsLines(from.fs)) if (line.names.some((n) => n.toLowerCase() === lower)) return line.address;
  const host = from.cluster.hosts().find((h) => h.fqdn.toLowerCase() === lower || h.name.toLowerCase() === lower);
  return host?.address;
}

/** The lab node answering at an address. */
function hostAt(from: NodeContext, address: string): ClusterHost | undefined {
  if (address === '127.0.0.1' || address === '::1') return from.cluster.host(from.name);
  return from.cluster.hosts().find((h) => h.address === address);
}

interface KnownHostsMatch {
  file: string;
  line: number;
  type: string;
  blob: string;
}

function hostPatternMatches(pattern: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|(.+)$/.exec(pattern);
  if (hashed) return createHmac('sha1', Buffer.from(hashed[1] as string, 'base64')).update(name).digest('base64') === hashed[2];
  let matched = false;
  for (const raw of pattern.split(',')) {
    const negated = raw.startsWith('!');
    const p = (negated ? raw.slice(1) : raw).toLowerCase();
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (re.test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** known_hosts entries for a host name, from the user's then the global files (symlinks followed). */
async function knownKeys(from: NodeContext, name: string): Promise<{ matches: KnownHostsMatch[]; revoked: KnownHostsMatch[] }> {
  const matches: KnownHostsMatch[] = [];
  const revoked: KnownHostsMatch[] = [];
  for (const file of [...USER_KNOWN_HOSTS, ...GLOBAL_KNOWN_HOSTS]) {
    const text = await from.fs.readFile(file).catch(() => undefined);
    if (text === undefined) continue;
    text.split('\n').forEach((raw, i) => {
      const words = raw.trim().split(/\s+/);
      if (!words[0] || words[0].startsWith('#')) return;
      const marker = words[0].startsWith('@') ? words.shift() : undefined;
      const [hosts, type, blob] = words;
      if (!hosts || !type || !blob || marker === '@cert-authority') return;
      if (!hostPatternMatches(hosts, name)) return;
      (marker === '@revoked' ? revoked : matches).push({ file, line: i + 1, type, blob });
    });
  }
  return { matches, revoked };
}

/** A known_hosts line as HashKnownHosts (Debian's default) writes it. */
export function hashedKnownHostsLine(name: string, keyType: string, blob: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')} ${keyType} ${blob}`;
}

/**
 * OpenSSH's client as root runs it on a lab node, to another lab node: resolution, the TCP
 * connection (refused, silent, unreachable), host key verification against known_hosts, public
 * key authentication against the target's own sshd_config and authorized_keys, then the command
 * in the target's shell, logged there with via 'node-ssh'. Exit status and output pass through;
 * ssh's own failures exit 255 with OpenSSH's messages.
 */
export async function sshRun(from: NodeContext, target: string, command: string, opts: SshClientOptions, io: SshIo = {}): Promise<ExecResult> {
  const clock = from.clock;
  const signal = io.signal;
  const address = await resolveHost(from, target);
  if (!address) return failed(`ssh: Could not resolve hostname ${target}: Name or service not known\r\n`);
  const host = hostAt(from, address);
  const connectTimeout = opts.connectTimeoutMs ?? TCP_CONNECT_TIMEOUT_MS;
  const sleep = async (ms: number) => {
    try {
      await clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  };
  if (!host) {
    const waited = Math.min(NO_ROUTE_MS, connectTimeout);
    if (!(await sleep(waited))) return failed('');
    return failed(`ssh: connect to host ${target} port 22: ${waited < NO_ROUTE_MS ? 'Connection timed out' : 'No route to host'}\r\n`);
  }
  const state = host.sshState();
  if (state === 'closed') return failed(`ssh: connect to host ${target} port 22: Connection refused\r\n`);
  if (state === 'silent') {
    if (!(await sleep(connectTimeout))) return failed('');
    return failed(`ssh: connect to host ${target} port 22: Connection timed out\r\n`);
  }

  // TCP and key exchange.
  if (!(await sleep(SETUP_MS))) return failed('');

  // Host key verification, by the name as given (OpenSSH's CheckHostIP is off by default).
  let stderr = '';
  const lookupName = target.toLowerCase();
  const hostKey = parseKey(host.hostKeyPublic);
  if (!hostKey) return failed('ssh_exchange_identification: read: Connection reset by peer\r\n');
  const [offeredType, offeredBlob] = host.hostKeyPublic.split(/\s+/) as [string, string];
  const label = keyLabel(hostKey);
  const fp = fingerprint(hostKey);
  const known = await knownKeys(from, lookupName);
  const revoked = known.revoked.find((k) => k.type === offeredType && k.blob === offeredBlob);
  if (revoked) return failed(`@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@       WARNING: REVOKED HOST KEY DETECTED!               @\r\n@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\nThe ${label} host key for ${lookupName} is marked as revoked.\r\nThis could mean that a stolen key is being used to\r\nimpersonate this host.\r\n${label} host key for ${lookupName} was revoked and you requested strict checking.\r\nHost key verification failed.\r\n`);
  const sameType = known.matches.filter((k) => k.type === offeredType);
  let passwordAllowed = true;
  if (sameType.some((k) => k.blob === offeredBlob)) {
    // known and matching
  } else if (sameType.length > 0) {
    const offending = sameType[0] as KnownHostsMatch;
    const banner =
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n' +
      '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n' +
      '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n' +
      'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\n' +
      'Someone could be eavesdropping on you right now (man-in-the-middle attack)!\r\n' +
      'It is also possible that a host key has just been changed.\r\n' +
      `The fingerprint for the ${label} key sent by the remote host is\n${fp}.\r\n` +
      'Please contact your system administrator.\r\n' +
      `Add correct host key in ${USER_KNOWN_HOSTS[0]} to get rid of this message.\r\n` +
      `Offending ${label} key in ${offending.file}:${offending.line}\r\n`;
    if (opts.strictHostKeyChecking !== 'no') return failed(`${banner}Host key for ${lookupName} has changed and you have requested strict checking.\r\nHost key verification failed.\r\n`);
    stderr += `${banner}Password authentication is disabled to avoid man-in-the-middle attacks.\r\n`;
    passwordAllowed = false;
  } else {
    const mode = opts.strictHostKeyChecking;
    if (mode === 'yes') return failed(`No ${label} host key is known for ${lookupName} and you have requested strict checking.\r\nHost key verification failed.\r\n`);
    if (mode === 'ask') {
      if (opts.batchMode || opts.onPrompt === 'fail') return failed('Host key verification failed.\r\n');
      // "The authenticity of host ... can't be established. Are you sure you want to continue connecting (yes/no/[fingerprint])?"
      return untilCut(signal);
    }
    await from.fs.mkdir('/root/.ssh', { recursive: true });
    await from.fs.appendFile(USER_KNOWN_HOSTS[0] as string, `${hashedKnownHostsLine(lookupName, offeredType, offeredBlob)}\n`);
    if (!opts.quiet) stderr += `Warning: Permanently added '${lookupName}' (${label}) to the list of known hosts.\r\n`;
  }

  // Authentication: each identity the client has, then a password it cannot type.
  const subject = { fs: host.fs, rootPassword: '' };
  let methods: string[] = ['publickey', 'password'];
  let authenticated = false;
  const refusedByFault = (host as Partial<{ authRefused(): boolean }>).authRefused?.() ?? false;
  if (opts.user === 'root' && !refusedByFault) {
    for (const file of opts.identityFiles ?? DEFAULT_IDENTITIES) {
      const text = await from.fs.readFile(file).catch(() => undefined);
      const key = text === undefined ? undefined : parseKey(text);
      if (!key || !key.isPrivateKey()) continue;
      const decision = await acceptsPublicKey(subject, key.getPublicSSH());
      methods = decision.methods;
      if (decision.accept) {
        authenticated = true;
        break;
      }
    }
  }
  if (!authenticated) {
    const denied = `${opts.user}@${target}: Permission denied (${methods.join(',')}).\r\n`;
    if (opts.batchMode || !passwordAllowed || !methods.includes('password')) return failed(stderr + denied);
    if (opts.onPrompt === 'hang') return untilCut(signal);
    return failed(stderr + denied);
  }

  // The session: the command in the target's shell (no command: the shell reads stdin).
  const script = command.trim() === '' ? (io.stdin ?? '') : command;
  if (command.trim() === '') stderr += 'Pseudo-terminal will not be allocated because stdin is not a terminal.\r\n';
  const outcome = await host.run({
    command: script,
    via: 'node-ssh',
    from: from.name,
    user: 'root',
    stdin: command.trim() === '' ? '' : io.stdin,
    signal,
    env: { SSH_CLIENT: `${from.address} 40022 22`, SSH_CONNECTION: `${from.address} 40022 ${address} 22` },
  });
  if (outcome.kind === 'exit') {
    const r = outcome.result;
    // Bytes stay bytes (an authkey copied over ssh), as the channel carries them.
    return { stdout: r.stdout, ...(r.stdoutKind ? { stdoutKind: r.stdoutKind } : {}), stderr: stderr + r.stderr, exitCode: r.exitCode };
  }
  if (signal?.aborted) return failed(stderr);
  // The target went away under the session: silently (the client waits, as without ServerAlive) or with a reset.
  if (host.sshState() === 'silent') return untilCut(signal);
  return failed(`${stderr}Connection to ${target} closed by remote host.\r\n`);
}

/**
 * `rsync --rsh='ssh -l root -o BatchMode=yes' -lpgoq [host]:FILE… DIR` as far as a pull goes: the
 * remote side runs over ssh (and can fail there); the files' bytes are then taken from the node.
 */
export async function rsyncFrom(from: NodeContext, target: string, files: string[], io: SshIo = {}): Promise<{ exitCode: number; stderr: string; files: Map<string, Buffer> }> {
  const r = await sshRun(from, target, `rsync --server --sender -lpgoqe.LsfxCIvu . ${files.join(' ')}`, { user: 'root', batchMode: true, strictHostKeyChecking: 'ask', onPrompt: 'fail' }, io);
  const out = new Map<string, Buffer>();
  if (r.exitCode !== 0) return { exitCode: r.exitCode, stderr: r.stderr, files: out };
  const address = await resolveHost(from, target);
  const host = address ? hostAt(from, address) : undefined;
  for (const file of files) {
    const data = await host?.fs.readFileBuffer(file).catch(() => undefined);
    if (!data) return { exitCode: 23, stderr: `rsync: [sender] link_stat "${file}" failed: No such file or directory (2)\n`, files: out };
    out.set(file, Buffer.from(data));
  }
  return { exitCode: 0, stderr: '', files: out };
}
