import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Bash } from 'just-bash';
import { quoteArg, cmd } from '../../activities/ssh/quote';
import { appendLineOnce } from '../../activities/ssh/script';
import { installKeyCommand } from '../../activities/nodes/controllerKey';
import { FACTS_COMMAND } from '../../activities/nodes/facts';
import { IDENTITY_COMMAND } from '../../activities/cluster/identity';
import { trustCommand, peerSshCommand } from '../../activities/cluster/trust';
import { formationCommand } from '../../activities/cluster/formation';
import { PROBE_COMMAND } from '../../activities/cluster/probe';
import { SSHD_COMMAND } from '../../activities/cluster/clusterSsh';
import { VERIFY_COMMAND } from '../../activities/cluster/verify';
import { HEALTH_COMMAND } from '../../activities/cluster/health';
import { separationCommand, deleteNodeCommand } from '../../activities/cluster/separation';
import { NETWORK_STATE_COMMAND, writeInterfacesCommand } from '../../activities/network/privateNetwork';
import { renderInterfaces } from '../../activities/network/interfaces';
import { STORAGE_STATE_COMMAND } from '../../activities/disks/inspect';
import { createArrayCommand, ensureVolumeCommand, persistArrayCommand } from '../../activities/disks/raid';

const HOSTILE = [
  '',
  'plain',
  'two words',
  "it's",
  "''",
  '"double"',
  '$(touch /tmp/pwned)',
  '`id`',
  '$HOME',
  'a;b',
  'a&&b',
  'a|b',
  'new\nline',
  'tab\there',
  '*',
  '~root',
  '-rf',
  '\\',
  'ünïcödé',
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx key'with\"quotes$(x)",
];

/** Syntax only (`bash -n` parses, executes nothing): every command the activities can build. */
function bashSyntaxOk(script: string): void {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, `bash -n rejected:\n${script}\n${r.stderr}`);
}

describe('command building and quoting', () => {
  test('quoteArg leaves safe words alone and single-quotes the rest', () => {
    assert.equal(quoteArg('pvecm'), 'pvecm');
    assert.equal(quoteArg('10.0.0.1/24'), '10.0.0.1/24');
    assert.equal(quoteArg(''), "''");
    assert.equal(quoteArg('a b'), "'a b'");
    assert.equal(quoteArg("it's"), `'it'\\''s'`);
  });

  test('a NUL byte is refused', () => {
    assert.throws(() => quoteArg('a\0b'), /NUL/);
  });

  test('every hostile argument survives a shell round trip unchanged (in the virtual bash)', async () => {
    const bash = new Bash();
    for (const arg of HOSTILE) {
      const r = await bash.exec(`printf '%s' ${quoteArg(arg)}`);
      assert.equal(r.stdout, arg, `argument ${JSON.stringify(arg)}`);
      assert.equal(r.exitCode, 0);
    }
  });

  test('cmd() and appendLineOnce() produce valid bash for hostile input', () => {
    for (const arg of HOSTILE) {
      bashSyntaxOk(cmd('echo', arg));
      bashSyntaxOk(appendLineOnce(arg || 'x', arg));
    }
    assert.throws(() => cmd(), /empty/);
  });

  test('the controller-key installer is valid bash for any key text', () => {
    for (const arg of HOSTILE) bashSyntaxOk(installKeyCommand(arg));
  });

  test('the fixed scripts are valid bash', () => {
    for (const c of [FACTS_COMMAND, IDENTITY_COMMAND, PROBE_COMMAND, SSHD_COMMAND, VERIFY_COMMAND, HEALTH_COMMAND, NETWORK_STATE_COMMAND, STORAGE_STATE_COMMAND]) bashSyntaxOk(c);
  });

  test('the storage and network commands are valid bash whatever the devices, names and file content', () => {
    for (const arg of HOSTILE) {
      const d = { raidMembers: [`/dev/${arg}`, '/dev/sdb', arg], array: `/dev/md/${arg}`, db: arg, volumeGroup: arg, logicalVolume: `${arg}lv`, dbMinPercent: 1 };
      bashSyntaxOk(createArrayCommand(d));
      bashSyntaxOk(persistArrayCommand(d));
      bashSyntaxOk(ensureVolumeCommand(d));
      bashSyntaxOk(writeInterfacesCommand(renderInterfaces(`auto lo\niface lo inet loopback\n# ${arg}\n`, { nic: 'enp1s0f1', bridge: 'vmbr1', cidr: '10.0.0.11/24', mtu: 9000 })));
    }
  });

  test('the cluster commands are valid bash whatever the names, addresses and keys', () => {
    for (const arg of HOSTILE) {
      const peer = { name: arg || 'x', aliases: [arg, `${arg}.lab`], rootKey: `ssh-ed25519 AAAA ${arg}`, hostKeys: [`ssh-ed25519 ${arg}`] };
      bashSyntaxOk(trustCommand([peer, peer]));
      bashSyntaxOk(trustCommand([peer], false));
      bashSyntaxOk(peerSshCommand([arg, '10.0.0.11']));
      bashSyntaxOk(formationCommand('pve-runbooks-join', ['pvecm', 'add', arg, '--link0', arg, '--use_ssh']));
      bashSyntaxOk(separationCommand(arg));
      bashSyntaxOk(deleteNodeCommand(arg, 2));
    }
  });
});
