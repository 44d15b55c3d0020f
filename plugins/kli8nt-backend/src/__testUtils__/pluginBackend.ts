import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { BackendFeature } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JsonObject } from '@backstage/types';
import { Knex } from 'knex';
import type { Server } from 'node:http';
import { kli8ntPlugin } from '../plugin';

/*
 * The real plugin with its router and a SQLite store, the catalog mocked
 * with `entities`, for router tests; GitHub is the caller's msw server
 * (githubServer.ts). A second backend on the same `knex` sees what the first
 * wrote (another config, or permissions that deny).
 */

export const componentEntity = (
  name: string,
  owner = 'team-a',
  annotations: Record<string, string> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'github.com/project-slug': 'acme/shop', ...annotations },
  },
  spec: { type: 'service', owner, lifecycle: 'production' },
});

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

export async function startPluginBackend(options: {
  entities: Entity[];
  /** The `kli8nt` section (GitHub Deployments are off unless it says). */
  kli8nt: JsonObject;
  knex?: Knex;
  deny?: boolean;
  /** More features, such as a scheduler to run tasks by hand. */
  features?: BackendFeature[];
}): Promise<{ server: Server; knex: Knex }> {
  const knex = options.knex ?? (await databases.init('SQLITE_3'));
  const { server } = await startTestBackend({
    features: [
      kli8ntPlugin,
      catalogServiceMock.factory({ entities: options.entities }),
      mockServices.database.factory({ knex }),
      ...(options.features ?? []),
      ...(options.deny
        ? [mockServices.permissions.factory({ result: AuthorizeResult.DENY })]
        : []),
      mockServices.rootConfig.factory({
        data: {
          integrations: { github: [{ host: 'github.com', token: 'ghp_t' }] },
          kli8nt: { github: { deployments: false }, ...options.kli8nt },
        },
      }),
    ],
  });
  return { server, knex };
}
