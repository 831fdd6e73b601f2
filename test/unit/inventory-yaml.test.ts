import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Inventory } from '../../common/inventory';
import { detectFormat, loadInventory, parseInventoryText, toYaml } from '../../client/inventory';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/inventory');
const fixture = (name: string) => path.join(FIXTURES, name);
const ENV = { PVE_ROOT_PASSWORD: 'from-env', HOME: '/home/operator' };

function load(text: string, file = '/etc/pve-runbooks/inventory.yaml') {
  const r = parseInventoryText(text, { file, format: 'yaml', checkFiles: false, checkEnv: false, env: ENV });
  assert.ok(r.ok, `expected a valid inventory, got ${JSON.stringify(!r.ok && r.problems, null, 2)}`);
  return r;
}

describe('YAML inventory', () => {
  test('the three-node fixture loads, with defaults applied and paths made absolute', () => {
    const r = loadInventory(fixture('lab.yaml'), { env: ENV });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.deepEqual(r.warnings, []);
    const inv = r.inventory;
    assert.equal(inv.cluster.name, 'lab');
    assert.deepEqual(inv.ssh, { connectTimeoutSeconds: 15, commandTimeoutSeconds: 300 });
    assert.deepEqual(
      inv.nodes.map((n) => [n.name, n.host, n.port, n.user, n.primary, n.link0, n.hostname]),
      [
        ['pve1', '10.0.0.1', 22, 'root', true, '10.10.10.1', 'pve1.localdomain'],
        ['pve2', '10.0.0.2', 22, 'root', false, '10.10.10.2', 'pve2.localdomain'],
        ['pve3', '10.0.0.3', 2222, 'root', false, '10.10.10.3', 'pve3.localdomain'],
      ],
    );
    assert.deepEqual(inv.nodes[0]?.password, { env: 'PVE_ROOT_PASSWORD' });
    assert.deepEqual(inv.nodes[1]?.password, { file: fixture('secrets/pve2.pass') }, 'the node\'s own password wins over defaults');
    assert.equal(inv.nodes[2]?.privateKeyFile, fixture('keys/id_ed25519'), 'relative to the inventory file, not the cwd');
    assert.ok(Inventory.safeParse(inv).success, 'the result is a valid normalized Inventory');
  });

  test('the brief\'s example: ${VAR} at defaults, {file} at a node, ~ expanded against HOME', () => {
    const { inventory } = load(`
cluster:
  name: lab
ssh:
  connectTimeoutSeconds: 15
  commandTimeoutSeconds: 300
defaults:
  user: root
  port: 22
  password: \${PVE_ROOT_PASSWORD}
  privateKeyFile: ~/.ssh/id_ed25519
nodes:
  - name: pve1
    host: 10.0.0.1
    hostname: pve1.localdomain
    primary: true
    link0: 10.0.0.1
  - name: pve2
    host: 10.0.0.2
    password: { file: /etc/pve-runbooks/pve2.pass }
  - name: pve3
    host: 10.0.0.3
    password: { file: pve3.pass }
`);
    assert.equal(inventory.nodes[0]?.privateKeyFile, '/home/operator/.ssh/id_ed25519');
    assert.deepEqual(inventory.nodes[0]?.password, { env: 'PVE_ROOT_PASSWORD' });
    assert.deepEqual(inventory.nodes[1]?.password, { file: '/etc/pve-runbooks/pve2.pass' });
    assert.deepEqual(inventory.nodes[2]?.password, { file: '/etc/pve-runbooks/pve3.pass' });
  });

  test('every written secret form becomes the right Secret', () => {
    const { inventory, warnings } = load(`
cluster: { name: forms }
nodes:
  - { name: a, host: 10.0.0.1, primary: true, password: plain-text }
  - { name: b, host: 10.0.0.2, password: "\${B_PASS}" }
  - { name: c, host: 10.0.0.3, password: { env: C_PASS } }
  - { name: d, host: 10.0.0.4, password: { file: ~/d.pass } }
  - { name: e, host: 10.0.0.5, password: { inline: "literal \${NOT_A_REF}" } }
`);
    assert.deepEqual(
      inventory.nodes.map((n) => n.password),
      [{ inline: 'plain-text' }, { env: 'B_PASS' }, { env: 'C_PASS' }, { file: '/home/operator/d.pass' }, { inline: 'literal ${NOT_A_REF}' }],
    );
    assert.deepEqual(
      warnings.map((w) => [w.field, w.line]),
      [
        ['nodes[0].password', 4],
        ['nodes[4].password', 8],
      ],
      'inline passwords are warned about, where they are written',
    );
  });

  test('an inline password in defaults is warned about once, at defaults', () => {
    const { warnings } = load(`
cluster: { name: lab }
defaults: { password: hunter2 }
nodes:
  - { name: pve1, host: 10.0.0.1, primary: true }
  - { name: pve2, host: 10.0.0.2 }
  - { name: pve3, host: 10.0.0.3 }
`);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.field, 'defaults.password');
    assert.equal(warnings[0]?.line, 3);
    assert.match(warnings[0]?.fix ?? '', /\$\{VAR\}/);
  });

  test('a two-node inventory is valid with a warning about quorum and a QDevice', () => {
    const { warnings } = load(`
cluster: { name: pair }
nodes:
  - { name: pve1, host: 10.0.0.1, primary: true, password: "\${P}" }
  - { name: pve2, host: 10.0.0.2, password: "\${P}" }
`);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.field, 'nodes');
    assert.match(warnings[0]?.message ?? '', /two-node cluster loses quorum/);
    assert.match(warnings[0]?.fix ?? '', /QDevice/);
  });

  test('a host given by name and no link0: valid, with a warning that corosync needs an IP', () => {
    const { warnings } = load(`
cluster: { name: lab }
nodes:
  - { name: pve1, host: pve1.lan, primary: true, password: "\${P}" }
  - { name: pve2, host: 10.0.0.2, password: "\${P}" }
  - { name: pve3, host: 10.0.0.3, password: "\${P}" }
`);
    assert.deepEqual(
      warnings.map((w) => w.field),
      ['nodes[0].host'],
    );
    assert.match(warnings[0]?.message ?? '', /corosync needs an IP for link0/);
  });

  test('the lab twin\'s shape: every node on 127.0.0.1 with its own port and link0', () => {
    const { inventory } = load(`
cluster: { name: lab }
nodes:
  - { name: pve1, host: 127.0.0.1, port: 30001, primary: true, link0: 10.99.0.1, password: a }
  - { name: pve2, host: 127.0.0.1, port: 30002, link0: 10.99.0.2, password: b }
  - { name: pve3, host: 127.0.0.1, port: 30003, link0: 10.99.0.3, password: c }
`);
    assert.deepEqual(
      inventory.nodes.map((n) => n.port),
      [30001, 30002, 30003],
    );
  });

  test('IPv6 addresses are accepted as host and link0', () => {
    const { inventory } = load(`
cluster: { name: v6 }
nodes:
  - { name: pve1, host: "fd00::1", primary: true, link0: "fd10::1", password: "\${P}" }
  - { name: pve2, host: "fd00::2", link0: "fd10::2", password: "\${P}" }
  - { name: pve3, host: "fd00::3", link0: "fd10::3", password: "\${P}" }
`);
    assert.equal(inventory.nodes[2]?.link0, 'fd10::3');
  });
});

