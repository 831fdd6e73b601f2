import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RESTORE_SSHD_COMMAND, removeIdentityCommand, removeLinesCommand } from '../../activities/rollback/ssh';
import { restoreInterfacesCommand } from '../../activities/rollback/network';

const HOSTILE = ['plain', 'two words', "it's", '"double"', '$(touch /tmp/pwned)', '`id`', '$HOME', 'a;b', '*', '-rf', '\\', '^.*$', 'ünïcödé', "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx key'with\"quotes$(x)"];

/** Runs `fn` in a fresh temporary directory, removed afterwards whatever happens. */
function inTempDir(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pvr-rollback-lines-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function bash(script: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [...args, '-c', script], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The compensations' scripts under a real bash with GNU grep (the twin runs them in its own
 * shell): valid whatever the names and keys, and removeLinesCommand doing on Linux what the
 * integration tests prove on the twin.
 */
describe('rollback commands', () => {
  test('valid bash for hostile lines, files, keys and bridge names', () => {
    for (const arg of [...HOSTILE, 'new\nline']) {
      for (const script of [removeLinesCommand(`/tmp/${arg}`, [arg, arg], true), removeIdentityCommand(arg), restoreInterfacesCommand(arg), RESTORE_SSHD_COMMAND]) {
        const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
        assert.equal(r.status, 0, `bash -n rejected:\n${script}\n${r.stderr}`);
      }
    }
  });

  test('removeLinesCommand: exactly the named lines go, the rest byte for byte, through a symlink, keeping the mode; then nothing to do', () => {
    inTempDir((dir) => {
      const target = path.join(dir, 'cluster-keys');
      const link = path.join(dir, 'authorized_keys');
      const kept = ['# a comment', 'ssh-rsa AAAAB3 root@pve1', '', '  indented  ', 'it', "it's not quite", 'two words and more'];
      // Lines with quotes, $(), globs and regex characters; half of them in the file.
      const present = HOSTILE.filter((_, i) => i % 2 === 0);
      fs.writeFileSync(target, kept.flatMap((k, i) => [k, ...(present[i] !== undefined ? [present[i]] : [])]).join('\n') + '\n');
      fs.chmodSync(target, 0o600);
      fs.symlinkSync(target, link);

      const r = bash(removeLinesCommand(link, HOSTILE));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'removed\n'.repeat(present.length));
      assert.equal(fs.readFileSync(target, 'utf8'), kept.join('\n') + '\n');
      assert.ok(fs.lstatSync(link).isSymbolicLink(), 'the symlink stays');
      assert.equal(fs.statSync(target).mode & 0o777, 0o600);

      const again = bash(removeLinesCommand(link, HOSTILE));
      assert.deepEqual([again.status, again.stdout], [0, '']);
      assert.equal(fs.readFileSync(target, 'utf8'), kept.join('\n') + '\n');
    });
  });

  test('removeLinesCommand: a file the forward step created goes once empty; one it did not, or a symlink, stays', () => {
    inTempDir((dir) => {
      const created = path.join(dir, 'known_hosts');
      fs.writeFileSync(created, 'pve1 ssh-ed25519 AAAA\n');
      assert.equal(bash(removeLinesCommand(created, ['pve1 ssh-ed25519 AAAA'], true)).stdout, 'removed\ndeleted\n');
      assert.equal(fs.existsSync(created), false);

      const own = path.join(dir, 'own');
      fs.writeFileSync(own, 'x\n');
      assert.equal(bash(removeLinesCommand(own, ['x'], false)).stdout, 'removed\n');
      assert.equal(fs.readFileSync(own, 'utf8'), '');

      const other = path.join(dir, 'other');
      fs.writeFileSync(other, 'kept\nx\n');
      assert.equal(bash(removeLinesCommand(other, ['x'], true)).stdout, 'removed\n');
      assert.equal(fs.readFileSync(other, 'utf8'), 'kept\n');

      const target = path.join(dir, 'target');
      fs.writeFileSync(target, 'x\n');
      fs.symlinkSync(target, path.join(dir, 'link'));
      assert.equal(bash(removeLinesCommand(path.join(dir, 'link'), ['x'], true)).stdout, 'removed\n');
      assert.ok(fs.lstatSync(path.join(dir, 'link')).isSymbolicLink());
    });
  });

  test('removeLinesCommand: a file that is not there, or a directory, has nothing to remove and stays as it is', () => {
    inTempDir((dir) => {
      const missing = path.join(dir, 'missing');
      assert.deepEqual(bash(removeLinesCommand(missing, ['x'], true)).stdout, '');
      assert.equal(fs.existsSync(missing), false);
      assert.deepEqual(bash(removeLinesCommand(dir, ['x'], true)).stdout, '');
      assert.ok(fs.statSync(dir).isDirectory());
    });
  });
});
