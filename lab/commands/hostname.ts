import { lookupHost } from './etcHosts';
import { fail, ok, type LabCommand } from './types';

const UNRESOLVED = 'hostname: Name or service not known\n';

/** Debian's hostname(1): the kernel name, and what the resolver (here /etc/hosts) says about it. */
export const hostname: LabCommand = {
  name: 'hostname',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    const option = args[0];
    if (args.length > 1 || (option !== undefined && !option.startsWith('-')))
      return fail('hostname: changing the host name is not simulated by the lab twin\n');
    switch (option) {
      case undefined:
      case '-s':
      case '--short':
        return ok(`${node.name}\n`);
      case '-f':
      case '--fqdn':
      case '--long': {
        const entry = await lookupHost(node.fs, node.name);
        return entry ? ok(`${entry.canonical}\n`) : fail(UNRESOLVED);
      }
      case '-d':
      case '--domain': {
        const entry = await lookupHost(node.fs, node.name);
        return entry ? ok(`${entry.canonical.split('.').slice(1).join('.')}\n`) : fail(UNRESOLVED);
      }
      case '-i':
      case '--ip-address': {
        const entry = await lookupHost(node.fs, node.name);
        return entry ? ok(`${entry.address}\n`) : fail(UNRESOLVED);
      }
      case '-I':
      case '--all-ip-addresses':
        return ok(`${node.address} \n`);
      default:
        return fail(`hostname: invalid option -- '${option.replace(/^-+/, '')}'\nTry 'hostname --help' for more information.\n`);
    }
  },
};
