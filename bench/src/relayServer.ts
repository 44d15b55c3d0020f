/*
 * The portal's log relay on its own: the backend's LogStreamHandler on a
 * node:http server, over the configured Kafka client, in a child process so
 * that its CPU and RSS are its own. Authorization is the real code path
 * with an allow-all permission service and a one-entity catalog.
 *
 * Talks to the parent over IPC: sends { port } when listening, answers
 * { type: 'stats' } with { rss, reads, cpuMs } (reads = Kafka readers
 * opened, cpuMs = CPU time used so far).
 */
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
// The relay is measured on its own: startTestBackend cannot serve WebSocket
// routes (see shared/machine-notes.md).
import {
  EntityAccess,
  LogStreamHandler,
} from '@kli8nt/backstage-plugin-kli8nt-backend/logStream';
import {
  createLogBusClient,
  createLogSource,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export const BENCH_ENTITY = 'component:default/bench';
export const BENCH_TOKEN = 'bench-viewer';

async function main() {
  const app = process.env.BENCH_APP!;
  const config = readKli8ntNodeConfig(
    new ConfigReader({
      kli8nt: {
        kafka: {
          brokers: process.env.KLI8NT_TEST_KAFKA_BROKERS!.split(','),
          clientId: 'kli8nt-bench-relay',
        },
      },
    }),
  );
  const quiet = { info() {}, warn() {}, error: console.error };
  const client = createLogBusClient({ config, logger: quiet });
  let reads = 0;
  const read = client.read.bind(client);
  client.read = (...args) => {
    reads++;
    return read(...args);
  };
  const source = createLogSource({ config, client });
  const permissions = {
    authorize: async (requests: unknown[]) =>
      requests.map(() => ({ result: AuthorizeResult.ALLOW })),
  } as unknown as ConstructorParameters<typeof EntityAccess>[0];
  const catalog = catalogServiceMock({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'bench', annotations: { 'kli8nt.io/app': app } },
        spec: { type: 'service', owner: 'bench', lifecycle: 'test' },
      },
    ],
  });
  const handler = new LogStreamHandler({
    auth: {
      authenticate: async (token: string) => {
        if (token !== BENCH_TOKEN) throw new Error('bad token');
        return mockCredentials.user('user:default/bench');
      },
      isPrincipal: mockServices.auth().isPrincipal,
    } as ConstructorParameters<typeof LogStreamHandler>[0]['auth'],
    access: new EntityAccess(permissions, catalog),
    logSource: source,
    appOf: async () => app,
    logger: mockServices.rootLogger({ level: 'warn' }),
    maxBufferedBytes: 1 << 20,
    heartbeatIntervalMs: 30_000,
  });
  const server = createServer();
  server.on('upgrade', (request, socket, head) =>
    handler.handle({
      request,
      socket,
      head,
      credentials: mockCredentials.none(),
    }),
  );
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      process.send!({
        rss: process.memoryUsage().rss,
        reads,
        cpuMs: (cpu.user + cpu.system) / 1000,
      });
    } else if (message.type === 'stop') {
      handler.close();
      server.close();
      source
        .close()
        .then(() => client.close())
        .finally(() => process.exit(0));
    }
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
