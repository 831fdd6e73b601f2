import { randomBytes } from 'node:crypto';
import { decodeBytesToUtf8, type ExecResult, type ResolvedCommandContext } from 'just-bash';
import { LockTimeout } from '../cluster';
import { errorCode, strerror } from '../fs/errors';
import { AUTHKEY, CLUSTER_CONF, COROSYNC_CONF, createConf, keygenOutput, quorumtoolNodes, quorumtoolStatus, readConf, withNodes, type CorosyncConf, type Link } from '../pve/corosync';
import {
  backupDatabase,
  certFingerprint,
  cfsQuorate,
  genPveNodeFiles,
  genPveVzdumpFiles,
  genPveVzdumpSymlink,
  hasGuests,
  remoteNodeIp,
  setupRootSshConfig,
  setupSshdConfig,
  setupSshKeys,
  sshCreateNodeKnownHosts,
  sshMergeKeys,
  sshMergeKnownHosts,
  sshUnmergeKnownHosts,
} from '../pve/setup';
import { rsyncFrom, sshRun, type SshClientOptions } from '../ssh/client';
import { sshCopyId } from '../ssh/copyId';
import { isIp, isResult, nodeNameFormat, parseLink, parseParams, pmxcfsDown, TaskError, TaskOutput, type ParamSpec, type Params } from './pveCli';
import { controlUnits } from './systemctl';
import { fail, ok, type LabCommand, type NodeContext } from './types';

const USAGE = `USAGE: pvecm <COMMAND> [ARGS] [OPTIONS]

       pvecm apiver
       pvecm expected <expected>
       pvecm keygen <filename>
       pvecm nodes
       pvecm status
       pvecm updatecerts  [OPTIONS]

       pvecm add <hostname> [OPTIONS]
       pvecm addnode <node> [OPTIONS]
       pvecm create <clustername> [OPTIONS]
       pvecm delnode <node>

       pvecm qdevice remove
       pvecm qdevice setup <address> [OPTIONS]

       pvecm help [<extra-args>] [OPTIONS]
`;

const SUBCOMMANDS = new Set(['add', 'addnode', 'apiver', 'create', 'delnode', 'expected', 'help', 'keygen', 'mtunnel', 'nodes', 'qdevice', 'status', 'updatecerts']);

/** PVE::Cluster::Setup::JOIN_API_VERSION, the same in PVE 8 and 9. */
const JOIN_API_VERSION = 1;
const LOCAL_LOCK = '/var/lock/pvecm.lock';
const LOCK_TIMEOUT_MS = 10_000;

const LINKS: Record<string, ParamSpec> = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`link${i}`, { type: 'string', format: (v: string) => linkProblem(v) } satisfies ParamSpec]),
);

function linkProblem(value: string): string | undefined {
  const link = parseLink(value);
  return typeof link === 'string' ? link.replace(/^invalid format - /, '') : undefined;
}

function linksOf(params: Params): Map<number, Link> {
  const links = new Map<number, Link>();
  for (let i = 0; i < 8; i++) {
    const raw = params[`link${i}`];
    if (typeof raw !== 'string') continue;
    const link = parseLink(raw);
    if (typeof link !== 'string') links.set(i, link);
  }
  return links;
}

function linkString(link: Link): string {
  return link.priority ? `address=${link.address},priority=${link.priority}` : link.address;
}

/** PVE::Corosync::check_conf_exists: perl dies after the failed -f test, so it exits with ENOENT. */
async function checkConfExists(node: NodeContext): Promise<ExecResult | undefined> {
  if (await node.fs.exists(CLUSTER_CONF)) return undefined;
  return fail(`Error: Corosync config '${CLUSTER_CONF}' does not exist - is this node part of a cluster?\n`, 2);
}

/** A die outside a worker: the message on stderr, exit 255. */
function die(message: string): ExecResult {
  return fail(`${message.replace(/\n?$/, '\n')}`, 255);
}

