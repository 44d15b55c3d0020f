import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  kli8ntAppConfigurePermission,
  kli8ntDeploymentCreatePermission,
  kli8ntDeploymentReadPermission,
  kli8ntLogsReadPermission,
  kli8ntPermissions,
} from './permissions';

describe('permissions', () => {
  it.each([
    [kli8ntDeploymentCreatePermission, 'kli8nt.deployment.create', 'create'],
    [kli8ntDeploymentReadPermission, 'kli8nt.deployment.read', 'read'],
    [kli8ntLogsReadPermission, 'kli8nt.logs.read', 'read'],
    [kli8ntAppConfigurePermission, 'kli8nt.app.configure', 'update'],
  ])('%#: %s is a catalog-entity permission', (permission, name, action) => {
    expect(permission.name).toBe(name);
    expect(permission.attributes.action).toBe(action);
    expect(isResourcePermission(permission, 'catalog-entity')).toBe(true);
    expect(kli8ntPermissions).toContain(permission);
  });

  it('lists each permission once', () => {
    expect(new Set(kli8ntPermissions.map(p => p.name)).size).toBe(4);
    expect(kli8ntPermissions).toHaveLength(4);
  });
});
