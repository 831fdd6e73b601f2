import { fail, ok, type LabCommand } from './types';

const COROSYNC_CONF = '/etc/pve/corosync.conf';

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

/** Subcommands that talk to the local corosync, and so first require this node to be in a cluster. */
const COROSYNC_VIEWS = new Set(['status', 'nodes', 'expected']);

/**
 * pvecm as pve-cluster implements it. Cluster creation and membership come with the cluster model;
 * until then a node is either standalone or has a corosync.conf whose corosync is not running.
 */
export const pvecm: LabCommand = {
  name: 'pvecm',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const sub = args[0];
    if (sub === undefined) return fail(`ERROR: no command specified\n${USAGE}`, 255);
    if (!SUBCOMMANDS.has(sub)) return fail(`ERROR: unknown command 'pvecm ${sub}'\n${USAGE}`, 255);
    if (sub === 'help') return ok(USAGE);
    if (!COROSYNC_VIEWS.has(sub)) return fail(`pvecm ${sub}: not simulated by the lab twin yet\n`, 255);
    // PVE::Corosync::check_conf_exists dies after a failed -f test, so perl exits with errno ENOENT.
    if (!(await node.fs.exists(COROSYNC_CONF)))
      return fail(`Error: Corosync config '${COROSYNC_CONF}' does not exist - is this node part of a cluster?\n`, 2);
    return fail('Cannot initialize CMAP service\n');
  },
};
