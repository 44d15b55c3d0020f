import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthService,
  coreServices,
  createBackendModule,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { HostDiscovery } from '@backstage/backend-defaults/discovery';
import { httpRouterServiceFactory } from '@backstage/backend-defaults/httpRouter';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { permissionsRegistryServiceFactory } from '@backstage/backend-defaults/permissionsRegistry';
import {
  createHttpServer,
  DefaultRootHttpRouter,
  ExtendedHttpServer,
} from '@backstage/backend-defaults/rootHttpRouter';
import { ConfigReader } from '@backstage/config';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { Entity } from '@backstage/catalog-model';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  kli8ntLogSinkServiceRef,
  LogSink,
} from '@internal/backstage-plugin-kli8nt-node';
import express from 'express';
import { Knex } from 'knex';
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

const loc = 'url:https://example.com/matrix.yaml';
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
let server: ExtendedHttpServer | undefined;
let base = '';
let knex: Knex;
let sink: LogSink;
let catalog: typeof catalogServiceRef.T;
const ids: Record<Target, { live: string; queued: string }> = {} as never;
let seed = '';

/** The HTTP server and WebSocket routing of backend-defaults 0.19. */
const rootHttpRouter = createServiceFactory({
  service: coreServices.rootHttpRouter,
  deps: {
    config: coreServices.rootConfig,
    lifecycle: coreServices.rootLifecycle,
    logger: coreServices.rootLogger,
  },
  async factory({ config, lifecycle, logger }) {
    const app = express();
    server = await createHttpServer(
      app,
      { listen: { host: '127.0.0.1', port: 0 } },
      { logger: logger as LoggerService },
    );
    const router = DefaultRootHttpRouter.create({ server, lifecycle, logger });
    app.use(router.handler());
    lifecycle.addShutdownHook(() => server!.stop());
    await server.start();
    void config;
    return router;
  },
});
/**
 * Mock auth whose on-behalf-of tokens carry the calling plugin as actor, as
 * real ones do: the permission backend answers conditional queries only to
 * plugins, and the mock's own OBO tokens look like direct user requests.
 */
const auth = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const mock = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: (token, options) => mock.authenticate(token, options),
      isPrincipal: mock.isPrincipal.bind(mock) as AuthService['isPrincipal'],
      getNoneCredentials: () => mock.getNoneCredentials(),
      getOwnServiceCredentials: () => mock.getOwnServiceCredentials(),
      getLimitedUserToken: credentials => mock.getLimitedUserToken(credentials),
      listPublicServiceKeys: () => mock.listPublicServiceKeys(),
      async getPluginRequestToken(options) {
        const principal = options.onBehalfOf.principal as {
          type: string;
          userEntityRef?: string;
        };
        if (principal.type !== 'user') {
          return mock.getPluginRequestToken(options);
        }
        return {
          token: mockCredentials.user.token(principal.userEntityRef, {
            actor: { subject: `plugin:${plugin.getId()}` },
          }),
        };
      },
    };
  },
});
const discovery = createServiceFactory({
  service: coreServices.discovery,
  deps: { router: coreServices.rootHttpRouter },
  async factory() {
    const port = server!.port();
    return HostDiscovery.fromConfig(
      new ConfigReader({
        backend: { baseUrl: `http://127.0.0.1:${port}`, listen: { port } },
      }),
    );
  },
});
const probe = createBackendModule({
  pluginId: 'kli8nt',
  moduleId: 'matrix-probe',
  register(env) {
    env.registerInit({
      deps: {
        database: coreServices.database,
        logSink: kli8ntLogSinkServiceRef,
        catalogService: catalogServiceRef,
      },
      async init(deps) {
        knex = await deps.database.getClient();
        sink = deps.logSink;
        catalog = deps.catalogService;
      },
    });
  },
});
const entityProvider = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'matrix-entities',
  register(env) {
    env.registerInit({
      deps: { processing: catalogProcessingExtensionPoint },
      async init({ processing }) {
        processing.addEntityProvider({
          getProviderName: () => 'matrix',
          connect: connection =>
            connection.applyMutation({
              type: 'full',
              entities: entities.map(entity => ({
                entity,
                locationKey: 'matrix',
              })),
            }),
        });
      },
    });
  },
});

