import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { awaitTransientUnit, inTransientUnit } from '../ssh/transientUnit';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';
import { parseMdadmDetailScan } from '../parsers';
import { mdName, type NodeDiskLayout } from '../../common/hyperConverged';

const MDADM_CONF = '/etc/mdadm/mdadm.conf';

/**
 * `mdadm --create` runs only when /proc/mdstat does not list the array, in the same remote
 * script as the check, so a retry after a crash finds the array instead of creating it twice; in a
 * transient unit, so a worker killed mid-create does not leave members half stamped.
 * `--run` answers mdadm's confirmation: preflight already proved the members blank. The new
 * array's ARRAY line follows `@created` (its UUID is what a rollback recognises it by).
 */
export function createArrayCommand(d: NodeDiskLayout): string {
  const unit = `pve-runbooks-mdadm-${mdName(d.array)}`;
  const create = inTransientUnit(unit, ['mdadm', '--create', d.array, '--run', '--level=5', `--raid-devices=${d.raidMembers.length}`, ...d.raidMembers]);
  return [
    `${awaitTransientUnit(unit)};`,
    `if grep -q ${quoteArg(`^${mdName(d.array)} : active`)} /proc/mdstat; then echo @existing;`,
    `else ${create} 2>&1 && echo @created && ${cmd('mdadm', '--detail', '--scan', d.array)} 2>/dev/null; fi`,
  ].join(' ');
}

/** What ensureRaidArray did, and the array a rollback may stop: its device, members and UUID. */
export interface RaidArrayResult {
  status: 'done' | 'already';
  array: string;
  members: string[];
  /** From `mdadm --detail --scan` right after the creation; absent when that did not answer. */
  uuid?: string;
}

/** What persistRaidArray did; `line` is the array's `mdadm --detail --scan` line, the very one appended when conf is `added`. */
export interface PersistRaidResult {
  conf: 'added' | 'present';
  initramfs: 'updated' | 'current';
  line?: string;
  uuid?: string;
}

/** What ensureOsdVolume made in this call, each only when it made it: a rollback removes those and no more. */
export interface OsdVolumeResult {
  status: 'done' | 'already';
  /** The array labelled as a PV here (pvcreate). */
  pv?: string;
  /** The volume group created here (vgcreate). */
  vg?: string;
  /** `VG/LV`, created here (lvcreate). */
  lv?: string;
}

/**
 * The ARRAY line goes into mdadm.conf once (matched by UUID), and the initramfs is rebuilt
 * whenever it is older than mdadm.conf, so a crash between the two steps is repaired on retry.
 */
export function persistArrayCommand(d: NodeDiskLayout): string {
  const a1 = quoteArg(d.array);
  const a2 = quoteArg(`/dev/md/${mdName(d.array)}`);
  return [
    `line=$(mdadm --detail --scan | awk -v a=${a1} -v b=${a2} '$1 == "ARRAY" && ($2 == a || $2 == b) { print; exit }')`,
    `if [ -z "$line" ]; then printf 'mdadm --detail --scan does not list %s\\n' ${a1} >&2; exit 1; fi`,
    'uuid=${line##*UUID=}; uuid=${uuid%% *}',
    `if grep -qF "UUID=$uuid" ${MDADM_CONF}; then conf=present; else printf '%s\\n' "$line" >> ${MDADM_CONF} && conf=added || exit 1; fi`,
    `if [ /boot/initrd.img-$(uname -r) -nt ${MDADM_CONF} ]; then initramfs=current; else update-initramfs -u >/dev/null 2>&1 && initramfs=updated || exit 1; fi`,
    `${section('conf', 'echo $conf')}; ${section('initramfs', 'echo $initramfs')}; ${section('line', `printf '%s\\n' "$line"`)}`,
  ].join('\n');
}

