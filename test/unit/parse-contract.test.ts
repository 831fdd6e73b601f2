import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PARSE_KINDS } from '../../activities/parsers';

const DOC = fs.readFileSync(path.resolve(__dirname, '../../../docs/parse-contract.md'), 'utf8');

/** The doc's `### \`kind\`` sections by kind. */
const sections = new Map(
  DOC.split(/^### /m)
    .slice(1)
    .map((s) => [/^`([^`]+)`/.exec(s)?.[1] ?? '', s] as const),
);

/** Every property name anywhere in a JSON schema. */
function fieldNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (schema === null || typeof schema !== 'object') return out;
  for (const [key, value] of Object.entries(schema)) {
    if (key !== 'properties') {
      fieldNames(value, out);
      continue;
    }
    for (const [name, sub] of Object.entries(value as object)) {
      out.add(name);
      fieldNames(sub, out);
    }
  }
  return out;
}

for (const [kind, k] of Object.entries(PARSE_KINDS)) {
  test(`docs/parse-contract.md documents ${kind}: its command and every field`, () => {
    const own = sections.get(kind);
    assert.ok(own, `no "### \`${kind}\`" section`);
    assert.ok(own.includes(k.command), `the section does not name the command \`${k.command}\``);
    // A section may lean on another kind's section it names, e.g. the text form of the OSD tree.
    const text = [own, ...[...own.matchAll(/`([a-z0-9-]+)`/g)].map((m) => sections.get(m[1]!) ?? '')].join('\n');
    const missing = [...fieldNames(z.toJSONSchema(k.schema))].filter((f) => !new RegExp(`\\b${f}\\b`).test(text));
    assert.deepEqual(missing, [], `fields of ${kind} the doc does not mention`);
  });
}

test('the doc has no section for a kind that does not exist', () => {
  assert.deepEqual([...sections.keys()].filter((kind) => !(kind in PARSE_KINDS)), []);
});
