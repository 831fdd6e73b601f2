import { randomBytes } from 'node:crypto';
import { AUTHKEY, cfgtoolNodes, cfgtoolStatus, keygenOutput, quorumtoolNodes, quorumtoolStatus } from '../pve/corosync';
import { fail, ok, type LabCommand, type NodeContext } from './types';

/** getopt(3) over a short-option string: `-siH`, `-e 1`, `-e1`. */
function getopt(args: string[], spec: string): { opts: [string, string | undefined][]; rest: string[] } | { bad: string } {
  const opts: [string, string | undefined][] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j] as string;
      const at = spec.indexOf(c);
      if (at < 0) return { bad: c };
      if (spec[at + 1] !== ':') {
        opts.push([c, undefined]);
        continue;
      }
      const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
      if (value === undefined) return { bad: c };
      opts.push([c, value]);
      break;
    }
  }
  return { opts, rest };
}

function corosyncVersion(node: NodeContext): string {
  return /^corosync: (\S+?)-/m.exec(node.release.packages)?.[1] ?? '3.1.9';
}

const QUORUMTOOL_USAGE = `usage: 
corosync-quorumtool <options>

  options:

  -s             show quorum status
  -m             constantly monitor quorum status
  -l             list nodes
  -a             show all names or addresses for each node
  -p             when used with -s or -l, generates machine parsable output
  -v <votes>     change the number of votes for a node (*)
  -n <nodeid>    optional nodeid of node for -v
  -e <expected>  change expected votes for the cluster (*)
  -H             show nodeids in hexadecimal rather than decimal
  -i             show node IP addresses instead of the resolved name
  -o <a|n|i>     order by [a] IP address (default), [n] name, [i] nodeid
  -f             forcefully unregister a quorum device *DANGEROUS* (*)
  -h             show this help text
  -V             show version and exit

  (*) Starred items only work if votequorum is the quorum provider for corosync

`;

/** corosync-quorumtool (corosync 3.1): -s, -l, -e, with -H and -i. */
export const corosyncQuorumtool: LabCommand = {
  name: 'corosync-quorumtool',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const parsed = getopt(args, 'VHaslpmfe:v:hin:o:');
    if ('bad' in parsed) return { stdout: QUORUMTOOL_USAGE, stderr: `corosync-quorumtool: invalid option -- '${parsed.bad}'\n`, exitCode: 1 };
    let command: 'status' | 'nodes' | 'expected' | 'monitor' = 'status';
    let hex = false;
    let ip = false;
    let expected = 0;
    for (const [o, v] of parsed.opts) {
      if (o === 'V') return ok(`corosync-quorumtool version: ${corosyncVersion(node)}\n`);
      if (o === 'h') return ok(QUORUMTOOL_USAGE);
      if (o === 'H') hex = true;
      if (o === 'i') ip = true;
      if (o === 's') command = 'status';
      if (o === 'l') command = 'nodes';
      if (o === 'm') command = 'monitor';
      if (o === 'e') {
        if (!/^\d+$/.test(v ?? '') || Number(v) < 1) return fail('New expected votes value was not valid, try a positive number\n');
        expected = Number(v);
        command = 'expected';
      }
    }
    const view = node.cluster.corosyncView(node.name);
    if (!view) return fail('Cannot initialize CMAP service\n');
    if (command === 'nodes') return ok(quorumtoolNodes(view, { hex, ip }));
    if (command === 'expected') {
      const r = node.cluster.setExpected(node.name, expected);
      return r === 'ok' ? ok() : fail(`Unable to set expected votes: ${r}\n`);
    }
    if (command === 'monitor') return fail('corosync-quorumtool -m: not simulated by the lab twin (it never ends)\n');
    return { stdout: quorumtoolStatus(view, node.clock.now(), { hex, ip }), stderr: '', exitCode: view.quorate ? 0 : 2 };
  },
};

