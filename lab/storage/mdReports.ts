import { createHash } from 'node:crypto';
import { KiB } from './blocks';
import type { MdArray, MdMember } from './md';
import type { NodeStorage } from './nodeStorage';
import { mdHumanSize } from './sizes';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C's ctime() without the newline, in UTC (the nodes' timezone): `Tue Jun  4 10:12:33 2024`. */
export function ctime24(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function levelName(level: number): string {
  return level === -1 ? 'linear' : `raid${level}`;
}

/** Internal bitmaps use 64 MiB chunks; the kernel keeps 2048 16-bit counters per page. */
const BITMAP_CHUNK_KIB = 65536;

function bitmapChunks(array: MdArray): number {
  return Math.ceil(array.devSizeKiB / BITMAP_CHUNK_KIB);
}

/** /proc/mdstat as the kernel's md_seq_show prints it. */
export function renderMdstat(storage: NodeStorage, now: number): string {
  let out = `Personalities : ${storage.personalities().map((p) => `[${p}] `).join('')}\n`;
  const running = storage.arrays().filter((a) => a.name !== undefined);
  for (const array of [...running].reverse()) {
    const members = [...array.members]
      .reverse()
      .map((m) => `${m.dev}[${m.number}]${m.state === 'faulty' ? '(F)' : m.slot === undefined ? '(S)' : ''}`)
      .join(' ');
    out += `${array.name} : active raid${array.level} ${members}\n`;
    out += `      ${array.sizeKiB} blocks super 1.2`;
    if (array.level >= 4 && array.level <= 6) out += ` level ${array.level}, ${512}k chunk, algorithm 2`;
    out += ` [${array.raidDisks}/${array.activeCount}] [${array.slotMap()}]\n      `;
    if (array.sync) {
      out += `${progressLine(array, storage.syncDoneKiB(array), storage.syncSpeedKiBs, array.sync.paused)}\n      `;
    }
    if (array.bitmap) {
      const pages = Math.ceil(bitmapChunks(array) / 2048);
      const dirty = array.sync ? Math.ceil(pages * (1 - storage.syncDoneKiB(array) / array.devSizeKiB)) : 0;
      out += `bitmap: ${dirty}/${pages} pages [${dirty * 4}KB], ${BITMAP_CHUNK_KIB}KB chunk\n`;
    }
    out += '\n';
  }
  return `${out}unused devices: <none>\n`;
}

/** `[==>..................]  recovery = 10.8% (424562304/3906886144) finish=850.6min speed=68229K/sec` */
function progressLine(array: MdArray, doneKiB: number, speedKiBs: number, paused: boolean): string {
  const sync = array.sync;
  if (!sync) return '';
  const resync = Math.floor(doneKiB) * 2;
  const max = array.devSizeKiB * 2;
  const perMilli = Math.floor((Math.floor(resync / 1024) * 1000) / (Math.floor(max / 1024) + 1));
  const x = Math.floor(perMilli / 50);
  const bar = `[${'='.repeat(x)}>${'.'.repeat(20 - x)}] `;
  if (paused) return `${bar}${` ${sync.kind} =${String(Math.floor(perMilli / 10)).padStart(3, ' ')}.${perMilli % 10}%`} (${resync / 2}/${max / 2}) finish=0.0min speed=0K/sec`;
  const remaining = Math.floor((array.devSizeKiB - doneKiB) / speedKiBs);
  return `${bar} ${sync.kind} =${String(Math.floor(perMilli / 10)).padStart(3, ' ')}.${perMilli % 10}% (${resync / 2}/${max / 2}) finish=${Math.floor(remaining / 60)}.${Math.floor((remaining % 60) / 6)}min speed=${Math.floor(speedKiBs)}K/sec`;
}

/** The percentage mdadm reads back from /proc/mdstat (it keeps the integer part). */
function percent(array: MdArray, doneKiB: number): number {
  const resync = Math.floor(doneKiB) * 2;
  const perMilli = Math.floor((Math.floor(resync / 1024) * 1000) / (Math.floor(array.devSizeKiB * 2 / 1024) + 1));
  return Math.floor(perMilli / 10);
}

/** `mdadm --detail /dev/mdN` (Detail.c with super1's detail_super). */
export function renderDetail(storage: NodeStorage, array: MdArray, devPath: string): string {
  const l: string[] = [];
  const degraded = array.degraded;
  const state = `clean${array.failed ? ', FAILED' : degraded ? ', degraded' : ''}${array.sync ? (array.sync.kind === 'recovery' ? ', recovering' : ', resyncing') : ''}`;
  l.push(`${devPath}:`);
  l.push(`           Version : 1.2`);
  l.push(`     Creation Time : ${ctime24(array.createdAt)}`);
  l.push(`        Raid Level : ${levelName(array.level)}`);
  l.push(`        Array Size : ${array.sizeKiB}${mdHumanSize(array.sizeBytes)}`);
  if (array.level >= 1) l.push(`     Used Dev Size : ${array.devSizeKiB}${mdHumanSize(array.devSizeKiB * KiB)}`);
  l.push(`      Raid Devices : ${array.raidDisks}`);
  l.push(`     Total Devices : ${array.members.length}`);
  l.push(`       Persistence : Superblock is persistent`);
  l.push('');
  if (array.bitmap) l.push(`     Intent Bitmap : Internal`, '');
  l.push(`       Update Time : ${ctime24(array.updatedAt)}`);
  l.push(`             State : ${state} `);
  l.push(`    Active Devices : ${array.activeCount}`);
  l.push(`   Working Devices : ${array.members.length - array.failedCount}`);
  l.push(`    Failed Devices : ${array.failedCount}`);
  l.push(`     Spare Devices : ${array.spareCount}`);
  l.push('');
  if (array.level === 5) l.push(`            Layout : left-symmetric`);
  if (array.level >= 4 && array.level <= 6) l.push(`        Chunk Size : 512K`, '');
  l.push(`Consistency Policy : ${array.bitmap ? 'bitmap' : 'resync'}`, '');
  if (array.sync) l.push(`    ${array.sync.kind === 'recovery' ? 'Rebuild' : ' Resync'} Status : ${percent(array, storage.syncDoneKiB(array))}% complete`, '');
  const host = storage.node;
  l.push(`              Name : ${array.label}${array.label.startsWith(`${host}:`) ? `  (local to host ${host})` : ''}`);
  l.push(`              UUID : ${array.uuid}`);
  l.push(`            Events : ${array.events}`, '');
  l.push(`    Number   Major   Minor   RaidDevice State`);
  const numbers = (m: MdMember) => storage.blockDevice(`/dev/${m.dev}`) ?? { major: 0, minor: 0 };
  const n5 = (v: number) => String(v).padStart(5, ' ');
  for (let slot = 0; slot < array.raidDisks; slot++) {
    const m = array.members.find((x) => x.slot === slot && x.state !== 'faulty');
    if (!m) {
      l.push(`       -       0        0    ${n5(slot)}      removed`);
      continue;
    }
    const { major, minor } = numbers(m);
    const st = m.state === 'in_sync' ? 'active sync' : 'spare rebuilding';
    l.push(`   ${n5(m.number)}   ${n5(major)}    ${n5(minor)}    ${n5(slot)}      ${st}   /dev/${m.dev}`);
  }
  const extras = array.members.filter((m) => m.slot === undefined || m.state === 'faulty').sort((a, b) => a.number - b.number);
  extras.forEach((m, i) => {
    if (i === 0) l.push('');
    const { major, minor } = numbers(m);
    l.push(`   ${n5(m.number)}   ${n5(major)}    ${n5(minor)}        -      ${m.state === 'faulty' ? 'faulty' : 'spare'}   /dev/${m.dev}`);
  });
  return `${l.join('\n')}\n`;
}

/** One `mdadm --detail --scan` line (brief Detail plus brief_detail_super1). */
export function renderDetailBrief(array: MdArray, devPath: string): string {
  const spares = array.members.filter((m) => m.state === 'spare' || m.state === 'rebuilding').length;
  return `ARRAY ${devPath} metadata=1.2${spares ? ` spares=${spares}` : ''} name=${array.label} UUID=${array.uuid}\n`;
}

/** `mdadm --examine DEV` for a member (super1's examine_super1, mdadm 4.2 wording). */
export function renderExamine(storage: NodeStorage, array: MdArray, devPath: string, devUuid: string, member: MdMember | undefined, sizeBytes: number): string {
  const devSectors = Math.floor(sizeBytes / 512);
  const used = array.devSizeKiB * 2;
  const avail = devSectors - array.dataOffsetSectors;
  const frozen = member?.frozen;
  const events = frozen?.events ?? array.events;
  const rebuilding = member?.state === 'rebuilding';
  const bbOffset = array.bitmap ? 8 + Math.ceil((256 + Math.ceil(bitmapChunks(array) / 8)) / 4096) * 8 : 8;
  const host = storage.node;
  const l: string[] = [];
  l.push(`${devPath}:`);
  l.push(`          Magic : a92b4efc`);
  l.push(`        Version : 1.2`);
  l.push(`    Feature Map : 0x${((array.bitmap ? 1 : 0) | (rebuilding ? 2 : 0)).toString(16)}`);
  l.push(`     Array UUID : ${array.uuid}`);
  l.push(`           Name : ${array.label}${array.label.startsWith(`${host}:`) ? `  (local to host ${host})` : ''}`);
  l.push(`  Creation Time : ${ctime24(array.createdAt)}`);
  l.push(`     Raid Level : ${levelName(array.level)}`);
  l.push(`   Raid Devices : ${array.raidDisks}`);
  l.push('');
  l.push(` Avail Dev Size : ${avail} sectors${mdHumanSize(avail * 512)}`);
  if (array.level >= 1) {
    l.push(`     Array Size : ${array.sizeKiB} KiB${mdHumanSize(array.sizeBytes)}`);
    if (used !== avail) l.push(`  Used Dev Size : ${used} sectors${mdHumanSize(used * 512)}`);
  }
  l.push(`    Data Offset : ${array.dataOffsetSectors} sectors`);
  l.push(`   Super Offset : 8 sectors`);
  if (rebuilding) l.push(`Recovery Offset : ${Math.floor(storage.syncDoneKiB(array)) * 2} sectors`);
  l.push(`   Unused Space : before=${array.dataOffsetSectors - 80} sectors, after=${devSectors - array.dataOffsetSectors - used} sectors`);
  l.push(`          State : ${array.sync?.kind === 'resync' ? 'active' : 'clean'}`);
  l.push(`    Device UUID : ${devUuid}`);
  l.push('');
  if (array.bitmap) l.push(`Internal Bitmap : 8 sectors from superblock`);
  l.push(`    Update Time : ${ctime24(frozen?.updatedAt ?? array.updatedAt)}`);
  l.push(`  Bad Block Log : 512 entries available at offset ${bbOffset} sectors`);
  l.push(`       Checksum : ${createHash('sha1').update(`${devUuid}/${events}`).digest('hex').slice(0, 8).replace(/^0+/, '')} - correct`);
  l.push(`         Events : ${events}`);
  l.push('');
  if (array.level === 5) l.push(`         Layout : left-symmetric`);
  if (array.level >= 4 && array.level <= 6) l.push(`     Chunk Size : 512K`);
  l.push('');
  const slot = frozen ? frozen.slot : member?.slot;
  l.push(`   Device Role : ${slot === undefined ? 'spare' : `Active device ${slot}`}`);
  l.push(`   Array State : ${frozen?.arrayState ?? array.arrayState()} ('A' == active, '.' == missing, 'R' == replacing)`);
  return `${l.join('\n')}\n`;
}

