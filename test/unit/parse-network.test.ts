import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpAddrJson, parseIpLinkJson, parsePing } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';

describe('ip-link-json', () => {
  test('ip -d -j link: a macvlan, whose driver sets no upper MTU bound (max_mtu 0)', () => {
    assert.deepEqual(parseIpLinkJson(fixture('ip-link.d.macvlan.address-stripped.bst.json')).links, [
      { ifname: 'macvlan0', ifindex: 2, mtu: 1500, minMtu: 68, maxMtu: null, operstate: 'UP', flags: ['BROADCAST', 'UP', 'LOWER_UP'], master: null, kind: 'macvlan', linkType: 'ether', mac: null },
    ]);
    const [ipvlan] = parseIpLinkJson(fixture('ip-link.d.ipvlan.address-stripped.bst.json')).links;
    assert.deepEqual([ipvlan!.kind, ipvlan!.minMtu, ipvlan!.maxMtu, ipvlan!.operstate], ['ipvlan', 68, 65535, 'UNKNOWN']);
  });

  test('ip -d -j addr carries the link fields too: MTU ranges of real NICs, a wireguard and a sit tunnel', () => {
    assert.deepEqual(
      parseIpLinkJson(fixture('ip-addr.d.6ifaces.ether-wlan-wireguard-wwan-sit.netplan.json')).links.map((l) => [l.ifname, l.mtu, l.maxMtu, l.kind, l.linkType]),
      [
        ['lo', 65536, null, null, 'loopback'],
        ['enp0s31f6', 1500, 9000, null, 'ether'],
        ['wlan0', 1500, 2304, null, 'ether'],
        ['wg0', 1420, 2147483552, 'wireguard', 'none'],
        ['wwan0', 1500, 2048, null, 'ether'],
        ['tun0', 1480, 65555, 'sit', 'sit'],
      ],
    );
  });

  test('the private NIC as a port of vmbr1 at MTU 9000, without -d; the empty objects a filter leaves', () => {
    const text = `[{},{"ifindex":3,"ifname":"enp1s0f1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":9000,"qdisc":"mq","master":"vmbr1","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"3c:ec:ef:10:22:01","broadcast":"ff:ff:ff:ff:ff:ff"},{}]`;
    assert.deepEqual(parseIpLinkJson(text).links, [
      { ifname: 'enp1s0f1', ifindex: 3, mtu: 9000, minMtu: null, maxMtu: null, operstate: 'UP', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], master: 'vmbr1', kind: null, linkType: 'ether', mac: '3c:ec:ef:10:22:01' },
    ]);
  });

  test('an entry without its MTU, the text form, an object instead of the list', () => {
    throwsParse(() => parseIpLinkJson('[\n{"ifindex":2,"ifname":"eno1","operstate":"UP"}\n]'), 'ip-link-json', 2, /line 2: \[0\]\.mtu: missing/);
    throwsParse(() => parseIpLinkJson('2: eno1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master vmbr0 state UP\n'), 'ip-link-json', 1, /not valid JSON/);
    throwsParse(() => parseIpLinkJson('{"ifname":"eno1"}'), 'ip-link-json', 1, /the document: expected the list of links/);
  });
});

