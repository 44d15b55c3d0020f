import type { RoleName } from './config';
import type { ControllerRole } from './role';
import { buildRole } from './build/role';
import { deployRole } from './deploy/role';
import { logsRole } from './logs/role';

/**
 * Every role of the controllers image, by the name given on the command
 * line. A role registers itself here, next to its section in `config.ts`.
 */
export const roles: { [R in RoleName]: ControllerRole<R> } = {
  build: buildRole,
  deploy: deployRole,
  logs: logsRole,
};

export function isRoleName(name: unknown): name is RoleName {
  return (
    typeof name === 'string' &&
    Object.prototype.hasOwnProperty.call(roles, name)
  );
}