/** Runs a step of a task that may die; converts lab errors to what perl would have said. */
async function task(out: TaskOutput, fn: () => Promise<void>): Promise<ExecResult> {
  try {
    await fn();
    return out.ok();
  } catch (err) {
    if (err instanceof TaskError || err instanceof LockTimeout) return out.error(err.message);
    throw err;
  }
}

async function systemctl(node: NodeContext, verb: string, units: string[], errmsg?: string, out?: TaskOutput): Promise<void> {
  const r = await controlUnits(node, verb, units);
  if (!r.ok) {
    out?.print(r.stderr);
    throw new TaskError(`${errmsg ?? `command 'systemctl ${verb} ${units.join(' ')}' failed`}: exit code ${r.exitCode}`);
  }
}

async function readClusterConf(node: NodeContext): Promise<CorosyncConf> {
  const text = await node.fs.readFile(CLUSTER_CONF).catch(() => undefined);
  if (text === undefined) throw new TaskError(`unable to read file '${CLUSTER_CONF}'`);
  const conf = readConf(text);
  if (conf instanceof Error) throw new TaskError(`parse error in ${CLUSTER_CONF}: ${conf.message}`);
  return conf;
}

/** PVE::Corosync::atomic_write_conf: corosync.conf.new, renamed over corosync.conf. */
async function atomicWriteConf(node: NodeContext, text: string): Promise<void> {
  try {
    await node.fs.writeFile('/etc/pve/corosync.conf.new', text);
  } catch (err) {
    throw new TaskError(`unable to open file '/etc/pve/corosync.conf.new' - ${strerror(errorCode(err) ?? 'EIO')}`);
  }
  try {
    await node.fs.mv('/etc/pve/corosync.conf.new', CLUSTER_CONF);
  } catch (err) {
    throw new TaskError(`activating corosync.conf.new failed - ${strerror(errorCode(err) ?? 'EIO')}`);
  }
}

/** The API's config_change_lock: the local pvecm lock, and corosync.conf's cluster-wide cfs lock when there are other nodes. */
async function configChangeLock<T>(node: NodeContext, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return node.cluster.lock(node.name, LOCAL_LOCK, LOCK_TIMEOUT_MS, signal, async () => {
    const members = await node.fs.readFile('/etc/pve/.members').catch(() => '');
    const count = (members.match(/"id": \d+/g) ?? []).length;
    if (count <= 1) return fn();
    if (!cfsQuorate(node)) throw new TaskError("cfs-lock 'file-corosync_conf' error: no quorum!");
    const conf = await readClusterConf(node);
    try {
      return await node.cluster.lock(`cluster:${conf.clusterName}`, 'file-corosync_conf', LOCK_TIMEOUT_MS, signal, fn);
    } catch (err) {
      if (err instanceof LockTimeout) throw new TaskError("cfs-lock 'file-corosync_conf' error: got lock request timeout");
      throw err;
    }
  });
}

// ---- pvecm create ---------------------------------------------------------------------------

async function create(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm create <clustername> [OPTIONS]', args, ['clustername'], {
    clustername: { type: 'string', format: nodeNameFormat, maxLength: 15 },
    nodeid: { type: 'integer', minimum: 1 },
    votes: { type: 'integer', minimum: 1 },
    ...LINKS,
  });
  if (isResult(params)) return params;
  if (await node.fs.exists(CLUSTER_CONF)) return die(`cluster config '${CLUSTER_CONF}' already exists`);
  const out = new TaskOutput();
  return task(out, () =>
    node.cluster.lock(node.name, LOCAL_LOCK, LOCK_TIMEOUT_MS, ctx.signal, async () => {
      await setupSshdConfig(node);
      await setupRootSshConfig(node, out);
      await setupSshKeys(node, out);
      if (!(await node.fs.exists(AUTHKEY))) {
        await node.clock.sleep(400, ctx.signal);
        await node.fs.mkdir('/etc/corosync', { recursive: true });
        await node.fs.writeFile(AUTHKEY, randomBytes(256).toString('latin1'), 'latin1');
        await node.fs.chmod(AUTHKEY, 0o400);
        out.print(keygenOutput(AUTHKEY));
      }
      const links = linksOf(params);
      if (links.size === 0) links.set(0, { address: await remoteNodeIp(node, node.name) });
      const conf = createConf(String(params['clustername']), node.name, Number(params['nodeid'] ?? 1), Number(params['votes'] ?? 1), links);
      out.print('Writing corosync config to /etc/pve/corosync.conf\n');
      await atomicWriteConf(node, conf);
      const ip = await remoteNodeIp(node, node.name);
      await sshMergeKeys(node);
      await genPveNodeFiles(node, node.name, false);
      await sshMergeKnownHosts(node, node.name, ip, true);
      out.print('Restart corosync and cluster filesystem\n');
      await systemctl(node, 'restart', ['corosync', 'pve-cluster'], "command 'systemctl restart corosync pve-cluster' failed", out);
    }),
  );
}

