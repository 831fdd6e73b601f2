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

/** A valid hyper-converged inventory (the reference deployment) whose parts each case replaces. */
const HC_NODES = `  - {name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11}
  - {name: pve2, host: 192.168.100.12, link0: 10.0.0.12}
  - {name: pve3, host: 192.168.100.13, link0: 10.0.0.13}
`;
const hc = (parts: { network?: string; disks?: string; ceph?: string; ha?: string; nodes?: string }) =>
  `cluster: {name: lab}\ndefaults: {password: x}\n${parts.network ?? 'network: {cidr: 10.0.0.0/24}'}\n${parts.disks ?? ''}\n${parts.ceph ?? 'ceph: {}'}\n${parts.ha ?? 'ha: {}'}\nnodes:\n${parts.nodes ?? HC_NODES}`;
/** HC_NODES with one node's line replaced. */
const hcNode = (index: number, line: string) => HC_NODES.split('\n').map((l, i) => (i === index ? line : l)).join('\n');

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
  // Hyper-converged sections: disks.
  { name: 'RAID member path with a space', text: hc({ disks: 'disks: {raidMembers: [/dev/sda, "/dev/sd b", /dev/sdc]}' }), field: 'disks.raidMembers[1]', message: /device path `\/dev\/sd b` contains a space/, fix: /`\/dev\/sdb`/, line: 4 },
  { name: 'DB device with shell metacharacters', text: hc({ disks: 'disks: {db: "/dev/$(reboot)"}' }), field: 'disks.db', message: /contains `\$`, `\(`, `\)`/ },
  { name: 'DB device not under /dev', text: hc({ disks: 'disks: {db: nvme1n1}' }), field: 'disks.db', message: /`nvme1n1` is not a device path/, fix: /write `\/dev\/nvme1n1`/ },
  { name: 'a device path with ..', text: hc({ nodes: hcNode(2, '  - {name: pve3, host: 192.168.100.13, link0: 10.0.0.13, disks: {db: /dev/../sda}}') }), field: 'nodes[2].disks.db', message: /has an empty, `\.` or `\.\.` component/, line: 10 },
  { name: 'DB device is a RAID member', text: hc({ disks: 'disks: {db: /dev/sdb}' }), field: 'disks.db', message: /the DB device \/dev\/sdb is also a RAID member/, fix: /separate fast device/, line: 4 },
  {
    name: 'a node\'s DB device is a partition of a RAID member (the default members)',
    text: hc({ nodes: hcNode(1, '  - {name: pve2, host: 192.168.100.12, link0: 10.0.0.12, disks: {db: /dev/sda1}}') }),
    field: 'nodes[1].disks.db',
    message: /overlaps the RAID member \/dev\/sda \(\/dev\/sda1 is a partition of \/dev\/sda\)/,
  },
  { name: 'duplicate RAID members', text: hc({ disks: 'disks: {raidMembers: [/dev/sda, /dev/sdb, /dev/sdc, /dev/sda]}' }), field: 'disks.raidMembers[3]', message: /`\/dev\/sda` is listed twice in the RAID members/ },
  { name: 'a RAID member and its own partition', text: hc({ disks: 'disks: {raidMembers: [/dev/nvme2n1, /dev/sdb, /dev/nvme2n1p1]}' }), field: 'disks.raidMembers[2]', message: /\/dev\/nvme2n1p1 is a partition of \/dev\/nvme2n1/ },
  { name: 'RAID5 with two members', text: hc({ nodes: hcNode(0, '  - {name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11, disks: {raidMembers: [/dev/sda, /dev/sdb]}}') }), field: 'nodes[0].disks.raidMembers', message: /RAID5 needs at least 3 members, got 2/, fix: /raidMembers: \[\/dev\/sda, \/dev\/sdb, \/dev\/sdc, \/dev\/sdd\]/ },
  { name: 'array that is not an md device', text: hc({ disks: 'disks: {array: /dev/sde}' }), field: 'disks.array', message: /`\/dev\/sde` is not an md array: mdadm arrays are \/dev\/mdN or \/dev\/md\/NAME/, fix: /`\/dev\/md0`/ },
  { name: 'array listed among its own members', text: hc({ disks: 'disks: {raidMembers: [/dev/sda, /dev/sdb, /dev/md0]}' }), field: 'disks.array', message: /the md array \/dev\/md0 is also one of its own members/ },
  { name: 'volume group with a space', text: hc({ disks: 'disks: {volumeGroup: "ceph raid"}' }), field: 'disks.volumeGroup', message: /volume group name `ceph raid` contains a space/, fix: /`ceph-raid`/ },
  { name: 'volume group starting with a dash', text: hc({ disks: 'disks: {volumeGroup: -raid}' }), field: 'disks.volumeGroup', message: /starts with a dash/ },
  { name: 'logical volume with a reserved prefix', text: hc({ disks: 'disks: {logicalVolume: pvmove0}' }), field: 'disks.logicalVolume', message: /LVM reserves names starting with `pvmove`/ },
  { name: 'logical volume snapshot', text: hc({ disks: 'disks: {logicalVolume: snapshot}' }), field: 'disks.logicalVolume', message: /LVM reserves names starting with `snapshot`/ },
  { name: 'logical volume with a reserved part', text: hc({ disks: 'disks: {logicalVolume: osd_tmeta}' }), field: 'disks.logicalVolume', message: /containing `_tmeta`/ },
  { name: 'logical volume ..', text: hc({ disks: 'disks: {logicalVolume: ".."}' }), field: 'disks.logicalVolume', message: /`\.\.` is not a valid logical volume name/ },
  { name: 'dbMinPercent above 100', text: hc({ disks: 'disks: {dbMinPercent: 150}' }), field: 'disks.dbMinPercent', message: /dbMinPercent 150 is out of range/ },
  // The private network.
  { name: 'private address without a prefix', text: hc({ nodes: hcNode(0, '  - {name: pve1, host: 192.168.100.11, primary: true, private: {address: 10.0.0.11}}') }), field: 'nodes[0].private.address', message: /`10\.0\.0\.11` has no prefix length/, fix: /`10\.0\.0\.11\/24`/, line: 8 },
  { name: 'private address not an IP', text: hc({ nodes: hcNode(0, '  - {name: pve1, host: 192.168.100.11, primary: true, private: {address: pve1-priv}}') }), field: 'nodes[0].private.address', message: /is not an IP address in CIDR form/ },
  { name: 'private address outside network.cidr', text: hc({ nodes: hcNode(1, '  - {name: pve2, host: 192.168.100.12, private: {address: 10.1.0.12/24}}') }), field: 'nodes[1].private.address', message: /private address 10\.1\.0\.12\/24 is not inside network\.cidr 10\.0\.0\.0\/24/, fix: /`address: 10\.0\.0\.12\/24` in nodes\[1\]\.private/ },
  { name: 'private address with another prefix', text: hc({ nodes: hcNode(1, '  - {name: pve2, host: 192.168.100.12, private: {address: 10.0.0.12/16}}') }), field: 'nodes[1].private.address', message: /has prefix \/16, but network\.cidr 10\.0\.0\.0\/24 is a \/24/ },
  { name: 'private address is the broadcast address', text: hc({ nodes: hcNode(1, '  - {name: pve2, host: 192.168.100.12, private: {address: 10.0.0.255/24}}') }), field: 'nodes[1].private.address', message: /is the broadcast address of 10\.0\.0\.0\/24/ },
  { name: 'no private address to take from link0', text: hc({ nodes: hcNode(2, '  - {name: pve3, host: 192.168.100.13, link0: 10.9.0.13}') }), field: 'nodes[2].private.address', message: /is missing: the node has no address on the private network: its link0 10\.9\.0\.13 is not inside network\.cidr 10\.0\.0\.0\/24/, fix: /`address: 10\.0\.0\.13\/24`/ },
  { name: 'no private address: host is a name', text: hc({ nodes: hcNode(2, '  - {name: pve3, host: pve3.lan}') }), field: 'nodes[2].private.address', message: /its host `pve3\.lan` is a name, and link0 is not set/ },
  { name: 'duplicate private addresses', text: hc({ nodes: hcNode(1, '  - {name: pve2, host: 192.168.100.12, private: {address: 10.0.0.11/24}}') }), field: 'nodes[1].private.address', message: /private address 10\.0\.0\.11 is already used by nodes\[0\] \(line 8\)/ },
  { name: 'duplicate private addresses, one taken from link0', text: hc({ nodes: hcNode(2, '  - {name: pve3, host: 192.168.100.13, link0: 10.0.0.12, private: {address: 10.0.0.13/24}}') + '  - {name: pve4, host: 192.168.100.14, link0: 10.0.0.14, private: {address: 10.0.0.13/24}}\n' }), field: 'nodes[3].private.address', message: /10\.0\.0\.13 is already used by nodes\[2\]/ },
  { name: 'MTU out of range', text: hc({ network: 'network: {cidr: 10.0.0.0/24, mtu: 70000}' }), field: 'network.mtu', message: /MTU 70000 is out of range: MTUs are 1280 \(the IPv6 minimum\) to 65520/, fix: /`mtu: 9000` in network/, line: 3 },
  { name: 'a node MTU below IPv6\'s minimum', text: hc({ nodes: hcNode(0, '  - {name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11, private: {mtu: 576}}') }), field: 'nodes[0].private.mtu', message: /MTU 576 is out of range/ },
  { name: 'MTU not whole', text: hc({ network: 'network: {cidr: 10.0.0.0/24, mtu: 9000.5}' }), field: 'network.mtu', message: /must be a whole number from 1280 to 65520, got the number 9000\.5/ },
  { name: 'network without its cidr', text: hc({ network: 'network: {mtu: 9000}' }), field: 'network.cidr', message: /is missing: the private network needs its range/, fix: /`cidr: 10\.0\.0\.0\/24` in network/ },
  { name: 'network cidr with host bits', text: hc({ network: 'network: {cidr: 10.0.0.1/24}' }), field: 'network.cidr', message: /has host bits set: it is an address in the network 10\.0\.0\.0\/24/, fix: /`10\.0\.0\.0\/24`/ },
  { name: 'network cidr without a prefix', text: hc({ network: 'network: {cidr: 10.0.0.0}' }), field: 'network.cidr', message: /`10\.0\.0\.0` has no prefix length/ },
  { name: 'network cidr too wide for PVE', text: hc({ network: 'network: {cidr: 10.0.0.0/4}' }), field: 'network.cidr', message: /is a \/4; PVE takes networks from \/8/ },
  { name: 'bridge named like its NIC', text: hc({ network: 'network: {cidr: 10.0.0.0/24, bridge: enp1s0f1}' }), field: 'network.bridge', message: /bridge `enp1s0f1` has the NIC's own name/, fix: /`bridge: vmbr1`/ },
  { name: 'NIC name too long', text: hc({ network: 'network: {cidr: 10.0.0.0/24, nic: enp1s0f1-storage-lan}' }), field: 'network.nic', message: /is 20 characters long; Linux interface names hold at most 15/ },
  { name: 'bridge name with a slash', text: hc({ network: 'network: {cidr: 10.0.0.0/24, bridge: vmbr/1}' }), field: 'network.bridge', message: /contains `\/`/ },
  // Ceph.
  { name: 'ceph without network and without publicNetwork', text: hc({ network: '' }), field: 'ceph.publicNetwork', message: /is missing: Ceph needs a public network, and there is no private network section/, fix: /add a `network:` section/ },
  { name: 'a node outside ceph.publicNetwork', text: hc({ ceph: 'ceph: {publicNetwork: 10.0.0.0/25}', nodes: hcNode(2, '  - {name: pve3, host: 192.168.100.13, link0: 10.0.0.13, private: {address: 10.0.0.200/24}}') }), field: 'nodes[2].private.address', message: /10\.0\.0\.200 is not inside ceph\.publicNetwork 10\.0\.0\.0\/25/ },
  { name: 'ceph.publicNetwork holding no node', text: hc({ ceph: 'ceph: {publicNetwork: 10.5.0.0/24}' }), field: 'ceph.publicNetwork', message: /10\.5\.0\.0\/24 holds none of the nodes' private addresses/, fix: /`publicNetwork: 10\.0\.0\.0\/24`.*leave it out/, line: 5 },
  { name: 'cluster network in another family', text: hc({ ceph: 'ceph: {clusterNetwork: "fd00:10::/64"}' }), field: 'ceph.clusterNetwork', message: /is IPv6 while the public network 10\.0\.0\.0\/24 is IPv4/ },
  { name: 'pool minSize above size', text: hc({ ceph: 'ceph: {pool: {size: 2, minSize: 3}}' }), field: 'ceph.pool.minSize', message: /minSize 3 is more than size 2/, fix: /`minSize: 1` in ceph\.pool/ },
  { name: 'pool size above the nodes with an OSD', text: hc({ ceph: 'ceph: {pool: {size: 4}}' }), field: 'ceph.pool.size', message: /size 4 needs 4 nodes with an OSD, and the inventory has 3: .*failure domain host/, fix: /`size: 3`/ },
  {
    name: 'the default pool size on two nodes',
    text: hc({ nodes: HC_NODES.split('\n').slice(0, 2).join('\n') + '\n' }),
    field: 'ceph.pool.size',
    message: /size 3 \(the default\) needs 3 nodes with an OSD, and the inventory has 2/,
    fix: /`size: 2`/,
  },
  { name: 'pool size 0', text: hc({ ceph: 'ceph: {pool: {size: 0}}' }), field: 'ceph.pool.size', message: /pool size 0 is out of range: pveceph takes 1 to 7 replicas/ },
  { name: 'pool size 8', text: hc({ ceph: 'ceph: {pool: {size: 8}}' }), field: 'ceph.pool.size', message: /pool size 8 is out of range/ },
  { name: 'pool minSize 0', text: hc({ ceph: 'ceph: {pool: {minSize: 0}}' }), field: 'ceph.pool.minSize', message: /pool minSize 0 is out of range/ },
  { name: 'pool name with a space', text: hc({ ceph: 'ceph: {pool: {name: "Stockage HA"}}' }), field: 'ceph.pool.name', message: /pool name `Stockage HA` contains a space; PVE storage IDs/, fix: /`Stockage-HA`/ },
  { name: 'pool name starting with a digit', text: hc({ ceph: 'ceph: {pool: {name: 1pool}}' }), field: 'ceph.pool.name', message: /does not start with a letter/, fix: /`pool`/ },
  { name: 'pool name of one letter', text: hc({ ceph: 'ceph: {pool: {name: p}}' }), field: 'ceph.pool.name', message: /is one character long/ },
  { name: 'pool name ending with a dash', text: hc({ ceph: 'ceph: {pool: {name: pool-}}' }), field: 'ceph.pool.name', message: /must end with a letter or a digit/, fix: /`pool`/ },
  { name: 'unknown Ceph repository', text: hc({ ceph: 'ceph: {repository: community}' }), field: 'ceph.repository', message: /`community` is not one of enterprise, no-subscription, test, manual/, fix: /`repository: no-subscription` in ceph/ },
  { name: 'unknown Ceph version', text: hc({ ceph: 'ceph: {version: pacific}' }), field: 'ceph.version', message: /`pacific` is not one of quincy, reef, squid, tentacle/ },
  { name: 'autoscale yes', text: hc({ ceph: 'ceph: {pool: {autoscale: yes}}' }), field: 'ceph.pool.autoscale', message: /`yes` is not one of on, warn, off/, fix: /`autoscale: on`/ },
  { name: 'addStorage as text', text: hc({ ceph: 'ceph: {pool: {addStorage: "yes"}}' }), field: 'ceph.pool.addStorage', message: /must be true or false/, fix: /`addStorage: true`/ },
  { name: 'typo in ceph', text: hc({ ceph: 'ceph: {pools: {size: 3}}' }), field: 'ceph.pools', message: /unknown key `pools`/, fix: /did you mean `pool`\?/ },
  { name: 'monitor that is not a node', text: hc({ ceph: 'ceph: {monitors: [pve1, pve4]}' }), field: 'ceph.monitors[1]', message: /`pve4` is not a node of the inventory/, fix: /name one of the inventory's nodes: pve1, pve2, pve3/ },
  { name: 'manager with a typo', text: hc({ ceph: 'ceph: {managers: [pve1, pev2]}' }), field: 'ceph.managers[1]', message: /`pev2` is not a node/, fix: /did you mean `pve2`\?/ },
  { name: 'monitor listed twice', text: hc({ ceph: 'ceph: {monitors: [pve1, pve2, pve1]}' }), field: 'ceph.monitors[2]', message: /`pve1` is listed twice \(first as item 1\)/ },
  { name: 'no monitors', text: hc({ ceph: 'ceph: {monitors: []}' }), field: 'ceph.monitors', message: /lists no node: Ceph needs at least one monitor/ },
  // HA.
  { name: 'HA node that is not a node', text: hc({ ha: 'ha: {nodes: [pve1, pve7]}' }), field: 'ha.nodes[1]', message: /`pve7` is not a node of the inventory/ },
  { name: 'HA node listed twice', text: hc({ ha: 'ha: {nodes: [pve2, pve2]}' }), field: 'ha.nodes[1]', message: /`pve2` is listed twice/ },
  { name: 'HA VM ID below 100', text: hc({ ha: 'ha: {vms: [99]}' }), field: 'ha.vms[0]', message: /VM ID 99 is out of range: PVE VM IDs are 100 to 999999999/, fix: /correct ha\.vms\[0\], e\.g\. `100`/ },
  { name: 'HA VM ID too large', text: hc({ ha: 'ha: {vms: [1000000000]}' }), field: 'ha.vms[0]', message: /VM ID 1000000000 is out of range/ },
  { name: 'HA VM listed twice', text: hc({ ha: 'ha: {vms: [100, 101, 100]}' }), field: 'ha.vms[2]', message: /VM 100 is listed twice \(first as item 1\)/ },
  { name: 'test VM without storage and without ceph', text: hc({ ceph: '', ha: 'ha: {testVm: {id: 100}}' }), field: 'ha.testVm.storage', message: /is missing: without a ceph section there is no pool to put the test VM's disk on/, fix: /storage every HA node shares/ },
  { name: 'test VM ID out of range', text: hc({ ha: 'ha: {testVm: {id: 42}}' }), field: 'ha.testVm.id', message: /VM ID 42 is out of range/ },
  { name: 'test VM name with a space', text: hc({ ha: 'ha: {testVm: {name: "ha test"}}' }), field: 'ha.testVm.name', message: /VM name `ha test` is not a DNS name/ },
  { name: 'HA name with a dot', text: hc({ ha: 'ha: {name: Cluster.Prod}' }), field: 'ha.name', message: /HA name `Cluster\.Prod` contains `\.`; PVE HA group and rule IDs/, fix: /`Cluster-Prod`/ },
  { name: 'HA name starting with a digit', text: hc({ ha: 'ha: {name: 9lives}' }), field: 'ha.name', message: /does not start with a letter/ },
  { name: 'an INI cluster variable at the top of a YAML file', text: hc({ network: 'network_cidr: 10.0.0.0/24' }), field: 'network_cidr', message: /unknown key `network_cidr`/, fix: /did you mean `network: \{cidr: \.\.\.\}`\?/ },
  { name: 'an INI host variable in a YAML node', text: hc({ nodes: hcNode(0, '  - {name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11, raid_members: [/dev/sda]}') }), field: 'nodes[0].raid_members', message: /unknown key `raid_members`/, fix: /`disks: \{raidMembers: \.\.\.\}`/ },
  { name: 'network as a list', text: hc({ network: 'network: [10.0.0.0/24]' }), field: 'network', message: /must be a mapping/ },
  { name: 'an empty ceph section', text: hc({ ceph: 'ceph:' }), field: 'ceph', message: /must be a mapping .*got an empty value/, fix: /write `ceph: \{\}` to take every default/, line: 5 },
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
