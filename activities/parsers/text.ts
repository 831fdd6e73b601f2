import { ParseError } from './errors';

/** One input line: its 1-based number and its text without line terminator or trailing blanks. */
export interface Line {
  no: number;
  text: string;
}

/** Splits on LF, CRLF or CR (outputs copied from Windows terminals arrive with CRLF). */
export function splitLines(text: string): Line[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((t, i) => ({ no: i + 1, text: t.replace(/\s+$/, '') }));
}

/**
 * `ssh -t` prints "Connection to HOST closed." after the remote command; captured outputs often
 * carry it, and it is never part of the command's own output.
 */
function isSshNoise(text: string): boolean {
  return /^Connection to \S+ closed\.$/.test(text.trim());
}

/** The lines worth reading: not blank, not ssh's farewell. Refuses input that has none. */
export function contentLines(kind: string, text: string): Line[] {
  const lines = splitLines(text).filter((l) => l.text.trim() !== '' && !isSshNoise(l.text));
  if (lines.length === 0) throw new ParseError(kind, 'empty input');
  return lines;
}

/** A line quoted for an error message, shortened so one bad line cannot flood the terminal. */
export function quote(text: string): string {
  const t = text.trim();
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 77)}...` : t);
}

/** Node ids are printed in hex (`0x00000001`, `pvecm status`) or decimal (`corosync-quorumtool`). */
export function parseNodeId(token: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(token)) return parseInt(token.slice(2), 16);
  if (/^\d+$/.test(token)) return Number(token);
  return undefined;
}
