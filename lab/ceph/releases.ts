/**
 * The Ceph releases PVE offers (PVE::Ceph::Releases): which PVE major carries which, and the
 * version strings the packages install. PVE itself always has ceph-common (libpve-storage-perl
 * depends on it) at the release its own repository ships, so `ceph --version` answers before
 * `pveceph install`; the daemons (ceph-mon, ceph-osd, ceph-volume...) come only with the install.
 */
export type CephCodename = 'quincy' | 'reef' | 'squid' | 'tentacle';

export interface CephRelease {
  codename: CephCodename;
  /** The stable series, as pveceph renders it: `19.2 Squid`. */
  series: string;
  /** Upstream version and build commit `ceph --version` prints. */
  version: string;
  commit: string;
  /** Debian package version in the Proxmox repository. */
  debVersion: string;
  pveMajors: readonly (8 | 9)[];
}

export const CEPH_RELEASES: Record<CephCodename, CephRelease> = {
  quincy: { codename: 'quincy', series: '17.2', version: '17.2.8', commit: 'f817ceb7f187defb1d021d6328fa833eb8e943b3', debVersion: '17.2.8-pve2', pveMajors: [8] },
  reef: { codename: 'reef', series: '18.2', version: '18.2.7', commit: '4cac8341a72477c60a6f153f3ed344b49870c932', debVersion: '18.2.7-pve1', pveMajors: [8] },
  squid: { codename: 'squid', series: '19.2', version: '19.2.3', commit: 'c92aebb279828e9c3c1f5d24613efca272649e62', debVersion: '19.2.3-pve1', pveMajors: [8, 9] },
  tentacle: { codename: 'tentacle', series: '20.2', version: '20.2.0', commit: '69f84cc2651aa259a15bc192ddaabd3baba07489', debVersion: '20.2.0-pve1', pveMajors: [9] },
};

/** pveceph's `current-backend-default`: what `pveceph install` without --version installs. */
export const DEFAULT_CEPH: CephCodename = 'squid';

/** The ceph-common a fresh node of each PVE major has (its pveversion lists ceph-fuse at the same version). */
export function clientRelease(pveMajor: 8 | 9): CephRelease {
  return pveMajor === 8 ? CEPH_RELEASES.quincy : CEPH_RELEASES.squid;
}

/** Codenames available on a PVE major, sorted as pveceph's enum lists them. */
export function availableReleases(pveMajor: 8 | 9): CephCodename[] {
  return (Object.keys(CEPH_RELEASES) as CephCodename[]).filter((c) => CEPH_RELEASES[c].pveMajors.includes(pveMajor)).sort();
}

/** `pveceph install --repository` choices: PVE 9 adds `manual` (keep the admin's own repository file). */
export function repositories(pveMajor: 8 | 9): string[] {
  return pveMajor === 8 ? ['enterprise', 'no-subscription', 'test'] : ['enterprise', 'manual', 'no-subscription', 'test'];
}

export function debianCodename(pveMajor: 8 | 9): string {
  return pveMajor === 8 ? 'bookworm' : 'trixie';
}

/** `ceph --version`. */
export function versionLine(r: CephRelease): string {
  return `ceph version ${r.version} (${r.commit}) ${r.codename} (stable)`;
}

/** pveceph's rendering: `19.2 Squid`. */
export function renderedRelease(r: CephRelease): string {
  return `${r.series} ${r.codename.charAt(0).toUpperCase()}${r.codename.slice(1)}`;
}

/** Ceph's release number (`require_osd_release`, `min_mon_release 19 (squid)`). */
export function releaseNumber(r: CephRelease): number {
  return Number(r.series.split('.')[0]);
}
