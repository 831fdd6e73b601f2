import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePveversion } from '../../activities/parsers/pveversion';

test('pveversion short form, PVE 8 and 9', () => {
  assert.deepEqual(parsePveversion('pve-manager/8.4.1/2a5fa54a8503f96d (running kernel: 6.8.12-10-pve)\n'), {
    manager: '8.4.1',
    major: 8,
    minor: 4,
    kernel: '6.8.12-10-pve',
  });
  assert.deepEqual(parsePveversion('pve-manager/9.0.10/deb1ca707ec72a89 (running kernel: 6.14.11-2-pve)'), {
    manager: '9.0.10',
    major: 9,
    minor: 0,
    kernel: '6.14.11-2-pve',
  });
});

test('pveversion -v form', () => {
  const v = parsePveversion(
    'proxmox-ve: 8.4.0 (running kernel: 6.8.12-10-pve)\npve-manager: 8.4.1 (running version: 8.4.1/2a5fa54a8503f96d)\nproxmox-kernel-helper: 8.1.1\n',
  );
  assert.deepEqual(v, { manager: '8.4.1', major: 8, minor: 4, kernel: '6.8.12-10-pve' });
});

test('unrelated output is refused with the first line quoted', () => {
  assert.throws(() => parsePveversion('bash: pveversion: command not found\n'), /unrecognized output: "bash: pveversion: command not found"/);
});
