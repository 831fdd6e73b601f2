import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParseError } from '../../activities/parsers';

/** The real PVE and Ceph outputs (copied from shared/fixtures/pve, with their sources). */
export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/pve');
export const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** A parser refused its input with an error naming its kind, the line (when one is to blame) and why. */
export function throwsParse(fn: () => unknown, kind: string, line: number | undefined, message: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, `expected a ParseError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.equal(e.line, line);
    assert.match(e.message, message);
    return true;
  });
}
