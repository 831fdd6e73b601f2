export { testConnectivity } from './testConnectivity';
export { createCluster } from './createCluster';
