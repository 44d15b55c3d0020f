import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  createRouteRef,
} from '@backstage/core-plugin-api';
import { kli8ntClientFactory } from './api/Kli8ntClient';

const deployRouteRef = createRouteRef({ id: 'kli8nt:deploy' });
const logsRouteRef = createRouteRef({ id: 'kli8nt:logs' });

/**
 * Kli8nt for apps on the legacy frontend system.
 *
 * @public
 */
export const kli8ntPlugin = createPlugin({
  id: 'kli8nt',
  apis: [createApiFactory(kli8ntClientFactory)],
  routes: { deploy: deployRouteRef, logs: logsRouteRef },
});

/**
 * The Deploy tab, for `EntityLayout.Route` in legacy apps (show it
 * `if={isKli8ntAvailable}`).
 *
 * @public
 */
export const EntityKli8ntDeployContent: () => JSX.Element =
  kli8ntPlugin.provide(
    createRoutableExtension({
      name: 'EntityKli8ntDeployContent',
      component: () => import('./components/DeployTab').then(m => m.DeployTab),
      mountPoint: deployRouteRef,
    }),
  );

/**
 * The Logs tab, for `EntityLayout.Route` in legacy apps.
 *
 * @public
 */
export const EntityKli8ntLogsContent: (props: {}) => JSX.Element =
  kli8ntPlugin.provide(
    createRoutableExtension({
      name: 'EntityKli8ntLogsContent',
      component: () => import('./components/LogsTab').then(m => m.LogsTab),
      mountPoint: logsRouteRef,
    }),
  );