/** Each of PV, VG and LV is made only when absent, and says so (`@pv-made`, `@vg-made`) for a rollback. */
export function ensureVolumeCommand(d: NodeDiskLayout): string {
  const vglv = `${d.volumeGroup}/${d.logicalVolume}`;
  return [
    `if lvs ${quoteArg(vglv)} >/dev/null 2>&1; then echo @existing;`,
    `else { pvs ${quoteArg(d.array)} >/dev/null 2>&1 || { pvcreate -y ${quoteArg(d.array)} && echo @pv-made; }; }`,
    `&& { vgs ${quoteArg(d.volumeGroup)} >/dev/null 2>&1 || { vgcreate ${quoteArg(d.volumeGroup)} ${quoteArg(d.array)} && echo @vg-made; }; }`,
    `&& lvcreate -y -l 100%FREE -n ${quoteArg(d.logicalVolume)} ${quoteArg(d.volumeGroup)} && echo @created; fi`,
  ].join(' ');
}

/**
 * The UUID of the first ARRAY line of `mdadm --detail --scan`, if it printed one. Only a record
 * for a rollback: what the step did is already done, so an unreadable line leaves it out rather
 * than failing the step (whose retry would then report `already`).
 */
function scannedUuid(text: string): string | undefined {
  const lines = text.split('\n').filter((l) => /^ARRAY\s/.test(l)).join('\n');
  if (!lines) return undefined;
  try {
    return parseMdadmDetailScan(lines).arrays[0]?.uuid ?? undefined;
  } catch {
    return undefined;
  }
}

export function raidActivities(deps: SshDeps) {
  return {
    /** RAID5 over the members: created once; a resync in progress does not block what follows. */
    async ensureRaidArray(task: NodeTask, d: NodeDiskLayout): Promise<RaidArrayResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(createArrayCommand(d), { label: `mdadm --create ${d.array}`, timeoutMs: 5 * 60_000 });
      const made = { array: d.array, members: [...d.raidMembers] };
      if (r.stdout.includes('@existing')) return { status: 'already', ...made };
      if (r.exitCode !== 0 || !r.stdout.includes('@created')) {
        const f = commandFailed(remote.target, `mdadm --create ${d.array}`, { ...r, stderr: r.stderr || r.stdout });
        if (/busy|in use|appears to (contain|be part)|No such|not large enough/i.test(r.stdout + r.stderr)) {
          throw ApplicationFailure.nonRetryable(`${f.message}. Fix: the RAID members must be blank, unused disks (preflight checks this; something changed since).`, 'RaidRefused');
        }
        throw f;
      }
      const uuid = scannedUuid(r.stdout.slice(r.stdout.indexOf('@created')));
      return { status: 'done', ...made, ...(uuid ? { uuid } : {}) };
    },

    async persistRaidArray(task: NodeTask, d: NodeDiskLayout): Promise<PersistRaidResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(persistArrayCommand(d), { label: 'persist the array in mdadm.conf and the initramfs', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !s.conf || !s.initramfs) throw commandFailed(remote.target, 'mdadm --detail --scan >> mdadm.conf; update-initramfs -u', r);
      const line = s.line?.trim() || undefined;
      const uuid = line ? scannedUuid(line) : undefined;
      return { conf: s.conf === 'added' ? 'added' : 'present', initramfs: s.initramfs === 'updated' ? 'updated' : 'current', ...(line ? { line } : {}), ...(uuid ? { uuid } : {}) };
    },

    /** The OSD's data volume: PV on the array, the VG, one LV over all of it. */
    async ensureOsdVolume(task: NodeTask, d: NodeDiskLayout): Promise<OsdVolumeResult> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(ensureVolumeCommand(d), { label: `LVM ${d.volumeGroup}/${d.logicalVolume} on ${d.array}`, timeoutMs: 5 * 60_000 });
      if (r.stdout.includes('@existing')) return { status: 'already' };
      if (r.exitCode !== 0 || !r.stdout.includes('@created')) throw commandFailed(remote.target, `pvcreate/vgcreate/lvcreate on ${d.array}`, r);
      const marks = r.stdout.split('\n');
      return {
        status: 'done',
        ...(marks.includes('@pv-made') ? { pv: d.array } : {}),
        ...(marks.includes('@vg-made') ? { vg: d.volumeGroup } : {}),
        lv: `${d.volumeGroup}/${d.logicalVolume}`,
      };
    },
  };
}

