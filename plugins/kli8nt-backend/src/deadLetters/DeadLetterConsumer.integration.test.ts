import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
  sealCloneToken,
  TerminalError,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { DeploymentLedger } from '../ledger/DeploymentLedger';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { DeadLetterConsumer } from './DeadLetterConsumer';
import { failThroughLedger } from './failDeployment';
import { resendThroughOutbox } from './resendDelete';

const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const TOKEN = 'ghs_cloneTokenThatMustNotSurvive1234';

function logged(logger: ReturnType<typeof mockServices.logger.mock>) {
  return JSON.stringify(
    [logger.info, logger.warn, logger.error, logger.debug].flatMap(
      fn => fn.mock.calls,
    ),
  );
}

describeWithTestEnv(
  [
    'KLI8NT_TEST_AMQP_URL',
    'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
  ],
  'dead-letter consumer on RabbitMQ and PostgreSQL',
  () => {
    it('ends the deployment of a build the controller refused, without keeping its clone token', async () => {
      const suffix = randomBytes(4).toString('hex');
      const { rabbitmq } = readKli8ntNodeConfig(
        new ConfigReader({
          kli8nt: {
            rabbitmq: {
              url: process.env.KLI8NT_TEST_AMQP_URL,
              exchange: `test.${suffix}`,
              deadLetterExchange: `test.${suffix}.dlx`,
              deadLetterQueue: `test.${suffix}.dlq`,
              retry: { initialDelayMs: 100, maxDelayMs: 100 },
            },
          },
        }),
      );
      const logger = mockServices.logger.mock();
      const queue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq!,
        parser: parseMessage,
        logger,
      });
      const knex = await databases.init('POSTGRES_15');
      const store = await DatabaseKli8ntStore.create({
        database: { getClient: async () => knex },
      });
      const ledger = new DeploymentLedger({
        store,
        notifier: { statusChanged: async () => {} },
        logger,
        kickRelay: () => {},
      });
      const consumer = new DeadLetterConsumer({
        queue: async () => queue,
        failDeployment: failThroughLedger(ledger),
        recordReport: report => ledger.record(report),
        resendDelete: resendThroughOutbox({ store, logger, delayMs: 1000 }),
        logger,
      });
      const buildQueue = `build.${suffix}`;
      try {
        const d = acceptedDeploy(suffix);
        await store.createDeployment({
          deployment: d.deployment,
          app: { ...testApp, cluster: suffix },
          outbox: [],
        });
        // The build controller's side: the repository is gone for good.
        await queue.consume(buildQueue, async () => {
          throw new TerminalError(
            `clone of https://x-access-token:${TOKEN}@github.com/acme/shop.git failed: repository not found`,
          );
        });
        consumer.start();
        await queue.publish(buildQueue, {
          ...d.message,
          payload: {
            ...d.message.payload,
            sealedCloneToken: sealCloneToken(TOKEN, randomBytes(32), {
              deploymentId: d.message.deploymentId,
              owner: 'acme',
              name: 'shop',
            }),
          },
        });

        const deadline = Date.now() + 20_000;
        let deployment = await store.getDeployment(d.deployment.id);
        while (deployment?.status !== 'failed' && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 100));
          deployment = await store.getDeployment(d.deployment.id);
        }
        expect(deployment).toMatchObject({
          status: 'failed',
          reason: 'DeadLettered',
        });
        expect(deployment?.message).toMatch(
          /BuildRequested on build\..* was given up on: handler refused on attempt 1: clone of https:\/\/\[redacted\]@github.com\/acme\/shop.git failed: repository not found/,
        );
        const stored = JSON.stringify([
          await knex('deployments'),
          await knex('deployment_events'),
        ]);
        expect(stored).not.toContain(TOKEN);
        expect(logged(logger)).not.toContain(TOKEN);
      } finally {
        await consumer.stop();
        await queue.close();
      }
    }, 60_000);
  },
);
