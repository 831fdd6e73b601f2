import { fail, ok, type LabCommand } from '../../commands/types';
import { mdUuidAsBlkid } from '../ids';
import type { BlockNode } from '../nodeStorage';
import { lsblkSize } from '../sizes';
import { JsonWriter } from './jsonWriter';

interface Opts {
  bytes: boolean;
  path: boolean;
}

type JsonValue = string | number | boolean | null | (string | null)[];

interface Column {
  /** Right-aligned in the table, as libsmartcols does for numbers. */
  right?: boolean;
  json(n: BlockNode, o: Opts): JsonValue;
  text(n: BlockNode, o: Opts): string;
}

const str = (f: (n: BlockNode, o: Opts) => string | undefined): Column => ({
  json: (n, o) => f(n, o) ?? null,
  text: (n, o) => f(n, o) ?? '',
});
const bool = (f: (n: BlockNode) => boolean): Column => ({ right: true, json: (n) => f(n), text: (n) => (f(n) ? '1' : '0') });

function fstype(n: BlockNode): string | undefined {
  return n.sig && n.sig.type !== 'gpt' ? n.sig.type : undefined;
}

function mountpoint(n: BlockNode): string | undefined {
  return n.sig && 'mountpoint' in n.sig ? n.sig.mountpoint : undefined;
}

function uuid(n: BlockNode): string | undefined {
  if (!n.sig) return undefined;
  if (n.sig.type === 'linux_raid_member') return mdUuidAsBlkid(n.sig.array);
  return n.sig.uuid;
}

const COLUMNS: Record<string, Column> = {
  NAME: str((n, o) => (o.path ? n.path : n.displayName)),
  KNAME: str((n) => n.name),
  PATH: str((n) => n.path),
  'MAJ:MIN': {
    json: (n) => `${n.major}:${n.minor}`,
    text: (n) => `${String(n.major).padStart(3, ' ')}:${String(n.minor).padEnd(3, ' ')}`,
  },
  RM: bool(() => false),
  RO: bool((n) => n.readOnly),
  SIZE: {
    right: true,
    json: (n, o) => (o.bytes ? n.sizeBytes : lsblkSize(n.sizeBytes)),
    text: (n, o) => (o.bytes ? String(n.sizeBytes) : lsblkSize(n.sizeBytes)),
  },
  TYPE: str((n) => n.type),
  ROTA: bool((n) => n.rotational),
  FSTYPE: str(fstype),
  MOUNTPOINT: str(mountpoint),
  MOUNTPOINTS: { json: (n) => [mountpoint(n) ?? null], text: (n) => mountpoint(n) ?? '' },
  MODEL: str((n) => n.model),
  SERIAL: str((n) => n.serial),
  TRAN: str((n) => (n.type !== 'disk' ? undefined : n.name.startsWith('nvme') ? 'nvme' : 'sata')),
  UUID: str(uuid),
  LABEL: str((n) => (n.sig && 'label' in n.sig ? n.sig.label : undefined)),
  PTTYPE: str((n) => (n.type === 'disk' && n.sig?.type === 'gpt') || n.type === 'part' ? 'gpt' : undefined),
};

const DEFAULT_COLUMNS = ['NAME', 'MAJ:MIN', 'RM', 'SIZE', 'RO', 'TYPE', 'MOUNTPOINTS'];

const USAGE = `lsblk: invalid option -- '%s'\nTry 'lsblk --help' for more information.\n`;

