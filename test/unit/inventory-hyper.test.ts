import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { cephSettings, haSettings, hyperConvergedPhases, nodeDisks, nodeNetwork } from '../../common/hyperConverged';
import { Inventory, RunbookInventory } from '../../common/inventory';
import { loadInventory, parseInventoryText, toYaml } from '../../client/inventory';

const REFERENCE = path.resolve(__dirname, '../../../examples/reference.yaml');
const ENV = { PVE_ROOT_PASSWORD: 'r', HOME: '/home/operator' };

function load(text: string, format: 'yaml' | 'ini' = 'yaml') {
  const r = parseInventoryText(text, { file: format === 'yaml' ? '/srv/inventory.yaml' : '/srv/hosts', format, checkFiles: false, checkEnv: false, env: ENV });
  assert.ok(r.ok, `expected a valid inventory, got ${JSON.stringify(!r.ok && r.problems, null, 2)}`);
  return r;
}

const NODES = `
nodes:
  - { name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11, password: x }
  - { name: pve2, host: 192.168.100.12, link0: 10.0.0.12, password: x }
  - { name: pve3, host: 192.168.100.13, link0: 10.0.0.13, password: x }
`;

/** The reference deployment, as every helper must resolve it (contracts: the reference deployment). */
const REFERENCE_NODES = ['pve1', 'pve2', 'pve3'];
const REFERENCE_CEPH = {
  repository: 'no-subscription',
  version: 'squid',
  publicNetwork: '10.0.0.0/24',
  clusterNetwork: '10.0.0.0/24',
  monitors: REFERENCE_NODES,
  managers: REFERENCE_NODES,
  osdNodes: REFERENCE_NODES,
  pool: { name: 'Stockage-HA', size: 3, minSize: 2, autoscale: 'on', addStorage: true },
};
const REFERENCE_DISKS = { raidMembers: ['/dev/sda', '/dev/sdb', '/dev/sdc', '/dev/sdd'], array: '/dev/md0', db: '/dev/nvme1n1', volumeGroup: 'ceph-raid', logicalVolume: 'osd-block', dbMinPercent: 1 };
const REFERENCE_HA = {
  name: 'Cluster-Prod',
  nodes: REFERENCE_NODES,
  strict: false,
  vms: [100],
  testVm: { id: 100, name: 'ha-test', memoryMiB: 512, cores: 1, diskGiB: 4, storage: 'Stockage-HA' },
};

function assertReference(inv: Inventory): void {
  assert.deepEqual(hyperConvergedPhases(inv), { network: true, ceph: true, ha: true });
  inv.nodes.forEach((n, i) => {
    assert.deepEqual(nodeNetwork(inv, n), { nic: 'enp1s0f1', bridge: 'vmbr1', address: `10.0.0.${11 + i}`, prefix: 24, cidr: `10.0.0.${11 + i}/24`, mtu: 9000 }, n.name);
    assert.deepEqual(nodeDisks(inv, n.name), REFERENCE_DISKS, n.name);
  });
  assert.deepEqual(cephSettings(inv), REFERENCE_CEPH);
  assert.deepEqual(haSettings(inv), REFERENCE_HA);
}

