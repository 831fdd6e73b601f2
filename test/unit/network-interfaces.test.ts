import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { renderInterfaces } from '../../activities/network/interfaces';

const INSTALLED = `auto lo
iface lo inet loopback

iface eno1 inet manual

auto vmbr0
iface vmbr0 inet static
\taddress 192.168.100.11/24
\tgateway 192.168.100.1
\tbridge-ports eno1
\tbridge-stp off
\tbridge-fd 0

auto enp1s0f1
iface enp1s0f1 inet static
\taddress 10.0.0.11/24
\tmtu 9000

source /etc/network/interfaces.d/*
`;

const P = { nic: 'enp1s0f1', bridge: 'vmbr1', cidr: '10.0.0.11/24', mtu: 9000 };

describe('/etc/network/interfaces rendering', () => {
  test('the NIC becomes a bridge port; the address and MTU move to the bridge', () => {
    const out = renderInterfaces(INSTALLED, P);
    assert.match(out, /auto enp1s0f1\niface enp1s0f1 inet manual\n\tmtu 9000\n/);
    assert.match(out, /auto vmbr1\niface vmbr1 inet static\n\taddress 10\.0\.0\.11\/24\n\tbridge-ports enp1s0f1\n\tbridge-stp off\n\tbridge-fd 0\n\tmtu 9000\n/);
    assert.equal(out.match(/address 10\.0\.0\.11/g)?.length, 1, 'the address is declared once');
    assert.ok(!/iface enp1s0f1 inet static/.test(out));
  });

  test('everything else is kept byte for byte, and source stays last', () => {
    const out = renderInterfaces(INSTALLED, P);
    assert.ok(out.startsWith(INSTALLED.slice(0, INSTALLED.indexOf('auto enp1s0f1'))));
    assert.ok(out.trimEnd().endsWith('source /etc/network/interfaces.d/*'));
  });

  test('rendering is idempotent: a second run finds nothing to change', () => {
    const once = renderInterfaces(INSTALLED, P);
    assert.equal(renderInterfaces(once, P), once);
  });

  test('a changed MTU or address replaces the earlier stanzas instead of adding more', () => {
    const once = renderInterfaces(INSTALLED, P);
    const twice = renderInterfaces(once, { ...P, mtu: 8000, cidr: '10.0.0.21/24' });
    assert.equal(twice.match(/iface vmbr1/g)?.length, 1);
    assert.match(twice, /address 10\.0\.0\.21\/24/);
    assert.ok(!/mtu 9000/.test(twice));
  });

  test('an `auto` line naming our NIC and another keeps the other', () => {
    const out = renderInterfaces('auto lo enp1s0f1\niface lo inet loopback\n', P);
    assert.match(out, /^auto lo\n/);
    assert.equal(out.match(/auto enp1s0f1/g)?.length, 1);
  });

  test('a file without source lines gets the stanzas at the end', () => {
    const out = renderInterfaces('auto lo\niface lo inet loopback\n', P);
    assert.ok(out.trimEnd().endsWith('#private network: corosync and Ceph (pve-runbooks)'));
  });
});
