/*
 * The kli8nt backend plugin for (d), in a child process so that the load
 * generator does not share its event loop: the real router, ledger and
 * outbox relay on the test world's PostgreSQL (a database of its own) and
 * RabbitMQ, GitHub answered by cannedGithub.ts; mock auth (every request is one user) and a
 * one-entity in-memory catalog. Sends { port } over IPC when listening;
 * { type: 'stop' } stops it.
 */
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import kli8ntPlugin from '@kli8nt/backstage-plugin-kli8nt-backend';
import knexFactory from 'knex';
import { AddressInfo } from 'node:net';

async function main() {
  const env = process.env;
  const [owner, name] = env.BENCH_REPO!.split('/');
  const knex = knexFactory({
    client: 'pg',
    connection: `${env.KLI8NT_TEST_PG_URL}/${env.BENCH_DATABASE}`,
    pool: { min: 2, max: 10 },
  });
  const { server, stop } = await startTestBackend({
    features: [
      kli8ntPlugin,
      catalogServiceMock.factory({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: {
              name,
              namespace: 'default',
              annotations: { 'github.com/project-slug': `${owner}/${name}` },
            },
            spec: { type: 'service', owner: 'bench', lifecycle: 'test' },
          },
        ],
      }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            github: [
              {
                host: 'github.bench',
                apiBaseUrl: env.BENCH_GITHUB_API,
                token: 'bench',
              },
            ],
          },
          kli8nt: {
            cluster: env.BENCH_CLUSTER,
            secretKey: Buffer.alloc(32, 7).toString('base64'),
            github: { host: 'github.bench' },
            rabbitmq: { url: env.KLI8NT_TEST_AMQP_URL },
            // Every POST of the run is one more queued build of one app:
            // the build caps (3 per app by default) would answer 429.
            limits: { builds: { perApp: 1_000_000, perCluster: 1_000_000 } },
          },
        },
      }),
      // Signals go to browsers; none are connected here.
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => undefined }),
      }),
    ],
  });
  process.on('message', async (message: { type: string }) => {
    if (message.type !== 'stop') return;
    await stop();
    await knex.destroy();
    process.exit(0);
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
