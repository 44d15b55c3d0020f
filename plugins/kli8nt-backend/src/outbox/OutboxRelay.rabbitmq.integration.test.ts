import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  Kli8ntMessage,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@internal/backstage-plugin-kli8nt-node';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { OutboxRelay } from './OutboxRelay';
import { OutboxStore } from './OutboxStore';

const TESTENV = resolvePath(__dirname, '../../../../scripts/testenv/testenv');
const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const logger = { info() {}, warn() {}, error() {} };
const run = promisify(execFile);

async function rabbitPid(): Promise<string> {
  const { stdout } = await run(TESTENV, ['status']);
  return /^rabbitmq\s.*pid=(\S+)/m.exec(stdout)?.[1] ?? '';
}

describeWithTestEnv(
  [
    'KLI8NT_TEST_AMQP_URL',
    'BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING',
  ],
  'outbox relay across a RabbitMQ restart',
  () => {
    it('publishes every accepted deploy once and delivers it', async () => {
      const cluster = `outbox-${randomBytes(4).toString('hex')}`;
      const { rabbitmq } = readKli8ntNodeConfig(
        new ConfigReader({
          kli8nt: {
            rabbitmq: {
              url: process.env.KLI8NT_TEST_AMQP_URL,
              reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
            },
          },
        }),
      );
      const publisherQueue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq!,
        parser: parseMessage,
        logger,
      });
      const consumerQueue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq!,
        parser: parseMessage,
        logger,
      });
      const received: string[] = [];
      const confirmed: string[] = [];
      const consumer = await consumerQueue.consume(
        `build.${cluster}`,
        async message => {
          received.push(message.messageId);
        },
      );

      const knex = await databases.init('POSTGRES_15');
      const database = { getClient: async () => knex };
      const store = await DatabaseKli8ntStore.create({ database });
      const failDeployment = jest.fn(async () => {});
      const relay = new OutboxRelay({
        outbox: await OutboxStore.create({ database }),
        failDeployment,
        maxAttempts: 3,
        publisher: async () => ({
          publish: async (queue: string, message: Kli8ntMessage) => {
            await publisherQueue.publish(queue, message);
            confirmed.push(message.messageId);
          },
        }),
        mintCloneToken: async () => 'ghs_token',
        logger: mockServices.logger.mock(),
        pollIntervalMs: 200,
        batchSize: 10,
        maxBackoffMs: 1000,
      });
      relay.start();

      const accepted: string[] = [];
      const accept = async () => {
        const d = acceptedDeploy(cluster);
        await store.createDeployment({
          deployment: d.deployment,
          app: testApp,
          outbox: [d.outbox],
        });
        relay.kick();
        accepted.push(d.message.messageId);
      };

      const pidBefore = await rabbitPid();
      try {
        for (let i = 0; i < 10; i++) await accept();
        // Deploys keep arriving while the broker goes down and comes back.
        const restart = run(TESTENV, ['restart', 'rabbitmq'], {
          timeout: 120_000,
        });
        for (let i = 0; i < 20; i++) {
          await accept();
          await new Promise(r => setTimeout(r, 200));
        }
        await restart;
        expect(await rabbitPid()).not.toBe(pidBefore);
        for (let i = 0; i < 10; i++) await accept();

        const deadline = Date.now() + 90_000;
        while (
          new Set(received).size < accepted.length &&
          Date.now() < deadline
        ) {
          await new Promise(r => setTimeout(r, 200));
        }
        // Let late duplicates, if any, arrive before counting.
        await new Promise(r => setTimeout(r, 1000));
        // The relay published each accepted deploy once, confirmed.
        expect(confirmed.slice().sort()).toEqual(accepted.slice().sort());
        // Every one was delivered. Delivery is at least once: an ack or a
        // confirm lost in the restart may bring a copy, which consumers drop
        // by messageId.
        expect(new Set(received)).toEqual(new Set(accepted));
        expect(received.length - accepted.length).toBeLessThanOrEqual(
          accepted.length / 4,
        );
        expect(await knex('outbox').whereNull('sent_at')).toEqual([]);
        // An outage makes publishes wait, it does not count as failures:
        // nothing was parked even with only 3 attempts allowed.
        expect(failDeployment).not.toHaveBeenCalled();
      } finally {
        await relay.stop();
        await consumer.cancel();
        await consumerQueue.close();
        await publisherQueue.close();
      }
    }, 240_000);
  },
);
