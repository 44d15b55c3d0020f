import { buildSection } from './build/config';
import { Env, parseEnv } from './configFields';
import { SharedConfig, sharedSchema } from './configShared';
import { deploySection } from './deploy/config';
import { logsSection } from './logs/config';

/*
 * The controllers' configuration: environment variables, parsed and validated
 * once at start-up into typed objects. `shared` applies to every role; each
 * role has its own section (its `config.ts`, registered in `roleSections`),
 * parsed only when that role runs so that one role never requires another
 * role's settings. Every variable is read in one style (configFields.ts).
 */

export { ConfigError } from './configFields';
export type { SharedConfig } from './configShared';
export type { BuildConfig, BuildProxy } from './build/config';

/**
 * One entry per role. A new role adds its section here and its name to the
 * registry in `roles.ts`.
 */
const roleSections = {
  build: buildSection,
  deploy: deploySection,
  logs: logsSection,
};

export type RoleName = keyof typeof roleSections;
export type RoleConfig<R extends RoleName> = ReturnType<
  (typeof roleSections)[R]['finish']
>;

export interface ControllerConfig<R extends RoleName = RoleName> {
  shared: SharedConfig;
  role: RoleConfig<R>;
}

/**
 * Reads the shared settings and the given role's section from `env`; throws
 * a `ConfigError` listing every problem of both.
 */
export function readControllerConfig<R extends RoleName>(
  role: R,
  env: Env = process.env,
): ControllerConfig<R> {
  const section = roleSections[role];
  const parsed = parseEnv({ shared: sharedSchema, role: section.schema }, env);
  return {
    shared: parsed.shared,
    role: section.finish(parsed.role as never, parsed.shared) as RoleConfig<R>,
  };
}
