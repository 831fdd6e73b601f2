import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type FaultKind = 'fail' | 'hang' | 'drop' | 'delay' | 'garble';

export interface CommandLogEntry {
  seq: number;
  node: string;
  /** Lab epoch ms when the command started. */
  at: number;
  command: string;
  /** null when the command produced no exit status (hung until its session or node went away). */
  exitCode: number | null;
  /** Lab ms from start to end. */
  durationMs: number;
  user: string;
  /**
   * ssh: a command line from the controller; node-ssh: from another node's ssh client;
   * internal: run by the lab itself; program: one run of a program the twin implements (pvecm,
   * systemctl...) inside any of those, with its argv — what actually ran, not the script text.
   */
  via: 'ssh' | 'internal' | 'node-ssh' | 'program';
  /** The lab node whose ssh client sent the command (via 'node-ssh'). */
  from?: string;
  /** Set when an injected fault shaped this execution. */
  fault?: FaultKind;
}

export interface CommandLogFilter {
  node?: string;
  via?: 'ssh' | 'internal' | 'node-ssh' | 'program';
  from?: string;
  /** Substring of, or pattern tested against, the command line. */
  command?: string | RegExp;
  /** Entries that started at or after this lab time. */
  since?: number;
}

/**
 * Everything executed on every node, in order, so tests can assert exactly-once effects. With a
 * file, each entry is appended as one JSON line the moment it is recorded; a lab restarted on the
 * same file continues its numbering, and `entries()` covers the current run.
 */
export class CommandLog {
  private readonly all: CommandLogEntry[] = [];
  private readonly earlier: number;

  constructor(private readonly file?: string) {
    if (file) mkdirSync(dirname(file), { recursive: true });
    this.earlier = file && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length : 0;
  }

  record(entry: Omit<CommandLogEntry, 'seq'>): CommandLogEntry {
    const full: CommandLogEntry = { seq: this.earlier + this.all.length + 1, ...entry };
    this.all.push(full);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    return full;
  }

  entries(filter: CommandLogFilter = {}): CommandLogEntry[] {
    return this.all.filter(
      (e) =>
        (filter.node === undefined || e.node === filter.node) &&
        (filter.via === undefined || e.via === filter.via) &&
        (filter.from === undefined || e.from === filter.from) &&
        (filter.since === undefined || e.at >= filter.since) &&
        (filter.command === undefined || matches(filter.command, e.command)),
    );
  }
}

export function matches(pattern: string | RegExp, commandLine: string): boolean {
  if (typeof pattern === 'string') return commandLine.includes(pattern);
  pattern.lastIndex = 0;
  return pattern.test(commandLine);
}