// ---- pvecm add --------------------------------------------------------------------------------

/** PVE::Cluster::Setup::assert_joinable. */
async function assertJoinable(node: NodeContext, localIp: string, links: Map<number, Link>, force: boolean, out: TaskOutput): Promise<void> {
  let errors = '';
  const error = (msg: string) => (errors += `* ${msg}\n`);
  if (await node.fs.exists(AUTHKEY)) error(`authentication key '${AUTHKEY}' already exists`);
  if (await node.fs.exists(CLUSTER_CONF)) error(`cluster config '${CLUSTER_CONF}' already exists`);
  if (await hasGuests(node)) error('this host already contains virtual guests');
  if (node.cluster.corosyncView(node.name)) error('corosync is already running, is this node already in a cluster?!');
  const local = new Set(['127.0.0.1', node.address]);
  const check = (ip: string, logid: string) => {
    if (!local.has(ip)) error(`${logid}: cannot use IP '${ip}', not found on local node!\n`);
  };
  check(localIp, 'local node address');
  for (const [n, link] of [...links.entries()].sort((a, b) => a[0] - b[0])) {
    if (!isIp(link.address)) {
      const resolved = node.cluster.hosts().find((h) => h.name === link.address || h.fqdn === link.address)?.address;
      if (!resolved) {
        error(`link${n}: cannot use '${link.address}': hostname lookup '${link.address}' failed - failed to get address info for: ${link.address}: Name or service not known\n`);
        continue;
      }
      check(resolved, `link${n}`);
    } else check(link.address, `link${n}`);
  }
  if (!errors) return;
  out.print(`detected the following error(s):\n${errors}`);
  if (!force) throw new TaskError('Check if node may join a cluster failed!');
  out.print('\nWARNING : detected error but forced to continue!\n\n');
}

/** Setup::finish_join: corosync's key and config, a fresh pmxcfs database from the cluster, then local files. */
async function finishJoin(node: NodeContext, confText: string, authkey: string, out: TaskOutput, signal: AbortSignal | undefined): Promise<void> {
  await node.fs.mkdir('/etc/corosync', { recursive: true });
  await node.fs.writeFile(AUTHKEY, authkey, 'latin1');
  await node.fs.writeFile(COROSYNC_CONF, confText);
  out.print('stopping pve-cluster service\n');
  await systemctl(node, 'stop', ['pve-cluster'], "can't stop pve-cluster service", out);
  await backupDatabase(node, await node.cluster.replaceDatabase(node.name), out);
  await node.clock.sleep(500, signal);
  await systemctl(node, 'start', ['corosync', 'pve-cluster'], 'starting pve-cluster failed', out);
  let printed = false;
  while (!cfsQuorate(node)) {
    if (!printed) out.print('waiting for quorum...');
    printed = true;
    await node.clock.sleep(1000, signal);
  }
  if (printed) out.print('OK\n');
  await generateLocalFiles(node, out);
  await updatecertsAndSsh(node, out, { force: true });
  out.print('generated new node certificate, restart pveproxy and pvedaemon services\n');
  await controlUnits(node, 'reload-or-restart', ['pvedaemon', 'pveproxy']);
  out.print(`successfully added node '${node.name}' to cluster.\n`);
}

async function generateLocalFiles(node: NodeContext, out: TaskOutput): Promise<void> {
  await setupRootSshConfig(node, out);
  await genPveVzdumpSymlink(node);
}

