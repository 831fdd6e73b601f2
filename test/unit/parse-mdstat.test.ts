import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParseError, parseMdstat } from '../../activities/parsers';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/pve');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

function throwsParse(fn: () => unknown, line: number | undefined, message: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, `expected a ParseError, got ${String(e)}`);
    assert.equal(e.kind, 'mdstat');
    assert.equal(e.line, line);
    assert.match(e.message, message);
    return true;
  });
}

/** Failed, spare, rebuilding, pending, raid0 and inactive arrays side by side, as the kernel prints them. */
const MIXED = `Personalities : [raid1] [raid6] [raid5] [raid4] [raid0]
md1 : active raid1 sdd1[1](F) sdc1[0]
      976630464 blocks super 1.2 [2/1] [U_]

md2 : active raid5 sdh[3] sdg[1] sdf[0] sdi[4](S)
      1953260544 blocks super 1.2 level 5, 512k chunk, algorithm 2 [4/3] [UUU_]
      [==>..................]  recovery = 12.6% (123297280/976630272) finish=74.2min speed=191652K/sec

md3 : active (auto-read-only) raid1 sdj[1] sdi[0]
      1000 blocks [2/2] [UU]
      \tresync=PENDING
      bitmap: 0/8 pages [0KB], 65536KB chunk

md4 : active raid0 sdl[1] sdk[0]
      2000 blocks super 1.2 512k chunks

md5 : inactive sdm[0](S)
      1000 blocks

md6 : active raid10 sdp[3] sdo[2] sdn[1] sdm[0]
      2000 blocks super 1.2 512K chunks 2 near-copies [4/4] [UUUU]
      \tresync=DELAYED

md7 : active raid1 sdr[1] sdq[0]
      1000 blocks [2/2] [UU]
      [=>...................]  check =  7.5% (75/1000) finish=1.0min speed=1K/sec

unused devices: sdz
`;

