import { SBIN_VIA_USR_BIN } from './sbin';
import { decodeBytesToUtf8, type ExecResult } from 'just-bash';
import type { LabCommand, NodeContext } from '../../commands/types';
import { EXTENT_BYTES } from '../lvm';
import { DEFAULT_FIELDS, renderReport, resolveField, type ReportType } from '../lvmReport';
import { StorageError } from '../nodeStorage';
import { lvmSize } from '../sizes';

/** LVM prints every message indented by two spaces; failures exit 5, bad command lines 3. */
const indent = (lines: string) =>
  lines
    .split('\n')
    .map((l) => `  ${l.replace(/^ {2}/, '')}\n`)
    .join('');

function failed(err: unknown, stdout = ''): ExecResult {
  if (!(err instanceof StorageError)) throw err;
  return { stdout: stdout + (err.stdout ? indent(err.stdout) : ''), stderr: indent(err.message), exitCode: err.exitCode };
}

interface Parsed {
  positional: string[];
  values: Map<string, string[]>;
  flags: Map<string, number>;
}

/** Options that take a value, by every spelling LVM accepts, mapped to one key. */
const VALUE_OPTS: Record<string, string> = {
  '-n': 'name',
  '--name': 'name',
  '-l': 'extents',
  '--extents': 'extents',
  '-L': 'size',
  '--size': 'size',
  '--addtag': 'addtag',
  '--deltag': 'deltag',
  '-o': 'options',
  '--options': 'options',
  '--reportformat': 'reportformat',
  '--units': 'units',
  '--separator': 'separator',
  '-s': 'physicalextentsize',
  '--physicalextentsize': 'physicalextentsize',
  '-a': 'activate',
  '--activate': 'activate',
  '-S': 'select',
  '--select': 'select',
  '--config': 'config',
  '-W': 'wipesignatures',
  '--wipesignatures': 'wipesignatures',
  '-Z': 'zero',
  '--zero': 'zero',
  '-O': 'sort',
  '--sort': 'sort',
};

const FLAG_OPTS: Record<string, string> = {
  '-y': 'yes',
  '--yes': 'yes',
  '-f': 'force',
  '--force': 'force',
  '-ff': 'force2',
  '--nosuffix': 'nosuffix',
  '--noheadings': 'noheadings',
  '-v': 'verbose',
  '--verbose': 'verbose',
  '-q': 'quiet',
  '--quiet': 'quiet',
  '-a': 'all',
  '--all': 'all',
};

function parse(args: string[], name: string): Parsed | ExecResult {
  const p: Parsed = { positional: [], values: new Map(), flags: new Map() };
  for (let i = 0; i < args.length; i++) {
    let a = args[i] as string;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    } else if (/^-[nlLosSaWZO].+/.test(a) && !FLAG_OPTS[a]) {
      inline = a.slice(2);
      a = a.slice(0, 2);
    }
    const key = VALUE_OPTS[a];
    // -a is --all for the reports and --activate (with a value) for lvcreate/lvchange.
    if (key && !(a === '-a' && /^(pvs|vgs|lvs)$/.test(name))) {
      const v = inline ?? args[++i];
      if (v === undefined) return { stdout: '', stderr: `  ${name}: option '${a}' requires an argument\n  Error during parsing of command line.\n`, exitCode: 3 };
      p.values.set(key, [...(p.values.get(key) ?? []), v]);
      continue;
    }
    const flag = FLAG_OPTS[a];
    if (flag) {
      p.flags.set(flag, (p.flags.get(flag) ?? 0) + 1);
      continue;
    }
    if (a.startsWith('-')) return { stdout: '', stderr: `  ${name}: unrecognized option '${a}'\n  Error during parsing of command line.\n`, exitCode: 3 };
    p.positional.push(a);
  }
  return p;
}

const isResult = (x: Parsed | ExecResult): x is ExecResult => 'exitCode' in x;

/** `-L 10G` (binary units, megabytes when bare) → bytes. */
function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([bBsSkKmMgGtTpPeE]?)$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] || 'm').toLowerCase();
  const mult: Record<string, number> = { b: 1, s: 512, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5, e: 1024 ** 6 };
  return Number(m[1]) * (mult[unit] as number);
}

