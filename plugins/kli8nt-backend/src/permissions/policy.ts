import {
  AuthService,
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  parseEntityRef,
  RELATION_MEMBER_OF,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  AuthorizeResult,
  ConditionalPolicyDecision,
  isResourcePermission,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  kli8ntDeploymentReadPermission,
  kli8ntPermissions,
} from '@kli8nt/backstage-plugin-kli8nt-common';

/** Config key that lists the users and groups allowed everything. */
export const ADMINS_CONFIG_KEY = 'kli8nt.permissions.admins';

const KLI8NT_PERMISSIONS = new Set(kli8ntPermissions.map(p => p.name));

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

/** The catalog's own rule: the entity's owner is one of `claims`. */
function ownedByOneOf(
  permission: Permission,
  claims: string[],
): ConditionalPolicyDecision {
  const resourceType = isResourcePermission(permission)
    ? permission.resourceType
    : 'catalog-entity';
  // The rule compares refs exactly; entity refs are case-insensitive.
  const refs = [...new Set([...claims, ...claims.map(lower)])];
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'catalog',
    resourceType,
    conditions: {
      rule: 'IS_ENTITY_OWNER',
      resourceType,
      params: { claims: refs },
    },
  };
}

/**
 * Kli8nt's decision for one of its permissions, or undefined for any other
 * permission. `claims` are the user's own ref and the refs of the groups
 * they belong to; owning any of those makes them an owner of the entity.
 *
 * - admins: everything;
 * - every signed-in user: `kli8nt.deployment.read` (statuses and events);
 * - owners only: deploy, redeploy, rollback, cancel, settings, delete, logs.
 *
 * @public
 */
export function kli8ntPolicyDecision(
  permission: Permission,
  claims: string[] | undefined,
  admins: ReadonlySet<string>,
): PolicyDecision | undefined {
  if (!KLI8NT_PERMISSIONS.has(permission.name)) return undefined;
  if (!claims || claims.length === 0) return { result: AuthorizeResult.DENY };
  if (claims.some(ref => admins.has(lower(ref)))) {
    return { result: AuthorizeResult.ALLOW };
  }
  if (permission.name === kli8ntDeploymentReadPermission.name) {
    return { result: AuthorizeResult.ALLOW };
  }
  return ownedByOneOf(permission, claims);
}

/** Reads `kli8nt.permissions.admins`: full entity refs, compared lowercased. */
export function readAdmins(config: Config): Set<string> {
  const refs = config.getOptionalStringArray(ADMINS_CONFIG_KEY) ?? [];
  return new Set(
    refs.map(ref => {
      try {
        return lower(stringifyEntityRef(parseEntityRef(ref)));
      } catch (error) {
        throw new InputError(
          `${ADMINS_CONFIG_KEY}: '${ref}' is not an entity ref; write e.g. group:default/platform or user:default/jane`,
          error,
        );
      }
    }),
  );
}

/**
 * What {@link Kli8ntPermissionPolicy} needs.
 *
 * @public
 */
export interface Kli8ntPermissionPolicyOptions {
  /** User entity refs allowed every Kli8nt permission on every entity. */
  admins: ReadonlySet<string>;
  /** Where the ownership refs of a user's token are read. */
  userInfo: Pick<UserInfoService, 'getUserInfo'>;
  /** Where the groups of a user are looked up. */
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  /** The credentials of the catalog look-ups. */
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
}

/**
 * The default policy of a Kli8nt portal: {@link kli8ntPolicyDecision} for
 * Kli8nt's permissions, ALLOW for every other permission (what the
 * allow-all policy did before). A portal with a policy of its own calls
 * `kli8ntPolicyDecision` from it instead of installing this one.
 *
 * A user's groups are their `ownershipEntityRefs` (from sign-in) plus the
 * `memberOf` relations of their User entity in the catalog, so members of an
 * entity's owner group are owners whatever the sign-in resolver put into
 * the token.
 *
 * @public
 */
export class Kli8ntPermissionPolicy implements PermissionPolicy {
  constructor(private readonly options: Kli8ntPermissionPolicyOptions) {}

  /** Decides one permission request (see {@link kli8ntPolicyDecision}). */
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!KLI8NT_PERMISSIONS.has(request.permission.name)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const claims = user ? await this.claimsOf(user.credentials) : undefined;
    return (
      kli8ntPolicyDecision(request.permission, claims, this.options.admins) ?? {
        result: AuthorizeResult.DENY,
      }
    );
  }

  private async claimsOf(credentials: BackstageCredentials): Promise<string[]> {
    const { userInfo, catalog, auth } = this.options;
    const info = await userInfo.getUserInfo(credentials);
    const entity = await catalog.getEntityByRef(info.userEntityRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    const groups =
      entity?.relations
        ?.filter(r => r.type === RELATION_MEMBER_OF)
        .map(r => r.targetRef) ?? [];
    return [
      ...new Set([info.userEntityRef, ...info.ownershipEntityRefs, ...groups]),
    ];
  }
}
