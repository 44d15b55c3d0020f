import { mockCredentials } from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import request from 'supertest';
import WebSocket from 'ws';
import { kli8ntPlugin } from '../plugin';
import { kli8ntPermissionPolicyModule } from '../permissions/module';
import {
  createGithubServer,
  onUnhandledRequest,
} from '../__testUtils__/githubServer';
import {
  Cell,
  expected,
  PRINCIPALS,
  Principal,
  ROUTES,
  Route,
  TARGETS,
  Target,
} from '../__testUtils__/authorizationMatrix';
import {
  DatabaseState,
  MatrixBackend,
  startMatrixBackend,
} from '../__testUtils__/matrixBackend';

/*
 * The authorization matrix of issue #17: every principal × every REST route
 * and the logs WebSocket × own entity, another team's entity and an entity
 * whose derived app name another entity holds. Real permission backend with
 * the default policy, real catalog (ownership and group membership), real
 * HTTP and WebSocket routing; SQLite. Each cell starts from the same seeded
 * database and asserts the status and that a refusal wrote nothing (every
 * table compared), called GitHub for nothing and streamed nothing.
 */

const ROOT = 'user:default/root'; // an admin, seeds the deployments
const IMAGE_DIGEST = `sha256:${'b'.repeat(64)}`;

// Registered from the repository it deploys (repository binding).
const loc = 'url:https://github.com/acme/shop/blob/main/catalog-info.yaml';
const meta = (name: string, extra: object = {}) => ({
  name,
  namespace: 'default',
  annotations: {
    'backstage.io/managed-by-location': loc,
    'backstage.io/managed-by-origin-location': loc,
    'github.com/project-slug': 'acme/shop',
  },
  ...extra,
});
const component = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: meta(name),
  spec: { type: 'service', lifecycle: 'production', owner },
});
const user = (name: string, group: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: meta(name),
  spec: { memberOf: [group] },
});
const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: meta(name),
  spec: { type: 'team', children: [] },
});
const entities: Entity[] = [
  group('team-a'),
  group('team-b'),
  group('team-c'),
  group('platform'),
  user('alice', 'team-a'),
  user('bob', 'team-b'),
  user('carol', 'team-c'),
  user('root', 'platform'),
  component('shop', 'team-a'),
  component('billing', 'team-b'),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: meta('billing'),
    spec: {
      type: 'openapi',
      lifecycle: 'production',
      owner: 'team-a',
      definition: 'openapi: 3.0.0',
    },
  },
];

const github = createGithubServer();
let backend: MatrixBackend;
let db: DatabaseState;
const ids: Record<Target, { live: string; queued: string }> = {} as never;
let seed = '';
const written = DatabaseState.written;

async function deployAsRoot(entityRef: string): Promise<string> {
  const res = await request(backend.base)
    .post('/api/kli8nt/deployments')
    .set('Authorization', mockCredentials.user.header(ROOT))
    .send({ entityRef });
  if (res.status !== 202) throw new Error(JSON.stringify(res.body));
  return res.body.id;
}

beforeAll(async () => {
  github.server.listen({ onUnhandledRequest });
  backend = await startMatrixBackend({
    entities,
    config: {
      catalog: { rules: [{ allow: ['Component', 'API', 'User', 'Group'] }] },
      integrations: {
        github: [{ host: 'github.com', token: 'ghp_matrixtoken' }],
      },
      kli8nt: {
        secretKey: Buffer.alloc(32, 7).toString('base64'),
        permissions: { admins: ['group:default/platform'] },
      },
    },
    features: [
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      kli8ntPermissionPolicyModule,
      kli8ntPlugin,
    ],
  });
  db = new DatabaseState(backend.knex);

  for (const [target, entityRef] of [
    ['own', 'component:default/shop'],
    ['other', 'component:default/billing'],
  ] as const) {
    const live = await deployAsRoot(entityRef);
    await backend
      .knex('deployments')
      .where({ id: live })
      .update({
        status: 'live',
        image: `registry.local/app@${IMAGE_DIGEST}`,
        image_digest: IMAGE_DIGEST,
      });
    ids[target] = { live, queued: await deployAsRoot(entityRef) };
  }
  // The name holder's deployments: the colliding entity has none.
  ids.colliding = ids.other;
  for (const app of ['shop', 'billing']) {
    await backend.logSink.append(
      app,
      [1, 2, 3].map(n => ({
        deploymentId: ids[app === 'shop' ? 'own' : 'other'].live,
        source: 'runtime' as const,
        pod: `${app}-pod`,
        container: 'app',
        timestamp: new Date().toISOString(),
        line: `${app} line ${n}`,
      })),
    );
  }
  await backend.logSink.flush();
  seed = await db.snapshot();
}, 180_000);

