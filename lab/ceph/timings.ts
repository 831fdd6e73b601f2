/**
 * How long Ceph takes to notice and settle things, in lab ms. The defaults are Ceph's own
 * settings where one exists (osd_heartbeat_grace, mon_osd_down_out_interval, mon_mgr_beacon_grace,
 * mon_mgr_mkfs_grace...) plus the few seconds daemons take to start, peer and recover on an
 * almost empty cluster.
 */
export interface CephTimings {
  /** A started monitor joins the quorum (probe, sync, election). */
  monJoinMs: number;
  /** A monitor whose host died leaves the quorum: lease expiry plus a new election. */
  monLostMs: number;
  /** A started manager is available (loads its modules) when no other is active. */
  mgrStartMs: number;
  /** A crashed active manager is replaced by a standby: mon_mgr_beacon_grace. */
  mgrBeaconGraceMs: number;
  /** MGR_DOWN is reported only for clusters older than this (mon_mgr_mkfs_grace) ... */
  mgrMkfsGraceMs: number;
  /** ... and becomes HEALTH_ERR after this long without a manager (mon_mgr_inactive_grace). */
  mgrInactiveGraceMs: number;
  /** A started OSD boots and is marked up. */
  osdBootMs: number;
  /** A dead OSD's peers report it and the monitors mark it down: osd_heartbeat_grace plus reporting. */
  osdDownGraceMs: number;
  /** Without peers to report it, the monitors mark a silent OSD down after mon_osd_report_timeout. */
  osdReportTimeoutMs: number;
  /** A down OSD is marked out: mon_osd_down_out_interval. */
  downOutMs: number;
  /** The manager reports a new pool's PGs (before that they are `unknown`). */
  pgStatsMs: number;
  /** The last of a new pool's PGs is created and active. */
  pgCreateMs: number;
  /** PGs re-peer after the OSD map changes. */
  peeringMs: number;
  /** A returning OSD catches up on the objects written while it was away. */
  recoveryMs: number;
  /** A CLI round trip to the monitors. */
  commandMs: number;
  /** How long a client waits for the monitors: client_mount_timeout. */
  clientMountTimeoutMs: number;
}

export const DEFAULT_CEPH_TIMINGS: CephTimings = {
  monJoinMs: 2_000,
  monLostMs: 10_000,
  mgrStartMs: 3_000,
  mgrBeaconGraceMs: 30_000,
  mgrMkfsGraceMs: 120_000,
  mgrInactiveGraceMs: 60_000,
  osdBootMs: 4_000,
  osdDownGraceMs: 23_000,
  osdReportTimeoutMs: 900_000,
  downOutMs: 600_000,
  pgStatsMs: 2_000,
  pgCreateMs: 20_000,
  peeringMs: 3_000,
  recoveryMs: 10_000,
  commandMs: 200,
  clientMountTimeoutMs: 300_000,
};
