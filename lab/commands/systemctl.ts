import { UnitFailure } from '../cluster';
import { readSshdConfig } from '../ssh/sshdConfig';
import { strftime } from './strftime';
import { resetFailed, transientUnit } from './systemdRun';
import { fail, ok, type LabCommand, type NodeContext } from './types';

/** What starting a unit runs first; for ssh that is `sshd -t` (ExecStartPre / ExecReload). */
async function preflight(unit: string, node: NodeContext): Promise<boolean> {
  return unit !== 'ssh' || (await readSshdConfig(node.fs)).valid;
}

function jobFailed(unit: string): string {
  return `Job for ${unit}.service failed because the control process exited with error code.\nSee "systemctl status ${unit}.service" and "journalctl -xeu ${unit}.service" for details.\n`;
}

const DESCRIPTIONS: Record<string, string> = {
  chrony: 'chrony, an NTP client/server',
  corosync: 'Corosync Cluster Engine',
  cron: 'Regular background program processing daemon',
  ksmtuned: 'Kernel Samepage Merging (KSM) Tuning Daemon',
  lxcfs: 'FUSE filesystem for LXC',
  postfix: 'Postfix Mail Transport Agent',
  'pve-cluster': 'The Proxmox VE cluster filesystem',
  'pve-firewall': 'Proxmox VE firewall',
  'pve-ha-crm': 'PVE Cluster HA Resource Manager Daemon',
  'pve-ha-lrm': 'PVE Local HA Resource Manager Daemon',
  pvedaemon: 'PVE API Daemon',
  pveproxy: 'PVE API Proxy Server',
  pvescheduler: 'Proxmox VE scheduler',
  pvestatd: 'PVE Status Daemon',
  qmeventd: 'PVE Qemu Event Daemon',
  rrdcached: 'LSB: start or stop rrdcached',
  spiceproxy: 'PVE SPICE Proxy Server',
  ssh: 'OpenBSD Secure Shell server',
  'systemd-journald': 'Journal Service',
  'watchdog-mux': 'Proxmox VE watchdog multiplexer',
};

/** systemd orders these: pve-cluster.service has Before=corosync.service. */
const START_ORDER = ['pve-cluster', 'corosync'];

export interface UnitsResult {
  ok: boolean;
  stderr: string;
  exitCode: number;
}

/** Lab ms a unit takes to start and to stop (pmxcfs syncing its database, corosync forming its ring...). */
const START_MS: Record<string, number> = { 'pve-cluster': 1000, corosync: 500, pveproxy: 1500, pvedaemon: 1000 };
const STOP_MS: Record<string, number> = { 'pve-cluster': 500, corosync: 300 };

/** Starts a unit the way its service file and daemon would; false when a start condition skips it. */
async function startUnit(node: NodeContext, unit: string): Promise<boolean> {
  await node.clock.sleep(START_MS[unit] ?? 100);
  if (unit === 'pve-cluster') {
    if (node.services.state(unit) === 'active') return true;
    await node.cluster.startPmxcfs(node.name);
  } else if (unit === 'corosync') {
    if (!(await node.cluster.startCorosync(node.name))) return false;
  } else if (!(await preflight(unit, node))) {
    throw new UnitFailure(`${unit}: configuration test failed`);
  }
  node.services.set(unit, 'active');
  // Type=notify: systemctl returns once the daemon is up (sshd listening).
  if (unit === 'ssh') await node.sshdSettled();
  return true;
}

async function stopUnit(node: NodeContext, unit: string): Promise<void> {
  const transient = transientUnit(node, unit);
  if (transient) return transient.stop();
  await node.clock.sleep(STOP_MS[unit] ?? 100);
  if (unit === 'pve-cluster') {
    if (node.cluster.pmxcfsProcess(node.name) === 'service') await node.cluster.stopPmxcfs(node.name);
  } else if (unit === 'corosync') {
    await node.cluster.stopCorosync(node.name, { graceful: true });
  }
  node.services.set(unit, 'inactive');
  if (unit === 'ssh') await node.sshdSettled();
}

function order(units: string[], verb: string): string[] {
  const rank = (u: string) => (START_ORDER.includes(u) ? START_ORDER.indexOf(u) : -1);
  const sorted = [...units].sort((a, b) => rank(a) - rank(b));
  return verb === 'stop' ? sorted.reverse() : sorted;
}

/**
 * systemctl start/stop/restart/reload on the node's units, what `systemctl` and PVE's own
 * run_command(['systemctl', …]) do; unit-specific effects live in the cluster model.
 */
