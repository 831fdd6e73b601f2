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

/** A valid hyper-converged inventory (nodes on 10.0.0.1-3 inside network_cidr); `extra` vars start at line 12. */
const HC_VARS = `${VARS}network_cidr=10.0.0.0/24\nceph_repository=no-subscription\nha_name=Cluster-Prod\n`;
const hc = (extra = '', parts: { primary?: string; nodes?: string; vars?: string } = {}) => ini({ ...parts, vars: (parts.vars ?? HC_VARS) + extra });
const hcHost = (index: 2 | 3, host: string) =>
  index === 2 ? { nodes: `[proxmox_cluster_nodes]\n${host}\npve3 ansible_host=10.0.0.3\n` } : { nodes: `[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2\n${host}\n` };

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
  // Hyper-converged variables.
  { name: 'raid_members with a space in a path', text: hc('', hcHost(2, 'pve2 ansible_host=10.0.0.2 raid_members="/dev/sda,/dev/sd b,/dev/sdc"')), field: 'pve2.raid_members', message: /`\/dev\/sd b` contains a space/, line: 4 },
  { name: 'db_device is a RAID member', text: hc('db_device=/dev/sdb\n'), field: 'proxmox_cluster:vars.db_device', message: /the DB device \/dev\/sdb is also a RAID member/, fix: /write db_device=\/dev\/nvme1n1 in \[proxmox_cluster:vars\]/, line: 12 },
  { name: 'duplicate raid_members on a host line', text: hc('', hcHost(3, 'pve3 ansible_host=10.0.0.3 raid_members=/dev/sdb,/dev/sdc,/dev/sdb')), field: 'pve3.raid_members', message: /`\/dev\/sdb` is listed twice in the RAID members/, line: 5 },
  {
    name: 'RAID5 with two raid_members',
    text: hc('', { primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 raid_members=/dev/sda,/dev/sdb\n' }),
    field: 'pve1.raid_members',
    message: /RAID5 needs at least 3 members, got 2/,
    fix: /write raid_members=\/dev\/sda,\/dev\/sdb,\/dev\/sdc,\/dev\/sdd on the host line of pve1/,
  },
  { name: 'raid_array not an md device', text: hc('raid_array=/dev/sde\n'), field: 'proxmox_cluster:vars.raid_array', message: /is not an md array/ },
  { name: 'private_address without a prefix', text: hc('', hcHost(2, 'pve2 ansible_host=10.0.0.2 private_address=10.0.0.12')), field: 'pve2.private_address', message: /has no prefix length/ },
  { name: 'private_address outside network_cidr', text: hc('', hcHost(2, 'pve2 ansible_host=10.0.0.2 private_address=10.7.0.12/24')), field: 'pve2.private_address', message: /is not inside network\.cidr 10\.0\.0\.0\/24/, fix: /write private_address=10\.0\.0\.12\/24 on the host line of pve2/ },
  { name: 'no private address to take from the host', text: hc('', { vars: `${VARS}network_cidr=10.9.0.0/24\nceph_repository=no-subscription\n` }), field: 'pve1.private_address', message: /is missing: the node has no address on the private network: its host 10\.0\.0\.1 is not inside/, fix: /write private_address=10\.9\.0\.11\/24 on the host line of pve1/ },
  { name: 'duplicate private addresses', text: hc('', hcHost(2, 'pve2 ansible_host=10.0.0.2 private_address=10.0.0.1/24')), field: 'pve2.private_address', message: /private address 10\.0\.0\.1 is already used by pve1 \(line 2\)/ },
  { name: 'private_mtu out of range', text: hc('', hcHost(3, 'pve3 ansible_host=10.0.0.3 private_mtu=100')), field: 'pve3.private_mtu', message: /MTU 100 is out of range/, fix: /write private_mtu=9000 on the host line of pve3/ },
  { name: 'network_mtu as text', text: hc('network_mtu=jumbo\n'), field: 'network_mtu', message: /must be a whole number from 1280 to 65520, got the text "jumbo"/, fix: /set network_mtu=9000 in \[proxmox_cluster:vars\]/, line: 12 },
  { name: 'network variables without network_cidr', text: hc('', { vars: `${VARS}network_mtu=9000\n` }), field: 'network_cidr', message: /is missing: the private network needs its range/, fix: /set network_cidr=10\.0\.0\.0\/24 in \[proxmox_cluster:vars\]/ },
  { name: 'network_bridge named like the NIC', text: hc('network_bridge=enp1s0f1\n'), field: 'network_bridge', message: /has the NIC's own name/, fix: /set network_bridge=vmbr1 in \[proxmox_cluster:vars\]/ },
  { name: 'ceph without network and public network', text: hc('', { vars: `${VARS}ceph_version=squid\n` }), field: 'ceph_public_network', message: /is missing: Ceph needs a public network/, fix: /set ceph_public_network=10\.0\.0\.0\/24 in \[proxmox_cluster:vars\], or set network_cidr=/ },
  { name: 'ceph_public_network holding no node', text: hc('ceph_public_network=10.5.0.0/24\n'), field: 'ceph_public_network', message: /holds none of the nodes' private addresses/, line: 12 },
  { name: 'ceph_pool_size above the nodes', text: hc('ceph_pool_size=4\n'), field: 'ceph_pool_size', message: /size 4 needs 4 nodes with an OSD, and the inventory has 3/, fix: /set ceph_pool_size=3 in \[proxmox_cluster:vars\]/ },
  { name: 'ceph_pool_min_size above ceph_pool_size', text: hc('ceph_pool_size=2\nceph_pool_min_size=3\n'), field: 'ceph_pool_min_size', message: /minSize 3 is more than size 2/, line: 13 },
  { name: 'ceph_pool_size as text', text: hc('ceph_pool_size=three\n'), field: 'ceph_pool_size', message: /must be a whole number from 1 to 7, got the text "three"/ },
  { name: 'ceph_pool with a space', text: hc('ceph_pool="Stockage HA"\n'), field: 'ceph_pool', message: /pool name `Stockage HA` contains a space/ },
  { name: 'unknown ceph_version', text: hc('ceph_version=pacific\n'), field: 'ceph_version', message: /`pacific` is not one of quincy, reef, squid, tentacle/, fix: /set ceph_version=squid in \[proxmox_cluster:vars\]/ },
  { name: 'unknown ceph_pool_autoscale', text: hc('ceph_pool_autoscale=maybe\n'), field: 'ceph_pool_autoscale', message: /`maybe` is not one of on, warn, off/ },
  { name: 'ceph_pool_add_storage not a boolean', text: hc('ceph_pool_add_storage=maybe\n'), field: 'ceph_pool_add_storage', message: /must be true or false, got the text "maybe"/ },
  { name: 'ceph_monitors naming an unknown host', text: hc('ceph_monitors=pve1,pve4\n'), field: 'ceph_monitors', message: /`pve4` is not a node of the inventory/ },
  { name: 'ha_nodes with a host twice', text: hc('ha_nodes=pve1,pve1\n'), field: 'ha_nodes', message: /`pve1` is listed twice/ },
  { name: 'ha_vms with text', text: hc('ha_vms=100,abc\n'), field: 'ha_vms', message: /must be a whole number from 100 to 999999999, got the text "abc"/, fix: /correct item 2 of ha_vms, e\.g\. 100/ },
  { name: 'ha_vms with a VM twice', text: hc('ha_vms=100,100\n'), field: 'ha_vms', message: /VM 100 is listed twice/ },
  { name: 'ha_test_vm out of range', text: hc('ha_test_vm=99\n'), field: 'ha_test_vm', message: /VM ID 99 is out of range/ },
  { name: 'ha_test_vm without ceph and storage', text: hc('', { vars: `${VARS}ha_test_vm=100\n` }), field: 'ha_test_vm_storage', message: /without a ceph section there is no pool/, fix: /set ha_test_vm_storage=STORAGE in \[proxmox_cluster:vars\]/ },
  { name: 'ha_name with a dot', text: hc('', { vars: `${VARS}network_cidr=10.0.0.0/24\nha_name=Cluster.Prod\n` }), field: 'ha_name', message: /contains `\.`/, line: 10 },
  { name: 'lvm_volume_group starting with a dash', text: hc('lvm_volume_group=-raid\n'), field: 'lvm_volume_group', message: /starts with a dash/ },
  { name: 'db_min_percent above 100', text: hc('db_min_percent=150\n'), field: 'db_min_percent', message: /dbMinPercent 150 is out of range/ },
  { name: 'a cluster variable on a host line', text: hc('', { primary: '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 network_mtu=9000\n' }), field: 'pve1.network_mtu', message: /network_mtu is a setting of the whole cluster, not one host/, fix: /move it to \[proxmox_cluster:vars\]/ },
  { name: 'a cluster variable set twice, differently', text: hc('ceph_pool_size=3\n[proxmox_cluster_nodes:vars]\nceph_pool_size=2\n'), field: 'ceph_pool_size', message: /ceph_pool_size is already set to `3` at line 12/, line: 14 },
  { name: 'a misspelt cluster variable', text: hc('ceph_pool_sise=3\n'), field: 'proxmox_cluster:vars.ceph_pool_sise', message: /unknown variable `ceph_pool_sise`/, fix: /did you mean `ceph_pool_size`\?/ },
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
