import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { Kli8ntPermissionPolicy, readAdmins } from './policy';

/**
 * Installs {@link Kli8ntPermissionPolicy} as the portal's permission policy.
 * Leave it out and set a policy of your own to replace it.
 *
 * @public
 */
export const kli8ntPermissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'kli8nt-policy',
  register(env) {
    env.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async init({ policy, config, userInfo, auth, catalog }) {
        policy.setPolicy(
          new Kli8ntPermissionPolicy({
            admins: readAdmins(config),
            userInfo,
            auth,
            catalog,
          }),
        );
      },
    });
  },
});
