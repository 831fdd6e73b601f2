import { SBIN_VIA_USR_BIN } from './sbin';
import { fail, ok, type LabCommand } from '../../commands/types';

/** Lab ms to build one initramfs: mkinitramfs plus PVE's zz-proxmox-boot hook. */
const BUILD_MS = 4500;

/**
 * Debian's update-initramfs on a PVE node installed on LVM (GRUB, no proxmox-boot-tool ESPs): it
 * regenerates the image and PVE's kernel hook reports that it has no ESP to sync.
 */
export const updateInitramfs: LabCommand = {
  name: 'update-initramfs',
  dir: SBIN_VIA_USR_BIN,
  async run(args, ctx, node) {
    const update = args.includes('-u');
    const create = args.includes('-c');
    const k = args.indexOf('-k');
    const version = k >= 0 ? args[k + 1] : undefined;
    if (!update && !create && !args.includes('-d'))
      return fail('Usage: update-initramfs {-c|-d|-u} [-k version] [-v] [-b directory]\n\nOptions:\n -k version\tSpecify kernel version or \'all\'\n -c\t\tCreate a new initramfs\n -u\t\tUpdate an existing initramfs\n -d\t\tRemove an existing initramfs\n', 0);
    const kernel = node.release.kernel;
    if (version !== undefined && version !== 'all' && version !== kernel) return fail(`/boot/config-${version} is missing, not generating an initramfs for kernel ${version}\n`, 0);
    try {
      await node.clock.sleep(BUILD_MS, ctx.signal);
    } catch {
      return fail('', 130);
    }
    await node.fs.writeFile(`/boot/initrd.img-${kernel}`, '');
    return ok(
      `update-initramfs: Generating /boot/initrd.img-${kernel}\n` +
        "Running hook script 'zz-proxmox-boot'..\n" +
        "Re-executing '/etc/kernel/postinst.d/zz-proxmox-boot' in new private mount namespace..\n" +
        'No /etc/kernel/proxmox-boot-uuids found, skipping ESP sync.\n',
    );
  },
};