describe('mdstat', () => {
  test('4-disk RAID5 right after mdadm --create: resync at 1.1%', () => {
    const { personalities, arrays, unusedDevices } = parseMdstat(fixture('mdstat.raid5.4disks.initial-resync.forced-create.txt'));
    assert.deepEqual(personalities, ['linear', 'multipath', 'raid0', 'raid1', 'raid6', 'raid5', 'raid4', 'raid10']);
    assert.deepEqual(unusedDevices, []);
    assert.equal(arrays.length, 1);
    const md0 = arrays[0]!;
    assert.equal(md0.name, 'md0');
    assert.equal(md0.level, 'raid5');
    assert.equal(md0.active, true);
    assert.equal(md0.slots, 4);
    assert.equal(md0.working, 4);
    assert.equal(md0.status, '[UUUU]');
    assert.equal(md0.degraded, false);
    assert.equal(md0.blocks, 5860529472);
    assert.equal(md0.superblock, '1.2');
    assert.equal(md0.chunkKb, 64);
    assert.equal(md0.algorithm, 2);
    assert.deepEqual(
      md0.members.map((m) => `${m.device}[${m.index}]`),
      ['sdb1[0]', 'sdd1[1]', 'sdc1[2]', 'sde1[3]'],
    );
    assert.deepEqual(md0.progress, { action: 'resync', percent: 1.1, doneBlocks: 22409472, totalBlocks: 1953509824, finishMinutes: 1541.6, speedKps: 20876 });
  });

  test('clean 5-disk RAID5 with a bitmap, file without trailing newline', () => {
    const [md] = parseMdstat(fixture('mdstat.raid5.5disks.clean.bitmap.txt')).arrays;
    assert.equal(md!.name, 'md_d0');
    assert.equal(md!.status, '[UUUUU]');
    assert.equal(md!.degraded, false);
    assert.equal(md!.progress, null);
    assert.deepEqual(md!.bitmap, { pagesUsed: 0, pagesTotal: 10, kb: 0, chunkKb: 16384 });
    assert.deepEqual(
      md!.members.map((m) => m.index),
      [0, 1, 2, 4, 5],
    );
  });

  test('clean 8-disk RAID5 without the "unused devices" line', () => {
    const [md] = parseMdstat(fixture('mdstat.raid5.8disks.clean.no-trailing-unused-line.txt')).arrays;
    assert.equal(md!.name, 'md1');
    assert.equal(md!.slots, 8);
    assert.equal(md!.working, 8);
    assert.equal(md!.blocks, 95705752576);
    assert.equal(md!.chunkKb, 512);
    assert.deepEqual(md!.bitmap, { pagesUsed: 2, pagesTotal: 102, kb: 8, chunkKb: 65536 });
  });

  test('several arrays, 0.90 metadata (no "super"), a 10-disk RAID5', () => {
    const { arrays } = parseMdstat(fixture('mdstat.multi-array.raid1-and-10disk-raid5.clean.txt'));
    assert.deepEqual(
      arrays.map((a) => [a.name, a.level, a.slots, a.status, a.superblock]),
      [
        ['md1', 'raid1', 2, '[UU]', undefined],
        ['md2', 'raid1', 2, '[UU]', undefined],
        ['md3', 'raid5', 10, '[UUUUUUUUUU]', undefined],
        ['md0', 'raid1', 2, '[UU]', undefined],
      ],
    );
    assert.equal(arrays[2]!.chunkKb, 1024);
    assert.ok(arrays.every((a) => !a.degraded && a.progress === null));
  });

  test('failed and spare members, recovery, PENDING and DELAYED resyncs, check, raid0 and inactive arrays', () => {
    const { arrays, unusedDevices } = parseMdstat(MIXED);
    const by = Object.fromEntries(arrays.map((a) => [a.name, a]));
    assert.deepEqual(unusedDevices, ['sdz']);

    assert.equal(by['md1']!.degraded, true);
    assert.equal(by['md1']!.status, '[U_]');
    assert.deepEqual(by['md1']!.members[1], { device: 'sdd1', index: 1, failed: true, spare: false, flags: ['F'] });

    assert.equal(by['md2']!.degraded, true);
    assert.deepEqual([by['md2']!.slots, by['md2']!.working], [4, 3]);
    assert.deepEqual(by['md2']!.members.find((m) => m.spare)?.device, 'sdi');
    assert.deepEqual(by['md2']!.progress, { action: 'recovery', percent: 12.6, doneBlocks: 123297280, totalBlocks: 976630272, finishMinutes: 74.2, speedKps: 191652 });

    assert.equal(by['md3']!.mode, 'auto-read-only');
    assert.equal(by['md3']!.resyncWaiting, 'pending');
    assert.equal(by['md3']!.progress, null);

    assert.deepEqual([by['md4']!.level, by['md4']!.slots, by['md4']!.working, by['md4']!.status, by['md4']!.chunkKb], ['raid0', 2, 2, '', 512]);

    assert.deepEqual([by['md5']!.active, by['md5']!.level, by['md5']!.slots, by['md5']!.blocks], [false, '', 0, 1000]);
    assert.equal(by['md5']!.members[0]!.spare, true);

    assert.equal(by['md6']!.resyncWaiting, 'delayed');
    assert.equal(by['md6']!.chunkKb, 512);
    assert.equal(by['md7']!.progress?.action, 'check');
    assert.equal(by['md7']!.progress?.percent, 7.5);
  });

  test('reads the same with CRLF, trailing spaces and no final newline', () => {
    const expected = parseMdstat(MIXED);
    assert.deepEqual(parseMdstat(MIXED.replace(/\n/g, '\r\n')), expected);
    assert.deepEqual(parseMdstat(MIXED.replace(/\n/g, '  \n')), expected);
    assert.deepEqual(parseMdstat(MIXED.trimEnd()), expected);
  });

  test('random text is an error on its first line', () => {
    throwsParse(() => parseMdstat('cat: /proc/mdstat: No such file or directory\n'), 1, /^mdstat: line 1: cannot read "cat: \/proc\/mdstat: No such file or directory": expected "Personalities :"/);
  });

  test('an unknown line inside an array names its line', () => {
    throwsParse(() => parseMdstat(MIXED.replace('      bitmap: 0/8 pages [0KB], 65536KB chunk', '      bitmap: lots')), 12, /line 12: cannot read "bitmap: lots"/);
  });

  test('a member token that is not dev[n]', () => {
    throwsParse(() => parseMdstat('Personalities : [raid1]\nmd0 : active raid1 sda1 sdb1[1]\n      100 blocks [2/2] [UU]\n'), 2, /"sda1" is not a member like "sda1\[0\]"/);
  });

  test('an array cut short before its blocks line', () => {
    throwsParse(() => parseMdstat('Personalities : [raid1]\nmd0 : active raid1 sda1[0] sdb1[1]\n'), 2, /array md0 has no "N blocks" line/);
  });

  test('empty input, and a lone "unused devices" line', () => {
    throwsParse(() => parseMdstat(''), undefined, /empty input/);
    throwsParse(() => parseMdstat('unused devices: <none>\n'), undefined, /no "Personalities" line and no array/);
  });

  test('no arrays at all is a valid, empty result', () => {
    assert.deepEqual(parseMdstat('Personalities : \nunused devices: <none>\n'), { personalities: [], arrays: [], unusedDevices: [] });
  });
});
