import { decodeBytesToUtf8 } from 'just-bash';
import { hostsLines } from './etcHosts';
import { isIp } from './pveCli';
import { sshRun, type SshClientOptions, type StrictHostKeyChecking } from '../ssh/client';
import { sshCopyId } from '../ssh/copyId';
import { fail, ok, type LabCommand, type NodeContext } from './types';

export { ip } from '../net/ipCommand';

/** glibc's getent for hosts (files, then the lab's DNS), ahosts, passwd and group. */
export const getent: LabCommand = {
  name: 'getent',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const [db, ...keys] = args.filter((a) => !a.startsWith('-'));
    if (db === undefined) return fail('getent: wrong number of arguments\nTry `getent --help\' or `getent --usage\' for more information.\n');
    if (db === 'passwd' || db === 'group') {
      const text = await node.fs.readFile(db === 'passwd' ? '/etc/passwd' : '/etc/group').catch(() => '');
      const lines = text.split('\n').filter(Boolean);
      if (keys.length === 0) return ok(lines.map((l) => `${l}\n`).join(''));
      const hits = keys.map((k) => lines.find((l) => l.split(':')[0] === k || l.split(':')[2] === k));
      return { stdout: hits.filter(Boolean).map((l) => `${l}\n`).join(''), stderr: '', exitCode: hits.every(Boolean) ? 0 : 2 };
    }
    if (db !== 'hosts' && db !== 'ahosts' && db !== 'ahostsv4') return fail(`Unknown database: ${db}\nTry \`getent --help' or \`getent --usage' for more information.\n`, 1);
    const lines = await hostsLines(node.fs);
    if (keys.length === 0) {
      if (db !== 'hosts') return ok();
      return ok(lines.map((l) => `${l.address.padEnd(15)} ${l.names.join(' ')}\n`).join(''));
    }
    let out = '';
    let missing = false;
    for (const key of keys) {
      const lower = key.toLowerCase();
      let hit = isIp(key) ? lines.find((l) => l.address === key) : lines.find((l) => l.names.some((n) => n.toLowerCase() === lower));
      if (!hit) {
        const host = node.cluster.hosts().find((h) => h.fqdn.toLowerCase() === lower || h.name.toLowerCase() === lower || h.address === key);
        if (host) hit = { address: host.address, names: [host.fqdn] };
      }
      if (!hit || (db === 'ahostsv4' && hit.address.includes(':'))) {
        missing = true;
        continue;
      }
      if (db === 'hosts') out += `${hit.address.padEnd(15)} ${hit.names.join(' ')}\n`;
      else out += `${hit.address.padEnd(15)} STREAM ${hit.names[0]}\n${hit.address.padEnd(15)} DGRAM  \n${hit.address.padEnd(15)} RAW    \n`;
    }
    return { stdout: out, stderr: '', exitCode: missing ? 2 : 0 };
  },
};

const SSH_USAGE = `usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]
           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]
           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]
           [-J destination] [-L address] [-l login_name] [-m mac_spec]
           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-R address]
           [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]
           destination [command [argument ...]]
       ssh [-Q query_option]
`;

const WITH_ARG = 'BbcDEeFIiJLlmOoPpRSWw';
const NO_ARG = '46AaCfGgKkMNnqsTtVvXxYy';
/** ssh_config keywords the client accepts; the ones the twin acts on are handled, the rest accepted. */
const KNOWN_OPTIONS = new Set(
  `batchmode stricthostkeychecking connecttimeout identityfile user port userknownhostsfile globalknownhostsfile loglevel
  passwordauthentication pubkeyauthentication preferredauthentications identitiesonly controlmaster controlpath controlpersist
  serveraliveinterval serveralivecountmax tcpkeepalive forwardagent forwardx11 hashknownhosts checkhostip compression
  requesttty sendenv setenv connectionattempts addressfamily ciphers macs kexalgorithms hostkeyalgorithms loglevel
  numberofpasswordprompts kbdinteractiveauthentication gssapiauthentication updatehostkeys visualhostkey`.split(/\s+/),
);

interface SshArgs {
  target: string;
  command: string;
  options: SshClientOptions;
}

