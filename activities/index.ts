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
import { networkActivities } from './network/privateNetwork';
import { inspectActivities } from './disks/inspect';
import { raidActivities } from './disks/raid';
import { cephSetupActivities } from './ceph/setup';
import { osdActivities } from './ceph/osd';
import { poolActivities } from './ceph/pool';
import { cephStatusActivities } from './ceph/status';
import { cephTeardownActivities } from './ceph/teardown';
import { haActivities } from './ha/ha';
import { drillActivities } from './drill';
import { sshRollbackActivities } from './rollback/ssh';
import { networkRollbackActivities } from './rollback/network';
import { cephRollbackActivities } from './rollback/ceph';
import { haRollbackActivities } from './rollback/ha';
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
    ...networkActivities(deps),
    ...inspectActivities(deps),
    ...raidActivities(deps),
    ...cephSetupActivities(deps),
    ...osdActivities(deps),
    ...poolActivities(deps),
    ...cephStatusActivities(deps),
    ...cephTeardownActivities(deps),
    ...haActivities(deps),
    ...drillActivities(deps),
    ...sshRollbackActivities(deps),
    ...networkRollbackActivities(deps),
    ...cephRollbackActivities(deps),
    ...haRollbackActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
