import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadInventory, parseInventoryText, toYaml } from '../../client/inventory';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/inventory');
const fixture = (name: string) => path.join(FIXTURES, name);
const ENV = { HOME: '/home/operator', PVE_ROOT_PASSWORD: 'r', PVE1_PASSWORD: '1', PVE3_PASSWORD: '3' };

function loadIni(file: string) {
  const r = loadInventory(fixture(file), { checkFiles: false, checkEnv: false, env: ENV });
  assert.ok(r.ok, `expected a valid inventory, got ${JSON.stringify(!r.ok && r.problems, null, 2)}`);
  return r;
}

function parseIni(text: string) {
  const r = parseInventoryText(text, { file: '/srv/ansible/hosts', format: 'ini', checkFiles: false, checkEnv: false, env: ENV });
  assert.ok(r.ok, `expected a valid inventory, got ${JSON.stringify(!r.ok && r.problems, null, 2)}`);
  return r;
}

describe('Ansible INI inventory', () => {
  test('the make + Ansible flow\'s inventory loads as it is', () => {
    const { inventory, warnings } = loadIni('ansible-hosts.ini');
    assert.equal(inventory.cluster.name, 'prod');
    assert.deepEqual(inventory.nodes, [
      { name: 'pve1', host: '10.0.0.1', port: 22, user: 'root', hostname: 'pve1.localdomain', password: { inline: 'secret' }, primary: true },
      { name: 'pve2', host: '10.0.0.2', port: 22, user: 'root', hostname: 'pve2.localdomain', password: { inline: 'secret' }, primary: false },
      { name: 'pve3', host: '10.0.0.3', port: 2222, user: 'root', privateKeyFile: '/home/operator/.ssh/id_ed25519', primary: false },
    ]);
    assert.deepEqual(
      warnings.map((w) => [w.field, w.line]),
      [
        ['pve1.ansible_password', 3],
        ['pve2.ansible_password', 6],
      ],
    );
  });

  test('precedence: host line > [group:vars] > [proxmox_cluster:vars]', () => {
    const { inventory } = loadIni('group-vars.ini');
    assert.equal(inventory.cluster.name, 'staging');
    const byName = Object.fromEntries(inventory.nodes.map((n) => [n.name, n]));
    assert.equal(byName.pve1?.port, 2201, 'primary:vars beats proxmox_cluster:vars');
    assert.equal(byName.pve1?.user, 'root', 'proxmox_cluster:vars fills what the group leaves out');
    assert.equal(byName.pve2?.port, 2222, 'nodes:vars beats proxmox_cluster:vars');
    assert.equal(byName.pve2?.user, 'ops');
    assert.equal(byName.pve3?.port, 2202, 'the host line beats every group');
    assert.equal(byName.pve3?.user, 'admin');
    for (const n of inventory.nodes) {
      assert.deepEqual(n.password, { env: 'PVE_ROOT_PASSWORD' }, `${n.name}: env lookup from proxmox_cluster:vars`);
      assert.equal(n.privateKeyFile, fixture('keys/id_ed25519'), 'relative key path resolved next to the inventory');
    }
  });

  test('lookups, ${VAR}, host:port, quotes with spaces and # inside, comments after values', () => {
    const { inventory } = loadIni('lookups.ini');
    assert.equal(inventory.cluster.name, 'homelab');
    assert.deepEqual(
      inventory.nodes.map((n) => [n.name, n.host, n.port, n.password]),
      [
        ['pve1', '10.0.0.1', 22, { env: 'PVE1_PASSWORD' }],
        ['pve2', '10.0.0.2', 22, { file: fixture('secrets/pve2.pass') }],
        ['pve3', '10.0.0.3', 2222, { env: 'PVE3_PASSWORD' }],
        ['pve4', '10.0.0.4', 22, { inline: 'p@ss word;#1' }],
      ],
    );
  });

  test('lookup spellings: both quote styles, with and without spaces', () => {
    const spellings = [
      `"{{ lookup('env', 'X_PASS') }}"`,
      `"{{lookup('env','X_PASS')}}"`,
      `'{{ lookup("env", "X_PASS") }}'`,
      `'{{lookup( "env" , "X_PASS" )}}'`,
    ];
    for (const s of spellings) {
      const { inventory } = parseIni(`[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password=${s}\n[proxmox_cluster:vars]\ncluster_name=x\n`);
      assert.deepEqual(inventory.nodes[0]?.password, { env: 'X_PASS' }, s);
    }
    const { inventory } = parseIni(`[proxmox_cluster_primary]\npve1 ansible_password="{{ lookup('file', '~/p.txt') }}"\n[proxmox_cluster:vars]\ncluster_name=x\n`);
    assert.deepEqual(inventory.nodes[0]?.password, { file: '/home/operator/p.txt' });
  });

  test('a host without ansible_host is reached by its inventory name; ansible_ssh_pass is ansible_password', () => {
    const { inventory } = parseIni(`
[proxmox_cluster_primary]
pve1 ansible_ssh_pass=\${PW}
[proxmox_cluster:vars]
cluster_name=x
`);
    assert.equal(inventory.nodes[0]?.host, 'pve1');
    assert.deepEqual(inventory.nodes[0]?.password, { env: 'PW' });
  });

  test('double-quoted values keep escaped quotes and backslashes; single quotes are literal', () => {
    const { inventory } = parseIni(String.raw`
[proxmox_cluster_primary]
pve1 ansible_host=10.0.0.1 ansible_password="a \"quoted\" \\ value"
[proxmox_cluster_nodes]
pve2 ansible_host=10.0.0.2 ansible_password='back\slash "kept"'
pve3 ansible_host=10.0.0.3 ansible_password=semi;colon
[proxmox_cluster:vars]
cluster_name = spaced   # a comment
`);
    assert.deepEqual(
      inventory.nodes.map((n) => n.password),
      [{ inline: 'a "quoted" \\ value' }, { inline: 'back\\slash "kept"' }, { inline: 'semi;colon' }],
    );
    assert.equal(inventory.cluster.name, 'spaced');
  });

  test('ansible_python_interpreter and ansible_connection=ssh are accepted and ignored; CRLF line ends are fine', () => {
    const { inventory } = parseIni(
      '[proxmox_cluster_primary]\r\npve1 ansible_host=10.0.0.1 ansible_connection=ssh ansible_python_interpreter=/usr/bin/python3 ansible_password=${P}\r\n[proxmox_cluster:vars]\r\ncluster_name=crlf\r\n',
    );
    assert.equal(inventory.cluster.name, 'crlf');
    assert.deepEqual(Object.keys(inventory.nodes[0] ?? {}).sort(), ['host', 'name', 'password', 'port', 'primary', 'user']);
  });

  test('the primary is whichever host sits under [proxmox_cluster_primary], wherever that section is', () => {
    const { inventory } = parseIni(`
[proxmox_cluster_nodes]
pve2 ansible_host=10.0.0.2
pve3 ansible_host=10.0.0.3
[proxmox_cluster_primary]
pve1 ansible_host=10.0.0.1
[proxmox_cluster:vars]
cluster_name=order
ansible_password=\${P}
`);
    assert.deepEqual(
      inventory.nodes.map((n) => [n.name, n.primary]),
      [
        ['pve2', false],
        ['pve3', false],
        ['pve1', true],
      ],
    );
  });
});

describe('INI round trip', () => {
  for (const file of ['ansible-hosts.ini', 'group-vars.ini', 'lookups.ini']) {
    test(`${file} → normalized → toYaml → load gives the same inventory`, () => {
      const { inventory } = loadIni(file);
      const back = parseInventoryText(toYaml(inventory), { file: fixture('converted.yaml'), checkFiles: false, checkEnv: false, env: ENV });
      assert.ok(back.ok, JSON.stringify(!back.ok && back.problems));
      assert.deepEqual(back.inventory, inventory);
    });
  }
});
