import amqp from 'amqplib';
import { Kli8ntLogger } from '../logger';
import {
  testenvStatus,
  restartService,
  uniqueSuffix,
  waitFor,
} from '../testing/testenv';
import { AmqpWorkQueue } from './AmqpWorkQueue';
import { InMemoryDedupStore, withDeduplication } from './dedup';
import { DeadLetter } from './types';
import { testParser, TestMessage } from '../testing/testMessages';

jest.setTimeout(180_000);

const status = testenvStatus('KLI8NT_TEST_AMQP_URL');

it('has KLI8NT_TEST_AMQP_URL when the testenv is required', () => {
  expect(status).not.toBe('missing');
});

if (status === 'available')
  describe('AmqpWorkQueue on RabbitMQ', () => {
    const url = process.env.KLI8NT_TEST_AMQP_URL!;
    const suffix = uniqueSuffix();
    const config = {
      url,
      exchange: `test.${suffix}`,
      deadLetterExchange: `test.${suffix}.dlx`,
      deadLetterQueue: `test.${suffix}.dlq`,
      deliveryLimit: 5,
      prefetch: 50,
      reconnect: { initialDelayMs: 200, maxDelayMs: 2000 },
    };
    const queues = [`build.restart-${suffix}`, `deploy.gone-${suffix}`];
    const logs: string[] = [];
    const logger: Kli8ntLogger = {
      info: m => logs.push(`info ${m}`),
      warn: m => logs.push(`warn ${m}`),
      error: m => logs.push(`error ${m}`),
    };

    afterAll(async () => {
      const connection = await amqp.connect(url);
      const channel = await connection.createChannel();
      for (const q of [...queues, config.deadLetterQueue]) {
        await channel.deleteQueue(q);
      }
      await channel.deleteExchange(config.exchange);
      await channel.deleteExchange(config.deadLetterExchange);
      await channel.close();
      await connection.close();
    });

    it('rejects an unroutable publish instead of dropping it', async () => {
      const queue = await AmqpWorkQueue.create<TestMessage>({
        config,
        parser: testParser,
        logger,
      });
      try {
        await queue.publish(queues[1], { messageId: 'x', n: 1 });
        const connection = await amqp.connect(url);
        const channel = await connection.createChannel();
        await channel.deleteQueue(queues[1]);
        await channel.close();
        await connection.close();
        await expect(
          queue.publish(queues[1], { messageId: 'y', n: 2 }),
        ).rejects.toThrow(/Unroutable message y/);
      } finally {
        await queue.close();
      }
    });

    it('survives a broker restart mid-stream: confirmed messages arrive, de-dup makes each take effect once', async () => {
      const queue = await AmqpWorkQueue.create<TestMessage>({
        config,
        parser: testParser,
        logger,
      });
      const letters: DeadLetter[] = [];
      const deliveries = new Map<string, number>();
      const effects = new Map<string, number>();
      const confirmed = new Set<string>();
      const failed: string[] = [];
      try {
        await queue.consumeDeadLetters(async l => {
          letters.push(l);
        });
        const dedup = withDeduplication<TestMessage>(async m => {
          effects.set(m.messageId, (effects.get(m.messageId) ?? 0) + 1);
        }, new InMemoryDedupStore());
        await queue.consume(queues[0], async (m, d) => {
          deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
          await new Promise(r => setTimeout(r, 2));
          await dedup(m, d);
        });

        let restart: Promise<void> | undefined;
        const total = 1000;
        const inFlight = new Set<Promise<void>>();
        for (let n = 0; n < total; n++) {
          if (n === 300) {
            restart = restartService('rabbitmq');
            // The rest of the stream is published while the broker is down.
            await waitFor(
              () =>
                logs.some(l => l.startsWith('warn RabbitMQ connection lost')),
              60_000,
              'the connection to drop',
            );
          }
          const id = `restart-${n}`;
          const p = queue
            .publish(queues[0], { messageId: id, n })
            .then(
              () => {
                confirmed.add(id);
              },
              () => {
                failed.push(id);
              },
            )
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= 20) await Promise.race(inFlight);
          if (n % 50 === 0) await new Promise(r => setTimeout(r, 20));
        }
        await Promise.all(inFlight);
        await restart;
        await waitFor(
          () => logs.some(l => l.startsWith('info RabbitMQ reconnected')),
          60_000,
          'the reconnect',
        );
        await waitFor(
          () => [...confirmed].every(id => effects.has(id)),
          120_000,
          'every confirmed message to take effect',
        );
        await new Promise(r => setTimeout(r, 1000));

        expect(failed).toEqual([]);
        expect(confirmed.size).toBe(total);
        for (const id of confirmed) {
          expect(deliveries.get(id)).toBeGreaterThanOrEqual(1);
          expect(effects.get(id)).toBe(1);
        }
        expect(letters).toEqual([]);
        expect(
          logs.some(l => l.startsWith('warn RabbitMQ connection lost')),
        ).toBe(true);
        expect(logs.some(l => l.startsWith('info RabbitMQ reconnected'))).toBe(
          true,
        );
      } finally {
        await queue.close();
      }
    });
  });
