import type { ServerChannel, Session } from 'ssh2';
import type { RunOutcome, RunRequest } from '../commandRunner';

/** What a session needs from the node behind the server. */
export interface SessionNode {
  readonly name: string;
  /** What PAM prints at an interactive login. */
  readonly motd: string;
  run(req: RunRequest): Promise<RunOutcome>;
}

export interface SessionContext {
  node: SessionNode;
  /** SSH_CLIENT / SSH_CONNECTION, as sshd exports them. */
  env: Record<string, string>;
  /** Cuts the connection without a word, as a dropped network does. */
  drop(): void;
  /** True once the node stopped answering (powered off silently): nothing more is sent. */
  frozen(): boolean;
}

/**
 * A client that never closes its side of the channel still expects `ssh host cmd` to run, so
 * stdin is what arrived before EOF or before the client fell quiet for this long (real ms).
 */
const STDIN_QUIET_MS = 20;

export function serveSession(session: Session, ctx: SessionContext): void {
  let pty = false;
  session.on('pty', (accept) => {
    pty = true;
    accept?.();
  });
  session.on('env', (accept) => accept?.());
  session.on('window-change', (accept) => accept?.());
  session.on('auth-agent', (_accept, reject) => reject?.());
  session.on('x11', (_accept, reject) => reject?.());
  session.on('subsystem', (_accept, reject) => reject?.());
  session.on('sftp', (_accept, reject) => reject?.());
  session.on('exec', (accept, _reject, info) => void runExec(accept(), info.command, ctx));
  session.on('shell', (accept) => void (pty ? runInteractive(accept(), ctx) : runScript(accept(), ctx)));
}

async function runExec(channel: ServerChannel, command: string, ctx: SessionContext): Promise<void> {
  const signal = closeSignal(channel);
  const stdin = await readStdin(channel, STDIN_QUIET_MS);
  const outcome = await ctx.node.run({ command, via: 'ssh', user: 'root', env: ctx.env, stdin, signal });
  reply(channel, ctx, outcome);
}

/** `ssh host < script`: a non-interactive login shell reads its whole input, then runs it. */
async function runScript(channel: ServerChannel, ctx: SessionContext): Promise<void> {
  const signal = closeSignal(channel);
  const script = await readStdin(channel, Infinity);
  const outcome = await ctx.node.run({ command: script, via: 'ssh', user: 'root', env: ctx.env, signal });
  reply(channel, ctx, outcome);
}

/** A login with a terminal: motd, prompt, line editing, one command per line. */
async function runInteractive(channel: ServerChannel, ctx: SessionContext): Promise<void> {
  const signal = closeSignal(channel);
  const out = (text: string) => channel.write(text.replace(/\r?\n/g, '\r\n'));
  const lines = new LineEditor(channel);
  let cwd = '/root';
  let status = 0;
  out(ctx.node.motd);
  for (;;) {
    out(`root@${ctx.node.name}:${cwd === '/root' ? '~' : cwd.replace(/^\/root\//, '~/')}# `);
    const line = await lines.next();
    if (line === undefined) break;
    const exit = /^\s*exit(?:\s+(\d+))?\s*$/.exec(line);
    if (exit) {
      status = Number(exit[1] ?? status);
      break;
    }
    if (line.trim() === '') continue;
    const outcome = await ctx.node.run({ command: line, via: 'ssh', user: 'root', env: { ...ctx.env, TERM: 'xterm' }, cwd, signal });
    if (ctx.frozen() || outcome.kind === 'cut') return;
    if (outcome.kind === 'drop') return ctx.drop();
    out(outcome.result.stdout);
    out(outcome.result.stderr);
    status = outcome.result.exitCode;
    cwd = outcome.result.env?.PWD ?? cwd;
  }
  out('logout\n');
  channel.exit(status);
  channel.end();
}

function reply(channel: ServerChannel, ctx: SessionContext, outcome: RunOutcome): void {
  if (ctx.frozen() || outcome.kind === 'cut') return;
  if (outcome.kind === 'drop') return ctx.drop();
  const { result } = outcome;
  channel.write(Buffer.from(result.stdout, result.stdoutKind === 'bytes' ? 'latin1' : 'utf8'));
  channel.stderr.write(result.stderr);
  channel.exit(result.exitCode);
  channel.end();
}

function closeSignal(channel: ServerChannel): AbortSignal {
  const controller = new AbortController();
  channel.once('close', () => controller.abort(new Error('channel closed')));
  return controller.signal;
}

function readStdin(channel: ServerChannel, quietMs: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      if (Number.isFinite(quietMs)) timer = setTimeout(done, quietMs);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      arm();
    };
    function done() {
      clearTimeout(timer);
      channel.off('data', onData).off('end', done).off('close', done);
      resolve(Buffer.concat(chunks).toString('utf8'));
    }
    channel.on('data', onData).once('end', done).once('close', done);
    arm();
  });
}

/** Terminal line discipline: echo, backspace, ^C, ^D on an empty line. */
class LineEditor {
  private line = '';
  private previous = '';
  private readonly ready: (string | undefined)[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;

  constructor(private readonly channel: ServerChannel) {
    channel.on('data', (data: Buffer) => this.feed(data.toString('utf8')));
    channel.once('close', () => this.push(undefined));
  }

  next(): Promise<string | undefined> {
    if (this.ready.length > 0) return Promise.resolve(this.ready.shift());
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private feed(text: string): void {
    for (const ch of text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')) {
      const crlf = ch === '\n' && this.previous === '\r';
      this.previous = ch;
      if (crlf) continue;
      if (ch === '\r' || ch === '\n') {
        this.channel.write('\r\n');
        this.push(this.line);
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) this.channel.write('\b \b');
        this.line = this.line.slice(0, -1);
      } else if (ch === '\x03') {
        this.channel.write('^C\r\n');
        this.line = '';
        this.push('');
      } else if (ch === '\x04') {
        if (this.line === '') this.push(undefined);
      } else if (ch >= ' ') {
        this.channel.write(ch);
        this.line += ch;
      }
    }
  }

  private push(line: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(line);
    else this.ready.push(line);
  }
}
