import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseIpAddrJson } from '../../activities/parsers/ipAddrJson';
import { parseIpLinkJson } from '../../activities/parsers/ipLinkJson';
import { parsePing } from '../../activities/parsers/ping';
import { Lab, type SimNode } from '../../lab/lab';

/** What the hyper-converged build writes: the private NIC becomes the port of vmbr1, which takes the address. */
function withPrivateBridge(n: SimNode, port = 'enp1s0f1'): string {
  const host = n.address.split('.').pop() as string;
  return `auto lo
iface lo inet loopback

iface eno1 inet manual

auto vmbr0
iface vmbr0 inet static
\taddress 192.168.100.${host}/24
\tgateway 192.168.100.1
\tbridge-ports eno1
\tbridge-stp off
\tbridge-fd 0

auto enp1s0f1
iface enp1s0f1 inet manual
\tmtu 9000

auto vmbr1
iface vmbr1 inet static
\taddress ${n.address}/24
\tbridge-ports ${port}
\tbridge-stp off
\tbridge-fd 0
\tmtu 9000


source /etc/network/interfaces.d/*
`;
}

const JUMBO = 'ping -M do -s 8972 -c 3 -i 0.2 -W 2';

/** ping's report with its stderr (the local errors) in place, as `2>&1` gives it. */
async function ping(n: SimNode, target: string) {
  const r = await n.exec(`${JUMBO} ${target}`);
  return { ...r, parsed: parsePing(r.stdout + r.stderr) };
}

