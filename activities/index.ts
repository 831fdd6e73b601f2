import { controllerKeyActivities } from './nodes/controllerKey';
import { factsActivities } from './nodes/facts';
import { identityActivities } from './cluster/identity';
import { trustActivities } from './cluster/trust';
import { formationActivities } from './cluster/formation';
import { probeActivities } from './cluster/probe';
import { clusterSshActivities } from './cluster/clusterSsh';
import { verifyActivities } from './cluster/verify';
import { separationActivities } from './cluster/separation';
import { healthActivities } from './cluster/health';
import { SshDeps } from './ssh/remote';

/** Every activity the worker registers, bound to the worker's SSH pool and controller key. */
export function createActivities(deps: SshDeps) {
  return {
    ...controllerKeyActivities(deps),
    ...factsActivities(deps),
    ...identityActivities(deps),
    ...trustActivities(deps),
    ...formationActivities(deps),
    ...probeActivities(deps),
    ...clusterSshActivities(deps),
    ...verifyActivities(deps),
    ...separationActivities(deps),
    ...healthActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