describe('hyper-converged sections: defaults', () => {
  test('`{}` takes every default, which is the reference deployment', () => {
    const { inventory } = load(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\nceph: {}\nha: {testVm: {}}${NODES}`);
    assert.deepEqual(inventory.network, { nic: 'enp1s0f1', bridge: 'vmbr1', cidr: '10.0.0.0/24', mtu: 9000 });
    assert.deepEqual(inventory.ceph, { repository: 'no-subscription', version: 'squid', pool: { name: 'Stockage-HA', size: 3, minSize: 2, autoscale: 'on', addStorage: true } });
    assert.deepEqual(inventory.ha, { name: 'Cluster-Prod', strict: false, vms: [], testVm: { id: 100, name: 'ha-test', memoryMiB: 512, cores: 1, diskGiB: 4 } });
    assert.equal(inventory.disks, undefined, 'the disk defaults are applied by nodeDisks, not written into the inventory');
    assert.deepEqual(Inventory.parse({ cluster: { name: 'x' }, disks: {}, nodes: [{ name: 'a', host: 'h' }] }).disks, REFERENCE_DISKS);
    assertReference(inventory);
  });

  test('absent sections are phases not run; every helper says so', () => {
    const { inventory } = load(`cluster: {name: prod}${NODES}`);
    assert.deepEqual(hyperConvergedPhases(inventory), { network: false, ceph: false, ha: false });
    assert.equal(nodeNetwork(inventory, 'pve1'), undefined);
    assert.equal(nodeDisks(inventory, 'pve1'), undefined);
    assert.equal(cephSettings(inventory), undefined);
    assert.equal(haSettings(inventory), undefined);
    assert.deepEqual(Object.keys(inventory).sort(), ['cluster', 'nodes', 'ssh'], 'nothing is added for absent sections');
  });

  test('each phase on its own: network only, ceph on a given public network, ha on another storage', () => {
    const net = load(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}${NODES}`).inventory;
    assert.deepEqual(hyperConvergedPhases(net), { network: true, ceph: false, ha: false });
    const cephOnly = load(`cluster: {name: prod}\nceph: {publicNetwork: 10.0.0.0/24, clusterNetwork: 10.9.0.0/24}${NODES}`).inventory;
    assert.deepEqual(hyperConvergedPhases(cephOnly), { network: false, ceph: true, ha: false });
    assert.equal(cephSettings(cephOnly)?.publicNetwork, '10.0.0.0/24');
    assert.equal(cephSettings(cephOnly)?.clusterNetwork, '10.9.0.0/24');
    assert.deepEqual(nodeDisks(cephOnly, 'pve2'), REFERENCE_DISKS, 'defaults apply when ceph is present and disks is absent');
    const haOnly = load(`cluster: {name: prod}\nha: {vms: [101, 102], testVm: {id: 100, storage: shared-nfs}}${NODES}`).inventory;
    assert.deepEqual(haSettings(haOnly), { ...REFERENCE_HA, vms: [101, 102, 100], testVm: { ...REFERENCE_HA.testVm, storage: 'shared-nfs' } });
  });
});

describe('the reference deployment (examples/reference.yaml)', () => {
  test('loads without problems or warnings and resolves to the reference deployment', () => {
    const r = loadInventory(REFERENCE, { checkFiles: false, checkEnv: false, env: ENV });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems, null, 2));
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(
      r.inventory.nodes.map((n) => [n.name, n.host, n.link0, n.primary]),
      [
        ['pve1', '192.168.100.11', '10.0.0.11', true],
        ['pve2', '192.168.100.12', '10.0.0.12', false],
        ['pve3', '192.168.100.13', '10.0.0.13', false],
      ],
    );
    assertReference(r.inventory);
  });

  test('the INI equivalent resolves to the same deployment', () => {
    const { inventory } = load(
      `[proxmox_cluster_primary]
pve1 ansible_host=192.168.100.11 link0=10.0.0.11

[proxmox_cluster_nodes]
pve2 ansible_host=192.168.100.12 link0=10.0.0.12
pve3 ansible_host=192.168.100.13 link0=10.0.0.13

[proxmox_cluster:vars]
cluster_name=prod
ansible_password=\${PVE_ROOT_PASSWORD}
network_cidr=10.0.0.0/24
network_nic=enp1s0f1
network_bridge=vmbr1
network_mtu=9000
raid_members=/dev/sda,/dev/sdb,/dev/sdc,/dev/sdd
raid_array=/dev/md0
db_device=/dev/nvme1n1
lvm_volume_group=ceph-raid
lvm_logical_volume=osd-block
db_min_percent=1
ceph_repository=no-subscription
ceph_version=squid
ceph_public_network=10.0.0.0/24
ceph_pool=Stockage-HA
ceph_pool_size=3
ceph_pool_min_size=2
ceph_pool_autoscale=on
ceph_pool_add_storage=true
ha_name=Cluster-Prod
ha_strict=false
ha_vms=100
ha_test_vm=100
ha_test_vm_name=ha-test
ha_test_vm_memory_mib=512
ha_test_vm_cores=1
ha_test_vm_disk_gib=4
`,
      'ini',
    );
    assertReference(inventory);
  });
});