export async function controlUnits(node: NodeContext, verb: string, names: string[]): Promise<UnitsResult> {
  const units: string[] = [];
  for (const name of names) {
    const unit = node.services.unit(name);
    const label = name.replace(/\.service$/, '');
    if (unit === undefined) {
      const what = verb === 'stop' ? 'not loaded' : 'not found';
      return { ok: false, stderr: `Failed to ${verb.replace(/-/g, ' ')} ${label}.service: Unit ${label}.service ${what}.\n`, exitCode: 5 };
    }
    units.push(unit);
  }
  if (verb === 'stop') {
    for (const unit of order(units, 'stop')) await stopUnit(node, unit);
    return { ok: true, stderr: '', exitCode: 0 };
  }
  if (verb === 'restart' || verb === 'try-restart') {
    const selected = verb === 'try-restart' ? units.filter((u) => node.services.state(u) === 'active') : units;
    for (const unit of order(selected, 'stop')) await stopUnit(node, unit);
    return startAll(node, order(selected, 'start'), 'restart');
  }
  if (verb === 'start') return startAll(node, order(units, 'start'), 'start');
  if (verb === 'reload' || verb === 'reload-or-restart') {
    for (const unit of units) {
      const running = node.services.state(unit) === 'active';
      if (verb === 'reload' && !running) return { ok: false, stderr: `${unit}.service is not active, cannot reload.\n`, exitCode: 1 };
      if (!running) {
        const r = await startAll(node, [unit], 'start');
        if (!r.ok) return r;
        continue;
      }
      await node.clock.sleep((START_MS[unit] ?? 200) / 2);
      if (unit === 'corosync') await node.cluster.reloadRing(node.name);
      // A failed reload keeps the running daemon.
      if (!(await preflight(unit, node))) return { ok: false, stderr: jobFailed(unit), exitCode: 1 };
    }
    return { ok: true, stderr: '', exitCode: 0 };
  }
  return { ok: false, stderr: `Unknown command verb ${verb}.\n`, exitCode: 1 };
}

async function startAll(node: NodeContext, units: string[], _verb: string): Promise<UnitsResult> {
  for (const unit of units) {
    try {
      await startUnit(node, unit);
    } catch (err) {
      if (!(err instanceof UnitFailure)) throw err;
      node.services.set(unit, 'failed');
      return { ok: false, stderr: jobFailed(unit), exitCode: 1 };
    }
  }
  return { ok: true, stderr: '', exitCode: 0 };
}

