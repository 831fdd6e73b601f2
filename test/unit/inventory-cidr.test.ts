import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { contains, formatIp, formatPrefixed, isNetwork, isReservedInNetwork, networkOf, parseIp, parsePrefixed, sameIp } from '../../common/cidr';

const ip = (text: string) => {
  const parsed = parseIp(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};
const net = (text: string) => {
  const parsed = parsePrefixed(text);
  assert.ok(parsed, `${text} should parse`);
  return parsed;
};

describe('IP addresses', () => {
  test('IPv4: dotted quads only, no leading zeros, each octet 0..255', () => {
    assert.equal(formatIp(ip('10.0.0.11')), '10.0.0.11');
    assert.equal(ip('255.255.255.255').bits, 0xffffffffn);
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1.', '1.2.3.4/24', ' 10.0.0.1', '', 'a.b.c.d']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });

  test('IPv6: compressed, full and IPv4-suffixed forms mean one address, written canonically (RFC 5952)', () => {
    assert.ok(sameIp(ip('fd00::1'), ip('fd00:0:0:0:0:0:0:0001')));
    assert.equal(formatIp(ip('FD00:0:0:0:0:0:0:0011')), 'fd00::11');
    assert.equal(formatIp(ip('::')), '::');
    assert.equal(formatIp(ip('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1', 'the first of two equal zero runs');
    assert.equal(formatIp(ip('2001:db8:0:1:1:1:1:1')), '2001:db8:0:1:1:1:1:1', 'a single zero group stays');
    assert.equal(formatIp(ip('::ffff:10.0.0.1')), '::ffff:a00:1');
    for (const bad of ['fd00::1::2', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'fd00::g', 'fe80::1%eth0', ':1::', '1:2:3:4:5:6:7::8:9', '12345::']) {
      assert.equal(parseIp(bad), undefined, bad);
    }
  });

  test('IPv4 and IPv6 are never the same address', () => {
    assert.equal(sameIp(ip('0.0.0.1'), ip('::1')), false);
  });
});

describe('prefixes', () => {
  test('ADDRESS/PREFIX with a decimal prefix that fits the family', () => {
    assert.equal(net('10.0.0.0/24').prefix, 24);
    assert.equal(net('fd00:10::/64').prefix, 64);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/024', '10.0.0.0/', '10.0.0.0', 'fd00::/129', '10.0.0.0/24/1', 'x/24']) {
      assert.equal(parsePrefixed(bad), undefined, bad);
    }
  });

  test('a network has no host bits; networkOf clears them', () => {
    assert.ok(isNetwork(net('10.0.0.0/24')));
    assert.ok(!isNetwork(net('10.0.0.5/24')));
    assert.equal(formatPrefixed(networkOf(net('10.0.0.5/24'))), '10.0.0.0/24');
    assert.equal(formatPrefixed(networkOf(net('fd00:10::5/64'))), 'fd00:10::/64');
    assert.ok(isNetwork(net('0.0.0.0/0')));
  });

  test('contains: same family and same network bits', () => {
    assert.ok(contains(net('10.0.0.0/24'), ip('10.0.0.255')));
    assert.ok(!contains(net('10.0.0.0/24'), ip('10.0.1.0')));
    assert.ok(contains(net('10.0.0.0/8'), ip('10.200.3.4')));
    assert.ok(contains(net('fd00:10::/64'), ip('fd00:10::ffff:1')));
    assert.ok(!contains(net('fd00:10::/64'), ip('fd00:11::1')));
    assert.ok(!contains(net('0.0.0.0/0'), ip('::1')), 'no IPv6 address is in an IPv4 network');
  });

  test('the network and broadcast addresses are not a host\'s, except on /31 and /32', () => {
    const lan = net('10.0.0.0/24');
    assert.ok(isReservedInNetwork(lan, ip('10.0.0.0')));
    assert.ok(isReservedInNetwork(lan, ip('10.0.0.255')));
    assert.ok(!isReservedInNetwork(lan, ip('10.0.0.11')));
    assert.ok(!isReservedInNetwork(net('10.0.0.0/31'), ip('10.0.0.0')));
    assert.ok(!isReservedInNetwork(net('10.0.0.0/31'), ip('10.0.0.1')));
    assert.ok(isReservedInNetwork(net('fd00::/64'), ip('fd00::')), 'the IPv6 subnet-router anycast address');
    assert.ok(!isReservedInNetwork(net('fd00::/64'), ip('fd00::ffff:ffff:ffff:ffff')), 'IPv6 has no broadcast');
    assert.ok(!isReservedInNetwork(lan, ip('10.0.1.0')), 'outside the network: not this network\'s to reserve');
  });
});