describe('the lab network: interfaces, ifreload, ip and ping', () => {
  const dirs: string[] = [];
  const labs: Lab[] = [];
  const start = async (opts: { pve?: 8 | 9 } = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-network-'));
    dirs.push(dir);
    const lab = await Lab.start({ stateDir: dir, nodes: 3, pve: opts.pve ?? 8, timeScale: 200 });
    labs.push(lab);
    return lab;
  };
  let lab: Lab;

  before(async () => {
    lab = await start();
  });

  after(async () => {
    await Promise.all(labs.map((l) => l.stop()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('a fresh node: the installer\'s vmbr0 on eno1, the node address on enp1s0f1 at MTU 9000', async () => {
    const pve2 = lab.node('pve2');
    const file = await pve2.fs.readFile('/etc/network/interfaces');
    assert.match(file, /^auto vmbr0\niface vmbr0 inet static\n\taddress 192\.168\.100\.12\/24\n\tgateway 192\.168\.100\.1\n\tbridge-ports eno1\n\tbridge-stp off\n\tbridge-fd 0\n/m);
    assert.match(file, /^auto enp1s0f1\niface enp1s0f1 inet static\n\taddress 10\.0\.0\.12\/24\n\tmtu 9000\n/m);
    assert.match(file, /^source \/etc\/network\/interfaces\.d\/\*$/m);
    const links = parseIpLinkJson((await pve2.exec('ip -j -d link show')).stdout).links;
    assert.deepEqual(
      links.map((l) => [l.ifname, l.mtu, l.maxMtu, l.master, l.kind, l.operstate]),
      [
        ['lo', 65536, null, null, null, 'UNKNOWN'],
        ['eno1', 1500, 9000, 'vmbr0', null, 'UP'],
        ['enp1s0f0', 1500, 9000, null, null, 'DOWN'],
        ['enp1s0f1', 9000, 9000, null, null, 'UP'],
        ['vmbr0', 1500, 65535, null, 'bridge', 'UP'],
      ],
    );
    const addrs = parseIpAddrJson((await pve2.exec('ip -j addr show')).stdout).interfaces;
    const v4 = (name: string) => (addrs.find((i) => i.ifname === name)?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    assert.deepEqual([v4('lo'), v4('eno1'), v4('enp1s0f1'), v4('vmbr0')], [['127.0.0.1/8'], [], ['10.0.0.12/24'], ['192.168.100.12/24']]);
  });

  test('the forms the runbooks already read keep working: ip -o, -br, -4 and dev', async () => {
    const pve1 = lab.node('pve1');
    const oneline = (await pve1.exec("ip -o addr show | awk '{print $4}' | cut -d/ -f1")).stdout.split('\n').filter(Boolean);
    assert.ok(oneline.includes('10.0.0.11') && oneline.includes('127.0.0.1'), oneline.join(' '));
    assert.match((await pve1.exec('ip -o addr show')).stdout, /^4: enp1s0f1    inet 10\.0\.0\.11\/24 scope global enp1s0f1\\       valid_lft forever preferred_lft forever$/m);
    assert.match((await pve1.exec('ip -br addr')).stdout, /^vmbr0 {12}UP {13}192\.168\.100\.11\/24 fe80::\S+\/64 \n/m);
    assert.match((await pve1.exec('ip -br addr')).stdout, /^eno1 {13}UP {13}\n/m);
    assert.equal((await pve1.exec('ip -4 addr show dev enp1s0f1')).stdout, '4: enp1s0f1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq state UP group default qlen 1000\n    inet 10.0.0.11/24 scope global enp1s0f1\n       valid_lft forever preferred_lft forever\n');
    assert.deepEqual(await pve1.exec('ip addr show dev eth0'), { stdout: '', stderr: 'Device "eth0" does not exist.\n', exitCode: 1 });
    assert.match((await pve1.exec('ip link show eno1')).stdout, /^2: eno1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master vmbr0 state UP mode DEFAULT group default qlen 1000\n    link\/ether bc:24:11:00:0b:\w\w brd ff:ff:ff:ff:ff:ff\n    altname enp0s31f6\n$/);
    assert.equal((await pve1.exec('ip route')).stdout, 'default via 192.168.100.1 dev vmbr0 proto kernel onlink \n10.0.0.0/24 dev enp1s0f1 proto kernel scope link src 10.0.0.11 \n192.168.100.0/24 dev vmbr0 proto kernel scope link src 192.168.100.11 \n');
  });

  test('ifreload -a moves the address to a bridge on enp1s0f1, and jumbo frames cross between every pair', async () => {
    for (const n of lab.nodes) await n.fs.writeFile('/etc/network/interfaces', withPrivateBridge(n));
    const before = lab.clock.now();
    for (const n of lab.nodes) assert.deepEqual(await n.exec('ifreload -a'), { stdout: '', stderr: '', exitCode: 0 });
    assert.ok(lab.clock.now() - before >= 3 * 1500, 'applying takes a second or two each');
    const pve1 = lab.node('pve1');
    const links = parseIpLinkJson((await pve1.exec('ip -j -d link show')).stdout).links;
    const link = (name: string) => links.find((l) => l.ifname === name);
    assert.deepEqual([link('vmbr1')?.kind, link('vmbr1')?.mtu, link('enp1s0f1')?.master, link('enp1s0f1')?.mtu], ['bridge', 9000, 'vmbr1', 9000]);
    const addrs = parseIpAddrJson((await pve1.exec('ip -j addr show')).stdout).interfaces;
    const v4 = (name: string) => (addrs.find((i) => i.ifname === name)?.addresses ?? []).filter((a) => a.family === 'inet').map((a) => a.local);
    assert.deepEqual([v4('enp1s0f1'), v4('vmbr1')], [[], ['10.0.0.11']]);
    for (const from of lab.nodes) {
      for (const to of lab.nodes) {
        if (from === to) continue;
        const r = await ping(from, to.address);
        assert.equal(r.exitCode, 0, `${from.name} → ${to.name}: ${r.stdout}${r.stderr}`);
        assert.deepEqual([r.parsed.transmitted, r.parsed.received, r.parsed.lossPercent, r.parsed.localError], [3, 3, 0, null]);
        assert.match(r.stdout, new RegExp(`^PING ${to.address} \\(${to.address}\\) 8972\\(9000\\) bytes of data\\.\\n8980 bytes from ${to.address}: icmp_seq=1 ttl=64 time=0\\.\\d{3} ms\\n`));
        assert.match(r.stdout, /\n--- \S+ ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 40\dms\nrtt min\/avg\/max\/mdev = \d\.\d{3}\/\d\.\d{3}\/\d\.\d{3}\/\d\.\d{3} ms\n$/);
      }
    }
  });

  test('a switch path at 1500 between two nodes drops their jumbo frames both ways, silently; the other pairs pass', async () => {
    lab.network.setPathMtu('pve1', 'pve2', 1500);
    try {
      for (const [from, to] of [
        ['pve1', 'pve2'],
        ['pve2', 'pve1'],
      ] as const) {
        const started = lab.clock.now();
        const r = await ping(lab.node(from), lab.node(to).address);
        assert.equal(r.exitCode, 1);
        assert.equal(r.stderr, '');
        assert.deepEqual([r.parsed.transmitted, r.parsed.received, r.parsed.errors, r.parsed.lossPercent], [3, 0, 0, 100]);
        assert.match(r.stdout, /\n3 packets transmitted, 0 received, 100% packet loss, time 40\dms\n$/);
        assert.ok(lab.clock.now() - started >= 400 + 2000, 'the probes go out 0.2 s apart, then ping waits -W 2 for the last reply');
      }
      for (const [from, to] of [
        ['pve1', 'pve3'],
        ['pve3', 'pve2'],
      ] as const) {
        assert.equal((await ping(lab.node(from), lab.node(to).address)).exitCode, 0, `${from} → ${to}`);
      }
      const small = await lab.node('pve1').exec(`ping -M do -s 1472 -c 2 -i 0.2 -W 1 ${lab.node('pve2').address}`);
      assert.equal(parsePing(small.stdout).received, 2, 'standard frames still cross');
    } finally {
      lab.network.setPathMtu('pve1', 'pve2', 9216);
    }
  });

  test('a powered-off node and an address nobody has: silent loss; no route at all: connect fails', async () => {
    await lab.node('pve3').powerOff();
    try {
      const r = await ping(lab.node('pve1'), lab.node('pve3').address);
      assert.deepEqual([r.exitCode, r.parsed.received, r.stderr], [1, 0, '']);
    } finally {
      await lab.node('pve3').powerOn();
    }
    assert.equal(parsePing((await lab.node('pve1').exec('ping -c 2 -i 0.2 -W 1 10.0.0.99')).stdout).received, 0);
    assert.equal(parsePing((await lab.node('pve1').exec('ping -c 1 -W 1 203.0.113.7')).stdout).received, 0, 'via the default gateway, which the lab does not route');
    assert.deepEqual(await lab.node('pve1').exec('ping -c 1 -I enp1s0f0 10.0.0.12'), { stdout: '', stderr: 'ping: connect: Network is unreachable\n', exitCode: 2 });
    assert.deepEqual(await lab.node('pve1').exec('ping -c 1 -I eth9 10.0.0.12'), { stdout: '', stderr: 'ping: SO_BINDTODEVICE eth9: No such device\n', exitCode: 2 });
  });

  test('a power cycle applies the file again and drops runtime changes', async () => {
    const pve3 = lab.node('pve3');
    assert.equal((await pve3.exec('ip -j link show dev vmbr1')).exitCode, 0, 'vmbr1 came back from the file at boot');
    assert.deepEqual(await pve3.exec('ip addr add 10.9.9.3/24 dev vmbr1 && ip link set dev vmbr1 mtu 1500'), { stdout: '', stderr: '', exitCode: 0 });
    assert.deepEqual(await pve3.exec('ip addr add 10.9.9.3/24 dev vmbr1'), { stdout: '', stderr: 'RTNETLINK answers: File exists\n', exitCode: 2 });
    assert.match((await pve3.exec('ip -4 -o addr show dev vmbr1')).stdout, /10\.9\.9\.3\/24/);
    assert.equal((await ping(lab.node('pve1'), pve3.address)).parsed.localError, null);
    assert.equal((await ping(pve3, lab.node('pve1').address)).parsed.localError, 'message too long, mtu=1500', 'the bridge was shrunk by hand');
    await pve3.powerOff();
    await pve3.powerOn();
    assert.doesNotMatch((await pve3.exec('ip -4 -o addr show dev vmbr1')).stdout, /10\.9\.9\.3/);
    assert.equal((await ping(pve3, lab.node('pve1').address)).exitCode, 0);
  });

  test('a NIC without jumbo frames: ifreload warns, ip refuses, and ping reports the local error', async () => {
    const lab9 = await start({ pve: 9 });
    lab9.network.setMaxMtu('pve2', 'enp1s0f1', 1500);
    const pve2 = lab9.node('pve2');
    assert.equal(parseIpLinkJson((await pve2.exec('ip -j -d link show dev enp1s0f1')).stdout).links[0]?.mtu, 1500, 'the card cannot hold 9000');
    await pve2.fs.writeFile('/etc/network/interfaces', withPrivateBridge(pve2));
    assert.deepEqual(await pve2.exec('ifreload -a'), {
      stdout: '',
      stderr: 'warning: error while writing to file /sys/class/net/enp1s0f1/mtu: [Errno 22] Invalid argument\nwarning: error while writing to file /sys/class/net/vmbr1/mtu: [Errno 22] Invalid argument\n',
      exitCode: 0,
    });
    assert.deepEqual(await pve2.exec('ip link set dev enp1s0f1 mtu 9000'), { stdout: '', stderr: 'Error: mtu greater than device maximum.\n', exitCode: 2 });
    const r = await ping(pve2, lab9.node('pve1').address);
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr, 'ping: local error: message too long, mtu=1500\n'.repeat(3));
    assert.deepEqual([r.parsed.transmitted, r.parsed.received, r.parsed.errors, r.parsed.localError, r.parsed.mtu], [3, 0, 3, 'message too long, mtu=1500', 1500]);
    assert.match(r.stdout, /\n3 packets transmitted, 0 received, \+3 errors, 100% packet loss, time 40\dms\n$/);
    const back = await ping(lab9.node('pve1'), pve2.address);
    assert.deepEqual([back.parsed.received, back.parsed.localError], [0, null], "the receiver's NIC drops what it cannot carry");
    assert.equal((await pve2.exec('ping -V')).stdout, 'ping from iputils 20240905\n');
    assert.equal((await lab.node('pve1').exec('ping -V')).stdout, 'ping from iputils 20221126\n');
  });

  test("ifreload reports ifupdown2's errors for a bad configuration and exits 1", async () => {
    const pve1 = lab.node('pve1');
    await pve1.fs.writeFile('/etc/network/interfaces.d/storage', 'auto vmbr2\niface vmbr2 inet static\n\taddress 10.1.0.11/24\n\tbridge-ports enp9s0\n\tbridge-vlan-awre yes\n\nauto bond0\niface bond0 inet manual\n\tbridge-stp off\n');
    try {
      assert.deepEqual(await pve1.exec('ifreload -a'), {
        stdout: '',
        stderr:
          'error: /etc/network/interfaces.d/storage: line5: iface vmbr2: unsupported keyword (bridge-vlan-awre)\n' +
          'error: vmbr2: bridge port enp9s0 does not exist\n' +
          'warning: vmbr2: apply bridge ports settings: bridge configuration failed (missing ports)\n' +
          'warning: bond0: interface not recognized - please check interface configuration\n',
        exitCode: 1,
      });
      assert.match((await pve1.exec('ip -o addr show dev vmbr2')).stdout, /inet 10\.1\.0\.11\/24/, 'the bridge comes up without its missing port');
    } finally {
      await pve1.fs.rm('/etc/network/interfaces.d/storage');
      assert.deepEqual(await pve1.exec('ifreload -a'), { stdout: '', stderr: '', exitCode: 0 });
    }
    assert.equal((await pve1.exec('ip link show vmbr2')).exitCode, 1, 'a bridge dropped from the file is deleted');
    assert.deepEqual(await pve1.exec('ifreload'), { stdout: '', stderr: 'usage: ifreload [-h] (-a | -c | --allow CLASS) [-n] [-v] [-d] [-u] [-l] [-f] [-s] [-V] [--nldebug]\nifreload: error: one of the arguments -a/--all -c/--currently-up --allow is required\n', exitCode: 2 });
  });
});
