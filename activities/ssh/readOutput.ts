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
