export { testConnectivity } from './testConnectivity';
