import type { Lab } from '../../lab/lab';

/** Programs the twin actually ran (not the script text that mentions them): the exactly-once ground truth. */
export function ran(lab: Lab, program: RegExp, node?: string): string[] {
  return lab.log.entries({ ...(node ? { node } : {}) }).filter((e) => e.via === 'program' && program.test(e.command)).map((e) => `${e.node}: ${e.command}`);
}

/**
 * Programs that change a node's state, as the runbooks send them. A re-run that finds
 * everything in place must run none of them.
 */
export const STATE_CHANGING = [
  /^pvecm (create|add|addnode|delnode|expected|updatecerts)\b/,
  /^mdadm (--create|--zero-superblock|--stop|--fail|--remove|--add)\b/,
  /^mdadm \S+ (--fail|--remove|--add)\b/,
  /^(pvcreate|vgcreate|lvcreate|lvremove|vgremove|pvremove|lvchange|wipefs -a)\b/,
  /^update-initramfs\b/,
  /^ifreload\b/,
  /^pveceph (install|init|mon create|mgr create|pool create|pool destroy|osd destroy|mon destroy|mgr destroy|purge)\b/,
  /^ceph-volume lvm (create|prepare|activate|zap)\b/,
  /^ceph (osd (purge|destroy|out|in|crush remove)|auth (add|del|get-or-create))\b/,
  /^ha-manager (add|remove|set|groupadd|groupset|groupremove|rules (add|set|remove))\b/,
  /^qm (create|start|stop|destroy|set)\b/,
  /^pvesm (add|remove|set)\b/,
];

/** State-changing programs the twin ran from log position `from` on. */
export function changesSince(lab: Lab, from: number): string[] {
  return lab.log
    .entries()
    .slice(from)
    .filter((e) => e.via === 'program' && STATE_CHANGING.some((re) => re.test(e.command)))
    .map((e) => `${e.node}: ${e.command}`);
}
