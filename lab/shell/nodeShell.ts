import { Bash, defineCommand, type BashExecResult } from 'just-bash';
import { LAB_COMMANDS } from '../commands';
import type { LabCommand, NodeContext } from '../commands/types';
import { BUILTINS } from './builtins';
import { bashNotFound, coreutilsErrors } from './notFound';
import { probeCommand, redirectProbe } from './redirectProbe';

/** Every program the shell dispatches to besides just-bash's built-ins: what rootfs installs. */
export const SHELL_COMMANDS: readonly LabCommand[] = [...LAB_COMMANDS, probeCommand];

/** Receives every run of a program the twin implements (what `ps` would have shown), as it ends. */
export type ProgramRecorder = (program: { command: string; started: number; exitCode: number | null }) => void;

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The argv as a shell line: plain words bare, the others single-quoted. */
export function argvLine(argv: string[]): string {
  return argv.map((a) => (a !== '' && SAFE_ARG.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export interface ShellRun {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
  signal?: AbortSignal;
}

/** What sshd and login set up for root on a Debian node. */
function loginEnvironment(node: NodeContext): Record<string, string> {
  return {
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: node.name,
    MAIL: '/var/mail/root',
  };
}

/**
 * A node's bash: just-bash over the node's filesystem with the twin's PVE commands. Each run is
 * isolated like a new `bash -c`; only the filesystem carries state from one run to the next.
 */
export class NodeShell {
  private readonly bash: Bash;

  constructor(node: NodeContext, record?: ProgramRecorder) {
    const run = (c: LabCommand) => async (args: string[], ctx: Parameters<LabCommand['run']>[1]) => {
      const started = node.clock.now();
      let exitCode: number | null = null;
      try {
        const result = await c.run(args, ctx, node);
        exitCode = result.exitCode;
        return result;
      } finally {
        if (c.name !== probeCommand.name) record?.({ command: argvLine([c.name, ...args]), started, exitCode });
      }
    };
    this.bash = new Bash({
      fs: node.fs,
      cwd: '/root',
      env: loginEnvironment(node),
      processInfo: { pid: 4242, ppid: 4241, uid: 0, gid: 0 },
      commands: BUILTINS,
      customCommands: SHELL_COMMANDS.map((c) => defineCommand(c.name, run(c))),
      // Its global monkey-patching would also hit the SSH server and whatever else shares the
      // process; isolation comes from the command set and the in-memory filesystem instead.
      defenseInDepth: false,
    });
    this.bash.registerTransformPlugin(redirectProbe);
  }

  async run(script: string, opts: ShellRun = {}): Promise<BashExecResult> {
    const result = await this.bash.exec(script, { ...opts, rawScript: true });
    return { ...result, stderr: coreutilsErrors(bashNotFound(result.stderr)) };
  }
}