describe('hyper-converged INI variables', () => {
  const hosts = '[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.11\n[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.12\npve3 ansible_host=10.0.0.13 private_address=10.0.0.33/24 private_nic=eno2 private_bridge=vmbr7 private_mtu=1500 raid_members=/dev/sdb,/dev/sdc,/dev/sdd raid_array=/dev/md/osd db_device=/dev/nvme0n1\n';

  test('host variables become the node\'s own settings; list and number values are read as such', () => {
    const { inventory } = load(`${hosts}[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=\${P}\nnetwork_cidr=10.0.0.0/24\nceph_monitors=pve1,pve2\nceph_managers=pve3\nha_nodes="pve1, pve2"\nha_vms=100,101\nha_strict=yes\nceph_pool_add_storage=0\n`, 'ini');
    const pve3 = inventory.nodes[2];
    assert.deepEqual(pve3?.private, { address: '10.0.0.33/24', nic: 'eno2', bridge: 'vmbr7', mtu: 1500 });
    assert.deepEqual(pve3?.disks, { raidMembers: ['/dev/sdb', '/dev/sdc', '/dev/sdd'], array: '/dev/md/osd', db: '/dev/nvme0n1' });
    assert.deepEqual(nodeNetwork(inventory, 'pve3'), { nic: 'eno2', bridge: 'vmbr7', address: '10.0.0.33', prefix: 24, cidr: '10.0.0.33/24', mtu: 1500 });
    assert.deepEqual(nodeNetwork(inventory, 'pve1'), { nic: 'enp1s0f1', bridge: 'vmbr1', address: '10.0.0.11', prefix: 24, cidr: '10.0.0.11/24', mtu: 9000 }, 'from host, as link0 is not set');
    assert.deepEqual(cephSettings(inventory)?.monitors, ['pve1', 'pve2']);
    assert.deepEqual(cephSettings(inventory)?.managers, ['pve3']);
    assert.equal(cephSettings(inventory)?.pool.addStorage, false);
    assert.deepEqual(haSettings(inventory), { name: 'Cluster-Prod', nodes: ['pve1', 'pve2'], strict: true, vms: [100, 101] });
    assert.deepEqual(nodeDisks(inventory, 'pve3'), { ...REFERENCE_DISKS, raidMembers: ['/dev/sdb', '/dev/sdc', '/dev/sdd'], array: '/dev/md/osd', db: '/dev/nvme0n1' });
  });

  test('per-host disk variables in [proxmox_cluster:vars] apply to every host; the host line wins', () => {
    const { inventory } = load(`${hosts}[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=\${P}\nceph_repository=enterprise\nceph_public_network=10.0.0.0/24\ndb_device=/dev/nvme2n1\n`, 'ini');
    assert.deepEqual(inventory.nodes.map((n) => nodeDisks(inventory, n)?.db), ['/dev/nvme2n1', '/dev/nvme2n1', '/dev/nvme0n1']);
    assert.equal(cephSettings(inventory)?.repository, 'enterprise');
  });
});

describe('nodeNetwork', () => {
  const base = (network: string, nodes: string) => load(`cluster: {name: prod}\nnetwork: ${network}\nnodes:\n${nodes}`).inventory;

  test('the address defaults to link0, else host, with the prefix of network.cidr; private.address wins', () => {
    const inv = base(
      '{cidr: 10.0.0.0/16, mtu: 9000}',
      `  - { name: pve1, host: 10.0.4.1, primary: true, password: x }
  - { name: pve2, host: 192.168.1.2, link0: 10.0.4.2, password: x }
  - { name: pve3, host: 192.168.1.3, link0: 10.0.4.3, password: x, private: { address: 10.0.5.3/16, mtu: 1500 } }
`,
    );
    assert.deepEqual(
      inv.nodes.map((n) => nodeNetwork(inv, n)),
      [
        { nic: 'enp1s0f1', bridge: 'vmbr1', address: '10.0.4.1', prefix: 16, cidr: '10.0.4.1/16', mtu: 9000 },
        { nic: 'enp1s0f1', bridge: 'vmbr1', address: '10.0.4.2', prefix: 16, cidr: '10.0.4.2/16', mtu: 9000 },
        { nic: 'enp1s0f1', bridge: 'vmbr1', address: '10.0.5.3', prefix: 16, cidr: '10.0.5.3/16', mtu: 1500 },
      ],
    );
  });

  test('IPv6: addresses are canonical, whatever their spelling', () => {
    const inv = base(
      '{cidr: "fd00:10::/64"}',
      `  - { name: pve1, host: "fd00:10::0011", primary: true, password: x }
  - { name: pve2, host: 192.168.1.2, private: { address: "FD00:10:0::12/64" }, password: x }
  - { name: pve3, host: 192.168.1.3, link0: "fd00:10::13", password: x }
`,
    );
    assert.deepEqual(
      inv.nodes.map((n) => nodeNetwork(inv, n)?.cidr),
      ['fd00:10::11/64', 'fd00:10::12/64', 'fd00:10::13/64'],
    );
  });

  test('on an inventory the loader never checked, a missing address is an error, not a guess', () => {
    const inv = RunbookInventory.parse({ cluster: { name: 'x' }, network: { cidr: '10.0.0.0/24' }, nodes: [{ name: 'pve1', host: 'pve1.lan' }] });
    assert.throws(() => nodeNetwork(inv, 'pve1'), /pve1 has no address on the private network 10\.0\.0\.0\/24/);
    assert.throws(() => nodeNetwork(inv, 'pve9'), /node pve9 is not in the inventory/);
  });
});