/** Setup::updatecerts_and_ssh. */
async function updatecertsAndSsh(node: NodeContext, out: TaskOutput, opts: { force?: boolean; silent?: boolean; unmerge?: boolean }): Promise<void> {
  const p = (line: string) => (opts.silent ? undefined : out.print(`${line}\n`));
  if (!cfsQuorate(node)) {
    if (opts.silent) return;
    throw new TaskError('no quorum - unable to update files');
  }
  await setupSshKeys(node, out);
  p('(re)generate node files');
  if (opts.force) p('generate new node certificate');
  await genPveNodeFiles(node, node.name, !!opts.force);
  p('merge authorized SSH keys');
  await sshMergeKeys(node);
  if (opts.unmerge) {
    p('unmerge SSH known hosts');
    await sshUnmergeKnownHosts(node);
  }
  await sshCreateNodeKnownHosts(node, node.name);
  await genPveVzdumpFiles(node);
}

async function add(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm add <hostname> [OPTIONS]', args, ['hostname'], {
    hostname: { type: 'string' },
    nodeid: { type: 'integer', minimum: 1 },
    votes: { type: 'integer', minimum: 0 },
    force: { type: 'boolean' },
    fingerprint: { type: 'string', format: (v) => (/^([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}$/.test(v) ? undefined : `value does not match the regex pattern`) },
    use_ssh: { type: 'boolean' },
    ...LINKS,
  });
  if (isResult(params)) return params;
  if (/^\/etc\/pve(\/|$)/.test(ctx.cwd)) return die("Navigate out of /etc/pve before running 'pvecm add', for example by running 'cd'.");
  const host = String(params['hostname']);
  const links = linksOf(params);
  const force = params['force'] === true;
  const out = new TaskOutput();
  const signal = ctx.signal;

  if (params['use_ssh'] !== true) return apiJoin(node, params, ctx, out);

  return task(out, async () => {
    const localIp = await remoteNodeIp(node, node.name);
    await assertJoinable(node, localIp, links, force, out);
    await setupSshdConfig(node);
    await setupRootSshConfig(node, out);
    await setupSshKeys(node, out);
    await sshUnmergeKnownHosts(node);

    // ssh-copy-id prompts (host key, password) where the trust is missing: the join then hangs.
    const copied = await sshCopyId(node, host, '/root/.ssh/id_rsa', { signal, onPrompt: 'hang' });
    if (copied.exitCode !== 0) throw new TaskError(`unable to copy ssh ID: exit code ${copied.exitCode}`);

    const batch: SshClientOptions = { user: 'root', batchMode: true, strictHostKeyChecking: 'ask', onPrompt: 'fail' };
    const apiver = await sshRun(node, host, 'pvecm apiver', batch, { signal });
    const remoteApiver = apiver.exitCode === 0 ? Number(apiver.stdout.trim()) || 0 : 0;
    if (remoteApiver < JOIN_API_VERSION - 1) {
      throw new TaskError(`error: incompatible join API version on cluster (${remoteApiver}), local node has ${JOIN_API_VERSION} and supports >= ${JOIN_API_VERSION - 1}. Make sureall cluster nodes are up-to-date.`);
    }
    const cmd = ['pvecm', 'addnode', node.name, '--force', '1'];
    if (params['nodeid'] !== undefined) cmd.push('--nodeid', String(params['nodeid']));
    if (params['votes'] !== undefined) cmd.push('--votes', String(params['votes']));
    for (const [n, link] of links) cmd.push(`--link${n}`, linkString(link));
    if (links.size === 0) {
      cmd.push(remoteApiver >= 1 ? '--new_node_ip' : '--link0', localIp);
      out.print(`No cluster network links passed explicitly, fallback to local node IP '${localIp}'\n`);
    }
    const added = await sshRun(node, host, cmd.join(' '), batch, { signal });
    out.print(added.stdout + added.stderr);
    if (added.exitCode !== 0) throw new TaskError(`unable to add node: command failed (ssh ${host} -o BatchMode=yes ${cmd.join(' ')})`);

    out.print('copy corosync auth key\n');
    const pulled = await rsyncFrom(node, host, [AUTHKEY, CLUSTER_CONF], { signal });
    const key = pulled.files.get(AUTHKEY);
    const conf = pulled.files.get(CLUSTER_CONF);
    if (pulled.exitCode !== 0 || !key || !conf) {
      out.print(pulled.stderr);
      throw new TaskError(`can't rsync data from host '${host}'`);
    }
    const authkey = key.toString('latin1');
    const confText = conf.toString('utf8');
    await finishJoin(node, confText, authkey, out, signal);
  });
}

