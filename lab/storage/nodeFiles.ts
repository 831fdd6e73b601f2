import type { IFileSystem } from 'just-bash';
import { DevFs } from './devFs';
import { renderMdstat } from './mdReports';
import type { NodeStorage } from './nodeStorage';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date -R` in UTC, as Debian's mkconf stamps the file. */
function rfc2822(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** /etc/mdadm/mdadm.conf as Debian's mdadm package writes it (mkconf) on a host without arrays. */
export function debianMdadmConf(installed: Date): string {
  return `# mdadm.conf
#
# !NB! Run update-initramfs -u after updating this file.
# !NB! This will ensure that initramfs has an uptodate copy.
#
# Please refer to mdadm.conf(5) for information about this file.
#

# by default (built-in), scan all partitions (/proc/partitions) and all
# containers for MD superblocks. alternatively, specify devices to scan, using
# wildcards if desired.
#DEVICE partitions containers

# automatically tag new arrays as belonging to the local system
HOMEHOST <system>

# instruct the monitoring daemon where to send mail alerts
MAILADDR root

# definitions of existing MD arrays

# This configuration was auto-generated on ${rfc2822(installed)} by mkconf
`;
}

/** What the root filesystem needs from the storage model: /dev, /proc/mdstat and config files. */
export function storageRootFs(storage: NodeStorage, now: () => Date, kernel: string): { dev: IFileSystem; mdstat(): string; files: Record<string, string> } {
  return {
    dev: new DevFs(storage, now),
    mdstat: () => renderMdstat(storage, now().getTime()),
    // The installer left an initramfs for the running kernel; mdadm's package wrote its config.
    files: { '/etc/mdadm/mdadm.conf': debianMdadmConf(now()), [`/boot/initrd.img-${kernel}`]: '' },
  };
}