/** `VG/LV`, `/dev/VG/LV` or `/dev/mapper/VG-LV` → names. */
function lvName(spec: string): { vg: string; lv?: string } {
  const s = spec.replace(/^\/dev\//, '');
  const [vg, lv] = s.split('/');
  return { vg: vg as string, lv };
}

function simple(name: string, run: (p: Parsed, node: NodeContext, stdin: string) => ExecResult): LabCommand {
  return {
    name,
    dir: SBIN_VIA_USR_BIN,
    async run(args, ctx, node) {
      const p = parse(args, name);
      if (isResult(p)) return p;
      return run(p, node, decodeBytesToUtf8(ctx.stdin));
    },
  };
}

export const pvcreate = simple('pvcreate', (p, node) => {
  if (p.positional.length === 0) return { stdout: '', stderr: '  Please enter a physical volume path.\n  Run `pvcreate --help\' for more information.\n', exitCode: 3 };
  let stdout = '';
  for (const dev of p.positional) {
    try {
      stdout += indent(node.storage.pvcreate(dev, { yes: p.flags.has('yes'), force: (p.flags.get('force') ?? 0) + 2 * (p.flags.get('force2') ?? 0) }).join('\n'));
    } catch (err) {
      return failed(err, stdout);
    }
  }
  return { stdout, stderr: '', exitCode: 0 };
});

export const pvremove = simple('pvremove', (p, node) => {
  if (p.positional.length === 0) return { stdout: '', stderr: '  Please enter a physical volume path\n', exitCode: 3 };
  let stdout = '';
  for (const dev of p.positional) {
    try {
      stdout += indent(node.storage.pvremove(dev));
    } catch (err) {
      return failed(err, stdout);
    }
  }
  return { stdout, stderr: '', exitCode: 0 };
});

export const vgcreate = simple('vgcreate', (p, node) => {
  const [name, ...pvs] = p.positional;
  if (!name) return { stdout: '', stderr: '  Please provide volume group name and physical volumes\n  Run `vgcreate --help\' for more information.\n', exitCode: 3 };
  if (pvs.length === 0) return { stdout: '', stderr: '  Please enter physical volume name(s)\n  Run `vgcreate --help\' for more information.\n', exitCode: 3 };
  try {
    return { stdout: indent(node.storage.vgcreate(name, pvs, { yes: p.flags.has('yes') }).join('\n')), stderr: '', exitCode: 0 };
  } catch (err) {
    return failed(err);
  }
});

export const vgremove = simple('vgremove', (p, node) => {
  if (p.positional.length === 0) return { stdout: '', stderr: '  Please enter one or more volume group paths\n  Run `vgremove --help\' for more information.\n', exitCode: 3 };
  let stdout = '';
  for (const vg of p.positional) {
    try {
      stdout += indent(node.storage.vgremove(vg.replace(/^\/dev\//, ''), { yes: p.flags.has('yes') || p.flags.has('force') }).join('\n'));
    } catch (err) {
      return failed(err, stdout);
    }
  }
  return { stdout, stderr: '', exitCode: 0 };
});

export const lvcreate = simple('lvcreate', (p, node) => {
  const [target] = p.positional;
  if (!target) return { stdout: '', stderr: '  Please specify a volume group name.\n  Run `lvcreate --help\' for more information.\n', exitCode: 3 };
  const extents = p.values.get('extents')?.[0];
  const sizeText = p.values.get('size')?.[0];
  if (!extents && !sizeText) return { stdout: '', stderr: '  Please specify either size or extents.\n  Run `lvcreate --help\' for more information.\n', exitCode: 3 };
  const vg = lvName(target).vg;
  let size: { bytes?: number; extents?: number; percentFree?: number };
  let stdout = '';
  if (extents) {
    const m = /^\+?(\d+)(%(FREE|VG|PVS))?$/i.exec(extents);
    if (!m) return { stdout: '', stderr: `  Invalid argument for --extents: ${extents}\n  Error during parsing of command line.\n`, exitCode: 3 };
    const pct = (m[3] ?? '').toUpperCase();
    if (pct === 'FREE') size = { percentFree: Number(m[1]) };
    else if (pct) {
      const rec = node.storage.vg(vg);
      const total = rec ? rec.pvs.reduce((n, x) => n + x.peCount, 0) : 0;
      size = { extents: Math.floor((total * Number(m[1])) / 100) };
    } else size = { extents: Number(m[1]) };
  } else {
    const bytes = parseSize(sizeText as string);
    if (bytes === undefined) return { stdout: '', stderr: `  Invalid argument for --size: ${sizeText}\n  Error during parsing of command line.\n`, exitCode: 3 };
    if (bytes % EXTENT_BYTES !== 0) stdout += indent(`Rounding up size to full physical extent ${lvmSize(Math.ceil(bytes / EXTENT_BYTES) * EXTENT_BYTES).replace(/([kmgtpe])$/, (u) => ` ${u.toUpperCase()}iB`)}`);
    size = { bytes };
  }
  try {
    const lv = node.storage.lvcreate(vg, p.values.get('name')?.[0], size, p.values.get('addtag') ?? []);
    return { stdout: `${stdout}${indent(`Logical volume "${lv.name}" created.`)}`, stderr: '', exitCode: 0 };
  } catch (err) {
    return failed(err, stdout);
  }
});

export const lvremove = simple('lvremove', (p, node, stdin) => {
  if (p.positional.length === 0) return { stdout: '', stderr: '  Please enter one or more logical volume paths.\n  Run `lvremove --help\' for more information.\n', exitCode: 3 };
  let stdout = '';
  let stderr = '';
  const yes = p.flags.has('yes') || p.flags.has('force');
  for (const spec of p.positional) {
    const { vg, lv } = lvName(spec);
    const names = lv ? [lv] : (node.storage.vg(vg)?.lvs.map((l) => l.name) ?? []);
    if (!lv && !node.storage.vg(vg)) return failed(new StorageError(`Volume group "${vg}" not found\nCannot process volume group ${vg}`), stdout);
    for (const name of names) {
      if (!yes && node.storage.vg(vg)?.lvs.some((l) => l.name === name)) {
        // lvremove asks before removing an active LV; a closed stdin answers no.
        stdout += `Do you really want to remove active logical volume ${vg}/${name}? [y/n]: `;
        if (!/^[yY]/.test(stdin)) {
          stdout += '[n]\n';
          stderr += `  Logical volume ${name} not removed.\n`;
          continue;
        }
      }
      try {
        stdout += indent(node.storage.lvremove(vg, name));
      } catch (err) {
        const r = failed(err, stdout);
        return { ...r, stderr: stderr + r.stderr };
      }
    }
  }
  return { stdout, stderr, exitCode: stderr ? 5 : 0 };
});

export const lvchange = simple('lvchange', (p, node) => {
  if (p.positional.length === 0) return { stdout: '', stderr: '  Please give logical volume path(s)\n  Run `lvchange --help\' for more information.\n', exitCode: 3 };
  const add = p.values.get('addtag') ?? [];
  const del = p.values.get('deltag') ?? [];
  let stdout = '';
  for (const spec of p.positional) {
    const { vg, lv } = lvName(spec);
    try {
      if (!lv) throw new StorageError(`"${spec}": Invalid path for Logical Volume.`, 3);
      if (add.length > 0 || del.length > 0) node.storage.setLvTags(vg, lv, add, del);
      else node.storage.findLv(vg, lv);
      stdout += indent(`Logical volume ${vg}/${lv} changed.`);
    } catch (err) {
      return failed(err, stdout);
    }
  }
  return { stdout, stderr: '', exitCode: 0 };
});

function report(type: ReportType): LabCommand {
  const name = `${type}s`;
  return simple(name, (p, node) => {
    const format = p.values.get('reportformat')?.[0] ?? 'basic';
    if (!['basic', 'json', 'json_std'].includes(format)) return { stdout: '', stderr: `  Unknown report format ${format}.\n`, exitCode: 3 };
    let fields = DEFAULT_FIELDS[type];
    for (const opt of p.values.get('options') ?? []) {
      const add = opt.startsWith('+');
      const names = (add ? opt.slice(1) : opt).split(',').filter(Boolean);
      const resolved: string[] = [];
      for (const n of names) {
        const f = resolveField(type, n);
        if (!f) return { stdout: '', stderr: `  Unrecognised field: ${n}\n`, exitCode: 3 };
        resolved.push(f);
      }
      fields = add ? [...fields, ...resolved] : resolved;
    }
    const unitText = p.values.get('units')?.[0] ?? 'h';
    if (!/^[hHbBsSkKmMgGtTpPeE]$/.test(unitText)) return { stdout: '', stderr: `  Invalid argument for --units: ${unitText}\n  Error during parsing of command line.\n`, exitCode: 3 };
    const wanted = p.positional.map((x) => x.replace(/^\/dev\//, ''));
    const missing = wanted.find((w) => (type === 'pv' ? !node.storage.pvs().some((pv) => pv.path === `/dev/${w}`) : !node.storage.vg(w.split('/')[0] as string)));
    if (missing) {
      const msg = type === 'pv' ? `Failed to find physical volume "/dev/${missing}".` : `Volume group "${missing.split('/')[0]}" not found\n  Cannot process volume group ${missing.split('/')[0]}`;
      return { stdout: '', stderr: `  ${msg}\n`, exitCode: 5 };
    }
    const select =
      wanted.length === 0
        ? undefined
        : (r: { pv?: string; vg?: string; lv?: string }) =>
            wanted.some((w) => (type === 'pv' ? r.pv === `/dev/${w}` : w.includes('/') ? `${r.vg}/${r.lv}` === w : r.vg === w));
    const out = renderReport(type, node.storage, {
      fields,
      units: { unit: unitText, suffix: !p.flags.has('nosuffix') },
      json: format !== 'basic',
      headings: !p.flags.has('noheadings'),
      separator: p.values.get('separator')?.[0],
      select,
    });
    return { stdout: out, stderr: '', exitCode: 0 };
  });
}

export const pvs = report('pv');
export const vgs = report('vg');
export const lvs = report('lv');

export const LVM_COMMANDS: readonly LabCommand[] = [pvcreate, pvremove, vgcreate, vgremove, lvcreate, lvremove, lvchange, pvs, vgs, lvs];
