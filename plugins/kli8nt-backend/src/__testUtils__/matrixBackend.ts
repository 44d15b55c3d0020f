import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthService,
  BackendFeature,
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
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  catalogProcessingExtensionPoint,
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { JsonObject } from '@backstage/types';
import {
  kli8ntLogSinkServiceRef,
  LogSink,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import express from 'express';
import { Knex } from 'knex';

/*
 * A backend for authorization tests: the real permission backend and
 * catalog, plus the HTTP server and WebSocket routing of backend-defaults
 * 0.19 (backend-test-utils 1.11.7 routes with 0.18, which has no WebSocket
 * routes). Mock tokens as in backend-test-utils.
 */

export interface MatrixBackend {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** The kli8nt plugin's database. */
  knex: Knex;
  logSink: LogSink;
  catalog: CatalogService;
}

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

async function until(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** Starts `features` with `entities` in the catalog, once they are stitched. */
export async function startMatrixBackend(options: {
  entities: Entity[];
  config: JsonObject;
  features: BackendFeature[];
}): Promise<MatrixBackend> {
  let server: ExtendedHttpServer | undefined;
  const got: Partial<MatrixBackend> = {};
  const rootHttpRouter = createServiceFactory({
    service: coreServices.rootHttpRouter,
    deps: {
      lifecycle: coreServices.rootLifecycle,
      logger: coreServices.rootLogger,
    },
    async factory({ lifecycle, logger }) {
      const app = express();
      server = await createHttpServer(
        app,
        { listen: { host: '127.0.0.1', port: 0 } },
        { logger: logger as LoggerService },
      );
      const router = DefaultRootHttpRouter.create({
        server,
        lifecycle,
        logger,
      });
      app.use(router.handler());
      lifecycle.addShutdownHook(() => server!.stop());
      await server.start();
      return router;
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
          catalog: catalogServiceRef,
        },
        async init(deps) {
          got.knex = await deps.database.getClient();
          got.logSink = deps.logSink;
          got.catalog = deps.catalog;
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
                entities: options.entities.map(entity => ({
                  entity,
                  locationKey: 'matrix',
                })),
              }),
          });
        },
      });
    },
  });

  // With 0.19's router backend-test-utils has no server of its own to
  // return once started: the one error accepted here.
  await startTestBackend({
    features: [
      rootHttpRouter,
      discovery,
      auth,
      httpRouterServiceFactory,
      permissionsServiceFactory,
      permissionsRegistryServiceFactory,
      mockServices.rootConfig.factory({
        data: { permission: { enabled: true }, ...options.config },
      }),
      permissionPlugin,
      catalogPlugin,
      entityProvider,
      probe,
      ...options.features,
    ],
  }).catch(error => {
    if (!/TestBackend server is not available/.test(String(error))) {
      throw error;
    }
  });
  const backend = { ...got, base: `http://127.0.0.1:${server!.port()}` };
  const credentials = await mockServices.auth().getOwnServiceCredentials();
  const entityRefs = options.entities.map(e =>
    `${e.kind}:${e.metadata.namespace ?? 'default'}/${
      e.metadata.name
    }`.toLocaleLowerCase('en-US'),
  );
  await until('the catalog', async () => {
    const { items } = await backend.catalog!.getEntitiesByRefs(
      { entityRefs },
      { credentials },
    );
    return items.every(e => e?.relations?.length);
  });
  return backend as MatrixBackend;
}

/**
 * Every row of every table of a SQLite database, to compare and put back.
 */
export class DatabaseState {
  constructor(private readonly knex: Knex) {}

  private async tables(): Promise<string[]> {
    const rows = await this.knex('sqlite_master')
      .where({ type: 'table' })
      .whereNot('name', 'like', 'knex_%')
      .whereNot('name', 'like', 'sqlite_%')
      .select('name');
    return rows.map(r => r.name as string).sort();
  }

  async snapshot(): Promise<string> {
    const out: Record<string, unknown[]> = {};
    for (const table of await this.tables()) {
      out[table] = await this.knex(table).select('*').orderByRaw('rowid');
    }
    return JSON.stringify(out);
  }

  async restore(state: string): Promise<void> {
    const data = JSON.parse(state) as Record<string, object[]>;
    await this.knex.raw('PRAGMA foreign_keys = OFF');
    for (const table of Object.keys(data)) await this.knex(table).delete();
    for (const [table, rows] of Object.entries(data)) {
      for (const row of rows) await this.knex(table).insert(row);
    }
    await this.knex.raw('PRAGMA foreign_keys = ON');
  }

  /**
   * What a request may have written: everything but the outbox relay's
   * delivery bookkeeping, which it updates in the background.
   */
  static written(state: string): string {
    const data = JSON.parse(state) as Record<
      string,
      Array<Record<string, unknown>>
    >;
    data.outbox = (data.outbox ?? []).map(
      ({
        attempts: _a,
        last_error: _e,
        claimed_until: _c,
        sent_at: _s,
        ...row
      }) => row,
    );
    return JSON.stringify(data);
  }
}