const CFGTOOL_USAGE = `corosync-cfgtool [[-i <interface ip>] [-b] -s] [-R] [-L] [-k nodeid] [-a nodeid] [-h] [-H]

A tool for displaying and configuring active parameters within corosync.
options:
\t-i\tFinds only information about the specified interface IP address or link id when used with -s..
\t-s\tDisplays the status of the current links on this node.
\t-n\tDisplays the status of the connected nodes and their links.
\t-b\tDisplays the brief status of the current links on this node when used with -s.
\t-R\tTell all instances of corosync in this cluster to reload corosync.conf.
\t-L\tTell corosync to reopen all logging files.
\t-k\tKill a node identified by node id.
\t-a\tDisplay the IP address(es) of a node
\t-h\tPrint basic usage.
\t-H\tShutdown corosync cleanly on this node.
\t\t--force will shutdown corosync regardless of daemon vetos
`;

/** corosync-cfgtool (corosync 3.1, knet): -s, -n, -R, -k, -a. */
export const corosyncCfgtool: LabCommand = {
  name: 'corosync-cfgtool',
  dir: '/usr/sbin',
  async run(args, _ctx, node) {
    const parsed = getopt(args, 'i:snbrRLk:a:hH');
    if ('bad' in parsed || parsed.opts.length === 0) return ok(CFGTOOL_USAGE);
    const [o, v] = parsed.opts.find(([x]) => x !== 'b' && x !== 'i') ?? parsed.opts[0] ?? ['h', undefined];
    if (o === 'h') return ok(CFGTOOL_USAGE);
    if (o === 'k') {
      const out = `Killing node ${v}\n`;
      if (!node.cluster.corosyncView(node.name)) return fail('Could not initialize corosync configuration API error 2\n', 1, out);
      return (await node.cluster.killNode(node.name, Number(v))) ? ok(out) : fail('Could not kill node (error = CS_ERR_NOT_EXIST)\n', 1, out);
    }
    const view = node.cluster.corosyncView(node.name);
    if (o === 'R') {
      if (!view) return fail('Could not initialize corosync configuration API error CS_ERR_LIBRARY\n', 1, 'Reloading corosync.conf...\n');
      await node.cluster.reloadRing(node.name);
      return ok('Reloading corosync.conf...\nDone\n');
    }
    if (!view) return fail('Could not initialize corosync configuration API error 2\n');
    if (o === 'a') {
      const member = view.nodelist.find((n) => n.nodeid === Number(v));
      return member ? ok(`${member.address}\n`) : fail(`Could not get node address for nodeid ${v}\n`);
    }
    if (o === 'n') return ok(cfgtoolNodes(view));
    if (o === 'H') {
      await node.cluster.stopCorosync(node.name, { graceful: true });
      return ok('Shutting down corosync\n');
    }
    if (parsed.opts.some(([x]) => x === 'b')) {
      const ring = new Set(view.members.map((m) => m.nodeid));
      const status = view.nodelist.map((n) => (n.nodeid === view.nodeid ? 'n' : ring.has(n.nodeid) ? '3' : '1')).join('');
      return ok(`Local node ID ${view.nodeid}, transport knet\nLINK ID 0 udp\n\taddr\t= ${view.linkAddress}\n\tstatus\t= ${status}\n`);
    }
    return ok(cfgtoolStatus(view));
  },
};

/** corosync-keygen [-l] [-k FILE]: 2048 bits from /dev/urandom into the key file. */
export const corosyncKeygen: LabCommand = {
  name: 'corosync-keygen',
  dir: '/usr/sbin',
  async run(args, ctx, node) {
    const parsed = getopt(args, 'k:lh');
    if ('bad' in parsed) return fail(`corosync-keygen [-k <filename>] [-l] [-h]\n`, 1);
    const given = parsed.opts.find(([o]) => o === 'k')?.[1];
    const file = given ? ctx.fs.resolvePath(ctx.cwd, given) : AUTHKEY;
    try {
      await node.fs.writeFile(file, randomBytes(256).toString('latin1'), 'latin1');
      await node.fs.chmod(file, 0o400);
    } catch {
      return fail(`Could not create ${file}: No such file or directory\n`, 1, keygenOutput(file).split('\n').slice(0, 2).join('\n') + '\n');
    }
    return ok(keygenOutput(file));
  },
};
