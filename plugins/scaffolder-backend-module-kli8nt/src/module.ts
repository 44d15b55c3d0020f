import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createKli8ntDeployAction } from './actions/deploy';

/**
 * Registers the `kli8nt:deploy` action with the scaffolder.
 *
 * @public
 */
export const scaffolderModule = createBackendModule({
  moduleId: 'kli8nt',
  pluginId: 'scaffolder',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolderActions, discovery, auth }) {
        scaffolderActions.addActions(
          createKli8ntDeployAction({ discovery, auth }),
        );
      },
    });
  },
});
