import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';

/**
 * The quick start's local platform registers entity files of its own state
 * dir (scripts/local-app). Registering `file` locations reads files of the
 * backend's machine, so it is off unless `kli8nt.localPlatform.fileLocations`
 * is true, which only scripts/platform's generated config sets.
 */
export const localFileLocationsModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'kli8nt-local-file-locations',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        locations: catalogLocationsExtensionPoint,
      },
      async init({ config, locations }) {
        if (config.getOptionalBoolean('kli8nt.localPlatform.fileLocations')) {
          locations.setAllowedLocationTypes(['url', 'file']);
        }
      },
    });
  },
});
