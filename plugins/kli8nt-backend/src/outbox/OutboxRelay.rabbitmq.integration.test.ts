import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import amqp from 'amqplib';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { DatabaseKli8ntStore } from '../database/DatabaseKli8ntStore';
import { deleteRequest } from '../ledger/requests';
import { acceptedDeploy, testApp } from '../__testUtils__/messages';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { MessagePublisher, OutboxRelay } from './OutboxRelay';
import { OutboxStore } from './OutboxStore';

const TESTENV = resolvePath(__dirname, '../../../../scripts/testenv/testenv');
const databases = TestDatabases.create({
  ids: ['POSTGRES_15'],
  disableDocker: true,
});
const logger = { info() {}, warn() {}, error() {} };
const run = promisify(execFile);

function rabbitConfig() {
  return readKli8ntNodeConfig(
    new ConfigReader({
      kli8nt: {
        rabbitmq: {
          url: process.env.KLI8NT_TEST_AMQP_URL,
          reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
        },
      },
    }),
  ).rabbitmq!;
}

/** A relay over the outbox of a fresh PostgreSQL database; 3 attempts. */
async function relayOnPostgres(
  publisher: MessagePublisher,
  maxBackoffMs: number,
) {
  const knex = await databases.init('POSTGRES_15');
  const database = { getClient: async () => knex };
  const store = await DatabaseKli8ntStore.create({ database });
  const failDeployment = jest.fn(async () => {});
  const relay = new OutboxRelay({
    outbox: await OutboxStore.create({ database }),
    failDeployment,
    maxAttempts: 3,
    publisher: async () => publisher,
    mintCloneToken: async () => 'ghs_token',
    logger: mockServices.logger.mock(),
    pollIntervalMs: 200,
    batchSize: 10,
    maxBackoffMs,
  });
  return { knex, store, relay, failDeployment };
}

async function until(what: string, condition: () => Promise<boolean>) {
  const deadline = Date.now() + 60_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

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
      const rabbitmq = rabbitConfig();
      const publisherQueue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq,
        parser: parseMessage,
        logger,
      });
      const consumerQueue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq,
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

      const { store, relay, knex, failDeployment } = await relayOnPostgres(
        {
          publish: async (queue, message) => {
            await publisherQueue.publish(queue, message);
            confirmed.push(message.messageId);
          },
        },
        1000,
      );
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

    it('keeps sending a delete the broker cannot route, past maxAttempts, while a build is parked', async () => {
      const cluster = `outbox-${randomBytes(4).toString('hex')}`;
      const rabbitmq = rabbitConfig();
      const queue = await AmqpWorkQueue.create<Kli8ntMessage>({
        config: rabbitmq,
        parser: parseMessage,
        logger,
      });
      const received: string[] = [];
      const names = [`build.${cluster}`, `deploy.${cluster}`];
      const consumers = await Promise.all(
        names.map(name =>
          queue.consume(name, async message => {
            received.push(message.messageId);
          }),
        ),
      );
      // Unbinding the (declared) queues behind the work queue's back makes
      // every publish to them come back unroutable: a failure that counts.
      const admin = await amqp.connect(rabbitmq.url);
      const channel = await admin.createChannel();
      for (const name of names) {
        await channel.unbindQueue(name, rabbitmq.exchange, name);
      }

      const { store, relay, knex, failDeployment } = await relayOnPostgres(
        queue,
        200,
      );
      const build = acceptedDeploy(cluster);
      const remove = deleteRequest({ appName: 'gone', cluster }, 3);
      await store.createDeployment({
        deployment: build.deployment,
        app: testApp,
        outbox: [build.outbox],
      });
      await store.enqueue([remove]);
      const row = (messageId: string) =>
        knex('outbox').where({ message_id: messageId }).first();
      relay.start();
      try {
        await until(
          'the build to be parked and the delete to outlive maxAttempts',
          async () =>
            (await row(build.message.messageId)).parked_at !== null &&
            (await row(remove.messageId)).attempts > 3,
        );
        const failing = await row(remove.messageId);
        expect(failing.parked_at).toBeNull();
        expect(failing.last_error).toMatch(/Unroutable/);

        await channel.bindQueue(names[1], rabbitmq.exchange, names[1]);
        await until('the delete to arrive', async () =>
          received.includes(remove.messageId),
        );
        expect((await row(remove.messageId)).sent_at).not.toBeNull();
        // Only the build, parked, ended its deployment; it never arrived.
        expect(failDeployment).toHaveBeenCalledTimes(1);
        expect(failDeployment).toHaveBeenCalledWith(
          expect.objectContaining({ deploymentId: build.deployment.id }),
          'PublishFailed',
          expect.stringMatching(/Unroutable/),
        );
        expect(received).toEqual([remove.messageId]);
      } finally {
        await relay.stop();
        await admin.close();
        await Promise.all(consumers.map(c => c.cancel()));
        await queue.close();
      }
    }, 120_000);
  },
);
