/** Pure and free of imports: the crash drill workflow uses it inside Temporal's sandbox. */

/** PVE's HA timing constants (pve-ha-manager), in seconds: what a drill's default SLOs follow from. */
export const HA_CONSTANTS = { roundSeconds: 10, lockExpirySeconds: 120, fenceDelaySeconds: 60, watchdogSeconds: 60 } as const;

/** The drill's default waits, in seconds: for the victim's return, for Ceph after it, for an operator's decision. */
export const DRILL_WAITS = { victimReturnSeconds: 900, cephSeconds: 900, operatorSeconds: 86_400 } as const;

/**
 * Default SLOs from PVE's constants. A service can be recovered once the dead node's agent lock
 * expired (120 s after its last refresh, at most one round before the crash) and the master's
 * next round saw it; it runs again one LRM round later. When the victim was the master, a
 * survivor must first wait out the manager lock (120 s) and then the fence delay (60 s) from
 * when it first saw the victim gone, as PVE's own simulator shows (test-basic5: 162 s to
 * recovery, 181 s to started).
 */
export function defaultSlo(victimIsMaster: boolean): { recoverySeconds: number; startedSeconds: number } {
  const { lockExpirySeconds, fenceDelaySeconds, roundSeconds } = HA_CONSTANTS;
  const recoverySeconds = lockExpirySeconds + (victimIsMaster ? fenceDelaySeconds : 0) + 2 * roundSeconds;
  return { recoverySeconds, startedSeconds: recoverySeconds + 4 * roundSeconds };
}