function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}min ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}min`;
  return `${Math.floor(s / 86400)} days`;
}

async function status(node: NodeContext, name: string): Promise<{ text: string; code: number }> {
  const unit = node.services.unit(name);
  const label = name.replace(/\.service$/, '');
  if (unit === undefined) return { text: '', code: 4 };
  const state = node.services.state(unit) ?? 'inactive';
  const since = node.services.since(unit) ?? node.clock.now();
  const when = strftime('%a %Y-%m-%d %H:%M:%S UTC', { ms: since, nanosWithinMs: 0 });
  const dir = node.release.major === 8 ? '/lib/systemd/system' : '/usr/lib/systemd/system';
  const bullet = state === 'active' ? '●' : state === 'failed' ? '×' : '○';
  const transient = transientUnit(node, unit);
  let text = transient
    ? `${bullet} ${unit}.service - ${transient.description}\n     Loaded: loaded (/run/systemd/transient/${unit}.service; transient)\n  Transient: yes\n`
    : `${bullet} ${unit}.service - ${DESCRIPTIONS[unit] ?? label}\n     Loaded: loaded (${dir}/${unit}.service; enabled; preset: enabled)\n`;
  const elapsed = ago(node.clock.now() - since);
  if (state === 'active') text += `     Active: active (running) since ${when}; ${elapsed} ago\n`;
  else if (state === 'failed') text += `     Active: failed (Result: exit-code) since ${when}; ${elapsed} ago\n`;
  else text += `     Active: inactive (dead)${node.bootedAt < since ? ` since ${when}; ${elapsed} ago` : ''}\n`;
  if (unit === 'corosync' && state !== 'active' && !(await node.fs.exists('/etc/corosync/corosync.conf'))) {
    text += `  Condition: start condition failed at ${when}; ${elapsed} ago\n             └─ ConditionPathExists=/etc/corosync/corosync.conf was not met\n`;
  }
  if (unit === 'corosync') text += '       Docs: man:corosync\n             man:corosync.conf\n             man:corosync_overview\n';
  return { text, code: state === 'active' ? 0 : 3 };
}

/** What `is-enabled` and UnitFileState say; undefined when the unit has no unit file. */
function unitFileState(node: NodeContext, name: string): 'enabled' | 'disabled' | 'transient' | undefined {
  if (node.services.unit(name) === undefined) return undefined;
  if (transientUnit(node, name)) return 'transient';
  return node.services.isEnabled(name) ? 'enabled' : 'disabled';
}

/** The properties `systemctl show` knows for the twin's units, by name. */
function properties(node: NodeContext, name: string): Record<string, string> {
  const unit = node.services.unit(name);
  const id = `${name.replace(/\.service$/, '')}.service`;
  if (unit === undefined) return { Id: id, LoadState: 'not-found', ActiveState: 'inactive', SubState: 'dead', Result: 'success', MainPID: '0', ExecMainStatus: '0', Transient: 'no', UnitFileState: '' };
  const state = node.services.state(unit) ?? 'inactive';
  const transient = transientUnit(node, unit);
  return {
    Id: `${unit}.service`,
    Description: transient?.description ?? DESCRIPTIONS[unit] ?? unit,
    LoadState: 'loaded',
    ActiveState: state,
    SubState: state === 'active' ? 'running' : state === 'failed' ? 'failed' : 'dead',
    Result: transient?.result ?? (state === 'failed' ? 'exit-code' : 'success'),
    MainPID: state === 'active' && transient ? String(transient.mainPid) : '0',
    ExecMainStatus: String(transient?.execMainStatus ?? 0),
    Transient: transient ? 'yes' : 'no',
    UnitFileState: unitFileState(node, unit) ?? '',
  };
}

/** `systemctl show [-p A,B]... [--value] UNIT...`: KEY=value lines (values alone with --value), a blank line between units. */
function show(node: NodeContext, args: string[]) {
  const wanted: string[] = [];
  const units: string[] = [];
  for (let i = args.indexOf('show') + 1; i < args.length; i++) {
    const a = args[i] as string;
    const m = /^(?:-p|--property=)(.+)$/.exec(a);
    if (a === '-p' || a === '--property') wanted.push(...(args[++i] ?? '').split(','));
    else if (m) wanted.push(...(m[1] as string).split(','));
    else if (!a.startsWith('-')) units.push(a);
  }
  const valueOnly = args.includes('--value');
  const blocks = units.map((name) => {
    const props = properties(node, name);
    const keys = wanted.length ? wanted.filter((k) => k in props) : Object.keys(props);
    return keys.map((k) => (valueOnly ? `${props[k]}\n` : `${k}=${props[k]}\n`)).join('');
  });
  return ok(blocks.join('\n'));
}

/** The systemctl verbs runbooks and operators use on the node's units. */
export const systemctl: LabCommand = {
  name: 'systemctl',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const [verb, ...names] = args.filter((a) => !a.startsWith('-'));
    const quiet = args.includes('-q') || args.includes('--quiet');
    if (verb === undefined) return fail('systemctl: the lab twin needs a verb (start, stop, restart, reload, is-active, status...)\n');
    if (verb === 'daemon-reload') return ok();
    if (verb === 'reset-failed' && names.length === 0) {
      for (const unit of node.services.units()) resetFailed(node, unit);
      return ok();
    }
    if (names.length === 0) return fail(`Too few arguments.\n`);

    if (verb === 'is-active' || verb === 'is-failed') {
      const states = names.map((n) => node.services.state(n) ?? 'inactive');
      const hit = verb === 'is-active' ? states.every((s) => s === 'active') : states.some((s) => s === 'failed');
      return { stdout: quiet ? '' : states.map((s) => `${s}\n`).join(''), stderr: '', exitCode: hit ? 0 : verb === 'is-active' ? 3 : 1 };
    }
    if (verb === 'is-enabled') {
      const states = names.map((n) => unitFileState(node, n));
      const unknown = names.find((_, i) => states[i] === undefined);
      if (unknown) return fail(`Failed to get unit file state for ${unknown.replace(/\.service$/, '')}.service: No such file or directory\n`);
      return { stdout: quiet ? '' : states.map((s) => `${s}\n`).join(''), stderr: '', exitCode: states.some((s) => s === 'enabled' || s === 'transient') ? 0 : 1 };
    }
    if (verb === 'show') return show(node, args);
    if (verb === 'reset-failed') {
      for (const name of names) resetFailed(node, name);
      return ok();
    }
    if (verb === 'enable' || verb === 'disable') {
      const unknown = names.find((n) => node.services.unit(n) === undefined);
      if (unknown) return fail(`Failed to ${verb} unit: Unit file ${unknown.replace(/\.service$/, '')}.service does not exist.\n`);
      for (const name of names) node.services.setEnabled(name, verb === 'enable');
      return ok();
    }
    if (verb === 'status') {
      let out = '';
      let code = 0;
      for (const name of names) {
        const s = await status(node, name);
        if (s.code === 4) return { stdout: out, stderr: `Unit ${name.replace(/\.service$/, '')}.service could not be found.\n`, exitCode: 4 };
        out += (out ? '\n' : '') + s.text;
        code = Math.max(code, s.code);
      }
      return { stdout: out, stderr: '', exitCode: code };
    }
    if (['start', 'stop', 'restart', 'try-restart', 'reload', 'reload-or-restart'].includes(verb)) {
      const r = await controlUnits(node, verb, names);
      return { stdout: '', stderr: r.stderr, exitCode: r.exitCode };
    }
    return fail(`Unknown command verb ${verb}.\n`);
  },
};