function parseSshArgs(args: string[], node: NodeContext): SshArgs | { error: string; code: number } {
  const options: SshClientOptions = { user: 'root', batchMode: false, strictHostKeyChecking: 'ask', onPrompt: 'fail' };
  const identities: string[] = [];
  let destination: string | undefined;
  const command: string[] = [];
  const setOption = (raw: string): string | undefined => {
    const m = /^\s*([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/.exec(raw);
    if (!m) return `command-line line 0: missing argument.`;
    const key = (m[1] as string).toLowerCase();
    const value = (m[2] as string).trim();
    if (!KNOWN_OPTIONS.has(key)) return `command-line line 0: Bad configuration option: ${key}`;
    if (key === 'batchmode') options.batchMode = /^yes$/i.test(value);
    if (key === 'stricthostkeychecking') {
      const v = value.toLowerCase();
      options.strictHostKeyChecking = (v === 'off' ? 'no' : v === 'on' ? 'yes' : v) as StrictHostKeyChecking;
      if (!['ask', 'yes', 'no', 'accept-new'].includes(options.strictHostKeyChecking)) return `command-line line 0: unsupported option "${value}".`;
    }
    if (key === 'connecttimeout') options.connectTimeoutMs = Number(value) * 1000;
    if (key === 'identityfile') identities.push(value.replace(/^~/, '/root'));
    if (key === 'user') options.user = value;
    if (key === 'loglevel' && /^(quiet|fatal|error)$/i.test(value)) options.quiet = true;
    return undefined;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (destination !== undefined && command.length > 0) {
      command.push(arg);
      continue;
    }
    if (arg === '--' && destination === undefined) {
      destination = args[++i];
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (destination === undefined) destination = arg;
      else command.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j] as string;
      if (NO_ARG.includes(c)) {
        if (c === 'q') options.quiet = true;
        if (c === 'V') return { error: `${node.release.sshIdent.replace(/^OpenSSH_(\S+) (\S+)$/, 'OpenSSH_$1 $2')}, OpenSSL 3.0.15 3 Sep 2024`, code: 0 };
        continue;
      }
      if (!WITH_ARG.includes(c)) return { error: `unknown option -- ${c}\n${SSH_USAGE}`, code: 255 };
      const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
      if (value === undefined) return { error: `option requires an argument -- ${c}\n${SSH_USAGE}`, code: 255 };
      if (c === 'o') {
        const problem = setOption(value);
        if (problem) return { error: problem, code: 255 };
      }
      if (c === 'i') identities.push(value.replace(/^~/, '/root'));
      if (c === 'l') options.user = value;
      break;
    }
  }
  if (destination === undefined) return { error: SSH_USAGE.trimEnd(), code: 255 };
  let host = destination.replace(/^ssh:\/\//, '');
  const at = host.lastIndexOf('@');
  if (at >= 0) {
    options.user = host.slice(0, at);
    host = host.slice(at + 1);
  }
  host = host.replace(/:\d+$/, '');
  if (identities.length) options.identityFiles = identities;
  return { target: host, command: command.join(' '), options };
}

/** OpenSSH's ssh client, from a lab node to another lab node (no terminal: nothing can be typed). */
export const ssh: LabCommand = {
  name: 'ssh',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const parsed = parseSshArgs(args, node);
    if ('error' in parsed) return { stdout: '', stderr: `${parsed.error}\n`, exitCode: parsed.code };
    const r = await sshRun(node, parsed.target, parsed.command, parsed.options, { stdin: decodeBytesToUtf8(ctx.stdin), signal: ctx.signal });
    return parsed.options.quiet ? { ...r, stderr: r.stderr.replace(/^Warning: Permanently added.*\r?\n/gm, '') } : r;
  },
};

/** ssh-copy-id [-i FILE] [user@]host: root's key appended to the remote authorized_keys. */
export const sshCopyIdCommand: LabCommand = {
  name: 'ssh-copy-id',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    let identity = '/root/.ssh/id_rsa';
    let target: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === '-i') identity = ctx.fs.resolvePath(ctx.cwd, args[++i] ?? identity);
      else if (a.startsWith('-i')) identity = ctx.fs.resolvePath(ctx.cwd, a.slice(2));
      else if (a === '-f' || a === '-n') continue;
      else if (!a.startsWith('-')) target = a;
    }
    if (!target) return fail('Usage: /usr/bin/ssh-copy-id [-h|-?|-f|-n|-s|-x] [-i [identity_file]] [-p port] [-F alternative ssh_config file] [-t target_path] [[-o <ssh -o options>] ...] [user@]hostname\n', 1);
    return sshCopyId(node, target.replace(/^.*@/, ''), identity, { signal: ctx.signal, onPrompt: 'fail' });
  },
};
