import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { readKli8ntNodeConfig } from './config';
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

/**
 * Appends log lines to per-app topics.
 *
 * @public
 */
export const kli8ntLogSinkServiceRef = createServiceRef<LogSink>({
  id: 'kli8nt.log-sink',
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
        const sink = createLogSink({
          config: readKli8ntNodeConfig(config),
          client,
        });
        lifecycle.addBeforeShutdownHook(() => sink.close());
        return sink;
      },
    }),
});

/**
 * Replays and follows per-app logs, one shared live tail per app.
 *
 * @public
 */
export const kli8ntLogSourceServiceRef = createServiceRef<LogSource>({
  id: 'kli8nt.log-source',
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
        const source = createLogSource({
          config: readKli8ntNodeConfig(config),
          client,
        });
        lifecycle.addBeforeShutdownHook(() => source.close());
        return source;
      },
    }),
});
