import * as fs from 'node:fs';
import { Command } from 'commander';
import { PARSE_KINDS } from '../activities/parsers';
import { runAction, UserError } from './errors';
import { nearest } from './inventory/suggest';

/** `pve-runbooks parse KIND [FILE|-]`: a command's output in, its normalized JSON (docs/parse-contract.md) out. */
export function parseCommand(): Command {
  return new Command('parse')
    .description('read the output of a PVE or Ceph command and print it as normalized JSON')
    .argument('<kind>', 'what the input is the output of (see Kinds below)')
    .argument('[file]', 'the file to read; - or nothing reads stdin', '-')
    .addHelpText('after', kindsHelp())
    .action((kind: string, file: string) =>
      runAction(async () => {
        const parser = kindOrSuggest(kind);
        process.stdout.write(`${JSON.stringify(parse(kind, parser.parse, readInput(kind, file, parser.command)), null, 2)}\n`);
      }),
    );
}

function kindOrSuggest(kind: string) {
  const parser = Object.hasOwn(PARSE_KINDS, kind) ? PARSE_KINDS[kind] : undefined;
  if (parser) return parser;
  const near = nearest(kind, Object.keys(PARSE_KINDS));
  throw new UserError(
    `pve-runbooks parse: unknown kind "${kind}"${near ? ` (did you mean ${near}?)` : ''}. Kinds: ${Object.keys(PARSE_KINDS).join(', ')}.`,
  );
}

function readInput(kind: string, file: string, command: string): string {
  if (file === '-') {
    if (process.stdin.isTTY) throw new UserError(`pve-runbooks parse ${kind}: no input: pipe the output of \`${command}\` in, or name a FILE`);
    return fs.readFileSync(0, 'utf8');
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`pve-runbooks parse ${kind}: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message}`);
  }
}

/** Parse failures become one line naming the kind and, where it can, the line of the input to blame. */
function parse(kind: string, fn: (text: string) => unknown, text: string): unknown {
  try {
    return fn(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(`pve-runbooks parse ${message.startsWith(`${kind}:`) ? message : `${kind}: ${message}`}`);
  }
}

function kindsHelp(): string {
  const width = Math.max(...Object.keys(PARSE_KINDS).map((k) => k.length)) + 2;
  const rows = Object.entries(PARSE_KINDS).map(
    ([kind, k]) => `  ${kind.padEnd(width)}${k.description}\n  ${' '.repeat(width)}reads: ${k.command}`,
  );
  return [
    '',
    'Kinds:',
    ...rows,
    '',
    'Examples:',
    '  ssh root@pve1 pvecm status | pve-runbooks parse pvecm-status',
    '  pve-runbooks parse mdstat saved-mdstat.txt',
    '',
    'Prints the JSON on stdout and exits 0; an unknown kind, an unreadable file or input the kind',
    'cannot understand exits 1 with one line on stderr. The JSON shapes are documented in',
    'docs/parse-contract.md.',
  ].join('\n');
}
