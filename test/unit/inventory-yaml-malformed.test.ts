import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { type ParseOptions, parseInventoryText } from '../../client/inventory';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/inventory');

interface Case {
  name: string;
  text: string;
  field: string;
  message: RegExp;
  fix?: RegExp;
  line?: number;
  opts?: Partial<ParseOptions>;
}

/** A valid tail of two more nodes, so a case can break the first node alone. */
const PEERS = `
  - name: pve2
    host: 10.0.0.2
    password: \${P}
  - name: pve3
    host: 10.0.0.3
    password: \${P}
`;

const CASES: Case[] = [
  { name: 'empty file', text: '', field: 'file', message: /inventory is empty/ },
  { name: 'only comments', text: '# nothing yet\n', field: 'file', message: /inventory is empty/ },
  {
    name: 'YAML syntax error, with its line',
    text: 'cluster:\n  name: lab\nnodes:\n  - name: pve1\n    host: [10.0.0.1\n',
    field: 'yaml',
    message: /YAML syntax error/,
    line: 6,
  },
  { name: 'unclosed quote', text: 'cluster:\n  name: "lab\nnodes: []\n', field: 'yaml', message: /YAML syntax error: Missing closing "quote/ },
  { name: 'duplicate key', text: 'cluster:\n  name: lab\n  name: lab2\nnodes: []\n', field: 'name', message: /`name` is written twice/, line: 3 },
  { name: 'two YAML documents', text: 'cluster: {name: a}\n---\ncluster: {name: b}\n', field: 'yaml', message: /more than one YAML document/ },
  { name: 'alias without anchor', text: 'cluster: {name: a}\nnodes: *all\n', field: 'yaml', message: /cannot be read: Unresolved alias/ },
  { name: 'top level is a list', text: '- pve1\n- pve2\n', field: 'inventory', message: /must be a mapping with `cluster` and `nodes`.*got a list/ },
  { name: 'cluster missing', text: `nodes:\n  - name: pve1\n    host: 10.0.0.1\n    primary: true${PEERS}`, field: 'cluster', message: /cluster is not named/, fix: /`name: lab`/ },
  { name: 'cluster as a bare name', text: `cluster: lab\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'cluster', message: /must be a mapping .*got the text "lab"/, fix: /`cluster: \{name: lab\}`/, line: 1 },
  { name: 'cluster name missing', text: `cluster: {}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'cluster.name', message: /is missing: the cluster needs a name/, line: 1 },
  {
    name: 'cluster name with an underscore',
    text: `cluster:\n  name: my_lab\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'cluster.name',
    message: /contains `_`; PVE cluster names use only letters, digits and dashes/,
    fix: /`my-lab`/,
    line: 2,
  },
  {
    name: 'cluster name too long',
    text: `cluster:\n  name: production-cluster-01\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'cluster.name',
    message: /21 characters long; PVE cluster names are 1 to 15/,
  },
  { name: 'node name with an underscore', text: `cluster: {name: lab}\nnodes:\n  - {name: pve_1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'nodes[0].name', message: /contains `_`; node names are DNS labels/, line: 3 },
  {
    name: 'node name is an FQDN',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1.example.com, host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'nodes[0].name',
    message: /is a domain name; a PVE node name is the short hostname/,
    fix: /name the node `pve1` and put `pve1.example.com` in hostname/,
  },
  { name: 'node name starts with a dash', text: `cluster: {name: lab}\nnodes:\n  - {name: -pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'nodes[0].name', message: /starts with a dash/ },
  { name: 'node name too long', text: `cluster: {name: lab}\nnodes:\n  - {name: ${'p'.repeat(64)}, host: 10.0.0.1, primary: true}${PEERS}`, field: 'nodes[0].name', message: /64 characters long; a DNS label holds at most 63/ },
  {
    name: 'duplicate node names (case-insensitive, as DNS)',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true, password: x}\n  - {name: PVE1, host: 10.0.0.2, password: x}\n  - {name: pve3, host: 10.0.0.3, password: x}\n`,
    field: 'nodes[1].name',
    message: /node name `PVE1` is already used by nodes\[0\] \(line 3\)/,
    line: 4,
  },
  {
    name: 'duplicate SSH endpoint',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true, password: x}\n  - {name: pve2, host: 10.0.0.2, password: x}\n  - {name: pve3, host: 10.0.0.1, port: 22, password: x}\n`,
    field: 'nodes[2].host',
    message: /10.0.0.1, port 22 is already the SSH endpoint of nodes\[0\]/,
  },
  {
    name: 'duplicate link0',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, link0: 10.10.0.1, primary: true, password: x}\n  - {name: pve2, host: 10.0.0.2, link0: 10.10.0.1, password: x}\n  - {name: pve3, host: 10.0.0.3, password: x}\n`,
    field: 'nodes[1].link0',
    message: /corosync link0 address 10.10.0.1 is already used by nodes\[0\]/,
  },
  {
    name: 'link0 colliding with another node\'s host-derived address',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true, password: x}\n  - {name: pve2, host: 10.0.0.2, link0: 10.0.0.1, password: x}\n  - {name: pve3, host: 10.0.0.3, password: x}\n`,
    field: 'nodes[1].link0',
    message: /link0 address 10.0.0.1 is already used by nodes\[0\]/,
  },
  { name: 'no primary', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: x}${PEERS}`, field: 'nodes', message: /no node is the primary/, fix: /`primary: true`/, line: 2 },
  {
    name: 'two primaries',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true, password: x}\n  - {name: pve2, host: 10.0.0.2, password: x}\n  - {name: pve3, host: 10.0.0.3, primary: true, password: x}\n`,
    field: 'nodes[2].primary',
    message: /second primary \(nodes\[0\] \(line 3\) is the first\)/,
    fix: /one node only/,
  },
  { name: 'typo in a node key', text: `cluster: {name: lab}\nnodes:\n  - name: pve1\n    hots: 10.0.0.1\n    primary: true${PEERS}`, field: 'nodes[0].hots', message: /unknown key `hots`/, fix: /did you mean `host`\?/, line: 4 },
  { name: 'typo at the top level', text: `cluster: {name: lab}\nnode:\n  - {name: pve1}\n`, field: 'node', message: /unknown key `node`/, fix: /did you mean `nodes`\?/ },
  { name: 'typo in defaults', text: `cluster: {name: lab}\ndefaults:\n  usr: admin\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'defaults.usr', message: /unknown key `usr`/, fix: /did you mean `user`\?/, line: 3 },
  { name: 'typo in ssh', text: `cluster: {name: lab}\nssh:\n  connectTimeout: 5\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'ssh.connectTimeout', message: /unknown key `connectTimeout`/, fix: /`connectTimeoutSeconds`/ },
  { name: 'typo in cluster', text: `cluster:\n  nmae: lab\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'cluster.nmae', message: /unknown key `nmae`/, fix: /did you mean `name`\?/ },
  {
    name: 'a per-node setting in defaults',
    text: `cluster: {name: lab}\ndefaults:\n  primary: true\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'defaults.primary',
    message: /unknown key `primary`/,
    fix: /cannot be a default/,
  },
  {
    name: 'an Ansible variable name in YAML',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, ansible_host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'nodes[0].ansible_host',
    message: /unknown key `ansible_host`/,
    fix: /did you mean `host`\? \(`ansible_host` is how the other inventory format spells it\)/,
  },
  { name: 'port as text', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, port: ssh, primary: true}${PEERS}`, field: 'nodes[0].port', message: /must be a whole number from 1 to 65535, got the text "ssh"/ },
  { name: 'port quoted', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, port: "2222", primary: true}${PEERS}`, field: 'nodes[0].port', message: /got the text "2222"/, fix: /remove the quotes: `port: 2222`/ },
  { name: 'port not whole', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, port: 22.5, primary: true}${PEERS}`, field: 'nodes[0].port', message: /whole number from 1 to 65535, got the number 22.5/ },
  { name: 'port out of range', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, port: 70000, primary: true}${PEERS}`, field: 'nodes[0].port', message: /port 70000 is out of range: SSH ports are 1 to 65535/ },
  { name: 'port 0 in defaults, reported once at defaults', text: `cluster: {name: lab}\ndefaults: {port: 0}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'defaults.port', message: /port 0 is out of range/, line: 2 },
  {
    name: 'primary: yes (YAML 1.2 text)',
    text: `cluster: {name: lab}\nnodes:\n  - name: pve1\n    host: 10.0.0.1\n    primary: yes${PEERS}`,
    field: 'nodes[0].primary',
    message: /must be true or false, got the text "yes"/,
    fix: /write `primary: true` without quotes; YAML reads `yes` as text/,
    line: 5,
  },
  { name: 'ssh timeout zero', text: `cluster: {name: lab}\nssh: {connectTimeoutSeconds: 0}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'ssh.connectTimeoutSeconds', message: /seconds above 0, got 0/ },
  { name: 'nodes as a mapping', text: `cluster: {name: lab}\nnodes:\n  pve1: {host: 10.0.0.1}\n`, field: 'nodes', message: /must be a list/, fix: /`- name: \.\.\.`/ },
  { name: 'node as a bare name', text: `cluster: {name: lab}\nnodes:\n  - pve1${PEERS}`, field: 'nodes[0]', message: /each node must be a mapping of its settings, got the text "pve1"/ },
  { name: 'empty node list', text: `cluster: {name: lab}\nnodes: []\n`, field: 'nodes', message: /no nodes are listed/ },
  { name: 'host missing', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, primary: true, password: x}${PEERS}`, field: 'nodes[0].host', message: /is missing: the controller needs an address/, fix: /`host: 10.0.0.1`/ },
  { name: 'host with the port in it', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: "10.0.0.1:2222", primary: true}${PEERS}`, field: 'nodes[0].host', message: /includes the port 2222/, fix: /`port: 2222`/ },
  { name: 'host with the user in it', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: root@10.0.0.1, primary: true}${PEERS}`, field: 'nodes[0].host', message: /includes the user `root`/, fix: /`user: root`/ },
  { name: 'link0 is a name', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, link0: pve1-ring0, primary: true}${PEERS}`, field: 'nodes[0].link0', message: /`pve1-ring0` is not an IP address: corosync links must be IP addresses/ },
  {
    name: 'hostname disagrees with the node name',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, hostname: pve9.lan, primary: true}${PEERS}`,
    field: 'nodes[0].hostname',
    message: /does not start with the node name `pve1`/,
    fix: /`pve1.lan`/,
  },
  { name: 'no way to log in', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`, field: 'nodes[0]', message: /no password and no private key file: there is no way to log in/, fix: /privateKeyFile/ },
  { name: 'password mixing text and ${', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: "pre\${P}", primary: true}${PEERS}`, field: 'nodes[0].password', message: /the password mixes text with `\$\{P\}`/, fix: /\{inline: / },
  { name: 'password ${} with a bad variable name', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: "\${MY-PASS}", primary: true}${PEERS}`, field: 'nodes[0].password', message: /`MY-PASS` is not a valid environment variable name/ },
  { name: 'password {env} with a bad variable name', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {env: 1PASS}, primary: true}${PEERS}`, field: 'nodes[0].password', message: /`1PASS` is not a valid environment variable name/ },
  { name: 'password as a number', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: 12345, primary: true}${PEERS}`, field: 'nodes[0].password', message: /must be text, got a number$/, fix: /quote it/ },
  { name: 'password object with a typo', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {fil: /p}, primary: true}${PEERS}`, field: 'nodes[0].password', message: /unknown key `fil` in the password/, fix: /did you mean `file`\?/ },
  { name: 'password object with two sources', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {env: A, file: /p}, primary: true}${PEERS}`, field: 'nodes[0].password', message: /exactly one of env, file or inline, got env and file/ },
  { name: 'empty password', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: "", primary: true}${PEERS}`, field: 'nodes[0].password', message: /password is empty/ },
  {
    name: 'Ansible lookup in YAML',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: "{{ lookup('env', 'P') }}", primary: true}${PEERS}`,
    field: 'nodes[0].password',
    message: /YAML inventories do not evaluate Jinja or Ansible lookups/,
    fix: /\{env: VAR\}/,
  },
  { name: 'empty privateKeyFile', text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, privateKeyFile: "", primary: true}${PEERS}`, field: 'nodes[0].privateKeyFile', message: /is empty/ },
  {
    name: 'secret file that does not exist',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {file: secrets/missing.pass}, primary: true}${PEERS}`,
    field: 'nodes[0].password',
    message: new RegExp(`password file ${FIXTURES}/secrets/missing.pass \\(written as secrets/missing.pass\\) does not exist`),
    opts: { checkFiles: true, file: path.join(FIXTURES, 'inline.yaml') },
  },
  {
    name: 'private key in defaults that does not exist, reported once',
    text: `cluster: {name: lab}\ndefaults:\n  privateKeyFile: ~/.ssh/nope\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}${PEERS}`,
    field: 'defaults.privateKeyFile',
    message: /private key file \/nonexistent-home\/.ssh\/nope \(written as ~\/.ssh\/nope\) does not exist/,
    line: 3,
    opts: { checkFiles: true, env: { HOME: '/nonexistent-home' } },
  },
  {
    name: 'private key file is the public half',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, privateKeyFile: keys/id_ed25519.pub, primary: true}${PEERS}`,
    field: 'nodes[0].privateKeyFile',
    message: /holds a public key/,
    opts: { checkFiles: true, file: path.join(FIXTURES, 'inline.yaml') },
  },
  {
    name: 'secret file is a directory',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {file: keys}, primary: true}${PEERS}`,
    field: 'nodes[0].password',
    message: /is not a regular file/,
    opts: { checkFiles: true, file: path.join(FIXTURES, 'inline.yaml') },
  },
  {
    name: 'environment variable not set',
    text: `cluster: {name: lab}\ndefaults:\n  password: \${PVE_ROOT_PASSWORD}\nnodes:\n  - {name: pve1, host: 10.0.0.1, primary: true}\n  - {name: pve2, host: 10.0.0.2}\n  - {name: pve3, host: 10.0.0.3}\n`,
    field: 'defaults.password',
    message: /environment variable PVE_ROOT_PASSWORD is not set/,
    fix: /export PVE_ROOT_PASSWORD=/,
    opts: { checkEnv: true, env: {} },
  },
  {
    name: 'environment variable set but empty',
    text: `cluster: {name: lab}\nnodes:\n  - {name: pve1, host: 10.0.0.1, password: {env: PW}, primary: true}${PEERS}`,
    field: 'nodes[0].password',
    message: /PW is set but empty/,
    opts: { checkEnv: true, env: { PW: '', P: 'x' } },
  },
];

