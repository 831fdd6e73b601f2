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

const PRIMARY = '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1\n';
const NODES = '[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2\npve3 ansible_host=10.0.0.3\n';
const VARS = '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=${P}\n';
/** A valid inventory whose parts each case replaces. */
const ini = (parts: { primary?: string; nodes?: string; vars?: string; extra?: string }) =>
  `${parts.primary ?? PRIMARY}${parts.nodes ?? NODES}${parts.vars ?? VARS}${parts.extra ?? ''}`;

const CASES: Case[] = [
  { name: 'empty file', text: '', field: 'file', message: /inventory is empty/ },
  { name: 'only comments', text: '# hosts\n; nothing else\n\n', field: 'file', message: /inventory is empty/ },
  {
    name: 'unclosed double quote',
    text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password="abc\n' }),
    field: 'pve1',
    message: /a double quote is not closed/,
    line: 2,
  },
  { name: 'unclosed single quote in vars', text: ini({ vars: "[proxmox_cluster:vars]\ncluster_name='prod\nansible_password=${P}\n" }), field: 'proxmox_cluster:vars.cluster_name', message: /single quote is not closed/, line: 7 },
  { name: 'malformed section header', text: ini({ nodes: '[proxmox_cluster_nodes\npve2 ansible_host=10.0.0.2\n' }), field: 'ini', message: /malformed section header `\[proxmox_cluster_nodes`/, line: 3 },
  { name: 'unknown group', text: ini({ extra: '[webservers]\nweb1\n' }), field: '[webservers]', message: /group `webservers` is not part of a PVE inventory/, line: 9 },
  { name: 'misspelled group', text: ini({ nodes: '[proxmox_cluster_node]\npve2 ansible_host=10.0.0.2\n' }), field: '[proxmox_cluster_node]', message: /not part of a PVE inventory/, fix: /did you mean \[proxmox_cluster_nodes\]\?/ },
  { name: 'unknown kind of section', text: ini({ extra: '[proxmox_cluster_nodes:hosts]\n' }), field: '[proxmox_cluster_nodes:hosts]', message: /`:hosts` is not a kind of section/ },
  { name: 'children of a host group', text: ini({ extra: '[proxmox_cluster_nodes:children]\nfoo\n' }), field: '[proxmox_cluster_nodes:children]', message: /only \[proxmox_cluster:children\] may list groups/ },
  { name: 'unknown child group', text: ini({ extra: '[proxmox_cluster:children]\nproxmox_cluster_primary\nproxmox_cluster_nodez\n' }), field: 'proxmox_cluster:children', message: /`proxmox_cluster_nodez` is not a group/, fix: /did you mean proxmox_cluster_nodes\?/, line: 11 },
  { name: 'host directly in [proxmox_cluster]', text: ini({ extra: '[proxmox_cluster]\npve4 ansible_host=10.0.0.4\n' }), field: 'pve4', message: /hosts cannot be listed directly under \[proxmox_cluster\]/ },
  { name: 'host before any section', text: `pve0 ansible_host=10.0.0.9\n${ini({})}`, field: 'pve0', message: /is outside any group/, line: 1 },
  {
    name: 'host listed in both groups',
    text: ini({ nodes: '[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2\npve1 ansible_host=10.0.0.1\n' }),
    field: 'pve1',
    message: /`pve1` is already listed at line 2 \(under \[proxmox_cluster_primary\]\)/,
    line: 5,
  },
  { name: 'host range', text: ini({ nodes: '[proxmox_cluster_nodes]\npve[2:3] ansible_user=root\n' }), field: 'pve[2:3]', message: /host ranges such as pve\[1:3\] are not supported/ },
  { name: 'typo in a host variable', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_hots=10.0.0.1\n' }), field: 'pve1.ansible_hots', message: /unknown variable `ansible_hots`/, fix: /did you mean `ansible_host`\?/, line: 2 },
  { name: 'typo in a group variable', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_usr=root\nansible_password=${P}\n' }), field: 'proxmox_cluster:vars.ansible_usr', message: /unknown variable `ansible_usr`/, fix: /did you mean `ansible_user`\?/, line: 8 },
  { name: 'YAML key in INI', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 port=2222\n' }), field: 'pve1.port', message: /unknown variable `port`/, fix: /did you mean `ansible_port`\?/ },
  { name: 'an unsupported Ansible variable', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=${P}\nansible_become=true\n' }), field: 'proxmox_cluster:vars.ansible_become', message: /unknown variable `ansible_become`/, fix: /remove it/ },
  { name: 'cluster_name missing', text: ini({ vars: '[proxmox_cluster:vars]\nansible_password=${P}\n' }), field: 'cluster_name', message: /is missing: the cluster needs a name/, fix: /set cluster_name=lab in \[proxmox_cluster:vars\]/ },
  { name: 'cluster_name invalid', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod_cluster\nansible_password=${P}\n' }), field: 'cluster_name', message: /contains `_`; PVE cluster names use only letters, digits and dashes/, line: 7 },
  { name: 'cluster_name on a host line', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 cluster_name=prod\n' }), field: 'pve1.cluster_name', message: /names the whole cluster, not one host/, fix: /\[proxmox_cluster:vars\]/ },
  { name: 'cluster_name set twice, differently', text: ini({ extra: '[proxmox_cluster_nodes:vars]\ncluster_name=other\n' }), field: 'cluster_name', message: /already set to `prod` at line 7/, line: 10 },
  { name: 'ansible_port as text', text: ini({ nodes: '[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2 ansible_port=ssh\npve3 ansible_host=10.0.0.3\n' }), field: 'pve2.ansible_port', message: /whole number from 1 to 65535, got the text "ssh"/, fix: /ansible_port=22 on the host line of pve2/, line: 4 },
  { name: 'ansible_port with a fraction', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_port=22.5\n' }), field: 'pve1.ansible_port', message: /got the text "22.5"/, fix: /^write ansible_port=22 on the host line of pve1$/ },
  { name: 'ansible_port out of range', text: ini({ nodes: '[proxmox_cluster_nodes]\npve2:70000 ansible_host=10.0.0.2\npve3 ansible_host=10.0.0.3\n' }), field: 'pve2.ansible_port', message: /port 70000 is out of range/ },
  {
    name: 'bad port in group vars, reported once where it is written',
    text: ini({ extra: '[proxmox_cluster_nodes:vars]\nansible_port=0\n' }),
    field: 'proxmox_cluster_nodes:vars.ansible_port',
    message: /port 0 is out of range/,
    fix: /ansible_port=22 in \[proxmox_cluster_nodes:vars\]/,
    line: 10,
  },
  { name: 'ansible_connection other than ssh', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_connection=local\n' }), field: 'pve1.ansible_connection', message: /ansible_connection=local is not supported/ },
  { name: 'a Jinja expression', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password="{{ vault_pve_password }}"\n' }), field: 'proxmox_cluster:vars.ansible_password', message: /is a Jinja expression, which pve-runbooks does not evaluate/, fix: /lookup\('env', 'VAR'\)/ },
  { name: 'an unsupported lookup', text: ini({ vars: `[proxmox_cluster:vars]\ncluster_name=prod\nansible_password="{{ lookup('password', '/tmp/p length=20') }}"\n` }), field: 'proxmox_cluster:vars.ansible_password', message: /the `password` lookup is not supported/ },
  {
    name: 'an unquoted Jinja expression with spaces',
    text: ini({ primary: `[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password={{ lookup('env', 'P') }}\n` }),
    field: 'pve1.ansible_password',
    message: /Jinja expression is cut at a space/,
    fix: /wrap the whole value in double quotes/,
  },
  { name: 'a lookup naming a bad variable', text: ini({ vars: `[proxmox_cluster:vars]\ncluster_name=prod\nansible_password="{{ lookup('env', 'A B') }}"\n` }), field: 'proxmox_cluster:vars.ansible_password', message: /`A B` is not a valid environment variable name/ },
  { name: 'password mixing text and ${', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=x${P}\n' }), field: 'proxmox_cluster:vars.ansible_password', message: /the password mixes text with `\$\{P\}`/ },
  { name: 'no primary', text: `${NODES}[proxmox_cluster_nodes]\npve1 ansible_host=10.0.0.1\n${VARS}`, field: 'hosts', message: /no node is the primary/, fix: /under \[proxmox_cluster_primary\]/ },
  {
    name: 'two primaries',
    text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1\npve0 ansible_host=10.0.0.9\n' }),
    field: 'pve0',
    message: /second primary \(pve1 \(line 2\) is the first\)/,
    fix: /move the others to \[proxmox_cluster_nodes\]/,
    line: 3,
  },
  { name: 'node name with an underscore', text: ini({ nodes: '[proxmox_cluster_nodes]\npve_2 ansible_host=10.0.0.2\npve3 ansible_host=10.0.0.3\n' }), field: 'pve_2', message: /contains `_`; node names are DNS labels/, line: 4 },
  { name: 'node name is an FQDN', text: ini({ nodes: '[proxmox_cluster_nodes]\npve2.lan ansible_host=10.0.0.2\npve3 ansible_host=10.0.0.3\n' }), field: 'pve2.lan', message: /is a domain name/ },
  { name: 'duplicate SSH endpoint', text: ini({ nodes: '[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.1\npve3 ansible_host=10.0.0.3\n' }), field: 'pve2.ansible_host', message: /10.0.0.1, port 22 is already the SSH endpoint of pve1 \(line 2\)/ },
  {
    name: 'duplicate link0',
    text: ini({ nodes: '[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2 link0=10.9.0.1\npve3 ansible_host=10.0.0.3 link0=10.9.0.1\n' }),
    field: 'pve3.link0',
    message: /corosync link0 address 10.9.0.1 is already used by pve2 \(line 4\)/,
    line: 5,
  },
  { name: 'link0 not an IP', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 link0=ring0.lan\n' }), field: 'pve1.link0', message: /corosync links must be IP addresses/ },
  {
    name: 'no way to log in',
    text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\n', primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password=${P}\n' }),
    field: 'pve2',
    message: /no password and no private key file: there is no way to log in/,
    fix: /ansible_ssh_private_key_file/,
  },
  { name: 'a word without =', text: ini({ primary: '[proxmox_cluster_primary]\npve1 10.0.0.1\n' }), field: 'pve1', message: /expected key=value after the host name, got `10.0.0.1`/ },
  {
    name: 'an unquoted password with a space',
    text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password=my secret\n' }),
    field: 'pve1.ansible_password',
    message: /a word without = follows ansible_password/,
    fix: /quote a password that contains spaces/,
  },
  { name: 'a vars line without =', text: ini({ extra: '[proxmox_cluster_nodes:vars]\nansible_user root\n' }), field: 'proxmox_cluster_nodes:vars', message: /expected key=value, got `ansible_user root`/ },
  { name: 'a vars value with spaces', text: ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=two words\n' }), field: 'proxmox_cluster:vars.ansible_password', message: /the value contains spaces/, fix: /ansible_password="\.\.\."/ },
  { name: 'password and its alias on one line', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password=a ansible_ssh_pass=b\n' }), field: 'pve1.ansible_ssh_pass', message: /`ansible_password` and `ansible_ssh_pass` both set the password/ },
  { name: 'a variable twice on one line', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_user=a ansible_user=b\n' }), field: 'pve1.ansible_user', message: /`ansible_user` is set twice/ },
  { name: 'empty ansible_user', text: ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_user=\n' }), field: 'pve1.ansible_user', message: /is empty/ },
  {
    name: 'env lookup naming an unset variable',
    text: ini({ vars: `[proxmox_cluster:vars]\ncluster_name=prod\nansible_password="{{ lookup('env', 'PVE_ROOT_PASSWORD') }}"\n` }),
    field: 'proxmox_cluster:vars.ansible_password',
    message: /environment variable PVE_ROOT_PASSWORD is not set/,
    line: 8,
    opts: { checkEnv: true, env: {} },
  },
  {
    name: 'file lookup naming a missing file',
    text: ini({ primary: `[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password="{{ lookup('file', 'secrets/nope.pass') }}"\n` }),
    field: 'pve1.ansible_password',
    message: new RegExp(`password file ${FIXTURES}/secrets/nope.pass .*does not exist`),
    opts: { checkFiles: true, file: path.join(FIXTURES, 'hosts') },
  },
  {
    name: 'private key file missing',
    text: ini({ extra: '[proxmox_cluster_nodes:vars]\nansible_ssh_private_key_file=~/.ssh/id_rsa\n' }),
    field: 'proxmox_cluster_nodes:vars.ansible_ssh_private_key_file',
    message: /private key file \/nonexistent-home\/.ssh\/id_rsa \(written as ~\/.ssh\/id_rsa\) does not exist/,
    opts: { checkFiles: true, env: { HOME: '/nonexistent-home' } },
  },
  { name: 'only vars, no hosts', text: VARS, field: 'hosts', message: /no nodes are listed/, fix: /\[proxmox_cluster_primary\]/ },
];

const RAW_ZOD = /Invalid input|Unrecognized key|Too (small|big)|expected \w+, received|ZodError/;

describe('malformed INI inventories: every case names the field and says what is wrong', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const opts: ParseOptions = { file: '/srv/ansible/hosts', format: 'ini', checkFiles: false, checkEnv: false, env: { P: 'x' }, ...c.opts };
      const r = parseInventoryText(c.text, opts);
      assert.ok(!r.ok, 'the inventory must be refused');
      const all = JSON.stringify(r.problems, null, 2);
      const p = r.problems.find((x) => x.field === c.field && c.message.test(x.message));
      assert.ok(p, `no problem at ${c.field} matching ${c.message}; got ${all}`);
      if (c.line !== undefined) assert.equal(p.line, c.line, all);
      if (c.fix) assert.match(p.fix, c.fix);
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
    const text = ini({
      primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password=S3cr3t S3cr3tTail\n',
      vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=S3cr3t${X}S3cr3t\n[proxmox_cluster_nodes:vars]\nansible_password=S3cr3t two\n',
    });
    const r = parseInventoryText(text, { file: 'hosts', format: 'ini', checkFiles: false, checkEnv: false });
    assert.ok(!r.ok);
    assert.ok(r.problems.length >= 3, JSON.stringify(r.problems));
    assert.doesNotMatch(JSON.stringify(r.problems), /S3cr3t/);
  });
});

describe('INI problems do not cascade', () => {
  test('an unreadable line still names its host: no false "no primary" or "no way to log in"', () => {
    const r = parseInventoryText(ini({ primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 ansible_password="abc\n' }), {
      file: 'hosts',
      format: 'ini',
      checkFiles: false,
      checkEnv: false,
    });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => p.message),
      ['a double quote is not closed'],
    );
  });

  test('a bad line in [proxmox_cluster:vars] does not make every host "unauthenticated"', () => {
    const r = parseInventoryText(ini({ vars: '[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=two words\n' }), { file: 'hosts', format: 'ini', checkFiles: false, checkEnv: false });
    assert.ok(!r.ok);
    assert.equal(r.problems.length, 1, JSON.stringify(r.problems));
  });

  test('many mistakes in one file are all reported, top to bottom', () => {
    const text = `stray
[proxmox_cluster_primary]
pve1 ansible_hots=10.0.0.1 ansible_port=abc
[proxmox_cluster_nodes]
pve_2 ansible_host=10.0.0.2 ansible_password="{{ vault }}"
pve1
[webserver]
[proxmox_cluster:vars]
cluster_name=prod_1
`;
    const r = parseInventoryText(text, { file: 'hosts', format: 'ini', checkFiles: false, checkEnv: false });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.problems.map((p) => `${p.line}:${p.field}`),
      ['1:stray', '3:pve1.ansible_hots', '3:pve1.ansible_port', '3:pve1', '5:pve_2', '5:pve_2.ansible_password', '6:pve1', '7:[webserver]', '9:cluster_name'],
    );
  });
});
