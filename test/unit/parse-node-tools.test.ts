import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePvesmStatus, parseQmList } from '../../activities/parsers';
import { fixture, throwsParse } from '../helpers/fixtures';



describe('pvesm-status', () => {
  test('PVE 8, 5 storages: rbd, nfs, zfspool, dir, KiB as printed', () => {
    const { storages } = parsePvesmStatus(fixture('pvesm-status.5storages.rbd-nfs-zfspool-dir.pve8.txt'));
    assert.deepEqual(
      storages.map((s) => [s.name, s.type, s.status, s.percent]),
      [
        ['GameStorage', 'zfspool', 'active', 31.27],
        ['ISOs', 'nfs', 'active', 25.02],
        ['Unraid', 'nfs', 'active', 25.02],
        ['ceph-block', 'rbd', 'active', 15.57],
        ['local', 'dir', 'active', 11.96],
      ],
    );
    assert.deepEqual(storages[3], {
      name: 'ceph-block',
      type: 'rbd',
      status: 'active',
      active: true,
      enabled: true,
      total: 3670495077,
      used: 571569765,
      available: 3098925312,
      percent: 15.57,
    });
  });

  test('PVE 9 header with (KiB), an inactive and a disabled storage, TABs and CRLF', () => {
    const text = [
      'Name             Type     Status     Total (KiB)      Used (KiB) Available (KiB)        %',
      'backup            nfs   inactive               0               0               0    0.00%',
      'local             dir     active        98497780        11778920        81669312   11.96%',
      'local-lvm     lvmthin   disabled               0               0               0      N/A',
      '',
    ]
      .join('\r\n')
      .replace(/ {2,}/g, '\t');
    assert.deepEqual(
      parsePvesmStatus(text).storages.map((s) => [s.name, s.status, s.active, s.enabled, s.percent]),
      [
        ['backup', 'inactive', false, true, 0],
        ['local', 'active', true, true, 11.96],
        ['local-lvm', 'disabled', false, false, null],
      ],
    );
  });

  test('a header only: no storages', () => {
    assert.deepEqual(parsePvesmStatus('Name Type Status Total Used Available %\n'), { storages: [] });
  });

  test('a stderr line mixed into the table names its line', () => {
    const text = fixture('pvesm-status.5storages.rbd-nfs-zfspool-dir.pve8.txt').replace('ISOs ', "storage 'ISOs' is not online\nISOs ");
    throwsParse(() => parsePvesmStatus(text), 'pvesm-status', 3, /line 3: cannot read "storage 'ISOs' is not online" as a storage row/);
  });

  test('another command\'s output', () => {
    throwsParse(() => parsePvesmStatus(fixture('qm-list.2vms.running.txt')), 'pvesm-status', 1, /line 1: .*expected the header "Name Type Status Total Used Available %"/);
  });
});

describe('qm-list', () => {
  test('2 running VMs with PIDs', () => {
    assert.deepEqual(parseQmList(fixture('qm-list.2vms.running.txt')), {
      vms: [
        { vmid: 123, name: 'rancher', status: 'running', memMb: 2048, bootDiskGb: 32, pid: 690075 },
        { vmid: 131, name: 'rke-worker-4', status: 'running', memMb: 8192, bootDiskGb: 64, pid: 16128 },
      ],
    });
  });

  test('padding after PID as qm prints it, a stopped VM named with a space, no final newline', () => {
    const text = [
      '      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       ',
      '       100 vm100                running    4096              40.20 1113      ',
      '       200 VM 200               stopped    2048               2.20 0         ',
    ].join('\n');
    assert.deepEqual(
      parseQmList(text).vms.map((v) => [v.vmid, v.name, v.status, v.bootDiskGb, v.pid]),
      [
        [100, 'vm100', 'running', 40.2, 1113],
        [200, 'VM 200', 'stopped', 2.2, 0],
      ],
    );
  });

  test('no VMs: the header alone', () => {
    assert.deepEqual(parseQmList('      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID\n'), { vms: [] });
  });

  test('a row missing its PID names its line; garbage is refused at line 1', () => {
    const text = fixture('qm-list.2vms.running.txt').replace('32.00 690075', '32.00');
    throwsParse(() => parseQmList(text), 'qm-list', 2, /line 2: cannot read "123 rancher {14}running {4}2048 {14}32.00" as a VM row/);
    throwsParse(() => parseQmList('ipcc_send_rec[1] failed: Unknown error -1\n'), 'qm-list', 1, /line 1: .*expected the header "VMID NAME STATUS MEM\(MB\) BOOTDISK\(GB\) PID"/);
  });
});
