export { testConnectivity } from './testConnectivity';
export { createCluster } from './createCluster';
export { destroyCluster } from './destroyCluster';
export { clusterHealth } from './clusterHealth';
export { crashDrill } from './crashDrill';
