import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Inventory } from '../../common/inventory';
import { Problem, REDACTED, redactInventory, runInventoryCheck } from '../../client/inventory';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/inventory');
const fixture = (name: string) => path.join(FIXTURES, name);
const ENV = { PVE_ROOT_PASSWORD: 'env-secret-value', HOME: '/home/operator' };

describe('pve-runbooks inventory check', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inv-check-'));
  });

  test('valid: exit 0, the normalized inventory on stdout with secrets redacted, the summary on stderr', () => {
    const file = write('inline.yaml', `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true, password: hunter2}\n  - {name: pve2, host: 10.0.0.2, password: hunter2}\n  - {name: pve3, host: 10.0.0.3, password: "\${PVE_ROOT_PASSWORD}"}\n`);
    const r = runInventoryCheck(file, { json: false, env: ENV });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2|env-secret-value/);
    const shown = parseYaml(r.stdout) as { nodes: { password: unknown; port: number }[] };
    assert.equal(shown.nodes[0]?.password, REDACTED);
    assert.deepEqual(shown.nodes[2]?.password, { env: 'PVE_ROOT_PASSWORD' });
    assert.equal(shown.nodes[0]?.port, 22, 'defaults are shown: it is the normalized inventory');
    assert.match(r.stderr, new RegExp(`^warning: ${file}:3: nodes\\[0\\]\\.password: the password is written in clear`, 'm'));
    assert.match(r.stderr, /valid inventory for cluster lab with 3 nodes, 2 warnings\n$/);
  });

  test('valid with --json: {ok, inventory, warnings} on stdout, nothing on stderr', () => {
    const r = runInventoryCheck(fixture('lab.yaml'), { json: true, env: ENV });
    assert.equal(r.exitCode, 0, r.stdout);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as { ok: boolean; inventory: { cluster: { name: string }; nodes: { password: unknown }[] }; warnings: unknown[] };
    assert.equal(report.ok, true);
    assert.equal(report.inventory.cluster.name, 'lab');
    assert.deepEqual(report.inventory.nodes[1]?.password, { file: fixture('secrets/pve2.pass') });
    assert.deepEqual(report.warnings, []);
  });

  test('invalid: exit 1, every problem on stderr as FILE:LINE: FIELD: MESSAGE and a fix line', () => {
    const file = write('bad.yaml', `cluster:\n  name: my_lab\nnodes:\n  - {name: pve1, hots: 10.0.0.1, primary: true, password: x}\n`);
    const r = runInventoryCheck(file, { json: false, env: ENV });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${file}:2: cluster\\.name: cluster name \`my_lab\` contains \`_\`.*\\n  fix: rename it, e\\.g\\. \`my-lab\`$`, 'm'));
    assert.match(r.stderr, new RegExp(`^${file}:4: nodes\\[0\\]\\.hots: unknown key \`hots\`\\n  fix: did you mean \`host\`\\?$`, 'm'));
    assert.match(r.stderr, /^3 problems in .*bad\.yaml\n$/m);
  });

  test('invalid with --json: {ok: false, problems} on stdout, each a valid Problem', () => {
    const file = write('bad.ini', `[proxmox_cluster_primary]\npve1 ansible_hots=10.0.0.1\n`);
    const r = runInventoryCheck(file, { json: true, env: ENV });
    assert.equal(r.exitCode, 1);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: unknown[] };
    assert.equal(report.ok, false);
    const problems = report.problems.map((p) => Problem.parse(p));
    assert.deepEqual(
      problems.map((p) => [p.line, p.field]),
      [
        [2, 'pve1.ansible_hots'],
        [2, 'pve1'],
        [undefined, 'cluster_name'],
      ],
    );
  });

  test('a file that does not exist: exit 1 and a plain message, in both modes', () => {
    const missing = path.join(dir, 'nope.yaml');
    const text = runInventoryCheck(missing, { json: false });
    assert.equal(text.exitCode, 1);
    assert.equal(text.stderr, `${missing}: file: inventory file ${missing} does not exist\n  fix: check the path given with -i\n1 problem in ${missing}\n`);
    const json = runInventoryCheck(missing, { json: true });
    assert.equal(json.exitCode, 1);
    assert.match(json.stdout, /"ok": false/);
    const dirAsFile = runInventoryCheck(dir, { json: false });
    assert.match(dirAsFile.stderr, /is a directory, not an inventory file/);
  });

  test('the environment and file checks are on: an unset variable fails the check', () => {
    const r = runInventoryCheck(fixture('lab.yaml'), { json: false, env: { HOME: '/home/operator' } });
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /lab\.yaml:10: defaults\.password: environment variable PVE_ROOT_PASSWORD is not set/);
    assert.equal(r.stderr.match(/PVE_ROOT_PASSWORD is not set/g)?.length, 1, 'reported once, where it is written');
  });

  test('a bad hyper-converged inventory: every problem of every section at once, each with its line and fix', () => {
    const file = write(
      'hc-bad.yaml',
      `cluster: {name: prod}
defaults: {password: x}
network: {cidr: 10.0.0.0/24, mtu: 9216}
disks: {db: /dev/sdb}
ceph: {monitors: [pve1, pve4], pool: {size: 4}}
ha: {vms: [100, 100]}
nodes:
  - {name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11}
  - {name: pve2, host: 192.168.100.12, link0: 10.0.0.12, private: {address: 10.0.0.11/24}}
  - {name: pve3, host: 192.168.100.13, link0: 10.9.0.13}
`,
    );
    const r = runInventoryCheck(file, { json: false, env: ENV });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    const expected = [
      [4, 'disks.db', 'the DB device /dev/sdb is also a RAID member'],
      [5, 'ceph.monitors[1]', '`pve4` is not a node of the inventory'],
      [5, 'ceph.pool.size', 'size 4 needs 4 nodes with an OSD, and the inventory has 3'],
      [6, 'ha.vms[1]', 'VM 100 is listed twice (first as item 1)'],
      [9, 'nodes[1].private.address', 'private address 10.0.0.11 is already used by nodes[0] (line 8)'],
      [10, 'nodes[2].private.address', 'is missing: the node has no address on the private network: its link0 10.9.0.13 is not inside network.cidr 10.0.0.0/24'],
    ] as const;
    for (const [line, field, message] of expected) {
      const escaped = `${file}:${line}: ${field}: ${message}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(r.stderr, new RegExp(`^${escaped}.*\\n  fix: \\S`, 'm'), `${field} in\n${r.stderr}`);
    }
    assert.match(r.stderr, /^6 problems in .*hc-bad\.yaml\n$/m);
  });

  test('a valid hyper-converged inventory: its phases in the summary, its sections on stdout and in --json', () => {
    const reference = path.resolve(__dirname, '../../../examples/reference.yaml');
    const r = runInventoryCheck(reference, { json: false, env: ENV });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /valid inventory for cluster prod with 3 nodes \(private network, Ceph, HA\)\n$/);
    const shown = parseYaml(r.stdout) as { network: { cidr: string }; ceph: { pool: { name: string } }; ha: { testVm: { id: number } } };
    assert.equal(shown.network.cidr, '10.0.0.0/24');
    assert.equal(shown.ceph.pool.name, 'Stockage-HA');
    assert.equal(shown.ha.testVm.id, 100);
    const json = JSON.parse(runInventoryCheck(reference, { json: true, env: ENV }).stdout) as { inventory: { disks: { array: string } } };
    assert.equal(json.inventory.disks.array, '/dev/md0');
  });

  test('--format ini reads an INI file whatever its name', () => {
    const file = write('inventory.txt', fs.readFileSync(fixture('group-vars.ini'), 'utf8'));
    fs.mkdirSync(path.join(dir, 'keys'), { recursive: true });
    fs.copyFileSync(fixture('keys/id_ed25519'), path.join(dir, 'keys/id_ed25519'));
    const r = runInventoryCheck(file, { json: true, format: 'ini', env: ENV });
    assert.equal(r.exitCode, 0, r.stdout);
  });
});

describe('redactInventory', () => {
  test('inline and sealed secrets become <redacted>; env and file references stay; the input is untouched', () => {
    const inv = Inventory.parse({
      cluster: { name: 'r' },
      nodes: [
        { name: 'a', host: '10.0.0.1', primary: true, password: { inline: 'clear' } },
        { name: 'b', host: '10.0.0.2', password: { env: 'B' } },
        { name: 'c', host: '10.0.0.3', password: { file: '/etc/c' } },
        { name: 'd', host: '10.0.0.4', password: { sealed: 'v1:abc' } },
        { name: 'e', host: '10.0.0.5', privateKeyFile: '/k' },
      ],
    });
    const before = structuredClone(inv);
    const red = redactInventory(inv);
    assert.deepEqual(
      red.nodes.map((n) => n.password),
      [REDACTED, { env: 'B' }, { file: '/etc/c' }, REDACTED, undefined],
    );
    assert.deepEqual(inv, before);
    assert.doesNotMatch(JSON.stringify(red), /clear|v1:abc/);
    assert.deepEqual(JSON.parse(JSON.stringify(red)), red, 'JSON-able');
  });
});
