import { hostsLines } from '../commands/etcHosts';
import { fail, type LabCommand, type NodeContext } from '../commands/types';
import { ipToInt } from './ipv4';

/** iputils shipped by each Debian release PVE builds on. */
const IPUTILS: Record<8 | 9, string> = { 8: '20221126', 9: '20240905' };

const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      DNS name or IP address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define path MTU discovery, can be one of <do|dont|want|probe>
  -n                 no reverse DNS name resolution, override -H
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use IPv6 node info query, try <help> as argument

For more details see ping(8).
`;

interface PingOptions {
  count: number;
  intervalMs: number;
  lingerMs: number;
  deadlineS?: number;
  size: number;
  dontFragment: boolean;
  device?: string;
  quiet: boolean;
  numeric: boolean;
  target: string;
}

const WITH_ARG = 'cieIlmMpQsStwWTFN';
const NO_ARG = '46aAbBCdDfhLnOqrRUvV';

function parseArgs(args: string[], major: 8 | 9): PingOptions | { stdout?: string; stderr: string; code: number } {
  const o: Omit<PingOptions, 'target'> = { count: Infinity, intervalMs: 1000, lingerMs: 10_000, size: 56, dontFragment: false, quiet: false, numeric: false };
  const positional: string[] = [];
  const bad = (msg: string) => ({ stderr: `ping: ${msg}\n`, code: 2 });
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      const c = a[j] as string;
      if (NO_ARG.includes(c)) {
        if (c === 'V') return { stdout: `ping from iputils ${IPUTILS[major]}\n`, stderr: '', code: 0 };
        if (c === 'h') return { stderr: USAGE, code: 2 };
        if (c === 'q') o.quiet = true;
        if (c === 'n') o.numeric = true;
        continue;
      }
      if (!WITH_ARG.includes(c)) return { stderr: `ping: invalid option -- '${c}'\n${USAGE}`, code: 2 };
      const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
      if (value === undefined) return { stderr: `ping: option requires an argument -- '${c}'\n${USAGE}`, code: 2 };
      const num = Number(value);
      if (c === 'c') {
        if (!/^\d+$/.test(value) || num < 1) return bad(`invalid argument: '${value}': out of range: 1 <= value <= 9223372036854775807`);
        o.count = num;
      } else if (c === 'i') {
        if (!Number.isFinite(num) || num < 0) return bad(`bad timing interval: ${value}`);
        o.intervalMs = Math.round(num * 1000);
      } else if (c === 'W') {
        if (!Number.isFinite(num) || num < 0.001) return bad(`bad linger time: ${value}`);
        o.lingerMs = Math.round(num * 1000);
      } else if (c === 'w') {
        if (!/^\d+$/.test(value)) return bad(`invalid argument: '${value}'`);
        o.deadlineS = num;
      } else if (c === 's') {
        if (!/^\d+$/.test(value) || num > 2147483647) return bad(`invalid argument: '${value}': out of range: 0 <= value <= 2147483647`);
        o.size = num;
      } else if (c === 'M') {
        if (!['do', 'dont', 'want', 'probe'].includes(value)) return bad(`invalid -M argument: ${value}`);
        o.dontFragment = value === 'do' || value === 'probe';
      } else if (c === 'I') o.device = value;
      break;
    }
  }
  const target = positional[positional.length - 1];
  if (target === undefined) return { stderr: 'ping: usage error: Destination address required\n', code: 1 };
  return { ...o, target };
}

async function resolve(node: NodeContext, name: string): Promise<{ address: string; canonical?: string } | undefined> {
  if (ipToInt(name) !== undefined) return { address: name };
  const lower = name.toLowerCase();
  const line = (await hostsLines(node.fs)).find((l) => l.names.some((n) => n.toLowerCase() === lower));
  if (line && ipToInt(line.address) !== undefined) return { address: line.address, canonical: line.names[0] };
  const host = node.cluster.hosts().find((h) => h.name.toLowerCase() === lower || h.fqdn.toLowerCase() === lower);
  return host ? { address: host.address, canonical: host.fqdn } : undefined;
}

/** iputils' triptime formatting: fewer decimals as the time grows. */
function formatTime(us: number): string {
  if (us >= 100_000 - 50) return `${Math.floor((us + 500) / 1000)}`;
  if (us >= 10_000 - 5) return `${Math.floor((us + 50) / 1000)}.${Math.floor(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.floor((us + 5) / 1000)}.${String(Math.floor(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

function ms3(us: number): string {
  return `${Math.floor(us / 1000)}.${String(Math.round(us) % 1000).padStart(3, '0')}`;
}

/** The integer square root iputils uses for mdev. */
function llsqrt(a: number): number {
  if (a <= 0) return 0;
  let prev = Number.MAX_SAFE_INTEGER;
  let x = a;
  while (x < prev) {
    prev = x;
    x = Math.floor((x + Math.floor(a / x)) / 2);
  }
  return x;
}

/**
 * iputils ping over the lab's network: the route and source address the node's kernel would
 * pick, the sender's MTU check with `-M do` (`local error: message too long`), and echoes that
 * cross the lab's switches or vanish. `-i`, `-W` and `-w` take lab time.
 */
export const ping: LabCommand = {
  name: 'ping',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const o = parseArgs(args, node.release.major);
    if ('code' in o) return { stdout: o.stdout ?? '', stderr: o.stderr, exitCode: o.code };
    const resolved = await resolve(node, o.target);
    if (!resolved) return fail(`ping: ${o.target}: Name or service not known\n`, 2);
    const dst = resolved.address;
    const links = node.net.links;
    let device = o.device;
    let source: string | undefined;
    if (device && ipToInt(device) !== undefined) {
      source = device;
      device = undefined;
      if (!links.addresses().includes(source)) return fail('ping: bind: Cannot assign requested address\n', 2);
    }
    if (device && !links.get(device)) return fail(`ping: SO_BINDTODEVICE ${device}: No such device\n`, 2);
    const route = links.route(dst, device);
    if (!route) return fail('ping: connect: Network is unreachable\n', 2);
    const src = source ?? route.src;
    const hostname = resolved.canonical ?? o.target;
    const from = o.device ? `from ${src} ${device ?? ''}: ` : '';
    let stdout = `PING ${hostname} (${dst}) ${from}${o.size}(${o.size + 28}) bytes of data.\n`;
    let stderr = '';
    const start = node.clock.now();
    const times: number[] = [];
    let transmitted = 0;
    let errors = 0;
    let lastSend = start;
    const deadline = o.deadlineS !== undefined ? start + o.deadlineS * 1000 : Infinity;
    try {
      while (transmitted < o.count && node.clock.now() < deadline) {
        // Probes go out on a fixed schedule from the start, as iputils' timer does.
        if (transmitted > 0) await node.clock.sleep(Math.max(0, start + transmitted * o.intervalMs - node.clock.now()), ctx.signal);
        if (node.clock.now() >= deadline) break;
        transmitted++;
        lastSend = node.clock.now();
        const outcome = node.net.echo(dst, { ...route, src }, o.size, o.dontFragment, transmitted);
        if (outcome.kind === 'local-error') {
          errors++;
          if (!o.quiet) stderr += `ping: local error: message too long, mtu=${outcome.mtu}\n`;
        } else if (outcome.kind === 'reply') {
          times.push(outcome.rttUs);
          const who = resolved.canonical && !o.numeric ? `${hostname} (${dst})` : dst;
          if (!o.quiet) stdout += `${o.size + 8} bytes from ${who}: icmp_seq=${transmitted} ttl=${outcome.ttl} time=${formatTime(outcome.rttUs)} ms\n`;
        }
      }
      const received = times.length;
      if (received + errors < transmitted) {
        const waitUntil = Math.min(lastSend + o.lingerMs, deadline);
        if (waitUntil > node.clock.now()) await node.clock.sleep(waitUntil - node.clock.now(), ctx.signal);
      }
    } catch {
      return { stdout, stderr, exitCode: 130 };
    }
    const received = times.length;
    // From the first probe to the last one sent (and its reply): the schedule, not timer jitter.
    const elapsed = Math.round(Math.max(0, transmitted - 1) * o.intervalMs + transmitted * 0.05 + (received ? (times[times.length - 1] as number) / 1000 : 0));
    const loss = transmitted ? ((transmitted - received) * 100) / transmitted : 0;
    stdout += `\n--- ${hostname} ping statistics ---\n`;
    stdout += `${transmitted} packets transmitted, ${received} received${errors ? `, +${errors} errors` : ''}, ${Number(loss.toPrecision(6))}% packet loss, time ${elapsed}ms\n`;
    if (received) {
      const sum = times.reduce((a, b) => a + b, 0);
      const sum2 = times.reduce((a, b) => a + b * b, 0);
      const avg = Math.floor(sum / received);
      const mdev = llsqrt(Math.floor((sum2 - Math.floor((sum * sum) / received)) / received));
      stdout += `rtt min/avg/max/mdev = ${ms3(Math.min(...times))}/${ms3(avg)}/${ms3(Math.max(...times))}/${ms3(mdev)} ms\n`;
    }
    const failed = received === 0 || (o.deadlineS !== undefined && received < o.count);
    return { stdout, stderr, exitCode: failed ? 1 : 0 };
  },
};
