import type { CommandNode, PipelineNode, ScriptNode, TransformPlugin, WordNode } from 'just-bash';
import type { LabCommand } from '../commands/types';
import { strerror } from '../fs/errors';

/**
 * just-bash lets a redirection that cannot be opened (`echo x > /etc/pve/f` on a read-only
 * /etc/pve, a missing directory) escape as an exception that ends the whole script, where bash
 * prints `bash: FILE: Read-only file system`, fails that one command and carries on. This
 * transform puts a probe before every command with an output redirection: `{ probe && cmd; }`.
 * just-bash only dispatches to programs in /usr/bin, so the probe is a dot-file there, out of
 * sight of a plain `ls`.
 */
const PROBE = '.lab-twin-redirect-probe';
const OUTPUT_OPERATORS = new Set(['>', '>>', '>|', '&>', '&>>']);

const word = (value: string): WordNode => ({ type: 'Word', parts: [{ type: 'Literal', value }] });
const pipeline = (command: CommandNode): PipelineNode => ({ type: 'Pipeline', commands: [command], negated: false });

function guard(command: CommandNode): CommandNode {
  const redirections = 'redirections' in command ? command.redirections : [];
  const targets = redirections.flatMap((r) => (OUTPUT_OPERATORS.has(r.operator) && r.target.type === 'Word' ? [r.target] : []));
  if (targets.length === 0) return command;
  const probe: CommandNode = { type: 'SimpleCommand', assignments: [], name: word(PROBE), args: targets, redirections: [] };
  return {
    type: 'Group',
    redirections: [],
    body: [{ type: 'Statement', pipelines: [pipeline(probe), pipeline(command)], operators: ['&&'], background: false }],
  };
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node === null || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = rewrite(value);
  if (copy.type === 'Pipeline') copy.commands = (copy.commands as CommandNode[]).map(guard);
  return copy;
}

export const redirectProbe: TransformPlugin = {
  name: 'lab-twin-redirect-probe',
  transform: ({ ast }) => ({ ast: rewrite(ast) as ScriptNode }),
};

export const probeCommand: LabCommand = {
  name: PROBE,
  dir: '/usr/bin',
  async run(args, ctx, node) {
    for (const target of args) {
      const problem = await node.fs.probeWrite(ctx.fs.resolvePath(ctx.cwd, target));
      if (problem) return { stdout: '', stderr: `bash: ${target}: ${strerror(problem)}\n`, exitCode: 1 };
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  },
};
