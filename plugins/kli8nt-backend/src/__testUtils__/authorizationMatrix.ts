/**
 * The expected outcome of each cell of the authorization matrix
 * (`auth/authorizationMatrix.test.ts`), written out from the policy's rules
 * rather than derived from the code under test.
 */

export const PRINCIPALS = [
  'owner', // alice, member of team-a, which owns the own and colliding entities
  'other', // carol, member of team-c, which owns nothing here
  'guest', // user:development/guest, not in the catalog
  'service', // a service principal (plugin or external access token)
  'obo', // alice through the scaffolder (on-behalf-of token with an actor)
  'none', // no token
] as const;
export type Principal = (typeof PRINCIPALS)[number];

/** own: team-a's component; other: team-b's; colliding: team-a's API whose name team-b's app holds. */
export const TARGETS = ['own', 'other', 'colliding'] as const;
export type Target = (typeof TARGETS)[number];

export type Action =
  | 'deploy'
  | 'read'
  | 'redeploy'
  | 'cancel'
  | 'settings'
  | 'configure'
  | 'verify'
  | 'delete';

export interface Route {
  method: 'get' | 'post' | 'put' | 'delete';
  /** `:id` is a deployment of the target's app, `:q` its entityRef query. */
  path: string;
  action: Action;
  /** Which of the target app's deployments `:id` is. */
  idOf?: 'live' | 'queued';
  body?(entityRef: string): object;
}

export const ROUTES: Route[] = [
  {
    method: 'post',
    path: '/deployments',
    action: 'deploy',
    body: entityRef => ({ entityRef }),
  },
  { method: 'get', path: '/deployments?:q', action: 'read' },
  { method: 'get', path: '/deployments/:id', action: 'read', idOf: 'live' },
  {
    method: 'get',
    path: '/deployments/:id/events',
    action: 'read',
    idOf: 'live',
  },
  {
    method: 'post',
    path: '/deployments/:id/redeploy',
    action: 'redeploy',
    idOf: 'live',
  },
  {
    method: 'post',
    path: '/deployments/:id/rollback',
    action: 'redeploy',
    idOf: 'live',
  },
  {
    method: 'post',
    path: '/deployments/:id/cancel',
    action: 'cancel',
    idOf: 'queued',
  },
  { method: 'get', path: '/apps/settings?:q', action: 'settings' },
  {
    method: 'put',
    path: '/apps/settings?:q',
    action: 'configure',
    body: () => ({ replicas: 2 }),
  },
  { method: 'post', path: '/apps/domains/verify?:q', action: 'verify' },
  { method: 'delete', path: '/apps?:q', action: 'delete' },
  { method: 'get', path: '/branches?:q', action: 'read' },
];

export interface Cell {
  principal: Principal;
  route: Route | 'logs';
  target: Target;
}

export interface Expected {
  status?: number;
  /** A granted mutation changes the database; a refusal leaves it as seeded. */
  writes?: boolean;
  trigger?: 'manual' | 'scaffolder';
  /** The app whose lines the socket streams, or how it closes. */
  stream?: 'shop';
  close?: { code: number; reason: string };
}

const NOT_ALLOWED = { code: 4403, reason: 'not_allowed' };

export function expected({ principal, route, target }: Cell): Expected {
  if (principal === 'none') {
    return route === 'logs'
      ? { close: { code: 4401, reason: 'missing_token' } }
      : { status: 401 };
  }
  if (principal === 'service') {
    return route === 'logs' ? { close: NOT_ALLOWED } : { status: 403 };
  }
  const alice = principal === 'owner' || principal === 'obo';
  // Deployment ids of the colliding column are the name holder's (team-b's).
  const owns =
    alice &&
    (target === 'own' ||
      (target === 'colliding' && (route === 'logs' || !route.idOf)));
  const clash = target === 'colliding';
  if (route === 'logs') {
    return owns && !clash ? { stream: 'shop' } : { close: NOT_ALLOWED };
  }
  switch (route.action) {
    case 'read':
      return { status: 200 };
    case 'settings':
      return { status: clash ? 409 : 200 };
    case 'deploy':
      if (!owns) return { status: 403 };
      if (clash) return { status: 409 };
      return {
        status: 202,
        writes: true,
        trigger: principal === 'obo' ? 'scaffolder' : 'manual',
      };
    case 'redeploy':
    case 'cancel':
      return owns ? { status: 202, writes: true } : { status: 403 };
    case 'configure':
      if (!owns) return { status: 403 };
      return clash ? { status: 409 } : { status: 200, writes: true };
    case 'verify':
      // No custom domains seeded: nothing to look up or write.
      if (!owns) return { status: 403 };
      return { status: clash ? 409 : 200 };
    case 'delete':
      if (!owns) return { status: 403 };
      // Allowed, but the colliding entity has no app of its own to delete.
      return clash ? { status: 404 } : { status: 204, writes: true };
    default:
      throw new Error(`no expectation for ${route.action}`);
  }
}
