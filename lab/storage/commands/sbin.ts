/**
 * Where the storage tools are installed in the twin. On a node they live in /usr/sbin, but the
 * twin reaches /usr/sbin programs through a hand-over script, and just-bash passes a script only
 * its first nine arguments: `mdadm --create … /dev/sdd` would lose its last device. Installed in
 * /usr/bin they get every argument; PATH finds them all the same.
 */
export const SBIN_VIA_USR_BIN = '/usr/bin';