async function tables(): Promise<string[]> {
  const rows = await knex('sqlite_master')
    .where({ type: 'table' })
    .whereNot('name', 'like', 'knex_%')
    .whereNot('name', 'like', 'sqlite_%')
    .select('name');
  return rows.map(r => r.name as string).sort();
}

/** Every row of every table of the plugin's database. */
async function snapshot(): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const table of await tables()) {
    out[table] = await knex(table).select('*').orderByRaw('rowid');
  }
  return JSON.stringify(out);
}

/**
 * What a request may have written: everything but the relay's delivery
 * bookkeeping, which it updates in the background on its own schedule.
 */
function written(state: string): unknown {
  const data = JSON.parse(state) as Record<
    string,
    Array<Record<string, unknown>>
  >;
  data.outbox = data.outbox.map(
    ({
      attempts: _a,
      last_error: _e,
      claimed_until: _c,
      sent_at: _s,
      ...row
    }) => row,
  );
  return data;
}

async function restore(state: string) {
  const data = JSON.parse(state) as Record<string, object[]>;
  await knex.raw('PRAGMA foreign_keys = OFF');
  for (const table of Object.keys(data)) await knex(table).delete();
  for (const [table, rows] of Object.entries(data)) {
    for (const row of rows) await knex(table).insert(row);
  }
  await knex.raw('PRAGMA foreign_keys = ON');
}

async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

async function deployAsRoot(entityRef: string): Promise<string> {
  const res = await request(base)
    .post('/api/kli8nt/deployments')
    .set('Authorization', mockCredentials.user.header(ROOT))
    .send({ entityRef });
  if (res.status !== 202) throw new Error(JSON.stringify(res.body));
  return res.body.id;
}

beforeAll(async () => {
  github.server.listen({ onUnhandledRequest });
  // backend-test-utils 1.11.7 routes with backend-defaults 0.18, which has
  // no WebSocket routes; with 0.19's router it has no server of its own to
  // return once started, the one error accepted here.
  await startTestBackend({
    features: [
      rootHttpRouter,
      discovery,
      auth,
      httpRouterServiceFactory,
      permissionsServiceFactory,
      permissionsRegistryServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          permission: { enabled: true },
          catalog: {
            rules: [{ allow: ['Component', 'API', 'User', 'Group'] }],
          },
          integrations: {
            github: [{ host: 'github.com', token: 'ghp_matrixtoken' }],
          },
          kli8nt: {
            secretKey: Buffer.alloc(32, 7).toString('base64'),
            permissions: { admins: ['group:default/platform'] },
          },
        },
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      permissionPlugin,
      kli8ntPermissionPolicyModule,
      catalogPlugin,
      entityProvider,
      kli8ntPlugin,
      probe,
    ],
  }).catch(error => {
    if (!/TestBackend server is not available/.test(String(error))) {
      throw error;
    }
  });
  base = `http://127.0.0.1:${server!.port()}`;
  const own = await mockServices.auth().getOwnServiceCredentials();
  await until('the catalog', async () => {
    const { items } = await catalog.getEntitiesByRefs(
      { entityRefs: ['user:default/alice', 'api:default/billing'] },
      { credentials: own },
    );
    return items.every(e => e?.relations?.length);
  });

  for (const [target, entityRef] of [
    ['own', 'component:default/shop'],
    ['other', 'component:default/billing'],
  ] as const) {
    const live = await deployAsRoot(entityRef);
    await knex('deployments')
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
    await sink.append(
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
  await sink.flush();
  seed = await snapshot();
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
  const res = await request(base)
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
  const ws = new WebSocket(
    `${base.replace(
      'http',
      'ws',
    )}/api/kli8nt/logs?entityRef=${encodeURIComponent(REFS[target])}&tail=10`,
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
    expect(cells).toHaveLength(6 * 12 * 3);
  });

  it.each(cells.map(c => [`${c.principal} ${label(c.route)} ${c.target}`, c]))(
    '%s',
    async (_name, cell) => {
      await restore(seed);
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
    wrote:
      JSON.stringify(written(await snapshot())) !==
      JSON.stringify(written(seed)),
    githubWrites: github.requests.filter(r => r.method !== 'GET').length,
  };
}

function label(route: Route | 'logs') {
  return route === 'logs'
    ? 'WS /logs'
    : `${route.method.toUpperCase()} ${route.path}`;
}
