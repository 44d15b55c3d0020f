/**
 * Kli8nt frontend plugin: Deploy and Logs tabs for catalog entities.
 * The new frontend system plugin is the default export of `./alpha`.
 *
 * @packageDocumentation
 */
export {
  kli8ntPlugin,
  EntityKli8ntDeployContent,
  EntityKli8ntLogsContent,
} from './plugin';
export { isKli8ntAvailable } from './components/shared/isKli8ntAvailable';
export { kli8ntApiRef } from './api/Kli8ntApi';
export type {
  Kli8ntApi,
  DeploymentDetails,
  LogStreamOptions,
  LogStreamTarget,
} from './api/Kli8ntApi';
export { Kli8ntClient } from './api/Kli8ntClient';
