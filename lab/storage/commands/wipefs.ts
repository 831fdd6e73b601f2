import { SBIN_VIA_USR_BIN } from './sbin';
import { fail, type LabCommand } from '../../commands/types';
import type { Signature } from '../blocks';
import { mdUuidAsBlkid } from '../ids';
import { signatureOffset, StorageError } from '../nodeStorage';
import { JsonWriter } from './jsonWriter';

interface Found {
  offset: number;
  type: string;
  uuid?: string;
  label?: string;
  magic: string;
}

/** The on-disk magics blkid matches, in the order it reports them, with the bytes wipefs -a erases. */
function probe(sig: Signature, bytes: number): Found[] {
  const at = signatureOffset(sig, bytes);
  switch (sig.type) {
    case 'gpt':
      return [
        { offset: at[0] as number, type: 'gpt', uuid: sig.uuid, magic: '45 46 49 20 50 41 52 54' },
        { offset: at[1] as number, type: 'gpt', magic: '45 46 49 20 50 41 52 54' },
        { offset: at[2] as number, type: 'PMBR', magic: '55 aa' },
      ];
    case 'linux_raid_member':
      return [{ offset: at[0] as number, type: sig.type, uuid: mdUuidAsBlkid(sig.array), label: sig.label, magic: 'fc 4e 2b a9' }];
    case 'LVM2_member':
      return [{ offset: at[0] as number, type: sig.type, uuid: sig.uuid, magic: '4c 56 4d 32 20 30 30 31' }];
    case 'ext4':
      return [{ offset: at[0] as number, type: sig.type, uuid: sig.uuid, label: sig.label, magic: '53 ef' }];
    case 'xfs':
      return [{ offset: at[0] as number, type: sig.type, uuid: sig.uuid, label: sig.label, magic: '58 46 53 42' }];
    case 'swap':
      return [{ offset: at[0] as number, type: sig.type, uuid: sig.uuid, label: sig.label, magic: '53 57 41 50 53 50 41 43 45 32' }];
    case 'vfat':
      return [
        { offset: at[0] as number, type: 'vfat', uuid: sig.uuid, label: sig.label, magic: '46 41 54 33 32 20 20 20' },
        { offset: at[1] as number, type: 'vfat', magic: 'eb' },
        { offset: at[2] as number, type: 'vfat', magic: '55 aa' },
      ];
    case 'ceph_bluestore':
      return [{ offset: at[0] as number, type: sig.type, uuid: sig.uuid, magic: '62 6c 75 65 73 74 6f 72 65 20 62 6c 6f 63 6b 20 64 65 76 69 63 65' }];
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** wipefs (util-linux 2.38): list signatures (table or `-J`), `-n` dry run, `-a` erase all. */
export const wipefs: LabCommand = {
  name: 'wipefs',
  dir: SBIN_VIA_USR_BIN,
  async run(args, _ctx, node) {
    let all = false;
    let noact = false;
    let json = false;
    const devices: string[] = [];
    for (const a of args) {
      if (a === '--all') all = true;
      else if (a === '--no-act') noact = true;
      else if (a === '--json') json = true;
      else if (a === '--force' || a === '--quiet') continue;
      else if (/^-[anJfq]+$/.test(a)) {
        if (a.includes('a')) all = true;
        if (a.includes('n')) noact = true;
        if (a.includes('J')) json = true;
      } else if (a.startsWith('-')) return fail(`wipefs: unrecognized option '${a}'\nTry 'wipefs --help' for more information.\n`, 1);
      else devices.push(a);
    }
    if (devices.length === 0) return fail('wipefs: no device specified\nTry \'wipefs --help\' for more information.\n', 1);
    let stdout = '';
    let stderr = '';
    let exitCode = 0;
    const rows: (Found & { device: string })[] = [];
    for (const dev of devices) {
      const info = node.storage.blockDevice(dev);
      if (!info) {
        stderr += `wipefs: error: ${dev}: probing initialization failed: No such file or directory\n`;
        exitCode = 1;
        continue;
      }
      const sig = node.storage.signature(dev);
      const found = sig ? probe(sig, info.sizeBytes) : [];
      if (!all) {
        rows.push(...found.map((f) => ({ ...f, device: info.name })));
        continue;
      }
      if (noact) {
        stdout += erased(dev, found);
        continue;
      }
      try {
        node.storage.wipe(dev);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        stderr += `wipefs: error: ${err.message}\n`;
        exitCode = 1;
        continue;
      }
      stdout += erased(dev, found);
      if (sig?.type === 'gpt') stdout += `${dev}: calling ioctl to re-read partition table: Success\n`;
    }
    if (rows.length > 0) stdout += json ? renderJson(rows) : renderTable(rows);
    return { stdout, stderr, exitCode };
  },
};

/** `/dev/sda: 4 bytes were erased at offset 0x00001000 (linux_raid_member): fc 4e 2b a9` per signature. */
function erased(dev: string, found: Found[]): string {
  return found
    .map((f) => {
      const n = f.magic.split(' ').length;
      return `${dev}: ${n} ${n === 1 ? 'byte was' : 'bytes were'} erased at offset 0x${f.offset.toString(16).padStart(8, '0')} (${f.type}): ${f.magic}\n`;
    })
    .join('');
}

function renderJson(rows: (Found & { device: string })[]): string {
  const w = new JsonWriter();
  w.open(null, 'object');
  w.open('signatures', 'array');
  for (const r of rows) {
    w.open(null, 'object');
    w.value('device', r.device);
    w.value('offset', hex(r.offset));
    w.value('type', r.type);
    w.value('uuid', r.uuid ?? null);
    w.value('label', r.label ?? null);
    w.close('object');
  }
  w.close('array');
  w.close('object');
  return w.text();
}

function renderTable(rows: (Found & { device: string })[]): string {
  const header = ['DEVICE', 'OFFSET', 'TYPE', 'UUID', 'LABEL'];
  const cells = rows.map((r) => [r.device, hex(r.offset), r.type, r.uuid ?? '', r.label ?? '']);
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  return all.map((r) => `${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number))).join(' ')}\n`).join('');
}
