import { mockCredentials } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  kli8ntAppConfigurePermission,
  kli8ntDeploymentCreatePermission,
  kli8ntDeploymentReadPermission,
  kli8ntLogsReadPermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  Kli8ntPermissionPolicy,
  kli8ntPolicyDecision,
  readAdmins,
} from './policy';

const ownerOnly = [
  kli8ntDeploymentCreatePermission,
  kli8ntAppConfigurePermission,
  kli8ntLogsReadPermission,
];
const catalogRead = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

describe('kli8ntPolicyDecision', () => {
  const admins = new Set(['group:default/platform']);
  const alice = ['user:default/alice', 'group:default/team-a'];

  it.each(ownerOnly)(
    '$name is allowed on entities the user or their groups own',
    permission => {
      expect(kli8ntPolicyDecision(permission, alice, admins)).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: alice },
        },
      });
    },
  );

  it('lets every user read statuses', () => {
    expect(
      kli8ntPolicyDecision(kli8ntDeploymentReadPermission, alice, admins),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it.each(ownerOnly)('admins (any case) may $name anything', permission => {
    expect(
      kli8ntPolicyDecision(
        permission,
        ['user:default/ops', 'Group:Default/Platform'],
        admins,
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('matches owners case-insensitively', () => {
    const decision = kli8ntPolicyDecision(
      kli8ntLogsReadPermission,
      ['User:default/Alice'],
      admins,
    );
    expect(decision).toMatchObject({
      conditions: {
        params: { claims: ['User:default/Alice', 'user:default/alice'] },
      },
    });
  });

  it('denies a caller without identity, and leaves other permissions alone', () => {
    expect(
      kli8ntPolicyDecision(kli8ntDeploymentReadPermission, undefined, admins),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(
      kli8ntPolicyDecision(kli8ntDeploymentReadPermission, [], admins),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(kli8ntPolicyDecision(catalogRead, alice, admins)).toBeUndefined();
  });
});

describe('readAdmins', () => {
  it('reads full refs, lowercased, and defaults to none', () => {
    expect(readAdmins(new ConfigReader({}))).toEqual(new Set());
    expect(
      readAdmins(
        new ConfigReader({
          kli8nt: {
            permissions: { admins: ['Group:default/Platform', 'user:ops'] },
          },
        }),
      ),
    ).toEqual(new Set(['group:default/platform', 'user:default/ops']));
  });

  it('refuses a ref without kind, saying what to write', () => {
    expect(() =>
      readAdmins(
        new ConfigReader({ kli8nt: { permissions: { admins: ['platform'] } } }),
      ),
    ).toThrow(
      "kli8nt.permissions.admins: 'platform' is not an entity ref; write e.g. group:default/platform or user:default/jane",
    );
  });
});

describe('Kli8ntPermissionPolicy', () => {
  const users: Record<string, Entity> = {
    'user:default/alice': {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: { name: 'alice' },
      spec: {},
      relations: [
        { type: 'memberOf', targetRef: 'group:default/team-a' },
        { type: 'ownerOf', targetRef: 'component:default/x' },
      ],
    },
  };
  const lookups: string[] = [];
  const policy = new Kli8ntPermissionPolicy({
    admins: new Set(),
    userInfo: {
      getUserInfo: async credentials => {
        const { userEntityRef } = credentials.principal as {
          userEntityRef: string;
        };
        return { userEntityRef, ownershipEntityRefs: [userEntityRef] };
      },
    },
    catalog: {
      getEntityByRef: async (ref, { credentials }) => {
        const { type } = credentials.principal as { type: string };
        lookups.push(`${ref} as ${type}`);
        return users[ref as string];
      },
    },
    auth: { getOwnServiceCredentials: async () => mockCredentials.service() },
  });
  const user = (ref: string) => ({
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: [ref] },
  });

  beforeEach(() => lookups.splice(0));

  it('adds the groups the catalog lists for the user to the claims', async () => {
    const decision = await policy.handle(
      { permission: kli8ntDeploymentCreatePermission },
      user('user:default/alice'),
    );
    expect(decision).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      conditions: {
        params: { claims: ['user:default/alice', 'group:default/team-a'] },
      },
    });
    expect(lookups).toEqual(['user:default/alice as service']);
  });

  it('keeps the sign-in claims of a user the catalog does not know', async () => {
    const decision = await policy.handle(
      { permission: kli8ntLogsReadPermission },
      user('user:development/guest'),
    );
    expect(decision).toMatchObject({
      conditions: { params: { claims: ['user:development/guest'] } },
    });
  });

  it('denies Kli8nt permissions without a user, allows everything else', async () => {
    expect(
      await policy.handle({ permission: kli8ntDeploymentReadPermission }),
    ).toEqual({ result: AuthorizeResult.DENY });
    expect(await policy.handle({ permission: catalogRead })).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(lookups).toEqual([]);
  });
});
