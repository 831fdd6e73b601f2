import { isIpAddress, sshDefaults } from '../../common/inventory';
import { type Dialect, mention } from './dialect';
import { checkHyperConverged } from './hyper-rules';
import { diagnoseHostname } from './names';
import type { Finding } from './problem';
import { readSecret } from './secret-syntax';
import { draftNodes, textAt } from './values';

/**
 * Rules across nodes and fields that a per-field schema cannot express. They read the draft
 * loosely (a node with a bad port still has a name to compare), so one run reports everything.
 */
export function checkRules(draft: unknown, incomplete: ReadonlySet<number>, d: Dialect): { errors: Finding[]; warnings: Finding[] } {
  const nodes = draftNodes(draft);
  const hyper = checkHyperConverged(draft, d);
  const errors = [...duplicates(nodes, d), ...primaries(nodes, d), ...perNode(nodes, incomplete, d), ...hyper.errors];
  return { errors, warnings: [...advice(nodes, d), ...hyper.warnings] };
}

type DraftNode = ReturnType<typeof draftNodes>[number];

const at = (d: Dialect, path: readonly PropertyKey[], message: string, fix: string): Finding => ({ ...d.locate(path), message, fix });

function duplicates(nodes: DraftNode[], d: Dialect): Finding[] {
  const out: Finding[] = [];
  const firstSeen = new Map<string, number>();
  // The first node to claim a value keeps it; each later claimant is the one reported.
  const claim = (kind: string, value: string, index: number): number | undefined => {
    const key = `${kind}\u0000${value}`;
    const first = firstSeen.get(key);
    if (first === undefined) firstSeen.set(key, index);
    return first;
  };
  for (const { index, node } of nodes) {
    const name = textAt(node, 'name');
    // DNS names are case-insensitive: pve1 and PVE1 are the same host to everyone else.
    const sameName = name === undefined ? undefined : claim('name', name.toLowerCase(), index);
    if (sameName !== undefined) {
      out.push(at(d, ['nodes', index, 'name'], `node name \`${name}\` is already used by ${mention(d.locate(['nodes', sameName]))}`, 'give every node its own name: it is the short hostname of that node'));
    }
    const host = textAt(node, 'host');
    const port = node.port === undefined ? sshDefaults.port : node.port;
    const sameEndpoint = host === undefined || typeof port !== 'number' ? undefined : claim('ssh', `${host.toLowerCase()}:${port}`, index);
    if (sameEndpoint !== undefined) {
      out.push(
        at(d, ['nodes', index, 'host'], `${host}, port ${String(port)} is already the SSH endpoint of ${mention(d.locate(['nodes', sameEndpoint]))}`, 'each node needs its own SSH address (or port): correct the host or the port of one of them'),
      );
    }
    const link = link0Of(node);
    const sameLink = link === undefined ? undefined : claim('link0', link.address, index);
    if (link !== undefined && sameLink !== undefined) {
      out.push(
        at(
          d,
          ['nodes', index, link.field],
          `corosync link0 address ${link.address}${link.field === 'host' ? ' (taken from host, as link0 is not set)' : ''} is already used by ${mention(d.locate(['nodes', sameLink]))}`,
          'give each node its own link0 address on the cluster network',
        ),
      );
    }
  }
  return out;
}

/** The node's corosync address: link0, or its host when that is an IP (what the runbooks use). */
function link0Of(node: Record<string, unknown>): { address: string; field: 'link0' | 'host' } | undefined {
  const link0 = textAt(node, 'link0');
  if (link0 !== undefined) return isIpAddress(link0) ? { address: link0, field: 'link0' } : undefined;
  const host = textAt(node, 'host');
  return host !== undefined && node.link0 === undefined && isIpAddress(host) ? { address: host, field: 'host' } : undefined;
}

function primaries(nodes: DraftNode[], d: Dialect): Finding[] {
  if (nodes.length === 0) return [];
  const marked = nodes.filter(({ node }) => node.primary === true);
  // A node whose `primary` is not a boolean is reported by the schema; guessing here would double it.
  const undecided = nodes.some(({ node }) => node.primary !== undefined && typeof node.primary !== 'boolean');
  if (marked.length === 0) {
    return undecided ? [] : [at(d, ['nodes'], 'no node is the primary: one node must create the cluster for the others to join', d.hints.noPrimary)];
  }
  const [first, ...others] = marked;
  const firstRef = first ? mention(d.locate(['nodes', first.index])) : '';
  return others.map(({ index }) => at(d, ['nodes', index, 'primary'], `is a second primary (${firstRef} is the first); exactly one node creates the cluster`, d.hints.manyPrimaries));
}