/** lsblk (util-linux 2.38/2.41): the tree, `-J` JSON, `-b -d -n -l -p -o`, device arguments. */
export const lsblk: LabCommand = {
  name: 'lsblk',
  dir: '/usr/bin',
  async run(args, _ctx, node) {
    let json = false;
    let nodeps = false;
    let noheadings = false;
    let list = false;
    const o: Opts = { bytes: false, path: false };
    let columns = DEFAULT_COLUMNS;
    const devices: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      const long: Record<string, () => void> = {
        '--json': () => (json = true),
        '--bytes': () => (o.bytes = true),
        '--nodeps': () => (nodeps = true),
        '--noheadings': () => (noheadings = true),
        '--list': () => (list = true),
        '--paths': () => (o.path = true),
      };
      if (long[a]) long[a]();
      else if (a === '-o' || a === '--output') columns = (args[++i] ?? '').split(',').filter(Boolean);
      else if (a.startsWith('--output=')) columns = a.slice(9).split(',').filter(Boolean);
      else if (/^-[A-Za-z]+$/.test(a)) {
        for (const f of a.slice(1)) {
          if (f === 'J') json = true;
          else if (f === 'b') o.bytes = true;
          else if (f === 'd') nodeps = true;
          else if (f === 'n') noheadings = true;
          else if (f === 'l') list = true;
          else if (f === 'p') o.path = true;
          else if (f === 'a') continue;
          else if (f === 'o') columns = (args[++i] ?? '').split(',').filter(Boolean);
          else return fail(USAGE.replace('%s', f), 1);
        }
      } else devices.push(a);
    }
    columns = columns.map((c) => c.toUpperCase());
    const unknown = columns.find((c) => !COLUMNS[c]);
    if (unknown) return fail(`lsblk: unknown column: ${unknown}\n`, 1);

    let roots = node.storage.tree();
    if (devices.length > 0) {
      roots = [];
      for (const d of devices) {
        const found = findNode(node.storage.tree(), node.storage.deviceName(d));
        if (!found) return fail(`lsblk: ${d}: not a block device\n`, 32);
        roots.push(found);
      }
    }
    if (nodeps) roots = roots.map((r) => ({ ...r, children: [] }));
    if (json) return ok(renderJson(roots, columns, o, list));
    return ok(renderTable(roots, columns, o, { list, noheadings }));
  },
};

function findNode(nodes: BlockNode[], name: string | undefined): BlockNode | undefined {
  if (!name) return undefined;
  for (const n of nodes) {
    if (n.name === name) return n;
    const inner = findNode(n.children, name);
    if (inner) return inner;
  }
  return undefined;
}

function flatten(nodes: BlockNode[]): BlockNode[] {
  const seen = new Set<string>();
  const out: BlockNode[] = [];
  const walk = (list: BlockNode[]) => {
    for (const n of list) {
      if (!seen.has(n.name)) {
        seen.add(n.name);
        out.push({ ...n, children: [] });
      }
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

function renderJson(roots: BlockNode[], columns: string[], o: Opts, list: boolean): string {
  const w = new JsonWriter();
  w.open(null, 'object');
  w.open('blockdevices', 'array');
  const emit = (n: BlockNode) => {
    w.open(null, 'object');
    for (const c of columns) w.value(c.toLowerCase(), (COLUMNS[c] as Column).json(n, o));
    if (n.children.length > 0) {
      w.open('children', 'array');
      for (const child of n.children) emit(child);
      w.close('array');
    }
    w.close('object');
  };
  for (const n of list ? flatten(roots) : roots) emit(n);
  w.close('array');
  w.close('object');
  return w.text();
}

function renderTable(roots: BlockNode[], columns: string[], o: Opts, f: { list: boolean; noheadings: boolean }): string {
  const rows: string[][] = [];
  const row = (n: BlockNode, namePrefix: string) => {
    const cells = columns.map((c) => (COLUMNS[c] as Column).text(n, o));
    if (columns[0] === 'NAME') cells[0] = `${namePrefix}${cells[0]}`;
    rows.push(cells);
  };
  // libsmartcols' tree: the top level flush left, each level below drawn with ├─ └─ and │ rails.
  const children = (nodes: BlockNode[], rail: string) =>
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      row(n, `${rail}${last ? '└─' : '├─'}`);
      children(n.children, `${rail}${last ? '  ' : '│ '}`);
    });
  for (const n of f.list ? flatten(roots) : roots) {
    row(n, '');
    if (!f.list) children(n.children, '');
  }
  const all = f.noheadings ? rows : [columns, ...rows];
  const widths = columns.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] as number) - [...cell].length);
        if ((COLUMNS[columns[i] as string] as Column).right) return pad + cell;
        return i === columns.length - 1 ? cell : cell + pad;
      })
      .join(' ');
  return all.map((r) => `${line(r)}\n`).join('');
}