describe('cephSettings and haSettings', () => {
  test('monitors and managers as listed; the cluster network defaults to the public one', () => {
    const { inventory } = load(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\nceph: {monitors: [pve1, pve2, pve3], managers: [pve1], pool: {name: rbd-ha, size: 2, minSize: 2, autoscale: warn, addStorage: false}}${NODES}`);
    assert.deepEqual(cephSettings(inventory), {
      ...REFERENCE_CEPH,
      managers: ['pve1'],
      pool: { name: 'rbd-ha', size: 2, minSize: 2, autoscale: 'warn', addStorage: false },
    });
  });

  test('the test VM is protected once even when listed in vms; its storage is the pool', () => {
    const { inventory } = load(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\nceph: {pool: {name: rbd}}\nha: {vms: [100, 205], nodes: [pve2, pve3], strict: true, testVm: {id: 100, name: drill.lab, memoryMiB: 1024, cores: 2, diskGiB: 8}}${NODES}`);
    assert.deepEqual(haSettings(inventory), {
      name: 'Cluster-Prod',
      nodes: ['pve2', 'pve3'],
      strict: true,
      vms: [100, 205],
      testVm: { id: 100, name: 'drill.lab', memoryMiB: 1024, cores: 2, diskGiB: 8, storage: 'rbd' },
    });
  });

  test('the helpers hand out copies: changing a result does not change the inventory', () => {
    const { inventory } = load(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\nceph: {}\nha: {}${NODES}`);
    const before = structuredClone(inventory);
    nodeDisks(inventory, 'pve1')?.raidMembers.push('/dev/sdz');
    cephSettings(inventory)?.monitors.push('pve9');
    haSettings(inventory)?.vms.push(999);
    assert.deepEqual(inventory, before);
  });
});

describe('warnings: valid, but probably not what was meant', () => {
  /** The inline `password: x` of these inventories is warned about too, and not the point here. */
  const warnings = (text: string, format: 'yaml' | 'ini' = 'yaml') =>
    load(text, format)
      .warnings.filter((w) => !/password is written in clear/.test(w.message))
      .map((w) => `${w.field}: ${w.message} | ${w.fix}`);

  test('settings for a phase that does not run are ignored, and said so', () => {
    const got = warnings(`cluster: {name: prod}\ndisks: {db: /dev/nvme0n1}\nnodes:\n  - { name: pve1, host: 10.0.0.1, primary: true, password: x, private: { mtu: 1500 }, disks: { array: /dev/md1 } }\n  - { name: pve2, host: 10.0.0.2, password: x }\n  - { name: pve3, host: 10.0.0.3, password: x }\n`);
    assert.deepEqual(got, [
      'disks: is ignored: the disks are only used when Ceph is built | add a `ceph:` section (`ceph: {}` takes every default), or remove the disk settings',
      'nodes[0].private: is ignored: there is no private network to build | add a `network:` section with its `cidr`, or remove the node\'s private settings',
      'nodes[0].disks: is ignored: the disks are only used when Ceph is built | add a `ceph:` section (`ceph: {}` takes every default), or remove the node\'s disk settings',
    ]);
    const ini = warnings('[proxmox_cluster_primary]\npve1 ansible_host=10.0.0.1 private_mtu=1500\n[proxmox_cluster_nodes]\npve2 ansible_host=10.0.0.2\npve3 ansible_host=10.0.0.3\n[proxmox_cluster:vars]\ncluster_name=prod\nansible_password=${P}\n', 'ini');
    assert.deepEqual(ini, ['pve1: is ignored: there is no private network to build | set network_cidr=10.0.0.0/24 in [proxmox_cluster:vars], or remove the node\'s private settings']);
  });

  test('minSize 1, and a monitor on each of more than five nodes', () => {
    const nodes = Array.from({ length: 6 }, (_, i) => `  - { name: pve${i + 1}, host: 10.0.0.${11 + i}${i === 0 ? ', primary: true' : ''}, password: x }`).join('\n');
    const got = warnings(`cluster: {name: prod}\nceph: {publicNetwork: 10.0.0.0/24, pool: {minSize: 1}}\nnodes:\n${nodes}\n`);
    assert.deepEqual(got, [
      'ceph.monitors: defaults to a monitor on each of the 6 nodes; Ceph recommends 3 or 5 monitors | set `monitors: [pve1, pve2, pve3, pve4, pve5]` in ceph',
      'ceph.pool.minSize: minSize 1 lets the pool accept writes with a single copy left: one more failure loses them | set `minSize: 2` in ceph.pool',
    ]);
  });

  test('the test VM in vms as well is fine: it is protected once', () => {
    assert.deepEqual(warnings(`cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\nceph: {}\nha: {vms: [100], testVm: {id: 100}}${NODES}`), []);
  });
});

describe('round trips', () => {
  const texts = {
    reference: () => loadInventory(REFERENCE, { checkFiles: false, checkEnv: false, env: ENV }),
    overrides: () =>
      parseInventoryText(
        `cluster: {name: prod}\nnetwork: {cidr: 10.0.0.0/24}\ndisks: {db: /dev/nvme2n1}\nceph: {managers: [pve1]}\nha: {nodes: [pve1, pve2], testVm: {id: 300}}\nnodes:\n  - { name: pve1, host: 192.168.100.11, primary: true, link0: 10.0.0.11, password: x, private: { nic: eno2 }, disks: { raidMembers: [/dev/sdb, /dev/sdc, /dev/sdd] } }\n  - { name: pve2, host: 192.168.100.12, link0: 10.0.0.12, password: x }\n  - { name: pve3, host: 192.168.100.13, password: x, private: { address: 10.0.0.13/24 }, disks: { array: /dev/md/osd } }\n`,
        { file: '/srv/o.yaml', checkFiles: false, checkEnv: false },
      ),
  };
  for (const [name, read] of Object.entries(texts)) {
    test(`${name}: YAML → normalized → toYaml → normalized is the identity, and keeps every section`, () => {
      const first = read();
      assert.ok(first.ok, JSON.stringify(!first.ok && first.problems));
      const text = toYaml(first.inventory);
      const second = parseInventoryText(text, { file: '/srv/back.yaml', checkFiles: false, checkEnv: false, env: ENV });
      assert.ok(second.ok, JSON.stringify(!second.ok && second.problems));
      assert.deepEqual(second.inventory, first.inventory);
      assert.doesNotMatch(text, /&a\d|\*a\d/, 'no YAML anchors');
      for (const key of ['network', 'ceph', 'ha']) assert.ok(key in second.inventory, key);
    });

    test(`${name}: parsing is idempotent, also after the JSON trip to the worker`, () => {
      const first = read();
      assert.ok(first.ok);
      const once = RunbookInventory.parse(JSON.parse(JSON.stringify({ ...first.inventory, nodes: first.inventory.nodes.map(({ password: _, ...n }) => n) })));
      const twice = RunbookInventory.parse(JSON.parse(JSON.stringify(once)));
      assert.deepEqual(twice, once);
      assert.deepEqual(cephSettings(twice), cephSettings(first.inventory));
      assert.deepEqual(haSettings(twice), haSettings(first.inventory));
      assert.deepEqual(
        twice.nodes.map((n) => [nodeNetwork(twice, n), nodeDisks(twice, n)]),
        first.inventory.nodes.map((n) => [nodeNetwork(first.inventory, n), nodeDisks(first.inventory, n)]),
      );
    });
  }
});