/** Zod's own wording must never reach the engineer. */
const RAW_ZOD = /Invalid input|Unrecognized key|Too (small|big)|expected \w+, received|ZodError/;

describe('malformed YAML inventories: every case names the field and says what is wrong', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const opts: ParseOptions = { file: '/etc/pve-runbooks/inventory.yaml', format: 'yaml', checkFiles: false, checkEnv: false, env: { P: 'x' }, ...c.opts };
      const r = parseInventoryText(c.text, opts);
      assert.ok(!r.ok, 'the inventory must be refused');
      const all = JSON.stringify(r.problems, null, 2);
      const p = r.problems.find((x) => x.field === c.field && c.message.test(x.message));
      assert.ok(p, `no problem at ${c.field} matching ${c.message}; got ${all}`);
      if (c.line !== undefined) assert.equal(p.line, c.line, all);
      if (c.fix) assert.match(p.fix, c.fix);
      assert.equal(p.file, opts.file);
      for (const q of r.problems) {
        assert.doesNotMatch(q.message, RAW_ZOD, all);
        assert.ok(q.fix.length > 0, `every problem has a fix: ${all}`);
      }
    });
  }
  test(`there are at least 20 cases (${CASES.length})`, () => assert.ok(CASES.length >= 20));
});

describe('problems never repeat a password', () => {
  test('malformed passwords are described, not echoed', () => {
    const text = `cluster: {name: lab}
nodes:
  - {name: pve1, host: 10.0.0.1, primary: true, password: "S3cr3t\${X}"}
  - {name: pve2, host: 10.0.0.2, password: 123456789}
  - {name: pve3, host: 10.0.0.3, password: {inline: 987654321}}
`;
    const r = parseInventoryText(text, { file: 'x.yaml', format: 'yaml', checkFiles: false, checkEnv: false });
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 3, JSON.stringify(r.problems));
    assert.doesNotMatch(JSON.stringify(r.problems), /S3cr3t|123456789|987654321/);
  });
});