afterAll(() => github.server.close());

const TOKENS: Record<Principal, string | undefined> = {
  owner: mockCredentials.user.token('user:default/alice'),
  other: mockCredentials.user.token('user:default/carol'),
  guest: mockCredentials.user.token('user:development/guest'),
  service: mockCredentials.service.token(),
  obo: mockCredentials.user.token('user:default/alice', {
    actor: { subject: 'plugin:scaffolder' },
  }),
  none: undefined,
};
const REFS: Record<Target, string> = {
  own: 'component:default/shop',
  other: 'component:default/billing',
  colliding: 'api:default/billing',
};

async function callRest(route: Route, principal: Principal, target: Target) {
  const q = `entityRef=${encodeURIComponent(REFS[target])}`;
  const id = route.idOf === 'queued' ? ids[target].queued : ids[target].live;
  const path = route.path.replace(':id', id).replace(':q', q);
  const token = TOKENS[principal];
  const res = await request(backend.base)
    [route.method](`/api/kli8nt${path}`)
    .set(
      'Authorization',
      token ? `Bearer ${token}` : mockCredentials.none.header(),
    )
    .send(route.body?.(REFS[target]) ?? {});
  return { status: res.status, body: res.body };
}

async function callSocket(principal: Principal, target: Target) {
  const token = TOKENS[principal];
  const query = `entityRef=${encodeURIComponent(REFS[target])}&tail=10`;
  const ws = new WebSocket(
    `${backend.base.replace('http', 'ws')}/api/kli8nt/logs?${query}`,
    { headers: token ? { Authorization: `Bearer ${token}` } : {} },
  );
  const lines: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>(resolve => {
    ws.on('close', (code, reason) =>
      resolve({ code, reason: reason.toString() }),
    );
  });
  ws.on('message', data => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'line') lines.push(frame.line);
    if (lines.length === 3) ws.close(1000, 'done');
  });
  const result = await Promise.race([
    closed,
    new Promise<{ code: number; reason: string }>(resolve =>
      setTimeout(() => resolve({ code: 0, reason: 'timeout' }), 10_000),
    ),
  ]);
  ws.terminate();
  return { ...result, lines };
}

const cells: Cell[] = PRINCIPALS.flatMap(principal =>
  [...ROUTES, 'logs' as const].flatMap(route =>
    TARGETS.map(target => ({ principal, route, target })),
  ),
);

describe('authorization matrix', () => {
  it('covers every principal, route and target', () => {
    expect(cells).toHaveLength(6 * 13 * 3);
  });

  it.each(cells.map(c => [`${c.principal} ${label(c.route)} ${c.target}`, c]))(
    '%s',
    async (_name, cell) => {
      await db.restore(seed);
      github.reset();
      const want = expected(cell);
      const someWrites = expect.any(Number);
      // One comparison per cell: what happened against what the rules say.
      expect(await observe(cell)).toEqual({
        ...(cell.route === 'logs'
          ? {
              close: want.stream ? { code: 1000, reason: 'done' } : want.close,
              lines: want.stream
                ? [1, 2, 3].map(n => `${want.stream} line ${n}`)
                : [],
            }
          : { status: want.status, trigger: want.trigger }),
        wrote: Boolean(want.writes),
        githubWrites: want.writes ? someWrites : 0,
      });
    },
  );
});

async function observe({ principal, route, target }: Cell) {
  const seen =
    route === 'logs'
      ? await callSocket(principal, target)
      : await callRest(route, principal, target);
  const result =
    'lines' in seen
      ? { close: { code: seen.code, reason: seen.reason }, lines: seen.lines }
      : {
          status: seen.status,
          // Who started a new deployment: the user, or the scaffolder for them.
          trigger:
            route !== 'logs' && route.action === 'deploy'
              ? seen.body?.trigger
              : undefined,
        };
  return {
    ...result,
    wrote: written(await db.snapshot()) !== written(seed),
    githubWrites: github.requests.filter(r => r.method !== 'GET').length,
  };
}

function label(route: Route | 'logs') {
  return route === 'logs'
    ? 'WS /logs'
    : `${route.method.toUpperCase()} ${route.path}`;
}
