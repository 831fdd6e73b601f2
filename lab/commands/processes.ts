import { COROSYNC_CONF } from '../pve/corosync';
import { UnitFailure } from '../cluster';
import { fail, type LabCommand, type NodeContext } from './types';

/** `pmxcfs [-l] [-d] [-f]`: the cluster filesystem started by hand, `-l` in local mode (no corosync). */
export const pmxcfs: LabCommand = {
  name: 'pmxcfs',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const bad = args.find((a) => !/^-[ldf]+$/.test(a) && !['--local', '--debug', '--foreground'].includes(a));
    if (bad !== undefined) return fail(`Unknown option ${bad}\nUsage:\n  pmxcfs [OPTION…]\n\nHelp Options:\n  -h, --help       Show help options\n\nApplication Options:\n  -d, --debug      Turn on debug messages\n  -f, --foreground Do not daemonize server\n  -l, --local      Force local mode (ignore corosync.conf, force quorum)\n\n`, 1);
    const local = args.some((a) => a === '--local' || (/^-[ldf]+$/.test(a) && a.includes('l')));
    if (args.some((a) => a === '--foreground' || (/^-[ldf]+$/.test(a) && a.includes('f')))) return fail('pmxcfs -f: not simulated by the lab twin (it stays in the foreground)\n', 255);
    let notice = '';
    if (local && (await node.fs.exists(COROSYNC_CONF))) notice = '[main] notice: forcing local mode (although corosync.conf exists)\n';
    try {
      await node.cluster.startPmxcfs(node.name, { local, manual: true });
    } catch (err) {
      if (!(err instanceof UnitFailure)) throw err;
      return fail(`${notice}[main] crit: unable to acquire pmxcfs lock: Resource temporarily unavailable\n[main] notice: exit proxmox configuration filesystem (-1)\n`, 255);
    }
    return { stdout: '', stderr: notice, exitCode: 0 };
  },
};

/** Processes the twin knows by name, and the unit that runs them. */
function running(node: NodeContext, name: string): boolean {
  switch (name) {
    case 'pmxcfs':
      return node.cluster.pmxcfsProcess(node.name) !== 'none';
    case 'corosync':
      return node.services.state('corosync') === 'active';
    case 'sshd':
      return node.services.state('ssh') === 'active';
    default:
      return node.services.state(name) === 'active';
  }
}

async function terminate(node: NodeContext, name: string): Promise<void> {
  switch (name) {
    case 'pmxcfs': {
      const started = node.cluster.pmxcfsProcess(node.name);
      await node.cluster.stopPmxcfs(node.name);
      // SIGTERM: pmxcfs unmounts and exits cleanly; systemd sees its service end.
      if (started === 'service') node.services.set('pve-cluster', 'inactive');
      return;
    }
    case 'corosync':
      await node.cluster.stopCorosync(node.name, { graceful: true });
      return;
    case 'sshd':
      node.services.set('ssh', 'inactive');
      await node.sshdSettled();
      return;
    default:
      node.services.set(name, 'inactive');
  }
}

/** psmisc's killall NAME…: SIGTERM to the processes of that name. */
export const killall: LabCommand = {
  name: 'killall',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const quiet = args.includes('-q') || args.includes('--quiet');
    const names = args.filter((a) => !a.startsWith('-'));
    if (names.length === 0) return fail('Usage: killall [OPTION]... [--] NAME...\n');
    let stderr = '';
    let missing = false;
    for (const name of names) {
      if (!running(node, name)) {
        missing = true;
        if (!quiet) stderr += `${name}: no process found\n`;
        continue;
      }
      await terminate(node, name);
    }
    return { stdout: '', stderr, exitCode: missing ? 1 : 0 };
  },
};

