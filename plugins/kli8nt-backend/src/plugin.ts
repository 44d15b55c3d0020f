import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { kli8ntPermissions } from '@internal/backstage-plugin-kli8nt-common';
import { kli8ntLogSourceServiceRef } from '@internal/backstage-plugin-kli8nt-node';
import { readKli8ntBackendConfig } from './config';
import { DatabaseKli8ntStore } from './database/DatabaseKli8ntStore';
import { OctokitGithubGateway } from './github/GithubGateway';
import { DefaultDeploymentNotifier } from './inform/DeploymentNotifier';
import { InformConsumer } from './inform/InformConsumer';
import { StatusUpdater } from './inform/StatusUpdater';
import { openWorkQueue, settledWithin } from './messaging';
import { LogStreamHandler } from './logs/LogStreamHandler';
import { OutboxRelay } from './outbox/OutboxRelay';
import { createRouter } from './router';
import { DeploymentService } from './service/DeploymentService';
import { EntityAccess } from './service/EntityAccess';

/**
 * Kli8nt backend plugin: deployments REST API, outbox relay, INFORM consumer
 * and logs WebSocket.
 *
 * @public
 */
export const kli8ntPlugin = createBackendPlugin({
  pluginId: 'kli8nt',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        auth: coreServices.auth,
        logSource: kli8ntLogSourceServiceRef,
      },
      async init(deps) {
        const { config, logger, lifecycle } = deps;
        const settings = readKli8ntBackendConfig(config);
        deps.permissionsRegistry.addPermissions(kli8ntPermissions);

        const store = await DatabaseKli8ntStore.create({
          database: deps.database,
        });
        const github = OctokitGithubGateway.fromConfig(config);
        const workQueue = openWorkQueue(config, logger);
        const notifier = new DefaultDeploymentNotifier({
          github,
          signals: deps.signals,
          logger,
        });
        const statusUpdater = new StatusUpdater({ store, notifier, logger });
        const relay = new OutboxRelay({
          store,
          publisher: () => workQueue.queue,
          mintCloneToken: repo => github.cloneToken(repo),
          logger,
          ...settings.outbox,
        });
        const inform = new InformConsumer({
          queue: () => workQueue.queue,
          statusUpdater,
          logger,
        });

        lifecycle.addStartupHook(() => {
          relay.start();
          inform.start();
        });
        lifecycle.addShutdownHook(async () => {
          await relay.stop();
          // A broker that never came up leaves these pending: don't hang.
          await settledWithin(inform.stop(), 5000);
          const queue = await settledWithin(workQueue.queue, 100);
          await queue?.close();
        });

        const access = new EntityAccess(deps.permissions, deps.catalog);
        const service = new DeploymentService({
          store,
          github,
          access,
          config: settings,
          notifier,
          statusUpdater,
          logger,
          kickRelay: () => relay.kick(),
          embeddedQueue: workQueue.embedded,
        });
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            service,
          }),
        );
        const logs = new LogStreamHandler({
          auth: deps.auth,
          access,
          logSource: deps.logSource,
          appOf: entity => service.appNameOf(entity),
          logger,
          ...settings.logs,
        });
        lifecycle.addShutdownHook(() => logs.close());
        // The handler authenticates itself so that a refusal reaches the
        // browser as a close code, and so that prefixed token subprotocols work.
        // Backends (and test utilities) older than backend-defaults 0.19 lack
        // WebSocket routes; the REST API still works there.
        if (typeof deps.httpRouter.addWebSocketHandler === 'function') {
          for (const path of ['/logs', '/logs/stream']) {
            deps.httpRouter.addWebSocketHandler({
              path,
              handler: logs.handle,
              authPolicy: 'unauthenticated',
            });
          }
        } else {
          logger.error(
            'httpRouter.addWebSocketHandler is not available: the logs WebSocket is disabled (upgrade @backstage/backend-defaults)',
          );
        }
        deps.httpRouter.addAuthPolicy({
          path: '/health',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
