import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARSE_KINDS, ParseError } from '../../activities/parsers';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/pve');
const TESTS = path.resolve(__dirname, '../../../test/unit');
/** Not command outputs: provenance notes and the API schema the ha-status-json tests follow. */
const NOT_OUTPUTS = new Set(['SOURCES.md', 'api-schema.returns.json']);

/** Fixture file-name prefix → the kind that reads it. A new fixture whose prefix is not here fails the suite. */
const PREFIX_KINDS: [string, string][] = [
  ['ceph-health.json.', 'ceph-health-json'],
  ['ceph-mon-stat.', 'ceph-mon-stat-json'],
  ['ceph-osd-dump.', 'ceph-osd-dump-json'],
  ['ceph-osd-pool-ls.', 'ceph-osd-pool-ls-json'],
  ['ceph-osd-tree.json.', 'ceph-osd-tree-json'],
  ['ceph-osd-tree.txt.', 'ceph-osd-tree'],
  ['ceph-s.', 'ceph-s'],
  ['ceph-status.', 'ceph-status-json'],
  ['ceph-volume-lvm-list.json.', 'ceph-volume-lvm-list'],
  ['cluster-resources.', 'cluster-resources-json'],
  ['cluster-status.', 'cluster-status-json'],
  ['corosync-cfgtool-n.', 'corosync-cfgtool-n'],
  ['corosync-cfgtool-s.', 'corosync-cfgtool'],
  ['corosync-quorumtool-s.', 'corosync-quorumtool'],
  ['ha-groups.cfg.', 'ha-groups-cfg'],
  ['ha-manager-config.', 'ha-resources-cfg'],
  ['ha-manager-status.', 'ha-manager-status'],
  ['ha-rules.cfg.', 'ha-rules-cfg'],
  ['ha-sim-log.', 'ha-sim-log'],
  ['journal-short-iso.', 'journal-short-iso'],
  ['journal-short.', 'journal-short'],
  ['ip-addr.', 'ip-addr-json'],
  ['ip-link.', 'ip-link-json'],
  ['lsblk-json.', 'lsblk-json'],
  ['lvm-report.', 'lvm-report-json'],
  ['mdadm-detail.', 'mdadm-detail'],
  ['mdadm-detail-scan.', 'mdadm-detail-scan'],
  ['mdstat.', 'mdstat'],
  ['nodes.api.', 'nodes-json'],
  ['ping.', 'ping'],
  ['pvecm-nodes.', 'pvecm-nodes'],
  ['pvecm-status.', 'pvecm-status'],
  ['pvesm-status.', 'pvesm-status'],
  ['qm-list.', 'qm-list'],
];

/** Section configs: an empty file is a valid config with nothing in it; journalctl -q prints nothing when nothing matched. */
const EMPTY_IS_VALID = new Set(['ha-groups-cfg', 'ha-rules-cfg', 'ha-resources-cfg', 'journal-short-iso', 'journal-short']);
/** Not this suite's parser (activities/parsers/pveversion.ts keeps its own error type and tests). */
const FOREIGN = new Set(['pveversion']);

const fixtures = fs.readdirSync(FIXTURES).filter((f) => !NOT_OUTPUTS.has(f));
const kindOf = (file: string) => PREFIX_KINDS.find(([prefix]) => file.startsWith(prefix))?.[1];
const testSources = fs
  .readdirSync(TESTS)
  .filter((f) => /^parse-.*\.test\.ts$/.test(f) && f !== 'parse-fixtures.test.ts')
  .map((f) => fs.readFileSync(path.join(TESTS, f), 'utf8'));

describe('fixture coverage', () => {
  for (const file of fixtures) {
    test(file, () => {
      const kind = kindOf(file);
      assert.ok(kind, `no kind reads ${file}: add its prefix to PREFIX_KINDS`);
      assert.ok(PARSE_KINDS[kind], `PREFIX_KINDS names ${kind}, which PARSE_KINDS lacks`);
      PARSE_KINDS[kind].parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));
      assert.ok(
        testSources.some((src) => src.includes(`'${file}'`)),
        `no parse-*.test.ts asserts on ${file}: it parses, but nothing checks what comes out`,
      );
    });
  }
});

describe('every kind', () => {
  for (const [kind, k] of Object.entries(PARSE_KINDS)) {
    test(`${kind}: documented, and names itself and the line when it meets garbage`, () => {
      assert.ok(k.description.length > 0 && k.command.length > 0);
      if (FOREIGN.has(kind)) return;
      assert.throws(
        () => k.parse('lorem ipsum dolor\nsit amet: consectetur\n'),
        (e: unknown) => e instanceof ParseError && e.kind === kind && e.line === 1 && e.message.startsWith(`${kind}: line 1: `),
      );
      if (EMPTY_IS_VALID.has(kind)) return;
      assert.throws(
        () => k.parse('\n'),
        (e: unknown) => e instanceof ParseError && e.message === `${kind}: empty input`,
      );
    });
  }
});

describe('cut-short outputs', () => {
  for (const file of fixtures) {
    const kind = kindOf(file);
    if (!kind) continue;
    test(`${file}: every truncation parses or fails with a ParseError, never a crash`, () => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      const step = Math.max(1, Math.floor(text.length / 60));
      for (let end = 0; end < text.length; end += step) {
        try {
          PARSE_KINDS[kind]!.parse(text.slice(0, end));
        } catch (e) {
          assert.ok(e instanceof ParseError, `cut at ${end}: ${String(e)}`);
          assert.equal(e.kind, kind);
        }
      }
    });
  }
});
