import { ApplicationFailure } from '@temporalio/common';
import { ParseError } from '../parsers/errors';
import { where } from './errors';
import type { SshTarget } from './pool';

/**
 * Parses a command's output; an unreadable one (a daemon mid-restart prints partial JSON) is a
 * retryable failure naming the node and the command, because a re-read usually helps.
 */
export function readOutput<T>(t: SshTarget, command: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ParseError) throw ApplicationFailure.retryable(`${where(t)}: output of \`${command}\` is unreadable: ${err.message}`, 'UnreadableOutput');
    throw err;
  }
}

/** A part of a picture that could not be read, and why: reported, not thrown. */
export interface Unreadable {
  error: string;
}

/**
 * Parses one section of a many-question read. A failure becomes an Unreadable part, so one
 * broken output (a standalone node's pvecm, a corosync restarting) leaves the others usable;
 * a tool's own error line is kept as the reason when it has one.
 */
export function readPart<T>(text: string | undefined, parse: (t: string) => T): T | Unreadable {
  try {
    return parse(text ?? '');
  } catch (err) {
    const first = (text ?? '').split('\n').find((l) => l.trim()) ?? '';
    return { error: /^Error:|not part of a cluster|does not exist|Cannot initialize|^ipcc_send_rec|No quorum|^\[errno/i.test(first) ? first.trim() : (err as Error).message };
  }
}