/** `pvecm add` without --use_ssh: the root password of the existing node, then the join API over 8006. */
async function apiJoin(node: NodeContext, params: Params, ctx: ResolvedCommandContext, out: TaskOutput): Promise<ExecResult> {
  const host = String(params['hostname']);
  const stdin = decodeBytesToUtf8(ctx.stdin);
  const lines = stdin.split('\n');
  return task(out, async () => {
    // PVE::PTY::read_password: without a terminal it reads one line of standard input.
    const password = lines.length > 1 || lines[0] !== '' ? lines.shift() : undefined;
    if (password === undefined) throw new TaskError('EOF while reading password');
    await node.cluster.lock(node.name, LOCAL_LOCK, LOCK_TIMEOUT_MS, ctx.signal, async () => {
      const localIp = await remoteNodeIp(node, node.name);
      const links = linksOf(params);
      await assertJoinable(node, localIp, links, params['force'] === true, out);
      await setupSshdConfig(node);
      await setupRootSshConfig(node, out);
      await setupSshKeys(node, out);
      await sshUnmergeKnownHosts(node);
      out.print(`Establishing API connection with host '${host}'\n`);
      const address = isIp(host) ? host : node.cluster.hosts().find((h) => h.name === host || h.fqdn === host)?.address;
      const peer = node.cluster.hosts().find((h) => h.address === address);
      if (!peer || !peer.powered || peer.services.state('pveproxy') !== 'active') throw new TaskError(`500 Can't connect to ${host}:8006 (Connection refused)`);
      const peerFp = (await peer.fs.readFile(`/etc/pve/nodes/${peer.name}/pve-ssl.pem`).catch(() => '')) || '';
      const fp = certFingerprint(peerFp) ?? '';
      if (typeof params['fingerprint'] === 'string') {
        if (params['fingerprint'].toUpperCase() !== fp) throw new TaskError(`500 Can't connect to ${host}:8006 (hostname verification failed)`);
      } else {
        out.print(`The authenticity of host '${host}' can't be established.\nX509 SHA256 key fingerprint is ${fp}.\nAre you sure you want to continue connecting (yes/no)? `);
        const answer = lines.shift();
        if (answer === undefined || !/^y(es)?$/i.test(answer.trim())) throw new TaskError(`500 Can't connect to ${host}:8006 (hostname verification failed)`);
      }
      if (password !== peer.rootPassword) throw new TaskError('401 401 authentication failure');
      out.print('Login succeeded.\ncheck cluster join API version\n');
      const cmd = ['pvecm', 'addnode', node.name, '--apiversion', String(JOIN_API_VERSION)];
      if (params['nodeid'] !== undefined) cmd.push('--nodeid', String(params['nodeid']));
      if (params['votes'] !== undefined) cmd.push('--votes', String(params['votes']));
      if (params['force'] === true) cmd.push('--force', '1');
      for (const [n, link] of links) cmd.push(`--link${n}`, linkString(link));
      if (links.size === 0) {
        cmd.push('--new_node_ip', localIp);
        out.print(`No cluster network links passed explicitly, fallback to local node IP '${localIp}'\n`);
      }
      out.print('Request addition of this node\n');
      // The API handler runs pvecm's addnode code on the peer (logged there as run by the lab).
      const outcome = await peer.run({ command: cmd.join(' '), via: 'internal', user: 'root', signal: ctx.signal });
      if (outcome.kind !== 'exit') throw new TaskError(`500 Can't connect to ${host}:8006 (Connection timed out)`);
      if (outcome.result.exitCode !== 0) {
        out.print(`An error occurred on the cluster node: ${outcome.result.stderr.trim()}\n`);
        throw new TaskError('Cluster join aborted!');
      }
      out.print('Join request OK, finishing setup locally\n');
      const key = await peer.fs.readFile(AUTHKEY, 'latin1');
      const conf = await peer.fs.readFile(CLUSTER_CONF);
      await finishJoin(node, conf, key, out, ctx.signal);
    });
  });
}