describe('ip-addr-json', () => {
  test('ip -d -j addr: IPv4 and IPv6 per interface with scope and label, an interface without addresses', () => {
    const { interfaces } = parseIpAddrJson(fixture('ip-addr.d.6ifaces.ether-wlan-wireguard-wwan-sit.netplan.json'));
    assert.deepEqual(interfaces.map((i) => [i.ifname, i.addresses.map((a) => `${a.local}/${a.prefixlen}`)]), [
      ['lo', ['127.0.0.1/8', '::1/128']],
      ['enp0s31f6', ['192.168.178.62/24', '2001:9e8:a19f:1c00:56e1:adff:fe5f:24b4/64', 'fe80::56e1:adff:fe5f:24b4/64']],
      ['wlan0', ['192.168.178.142/24', '2001:9e8:a19f:1c00:7011:2d1:951:ad03/64', '2001:9e8:a19f:1c00:f24f:f724:5dd1:d0ad/64', 'fe80::fec1:6ced:5268:b46c/64']],
      ['wg0', ['10.10.0.2/24']],
      ['wwan0', []],
      ['tun0', ['2001:dead:beef::2/64']],
    ]);
    assert.deepEqual(interfaces[1]!.addresses[0], { family: 'inet', local: '192.168.178.62', prefixlen: 24, scope: 'global', label: 'enp0s31f6' });
    assert.deepEqual(interfaces[1]!.addresses[2], { family: 'inet6', local: 'fe80::56e1:adff:fe5f:24b4', prefixlen: 64, scope: 'link', label: null });
    assert.deepEqual([interfaces[4]!.operstate, interfaces[4]!.mtu, interfaces[4]!.master], ['DOWN', 1500, null]);
  });

  test('after the move: the address on vmbr1, the NIC a port without one; `{}` entries skipped', () => {
    const text = `[{},{"ifindex":3,"ifname":"enp1s0f1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":9000,"qdisc":"mq","master":"vmbr1","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"3c:ec:ef:10:22:01","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]},
      {"ifindex":7,"ifname":"vmbr1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":9000,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"3c:ec:ef:10:22:01","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{},{"family":"inet","local":"10.0.0.11","prefixlen":24,"broadcast":"10.0.0.255","scope":"global","label":"vmbr1","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
    assert.deepEqual(
      parseIpAddrJson(text).interfaces.map((i) => [i.ifname, i.master, i.mtu, i.addresses.map((a) => a.local)]),
      [
        ['enp1s0f1', 'vmbr1', 9000, []],
        ['vmbr1', null, 9000, ['10.0.0.11']],
      ],
    );
  });

  test('an address without its prefix length; the brief text form', () => {
    throwsParse(() => parseIpAddrJson('[{"ifindex":1,"ifname":"lo","mtu":65536,"operstate":"UNKNOWN","addr_info":[\n{"family":"inet","local":"127.0.0.1"}\n]}]'), 'ip-addr-json', 2, /line 2: \[0\]\.addr_info\[0\]\.prefixlen: missing/);
    throwsParse(() => parseIpAddrJson('lo               UNKNOWN        127.0.0.1/8 ::1/128\n'), 'ip-addr-json', 1, /not valid JSON/);
  });
});

describe('ping', () => {
  test('iputils on Fedora 32: a host name, one "no answer yet", 5% loss', () => {
    assert.deepEqual(parsePing(fixture('ping.iputils.fedora32.hostname.no-answer-yet.5pct-loss.jc.txt')), {
      target: 'turner-tls.map.fastly.net',
      address: '151.101.129.67',
      transmitted: 20,
      received: 19,
      errors: 0,
      duplicates: 0,
      lossPercent: 5,
      localError: null,
      mtu: null,
      replies: 19,
      icmpErrors: [],
      rttMs: { min: 24.317, avg: 61.577, max: 274.537, mdev: 69.94 },
    });
  });

  test('-D timestamps on every reply (Ubuntu 18.04); IPv6 with a -p PATTERN line (CentOS 7.7)', () => {
    const d = parsePing(fixture('ping.iputils.ubuntu-18.04.ip.timestamps-D.jc.txt'));
    assert.deepEqual([d.target, d.replies, d.received, d.lossPercent], ['127.0.0.1', 20, 20, 0]);
    const v6 = parsePing(fixture('ping.iputils.centos-7.7.ipv6.pattern-p.jc.txt'));
    assert.deepEqual([v6.target, v6.address, v6.replies, v6.transmitted, v6.rttMs?.max], ['2a04:4e42:600::323', '2a04:4e42:600::323', 19, 20, 38.146]);
  });

  test('a jumbo ping the local interface cannot send: only local errors and the statistics', () => {
    const text = [
      'PING 10.0.0.12 (10.0.0.12) 8972(9000) bytes of data.',
      'ping: local error: message too long, mtu=1500',
      'ping: local error: message too long, mtu=1500',
      'ping: local error: message too long, mtu=1500',
      '',
      '--- 10.0.0.12 ping statistics ---',
      '3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 411ms',
      '',
    ].join('\n');
    assert.deepEqual(parsePing(text), {
      target: '10.0.0.12',
      address: '10.0.0.12',
      transmitted: 3,
      received: 0,
      errors: 3,
      duplicates: 0,
      lossPercent: 100,
      localError: 'message too long, mtu=1500',
      mtu: 1500,
      replies: 0,
      icmpErrors: [],
      rttMs: null,
    });
  });

  test('a router on the path answers "Frag needed"; unreachable hosts; the old ", pipe 3" line', () => {
    const frag = [
      'PING 8.8.8.8 (8.8.8.8) 1500(1528) bytes of data.',
      'From 192.168.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1492)',
      'ping: local error: message too long, mtu=1492',
      '',
      '--- 8.8.8.8 ping statistics ---',
      '2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 1001ms',
    ].join('\n');
    const f = parsePing(frag);
    assert.deepEqual([f.mtu, f.icmpErrors, f.localError, f.errors], [1492, ['Frag needed and DF set (mtu = 1492)'], 'message too long, mtu=1492', 2]);
    const unreachable = [
      'PING 192.168.2.1 (192.168.2.1) 56(84) bytes of data.',
      'From 192.168.2.99 icmp_seq=1 Destination Host Unreachable',
      'From 192.168.2.99 icmp_seq=2 Destination Host Unreachable',
      'From 192.168.2.99 icmp_seq=3 Destination Host Unreachable',
      '',
      '--- 192.168.2.1 ping statistics ---',
      '5 packets transmitted, 0 received, +3 errors, 100% packet loss, time 4016ms',
      ', pipe 3',
    ].join('\n');
    const u = parsePing(unreachable);
    assert.deepEqual([u.icmpErrors.length, u.errors, u.mtu, u.received], [3, 3, null, 0]);
    const replies = [1, 2, 3].map((i) => `8980 bytes from 10.0.0.12: icmp_seq=${i} ttl=64 time=0.2${i} ms\n`).join('');
    const piped = parsePing(`PING pve2 (10.0.0.12) 8972(9000) bytes of data.\n${replies}\n--- pve2 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 401ms\nrtt min/avg/max/mdev = 0.177/0.201/0.222/0.018 ms, pipe 2\n`);
    assert.deepEqual([piped.received, piped.replies, piped.rttMs], [3, 3, { min: 0.177, avg: 0.201, max: 0.222, mdev: 0.018 }]);
  });

  test('BusyBox: "seq=", "packets received", "round-trip min/avg/max", a duplicate reply', () => {
    const text = [
      'PING 10.0.0.11 (10.0.0.11): 56 data bytes',
      '64 bytes from 10.0.0.11: seq=0 ttl=64 time=0.310 ms',
      '64 bytes from 10.0.0.11: seq=0 ttl=64 time=0.352 ms (DUP!)',
      '64 bytes from 10.0.0.11: seq=1 ttl=64 time=0.271 ms',
      '',
      '--- 10.0.0.11 ping statistics ---',
      '2 packets transmitted, 2 packets received, +1 duplicates, 0% packet loss',
      'round-trip min/avg/max = 0.271/0.311/0.352 ms',
    ].join('\n');
    const p = parsePing(text);
    assert.deepEqual([p.replies, p.received, p.duplicates, p.rttMs], [2, 2, 1, { min: 0.271, avg: 0.311, max: 0.352 }]);
  });

  test('a DNS failure, a line nobody prints, an output cut before the statistics, a broken statistics line', () => {
    throwsParse(() => parsePing('ping: pve9: Name or service not known\n'), 'ping', 1, /^ping: line 1: cannot read "ping: pve9: Name or service not known"$/);
    const text = fixture('ping.iputils.fedora32.hostname.no-answer-yet.5pct-loss.jc.txt');
    throwsParse(() => parsePing(text.replace('no answer yet for icmp_seq=12', 'something else')), 'ping', 13, /line 13: cannot read "something else"/);
    throwsParse(() => parsePing(text.split('--- turner')[0]!), 'ping', undefined, /no "N packets transmitted" statistics line \(is the output cut short\?\)/);
    throwsParse(() => parsePing(text.replace('5% packet loss', 'five percent lost')), 'ping', 24, /line 24: cannot read "five percent lost" in the statistics line/);
  });
});
