import type { ExecResult } from 'just-bash';
import type { NodeContext } from '../commands/types';
import { parseKey } from './keys';
import { sshRun, type SshClientOptions } from './client';

/** What ssh-copy-id runs on the remote side to append the keys it sends on stdin (without umask/restorecon). */
const INSTALL = `cd; mkdir -p .ssh && { [ -z "$(tail -c 1 .ssh/authorized_keys 2>/dev/null)" ] || echo >> .ssh/authorized_keys || exit 1; } && cat >> .ssh/authorized_keys || exit 1`;

export interface CopyIdOptions {
  signal?: AbortSignal;
  /** Where ssh would prompt (unknown host key, password): fail, or wait forever (under pvecm). */
  onPrompt: SshClientOptions['onPrompt'];
}

/**
 * OpenSSH's ssh-copy-id -i KEY root@HOST: first a login offering only the new key (keys already
 * there are skipped), then a login with whatever root has, appending the key remotely.
 */
export async function sshCopyId(from: NodeContext, host: string, identity: string, opts: CopyIdOptions): Promise<ExecResult> {
  const me = '/usr/bin/ssh-copy-id';
  const pubFile = identity.endsWith('.pub') ? identity : `${identity}.pub`;
  const pub = await from.fs.readFile(pubFile).catch(() => undefined);
  if (pub === undefined || !parseKey(pub)) return { stdout: '', stderr: `${me}: ERROR: failed to open ID file '${identity}': No such file or directory\n`, exitCode: 1 };
  let stderr = `${me}: INFO: Source of key(s) to be installed: "${pubFile}"\n`;
  const client: SshClientOptions = { user: 'root', batchMode: false, strictHostKeyChecking: 'ask', onPrompt: opts.onPrompt };
  const privateFile = pubFile.replace(/\.pub$/, '');
  stderr += `${me}: INFO: attempting to log in with the new key(s), to filter out any that are already installed\n`;
  const probe = await sshRun(from, host, 'exit', { ...client, identityFiles: [privateFile], batchMode: true }, { signal: opts.signal });
  if (probe.exitCode === 0) {
    stderr += `\n${me}: WARNING: All keys were skipped because they already exist on the remote system.\n\t\t(if you think this is a mistake, you may want to use -f option)\n\n`;
    return { stdout: '', stderr, exitCode: 0 };
  }
  if (/Host key verification failed|Could not resolve|connect to host/.test(probe.stderr) && !/Host key verification failed/.test(probe.stderr)) {
    return { stdout: '', stderr: stderr + probe.stderr, exitCode: 1 };
  }
  stderr += `${me}: INFO: 1 key(s) remain to be installed -- if you are prompted now it is to install the new keys\n`;
  const installed = await sshRun(from, host, INSTALL, client, { stdin: pub.endsWith('\n') ? pub : `${pub}\n`, signal: opts.signal });
  if (installed.exitCode !== 0) return { stdout: installed.stdout, stderr: stderr + installed.stderr, exitCode: 1 };
  return {
    stdout: `\nNumber of key(s) added: 1\n\nNow try logging into the machine, with:   "ssh 'root@${host}'"\nand check to make sure that only the key(s) you wanted were added.\n\n`,
    stderr: stderr + installed.stderr,
    exitCode: 0,
  };
}