// ---- pvecm addnode / delnode ------------------------------------------------------------------

async function addnode(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm addnode <node> [OPTIONS]', args, ['node'], {
    node: { type: 'string', format: nodeNameFormat },
    nodeid: { type: 'integer', minimum: 1 },
    votes: { type: 'integer', minimum: 0 },
    force: { type: 'boolean' },
    new_node_ip: { type: 'string', format: (v) => (isIp(v) ? undefined : `value does not look like a valid IP address`) },
    apiversion: { type: 'integer' },
    ...LINKS,
  });
  if (isResult(params)) return params;
  const apiversion = Number(params['apiversion'] ?? 0);
  if (apiversion < JOIN_API_VERSION - 1) {
    return die(`error: unsupported old API version on joining node (${apiversion}), cluster node has ${JOIN_API_VERSION} and supports >= ${JOIN_API_VERSION - 1}. Please upgrade node before joining`);
  }
  if (!cfsQuorate(node)) return die('cluster not ready - no quorum?');
  const name = String(params['node']);
  let stdout = '';
  try {
    await configChangeLock(node, ctx.signal, async () => {
      const conf = await readClusterConf(node);
      const links = linksOf(params);
      for (const link of links.values()) {
        for (const other of conf.nodes) {
          if (other.name === name) continue;
          for (const [n, addr] of Object.entries(other.links)) {
            if (addr === link.address) throw new TaskError(`corosync: address '${link.address}' already used on link ring${n}_addr by node '${other.name}'`);
          }
        }
      }
      const clusterLinks = new Set(Object.keys(conf.nodes[0]?.links ?? {}).map(Number));
      if (links.size > 0) {
        for (let n = 0; n < 8; n++) {
          if (clusterLinks.has(n) && !links.has(n)) throw new TaskError(`corosync: link ${n} exists in cluster config but wasn't specified for new node`);
          if (!clusterLinks.has(n) && links.has(n)) throw new TaskError(`corosync: link ${n} specified for new node doesn't exist in cluster config`);
        }
      } else {
        const ip = params['new_node_ip'];
        if (typeof ip !== 'string') throw new TaskError('no links and no fallback ip (new_node_ip) given, cannot join cluster');
        if (clusterLinks.size !== 1) throw new TaskError('no links given but multiple links found on other nodes, fallback only supported on single-link clusters');
        links.set([...clusterLinks][0] as number, { address: ip });
      }
      let nodeid = params['nodeid'] === undefined ? undefined : Number(params['nodeid']);
      let votes = params['votes'] === undefined ? undefined : Number(params['votes']);
      const existing = conf.nodes.find((n) => n.name === name);
      if (existing) {
        nodeid ??= existing.nodeid;
        votes ??= existing.votes;
        if (existing.votes === votes && existing.nodeid === nodeid && params['force'] === true) stdout += `forcing overwrite of configured node '${name}'\n`;
        else throw new TaskError(`can't add existing node '${name}'`);
      } else if (nodeid === undefined) {
        nodeid = 1;
        while (conf.nodes.some((n) => n.nodeid === nodeid)) nodeid++;
      }
      votes ??= 1;
      await genLocalDirs(node, name);
      await sshMergeKeys(node).catch((err: Error) => (stdout += `${err.message}\n`));
      const nodes = conf.nodes.filter((n) => n.name !== name);
      nodes.push({ name, nodeid: nodeid as number, votes, links: Object.fromEntries([...links.entries()].map(([n, l]) => [String(n), l.address])) });
      await atomicWriteConf(node, withNodes(conf, nodes));
    });
  } catch (err) {
    if (err instanceof TaskError || err instanceof LockTimeout) return { stdout, stderr: `${err.message}\n`, exitCode: 255 };
    throw err;
  }
  return ok(stdout);
}

