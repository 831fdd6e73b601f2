import { decodeBytesToUtf8, type ExecResult } from 'just-bash';
import type { ParsedKey } from 'ssh2';
import { dirname } from '../fs/paths';
import { parseAuthorizedKeys } from '../ssh/authorizedKeys';
import { fingerprint, generateKeyPair, keyBits, keyLabel, parseKey, publicLine, randomart } from '../ssh/keys';
import { fail, ok, type LabCommand, type NodeContext } from './types';

const WITH_VALUE = new Set(['t', 'N', 'f', 'C', 'b', 'E', 'P']);
const USAGE = `usage: ssh-keygen [-q] [-a rounds] [-b bits] [-C comment] [-f output_keyfile]
                  [-m format] [-N new_passphrase] [-O option]
                  [-t dsa | ecdsa | ecdsa-sk | ed25519 | ed25519-sk | rsa]
                  [-w provider] [-Z cipher]
       ssh-keygen -l [-v] [-E fingerprint_hash] [-f input_keyfile]
       ssh-keygen -y [-f input_keyfile]
`;

type Options = Map<string, string | true>;

/** getopt(3) over ssh-keygen's option string: `-qt ed25519`, `-fPATH` and `-f PATH` all work. */
function parseOptions(args: string[]): Options | undefined {
  const options: Options = new Map();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-') return undefined;
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j] as string;
      if (!WITH_VALUE.has(flag) && !'qlyv'.includes(flag)) return undefined;
      if (!WITH_VALUE.has(flag)) {
        options.set(flag, true);
        continue;
      }
      const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
      if (value === undefined) return undefined;
      options.set(flag, value);
      break;
    }
  }
  return options;
}

/** OpenSSH's ssh-keygen: key generation, fingerprints (-l) and public key extraction (-y). */
export const sshKeygen: LabCommand = {
  name: 'ssh-keygen',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const options = parseOptions(args);
    if (!options) return fail(USAGE, 1);
    const stdinLines = decodeBytesToUtf8(ctx.stdin).split('\n');
    const file = options.get('f');
    const path = typeof file === 'string' ? ctx.fs.resolvePath(ctx.cwd, file) : undefined;
    if (options.has('l')) return listFingerprints(node, path ?? '/root/.ssh/id_rsa');
    if (options.has('y')) return printPublic(node, path ?? '/root/.ssh/id_rsa');
    return generate(node, options, path, stdinLines, (p) => ctx.fs.resolvePath(ctx.cwd, p));
  },
};

async function listFingerprints(node: NodeContext, path: string): Promise<ExecResult> {
  const text = await node.fs.readFile(path).catch(() => undefined);
  if (text === undefined) return fail(`${path}: No such file or directory\n`, 255);
  const pub = parseKey(text);
  const lines = pub?.isPrivateKey()
    ? [{ key: pub, comment: pub.comment }]
    : parseAuthorizedKeys(text).map(({ key, comment }) => ({ key, comment }));
  if (lines.length === 0) return fail(`${path} is not a public key file.\n`, 255);
  return ok(lines.map(({ key, comment }) => `${keyBits(key)} ${fingerprint(key)} ${comment || 'no comment'} (${keyLabel(key)})\n`).join(''));
}

async function printPublic(node: NodeContext, path: string): Promise<ExecResult> {
  const text = await node.fs.readFile(path).catch(() => undefined);
  if (text === undefined) return fail(`Load key "${path}": No such file or directory\n`, 255);
  const key = parseKey(text);
  if (!key?.isPrivateKey()) return fail(`Load key "${path}": invalid format\n`, 255);
  return ok(`${publicLine(key, key.comment)}\n`);
}

async function generate(
  node: NodeContext,
  options: Options,
  given: string | undefined,
  stdin: string[],
  resolve: (path: string) => string,
): Promise<ExecResult> {
  const type = options.get('t') ?? (node.release.major === 8 ? 'rsa' : 'ed25519');
  if (type !== 'ed25519' && type !== 'rsa' && type !== 'ecdsa') return fail(`unknown key type ${type}\n`);
  const quiet = options.has('q');
  let out = quiet ? '' : `Generating public/private ${type} key pair.\n`;

  // Without -f ssh-keygen asks for the file on stdin; an empty answer takes the default.
  let path = given;
  if (path === undefined) {
    const fallback = `/root/.ssh/id_${type}`;
    out += `Enter file in which to save the key (${fallback}): `;
    const answer = stdin.shift();
    if (answer === undefined) return fail('', 1, out);
    path = resolve(answer.trim() || fallback);
  }
  if (await node.fs.exists(path)) {
    out += `${path} already exists.\nOverwrite (y/n)? `;
    if (!/^y/i.test(stdin.shift() ?? '')) return fail('', 1, out);
  }
  if (!(await node.fs.stat(dirname(path)).catch(() => undefined))?.isDirectory)
    return fail(`Saving key "${path}" failed: No such file or directory\n`, 1, out);

  const comment = typeof options.get('C') === 'string' ? (options.get('C') as string) : `root@${node.name}`;
  const passphrase = options.get('N');
  const pair = generateKeyPair({
    type,
    bits: options.has('b') ? Number(options.get('b')) : undefined,
    comment,
    passphrase: typeof passphrase === 'string' ? passphrase : undefined,
  });
  const key = parseKey(pair.public) as ParsedKey;
  await node.fs.writeFile(path, pair.private);
  await node.fs.chmod(path, 0o600);
  await node.fs.writeFile(`${path}.pub`, `${publicLine(key, comment)}\n`);
  await node.fs.chmod(`${path}.pub`, 0o644);
  if (quiet) return ok(out);
  return ok(
    `${out}Your identification has been saved in ${path}\nYour public key has been saved in ${path}.pub\n` +
      `The key fingerprint is:\n${fingerprint(key)} ${comment}\nThe key's randomart image is:\n${randomart(key)}\n`,
  );
}
