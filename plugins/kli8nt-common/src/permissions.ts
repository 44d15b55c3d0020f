import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Start a deployment (Deploy button, scaffolder action, redeploy, rollback,
 * cancel) of a catalog entity.
 *
 * @public
 */
export const kli8ntDeploymentCreatePermission = createPermission({
  name: 'kli8nt.deployment.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * See the deployments of a catalog entity and their events.
 *
 * @public
 */
export const kli8ntDeploymentReadPermission = createPermission({
  name: 'kli8nt.deployment.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Read the build and runtime logs of a catalog entity's app.
 *
 * @public
 */
export const kli8ntLogsReadPermission = createPermission({
  name: 'kli8nt.logs.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Change the settings (port, replicas, domains, env, secrets) of a catalog
 * entity's app.
 *
 * @public
 */
export const kli8ntAppConfigurePermission = createPermission({
  name: 'kli8nt.app.configure',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Every Kli8nt permission, for registration with the permission framework.
 *
 * @public
 */
export const kli8ntPermissions = [
  kli8ntDeploymentCreatePermission,
  kli8ntDeploymentReadPermission,
  kli8ntLogsReadPermission,
  kli8ntAppConfigurePermission,
];