async function genLocalDirs(node: NodeContext, name: string): Promise<void> {
  for (const dir of ['/etc/pve/priv', '/etc/pve/nodes', `/etc/pve/nodes/${name}`, `/etc/pve/nodes/${name}/lxc`, `/etc/pve/nodes/${name}/qemu-server`, `/etc/pve/nodes/${name}/openvz`, `/etc/pve/nodes/${name}/priv`]) {
    if ((await node.fs.stat(dir).catch(() => undefined))?.isDirectory) continue;
    try {
      await node.fs.mkdir(dir);
    } catch (err) {
      throw new TaskError(`unable to create directory '${dir}' - ${strerror(errorCode(err) ?? 'EIO')}`);
    }
  }
}

async function delnode(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm delnode <node>', args, ['node'], { node: { type: 'string', format: nodeNameFormat } });
  if (isResult(params)) return params;
  const name = String(params['node']);
  if (name === node.name) return die('Cannot delete myself from cluster!');
  if (!cfsQuorate(node)) return die('cluster not ready - no quorum?');
  let stdout = '';
  let stderr = '';
  try {
    await configChangeLock(node, ctx.signal, async () => {
      const conf = await readClusterConf(node);
      const target = conf.nodes.find((n) => n.name === name || n.links['0'] === name || n.links['1'] === name);
      if (!target) throw new TaskError(`Node/IP: ${name} is not a known host of the cluster.`);
      // corosync-cfgtool -k: allowed to fail when the node is already down.
      stdout += `Killing node ${target.nodeid}\n`;
      if (!(await node.cluster.killNode(node.name, target.nodeid))) stderr += 'Could not kill node (error = CS_ERR_NOT_EXIST)\n';
      await atomicWriteConf(node, withNodes(conf, conf.nodes.filter((n) => n !== target)));
    });
  } catch (err) {
    if (err instanceof TaskError || err instanceof LockTimeout) return { stdout, stderr: `${stderr}${err.message}\n`, exitCode: 255 };
    throw err;
  }
  return { stdout, stderr, exitCode: 0 };
}

// ---- status, nodes, expected, updatecerts, keygen, apiver ---------------------------------------------

async function status(node: NodeContext): Promise<ExecResult> {
  const missing = await checkConfExists(node);
  if (missing) return missing;
  let header = '';
  const text = await node.fs.readFile(CLUSTER_CONF).catch(() => undefined);
  const conf = text === undefined ? undefined : readConf(text);
  let stderr = '';
  if (conf instanceof Error) stderr += `${conf.message}\n`;
  else if (conf) {
    const info = (label: string, value: string | number) => `${`${label}:`.padEnd(17)} ${value}\n`;
    header =
      'Cluster information\n-------------------\n' +
      info('Name', conf.clusterName) +
      info('Config Version', conf.configVersion) +
      info('Transport', String(conf.totem['transport'] ?? 'knet')) +
      info('Secure auth', String(conf.totem['secauth'] ?? 'off')) +
      '\n';
  }
  const view = node.cluster.corosyncView(node.name);
  if (!view) return { stdout: header, stderr: `${stderr}Cannot initialize CMAP service\n`, exitCode: 1 };
  return { stdout: header + quorumtoolStatus(view, node.clock.now(), { hex: true, ip: true }), stderr, exitCode: view.quorate ? 0 : 2 };
}

async function nodes(node: NodeContext): Promise<ExecResult> {
  const missing = await checkConfExists(node);
  if (missing) return missing;
  const view = node.cluster.corosyncView(node.name);
  if (!view) return fail('Cannot initialize CMAP service\n');
  return ok(quorumtoolNodes(view, { hex: false, ip: false }));
}