function perNode(nodes: DraftNode[], incomplete: ReadonlySet<number>, d: Dialect): Finding[] {
  return nodes.flatMap(({ index, node }) => {
    const out: Finding[] = [];
    if (node.password === undefined && node.privateKeyFile === undefined && !incomplete.has(index)) {
      out.push(at(d, ['nodes', index], 'has no password and no private key file: there is no way to log in to it', d.hints.noAuth(index)));
    }
    const host = textAt(node, 'host');
    const hostProblem = host === undefined ? undefined : diagnoseHost(host);
    if (hostProblem) out.push(at(d, ['nodes', index, 'host'], hostProblem.message, d.howToSet(['nodes', index, hostProblem.field], hostProblem.example)));
    const hostname = textAt(node, 'hostname');
    const nameProblem = hostname === undefined ? undefined : diagnoseHostname(hostname, textAt(node, 'name'));
    if (nameProblem) out.push(at(d, ['nodes', index, 'hostname'], nameProblem.message, nameProblem.fix));
    return out;
  });
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Host strings copied from an ssh command line or a URL carry parts that have their own fields.
 * A control character is in no address or DNS name, and a NUL cannot even go on the command
 * lines that carry the host (as link0, or in known_hosts): the host is shown escaped. A host
 * longer than a DNS name can be would make those command lines too long to send.
 */
function diagnoseHost(host: string): { message: string; field: string; example: string } | undefined {
  const control = [...new Set(host.match(CONTROL) ?? [])];
  if (control.length) {
    const codes = control.map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
    return { message: `host ${JSON.stringify(host)} contains control characters (${codes})`, field: 'host', example: host.replace(CONTROL, '').trim() || '10.0.0.1' };
  }
  if (host.length > 253) return { message: `host is ${host.length} characters long; a DNS name holds at most 253`, field: 'host', example: '10.0.0.1' };
  if (/\s/.test(host)) return { message: `host \`${host}\` contains a space`, field: 'host', example: host.trim().split(/\s+/)[0] ?? '10.0.0.1' };
  if (host.includes('://')) return { message: `host \`${host}\` is a URL; it must be an address or a DNS name`, field: 'host', example: host.replace(/^.*:\/\/|[:/].*$/g, '') || '10.0.0.1' };
  const user = /^([^@]+)@(.+)$/.exec(host);
  if (user) return { message: `host \`${host}\` includes the user \`${user[1]}\`, which belongs in the user setting`, field: 'user', example: user[1] ?? 'root' };
  const port = /^([^:]+):(\d+)$/.exec(host);
  if (port) return { message: `host \`${host}\` includes the port ${port[2]}, which belongs in the port setting`, field: 'port', example: port[2] ?? '22' };
  return undefined;
}

function advice(nodes: DraftNode[], d: Dialect): Finding[] {
  const out: Finding[] = [];
  if (nodes.length === 2) {
    out.push(
      at(
        d,
        ['nodes'],
        'a two-node cluster loses quorum as soon as either node is down, so HA cannot recover anything',
        'add a third node, or a QDevice (`pvecm qdevice setup IP` with corosync-qnetd on a machine outside the cluster) to keep quorum with one node down',
      ),
    );
  }
  for (const { index, node } of nodes) {
    if (node.password !== undefined) {
      const reading = readSecret(node.password, d.format);
      if ('secret' in reading && 'inline' in reading.secret) out.push(at(d, ['nodes', index, 'password'], 'the password is written in clear in the inventory', d.hints.inlinePassword));
    }
    const host = textAt(node, 'host');
    if (node.link0 === undefined && host !== undefined && !isIpAddress(host)) {
      out.push(at(d, ['nodes', index, 'host'], `link0 is not set and host \`${host}\` is a name, not an IP address: corosync needs an IP for link0`, d.howToSet(['nodes', index, 'link0'], '10.10.10.1')));
    }
  }
  return out;
}
