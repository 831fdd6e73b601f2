import type { SshDeps } from '../ssh/remote';
import { crashActivities } from './crash';
import { failbackActivities } from './failback';
import { journalActivities } from './journal';
import { otherRunsActivities } from './others';
import { probeActivitiesForDrill } from './probe';
import { drillReportActivities } from './report';

/** Everything the crash drill does on the cluster and the controller. */
export function drillActivities(deps: SshDeps) {
  return {
    ...probeActivitiesForDrill(deps),
    ...crashActivities(deps),
    ...journalActivities(deps),
    ...failbackActivities(deps),
    ...otherRunsActivities(),
    ...drillReportActivities(),
  };
}
