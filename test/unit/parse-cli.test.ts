import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARSE_KINDS, parseMdstat, parsePvecmStatus } from '../../activities/parsers';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/pve');
const fixturePath = (name: string) => path.join(FIXTURES, name);

/** The command mounted on a bare program, as pve-runbooks mounts it, in its own process. */
const PROGRAM = `
const { Command } = require('commander');
const { parseCommand } = require('./dist/client/parse.js');
new Command('pve-runbooks').addCommand(parseCommand()).parseAsync(process.argv.slice(1), { from: 'user' });
`;

function pveRunbooks(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', PROGRAM, '--', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('pve-runbooks parse', () => {
  test('FILE: the normalized JSON with 2-space indent on stdout, exit 0', async () => {
    const file = 'pvecm-status.quorate.4nodes.pve-docs.txt';
    const r = await pveRunbooks(['parse', 'pvecm-status', fixturePath(file)]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `${JSON.stringify(parsePvecmStatus(fs.readFileSync(fixturePath(file), 'utf8')), null, 2)}\n`);
  });

  test('stdin, with "-" or without a FILE', async () => {
    const text = fs.readFileSync(fixturePath('mdstat.raid5.4disks.initial-resync.forced-create.txt'), 'utf8');
    const expected = `${JSON.stringify(parseMdstat(text), null, 2)}\n`;
    for (const args of [['parse', 'mdstat', '-'], ['parse', 'mdstat']]) {
      const r = await pveRunbooks(args, text);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, expected);
    }
  });

  test('unparseable input: one line on stderr naming kind and line, nothing on stdout, exit 1', async () => {
    const r = await pveRunbooks(['parse', 'pvecm-status', '-'], 'garbage\nmore garbage\n');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'error: pve-runbooks parse pvecm-status: line 1: cannot read "garbage": expected a section heading such as "Quorum information"\n');
  });

  test('an unknown kind: did you mean, and the list of kinds', async () => {
    const r = await pveRunbooks(['parse', 'pvecm-stats', fixturePath('qm-list.2vms.running.txt')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: pve-runbooks parse: unknown kind "pvecm-stats" \(did you mean pvecm-status\?\)\. Kinds: pvecm-status, /);
    for (const kind of Object.keys(PARSE_KINDS)) assert.ok(r.stderr.includes(kind), kind);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('a kind nothing like any other gets the list only', async () => {
    const r = await pveRunbooks(['parse', 'zzzzzzzz']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: pve-runbooks parse: unknown kind "zzzzzzzz"\. Kinds: /);
  });

  test('a file that does not exist', async () => {
    const r = await pveRunbooks(['parse', 'qm-list', '/nonexistent/qm-list.txt']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: pve-runbooks parse qm-list: cannot read /nonexistent/qm-list.txt: no such file\n');
  });

  test('pveversion keeps its own message under the same prefix', async () => {
    const r = await pveRunbooks(['parse', 'pveversion'], 'bash: pveversion: command not found\n');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'error: pve-runbooks parse pveversion: unrecognized output: "bash: pveversion: command not found"\n');
  });

  test('--help lists every kind with its description and the command it reads', async () => {
    const r = await pveRunbooks(['parse', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: pve-runbooks parse \[options\] <kind> \[file\]/);
    for (const [kind, k] of Object.entries(PARSE_KINDS)) {
      assert.ok(r.stdout.includes(`  ${kind} `), kind);
      assert.ok(r.stdout.includes(k.description), k.description);
      assert.ok(r.stdout.includes(`reads: ${k.command}`), k.command);
    }
  });
});
