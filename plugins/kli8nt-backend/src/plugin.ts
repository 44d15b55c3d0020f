import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { kli8ntPermissions } from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntLogSourceServiceRef } from '@kli8nt/backstage-plugin-kli8nt-node';
import { readKli8ntBackendConfig } from './config';
import { DatabaseKli8ntStore } from './database/DatabaseKli8ntStore';
import { DeadLetterConsumer } from './deadLetters/DeadLetterConsumer';
import { readDomainsConfig } from './domains/config';
import { dnsTxtLookup } from './domains/dnsLookup';
import { DomainClaimStore } from './domains/DomainClaimStore';
import { DomainService } from './domains/DomainService';
import { createDomainsRouter } from './domains/router';
import { failThroughLedger } from './deadLetters/failDeployment';
import { resendThroughOutbox } from './deadLetters/resendDelete';
import { OctokitGithubGateway } from './github/GithubGateway';
import { entityRepoResolver } from './github/repo';
import { DefaultDeploymentNotifier } from './inform/DeploymentNotifier';
import { healthOf } from './health';
import { InformConsumer } from './inform/InformConsumer';
import { ownedReports } from './inform/ownedReports';
import { DeploymentLedger } from './ledger/DeploymentLedger';
import { openWorkQueue, settledWithin } from './messaging';
import { LogStreamHandler } from './logs/LogStreamHandler';
import { OutboxRelay } from './outbox/OutboxRelay';
import { OutboxStore } from './outbox/OutboxStore';
import { createRouter } from './router';
import { AppDirectory } from './service/apps';
import { AppSettingsService } from './service/AppSettingsService';
import { DeploymentCommands } from './service/DeploymentCommands';
import { DeploymentQueries } from './service/DeploymentQueries';
import { EntityAccess } from './service/EntityAccess';
import { Sweeper } from './sweeper/Sweeper';
import { startGitDeploys } from './webhooks';

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
        scheduler: coreServices.scheduler,
        catalog: catalogServiceRef,
        signals: signalsServiceRef,
        auth: coreServices.auth,
        logSource: kli8ntLogSourceServiceRef,
        events: eventsServiceRef,
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
        // Parked rows, dead letters and stuck deployments end through the
        // ledger, which is created below (it needs the relay too).
        const failDeployment = failThroughLedger({
          // eslint-disable-next-line @typescript-eslint/no-use-before-define
          record: report => ledger.record(report),
        });
        const relay = new OutboxRelay({
          outbox: await OutboxStore.create({ database: deps.database }),
          failDeployment,
          publisher: () => workQueue.queue,
          mintCloneToken: repo => github.cloneToken(repo),
          cloneTokenKey: settings.secretKey,
          logger,
          ...settings.outbox,
        });
        const ledger = new DeploymentLedger({
          store,
          notifier,
          logger,
          kickRelay: () => relay.kick(),
          limits: settings.limits,
        });
        // Both ways a cluster's report comes in refuse a foreign one.
        const recordReport = ownedReports({
          store,
          record: report => ledger.record(report),
          logger,
        });
        const inform = new InformConsumer({
          queue: () => workQueue.queue,
          ledger: { record: recordReport },
          logger,
        });

        const deadLetters = new DeadLetterConsumer({
          queue: () => workQueue.queue,
          failDeployment,
          recordReport,
          // A lost delete is sent again no faster than the outbox retries.
          resendDelete: resendThroughOutbox({
            store,
            logger,
            delayMs: settings.outbox.maxBackoffMs,
          }),
          logger,
        });
        const sweeper = await Sweeper.create({
          database: deps.database,
          failDeployment,
          logger,
          config: settings.sweeper,
        });
        await sweeper.schedule(deps.scheduler);

        lifecycle.addStartupHook(() => {
          relay.start();
          inform.start();
          deadLetters.start();
        });
        lifecycle.addShutdownHook(async () => {
          await relay.stop();
          // A broker that never came up leaves these pending: don't hang.
          await settledWithin(inform.stop(), 5000);
          await settledWithin(deadLetters.stop(), 5000);
          const queue = await settledWithin(workQueue.queue, 100);
          await queue?.close();
        });

        const access = new EntityAccess(deps.permissions, deps.catalog);
        const apps = new AppDirectory({ store, cluster: settings.cluster });
        const repoOf = entityRepoResolver(settings.github, github);
        const queries = new DeploymentQueries({
          store,
          github,
          access,
          repoOf,
        });
        const commands = new DeploymentCommands({
          store,
          github,
          access,
          apps,
          queries,
          ledger,
          config: settings,
          repoOf,
          notifier,
          logger,
          embeddedQueue: workQueue.embedded,
          consumerCount: workQueue.consumerCount,
        });
        const domainsConfig = readDomainsConfig(config);
        const domains = new DomainService({
          config: domainsConfig,
          claims: await DomainClaimStore.create({
            database: deps.database,
            store,
          }),
          lookup: dnsTxtLookup({
            servers: domainsConfig.dnsServers,
            timeoutMs: domainsConfig.dnsTimeoutMs,
          }),
          access,
          apps,
          ledger,
          accepted: commands.accepted,
          logger,
        });
        await domains.schedule(deps.scheduler);
        const service = {
          commands,
          queries,
          apps,
          domains,
          settings: new AppSettingsService({
            access,
            apps,
            ledger,
            secretKey: settings.secretKey,
            domains,
            accepted: commands.accepted,
          }),
        };
        deps.httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            service,
            health: () => healthOf([inform, relay]),
          }),
        );
        deps.httpRouter.use(
          await createDomainsRouter({
            httpAuth: deps.httpAuth,
            auditor: deps.auditor,
            domains,
          }),
        );
        deps.httpRouter.use(
          await startGitDeploys({
            ...deps,
            store,
            access,
            apps,
            ledger,
            commands,
            github,
            repoOf,
            logger,
          }),
        );
        const logs = new LogStreamHandler({
          auth: deps.auth,
          access,
          logSource: deps.logSource,
          // As deploys resolve it (#17): a name another entity holds is refused.
          appOf: async entity => (await apps.resolve(entity)).app.appName,
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