async function expected(args: string[], node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm expected <expected>', args, ['expected'], { expected: { type: 'integer', minimum: 1 } });
  if (isResult(params)) return params;
  const missing = await checkConfExists(node);
  if (missing) return missing;
  if (!node.cluster.corosyncView(node.name)) return fail('Cannot initialize CMAP service\n');
  const r = node.cluster.setExpected(node.name, Number(params['expected']));
  return r === 'ok' ? ok() : fail(`Unable to set expected votes: ${r}\n`);
}

async function updatecerts(args: string[], ctx: ResolvedCommandContext, node: NodeContext): Promise<ExecResult> {
  const params = parseParams('pvecm updatecerts  [OPTIONS]', args, [], { force: { type: 'boolean' }, silent: { type: 'boolean' }, 'unmerge-known-hosts': { type: 'boolean' } });
  if (isResult(params)) return params;
  const out = new TaskOutput();
  const silent = params['silent'] === true;
  try {
    await generateLocalFiles(node, out);
    // run_fork_with_timeout(80): wait for a quorate pmxcfs, telling every 5 s.
    const deadline = node.clock.now() + 80_000;
    for (let i = 0; !cfsQuorate(node); i++) {
      if (node.clock.now() >= deadline) {
        const msg = 'got timeout when trying to ensure cluster certificates and base file hierarchy is set up - no quorum (yet) or hung pmxcfs?\n';
        return silent ? { stdout: out.stdout, stderr: msg, exitCode: 0 } : { stdout: out.stdout, stderr: msg, exitCode: 255 };
      }
      if (!silent && i % 50 === 0) out.print('waiting for pmxcfs mount to appear and get quorate...\n');
      await node.clock.sleep(100, ctx.signal);
    }
    await updatecertsAndSsh(node, out, { force: params['force'] === true, silent, unmerge: params['unmerge-known-hosts'] === true });
  } catch (err) {
    if (err instanceof TaskError) return { stdout: out.stdout, stderr: `${err.message}\n`, exitCode: 255 };
    throw err;
  }
  return ok(out.stdout);
}

async function keygen(args: string[], node: NodeContext, ctx: ResolvedCommandContext): Promise<ExecResult> {
  const params = parseParams('pvecm keygen <filename>', args, ['filename'], { filename: { type: 'string' } });
  if (isResult(params)) return params;
  const file = ctx.fs.resolvePath(ctx.cwd, String(params['filename']));
  if (await node.fs.exists(file)) return die(`key file '${params['filename']}' already exists`);
  await node.fs.mkdir(file.slice(0, file.lastIndexOf('/')) || '/', { recursive: true });
  await node.fs.writeFile(file, randomBytes(256).toString('latin1'), 'latin1');
  await node.fs.chmod(file, 0o400);
  return ok(keygenOutput(file));
}

/**
 * pvecm as pve-cluster implements it, over the lab's cluster model: create, add (over SSH or the
 * join API), addnode, delnode, expected, status, nodes, updatecerts, keygen, apiver.
 */
export const pvecm: LabCommand = {
  name: 'pvecm',
  dir: '/usr/bin',
  async run(args, ctx, node) {
    const sub = args[0];
    if (sub === undefined) return fail(`ERROR: no command specified\n${USAGE}`, 255);
    if (sub === 'help') return ok(USAGE);
    const down = pmxcfsDown(node);
    if (down) return down;
    if (!SUBCOMMANDS.has(sub)) return fail(`ERROR: unknown command 'pvecm ${sub}'\n${USAGE}`, 255);
    const rest = args.slice(1);
    switch (sub) {
      case 'create':
        return create(rest, ctx, node);
      case 'add':
        return add(rest, ctx, node);
      case 'addnode':
        return addnode(rest, ctx, node);
      case 'delnode':
        return delnode(rest, ctx, node);
      case 'status':
        return status(node);
      case 'nodes':
        return nodes(node);
      case 'expected':
        return expected(rest, node);
      case 'updatecerts':
        return updatecerts(rest, ctx, node);
      case 'keygen':
        return keygen(rest, node, ctx);
      case 'apiver':
        return ok(`${JOIN_API_VERSION}\n`);
      default:
        return fail(`pvecm ${sub}: not simulated by the lab twin\n`, 255);
    }
  },
};
