/**
 * Output of a command that a parser could not understand. The message names the kind and, when
 * one line is to blame, its 1-based number, so a runbook failure points straight at the input:
 * `pvecm-status: line 7: cannot read "Nodeid  Votes Name" as a membership row`.
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';

  constructor(
    readonly kind: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${kind}: ${line === undefined ? '' : `line ${line}: `}${reason}`);
  }
}
