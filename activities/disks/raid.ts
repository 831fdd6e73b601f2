import { ApplicationFailure } from '@temporalio/common';
import { Remote, SshDeps, commandFailed } from '../ssh/remote';
import { cmd, quoteArg } from '../ssh/quote';
import { parseSections, section } from '../ssh/script';
import { NodeTask } from '../nodes/task';
import { mdName, type NodeDiskLayout } from '../../common/hyperConverged';

const MDADM_CONF = '/etc/mdadm/mdadm.conf';

/**
 * `mdadm --create` runs only when /proc/mdstat does not list the array, in the same remote
 * script as the check, so a retry after a crash finds the array instead of creating it twice.
 * `--run` answers mdadm's confirmation: preflight already proved the members blank.
 */
export function createArrayCommand(d: NodeDiskLayout): string {
  const create = cmd('mdadm', '--create', d.array, '--run', '--level=5', `--raid-devices=${d.raidMembers.length}`, ...d.raidMembers);
  return [`if grep -q ${quoteArg(`^${mdName(d.array)} : active`)} /proc/mdstat; then echo @existing;`, `else ${create} 2>&1 && echo @created; fi`].join(' ');
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
    `${section('conf', 'echo $conf')}; ${section('initramfs', 'echo $initramfs')}`,
  ].join('\n');
}

export function ensureVolumeCommand(d: NodeDiskLayout): string {
  const vglv = `${d.volumeGroup}/${d.logicalVolume}`;
  return [
    `if lvs ${quoteArg(vglv)} >/dev/null 2>&1; then echo @existing;`,
    `else { pvs ${quoteArg(d.array)} >/dev/null 2>&1 || pvcreate -y ${quoteArg(d.array)}; }`,
    `&& { vgs ${quoteArg(d.volumeGroup)} >/dev/null 2>&1 || vgcreate ${quoteArg(d.volumeGroup)} ${quoteArg(d.array)}; }`,
    `&& lvcreate -y -l 100%FREE -n ${quoteArg(d.logicalVolume)} ${quoteArg(d.volumeGroup)} && echo @created; fi`,
  ].join(' ');
}

export function raidActivities(deps: SshDeps) {
  return {
    /** RAID5 over the members: created once; a resync in progress does not block what follows. */
    async ensureRaidArray(task: NodeTask, d: NodeDiskLayout): Promise<{ status: 'done' | 'already' }> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(createArrayCommand(d), { label: `mdadm --create ${d.array}`, timeoutMs: 5 * 60_000 });
      if (r.stdout.includes('@existing')) return { status: 'already' };
      if (r.exitCode !== 0 || !r.stdout.includes('@created')) {
        const f = commandFailed(remote.target, `mdadm --create ${d.array}`, { ...r, stderr: r.stderr || r.stdout });
        if (/busy|in use|appears to (contain|be part)|No such|not large enough/i.test(r.stdout + r.stderr)) {
          throw ApplicationFailure.nonRetryable(`${f.message}. Fix: the RAID members must be blank, unused disks (preflight checks this; something changed since).`, 'RaidRefused');
        }
        throw f;
      }
      return { status: 'done' };
    },

    async persistRaidArray(task: NodeTask, d: NodeDiskLayout): Promise<{ conf: 'added' | 'present'; initramfs: 'updated' | 'current' }> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(persistArrayCommand(d), { label: 'persist the array in mdadm.conf and the initramfs', timeoutMs: 10 * 60_000 });
      const s = parseSections(r.stdout);
      if (r.exitCode !== 0 || !s.conf || !s.initramfs) throw commandFailed(remote.target, 'mdadm --detail --scan >> mdadm.conf; update-initramfs -u', r);
      return { conf: s.conf === 'added' ? 'added' : 'present', initramfs: s.initramfs === 'updated' ? 'updated' : 'current' };
    },

    /** The OSD's data volume: PV on the array, the VG, one LV over all of it. */
    async ensureOsdVolume(task: NodeTask, d: NodeDiskLayout): Promise<{ status: 'done' | 'already' }> {
      const remote = Remote.of(task.node, task, deps);
      const r = await remote.run(ensureVolumeCommand(d), { label: `LVM ${d.volumeGroup}/${d.logicalVolume} on ${d.array}`, timeoutMs: 5 * 60_000 });
      if (r.stdout.includes('@existing')) return { status: 'already' };
      if (r.exitCode !== 0 || !r.stdout.includes('@created')) throw commandFailed(remote.target, `pvcreate/vgcreate/lvcreate on ${d.array}`, r);
      return { status: 'done' };
    },
  };
}

