import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  ServiceRef,
} from '@backstage/backend-plugin-api';
import { Kli8ntNodeConfig, readKli8ntNodeConfig } from './config';
import {
  createLogBusClient,
  createLogSink,
  createLogSource,
} from './factories';
import { LogBusClient } from './logs/client';
import { LogSink, LogSource } from './logs/types';

// One Kafka client (or in-memory twin) per process, shared by the sink and
// the source: with the in-memory twin, what the sink appends the source reads.
const kli8ntLogBusClientServiceRef = createServiceRef<LogBusClient>({
  id: 'kli8nt.log-bus-client',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
        lifecycle: coreServices.rootLifecycle,
      },
      async factory({ config, logger, lifecycle }) {
        const client = createLogBusClient({
          config: readKli8ntNodeConfig(config),
          logger: logger.child({ service: 'kli8nt-log-bus' }),
        });
        lifecycle.addShutdownHook(() => client.close());
        return client;
      },
    }),
});

/** A root service built on the shared client, closed before shutdown. */
function logBusServiceRef<T extends { close(): Promise<void> }>(
  id: string,
  create: (options: { config: Kli8ntNodeConfig; client: LogBusClient }) => T,
): ServiceRef<T, 'root', 'singleton'> {
  return createServiceRef<T>({
    id,
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          config: coreServices.rootConfig,
          lifecycle: coreServices.rootLifecycle,
          client: kli8ntLogBusClientServiceRef,
        },
        async factory({ config, lifecycle, client }) {
          const created = create({
            config: readKli8ntNodeConfig(config),
            client,
          });
          lifecycle.addBeforeShutdownHook(() => created.close());
          return created;
        },
      }),
  });
}

/**
 * Appends log lines to per-app topics.
 *
 * @public
 */
export const kli8ntLogSinkServiceRef = logBusServiceRef<LogSink>(
  'kli8nt.log-sink',
  createLogSink,
);

/**
 * Replays and follows per-app logs, one shared live tail per app.
 *
 * @public
 */
export const kli8ntLogSourceServiceRef = logBusServiceRef<LogSource>(
  'kli8nt.log-source',
  createLogSource,
);
