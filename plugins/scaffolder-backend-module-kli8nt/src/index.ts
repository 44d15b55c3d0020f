/**
 * The kli8nt module for `@backstage/plugin-scaffolder-backend`: the
 * `kli8nt:deploy` action.
 *
 * @packageDocumentation
 */

export { scaffolderModule as default } from './module';
export { createKli8ntDeployAction } from './actions/deploy';
export type { Kli8ntDeployActionOptions } from './actions/deploy';