describe('YAML round trip', () => {
  test('YAML → normalized → toYaml → normalized is the identity', () => {
    const first = loadInventory(fixture('lab.yaml'), { env: ENV });
    assert.ok(first.ok);
    const text = toYaml(first.inventory);
    const second = parseInventoryText(text, { file: fixture('roundtrip.yaml'), env: ENV });
    assert.ok(second.ok, JSON.stringify(!second.ok && second.problems));
    assert.deepEqual(second.inventory, first.inventory);
  });

  test('inline secrets that look like references survive the round trip', () => {
    const tricky = ['plain', 'a${B}c', '${NOT_ENV}', '{{ lookup("env", "X") }}', '  spaces  ', "quote'\"s", '#hash', 'yes', '12345', 'multi\nline'];
    const inv = Inventory.parse({
      cluster: { name: 'rt' },
      nodes: tricky.map((secret, i) => ({ name: `pve${i + 1}`, host: `10.0.0.${i + 1}`, primary: i === 0, password: { inline: secret } })),
    });
    const text = toYaml(inv);
    const back = parseInventoryText(text, { file: '/tmp/rt.yaml', checkFiles: false, checkEnv: false });
    assert.ok(back.ok, JSON.stringify(!back.ok && back.problems));
    assert.deepEqual(back.inventory, inv);
  });

  test('toYaml writes env references as ${VAR} and inline secrets inline', () => {
    const inv = Inventory.parse({
      cluster: { name: 'w' },
      nodes: [
        { name: 'pve1', host: '10.0.0.1', primary: true, password: { env: 'PVE_ROOT_PASSWORD' } },
        { name: 'pve2', host: '10.0.0.2', password: { inline: 'secret' } },
        { name: 'pve3', host: '10.0.0.3', password: { file: '/etc/p' }, privateKeyFile: '/root/.ssh/id_ed25519' },
      ],
    });
    const text = toYaml(inv);
    assert.match(text, /password: \$\{PVE_ROOT_PASSWORD\}/);
    assert.match(text, /password: secret/);
    assert.match(text, /password:\s+file: \/etc\/p/);
    assert.doesNotMatch(text, /defaults/);
  });
});

describe('format detection', () => {
  test('by extension, then by content', () => {
    assert.equal(detectFormat('inv.yaml', '[proxmox_cluster_primary]'), 'yaml', 'the extension wins');
    assert.equal(detectFormat('inv.YML', ''), 'yaml');
    assert.equal(detectFormat('inv.ini', 'cluster:\n  name: x\n'), 'ini');
    assert.equal(detectFormat('inv.cfg', ''), 'ini');
    assert.equal(detectFormat('prod.hosts', ''), 'ini');
    assert.equal(detectFormat('hosts', '[proxmox_cluster_primary]\npve1\n'), 'ini');
    assert.equal(detectFormat('hosts', 'cluster:\n  name: x\n'), 'yaml', 'a YAML file without an extension is still YAML');
    assert.equal(detectFormat('hosts', ''), 'ini', 'no extension and nothing to judge: Ansible\'s default');
    assert.equal(detectFormat('inventory.txt', '# c\ncluster:\n  name: x\n'), 'yaml');
    assert.equal(detectFormat('inventory.txt', '; c\n[proxmox_cluster:vars]\ncluster_name=x\n'), 'ini');
  });

  test('an explicit format overrides the extension', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inv-fmt-'));
    const file = path.join(dir, 'inventory.yaml');
    fs.copyFileSync(fixture('ansible-hosts.ini'), file);
    const wrong = loadInventory(file, { checkFiles: false, checkEnv: false });
    assert.ok(!wrong.ok);
    assert.match(wrong.problems.map((p) => p.fix).join('\n'), /looks like an Ansible INI inventory.*--format ini/);
    const right = loadInventory(file, { format: 'ini', checkFiles: false, checkEnv: false });
    assert.ok(right.ok, JSON.stringify(!right.ok && right.problems));
    assert.equal(right.inventory.cluster.name, 'prod');
  });
});