describe('every problem is collected, not just the first', () => {
  test('one file with many mistakes reports each of them, sorted by line', () => {
    const text = `cluster:
  name: my_lab
defaults:
  usr: root
nodes:
  - name: pve_1
    hots: 10.0.0.1
    port: "22"
    primary: yes
  - name: pve2
    host: 10.0.0.2
    link0: ring0
    password: abc\${X}
  - name: pve2
    host: 10.0.0.2
    primary: true
    password: \${NOT_SET}
`;
    const r = parseInventoryText(text, { file: 'many.yaml', format: 'yaml', checkFiles: false, checkEnv: true, env: {} });
    assert.ok(!r.ok);
    const got = r.problems.map((p) => `${p.line}:${p.field}`);
    for (const expected of [
      '2:cluster.name',
      '4:defaults.usr',
      '6:nodes[0].name',
      '6:nodes[0].host',
      '6:nodes[0]',
      '7:nodes[0].hots',
      '8:nodes[0].port',
      '9:nodes[0].primary',
      '12:nodes[1].link0',
      '13:nodes[1].password',
      '14:nodes[2].name',
      '15:nodes[2].host',
      '17:nodes[2].password',
    ]) {
      assert.ok(got.includes(expected), `missing ${expected} in ${got.join(', ')}`);
    }
    const lines = r.problems.map((p) => p.line ?? Infinity);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  });
});
