import amqp from 'amqplib';
import { Kli8ntLogger } from '../logger';
import {
  testenvStatus,
  restartService,
  uniqueSuffix,
  waitFor,
} from '../testing/testenv';
import { AmqpWorkQueue } from './AmqpWorkQueue';
import { TerminalError } from './errors';
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
    const queues = [
      `build.restart-${suffix}`,
      `deploy.gone-${suffix}`,
      `build.token-${suffix}`,
      `build.token-${suffix}.retry.200`,
    ];
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

    it('keeps no clone token in the dead-letter queue, and the retry copy waits in its retry queue', async () => {
      const queue = await AmqpWorkQueue.create<TestMessage>({
        config: { ...config, retry: { initialDelayMs: 200, maxDelayMs: 200 } },
        parser: testParser,
        logger,
      });
      const connection = await amqp.connect(url);
      const channel = await connection.createChannel();
      try {
        let attempts = 0;
        await queue.consume(queues[2], async () => {
          attempts++;
          if (attempts === 1) throw new Error('apiserver unavailable');
          throw new TerminalError('repository is gone');
        });
        await queue.publish(queues[2], {
          messageId: 'tok',
          n: 1,
          cloneToken: 'ghs_neverInTheDlq',
        } as TestMessage);
        const deadline = Date.now() + 15_000;
        let letter = await channel.get(config.deadLetterQueue);
        while (letter === false && Date.now() < deadline) {
          await new Promise(r => setTimeout(r, 100));
          letter = await channel.get(config.deadLetterQueue);
        }
        if (letter === false)
          throw new Error('Timed out waiting for the dead letter');
        channel.ack(letter);
        expect(attempts).toBe(2);
        expect(letter.content.toString()).not.toContain('ghs_neverInTheDlq');
        expect(JSON.parse(letter.content.toString())).toEqual({
          messageId: 'tok',
          n: 1,
          cloneToken: '[redacted]',
        });
        expect(letter.properties.headers?.['x-kli8nt-dead-letter-reason']).toBe(
          'handler refused on attempt 2: repository is gone',
        );
        const retry = await channel.checkQueue(queues[3]);
        expect(retry.messageCount).toBe(0);
      } finally {
        await channel.close();
        await connection.close();
        await queue.close();
      }
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

    it('survives a broker restart mid-stream: every confirmed message arrives at least once', async () => {
      const queue = await AmqpWorkQueue.create<TestMessage>({
        config,
        parser: testParser,
        logger,
      });
      const letters: DeadLetter[] = [];
      const deliveries = new Map<string, number>();
      const confirmed = new Set<string>();
      const failed: string[] = [];
      try {
        await queue.consumeDeadLetters(async l => {
          letters.push(l);
        });
        // At least once: a redelivery is the consumer's to make harmless
        // (the ledger ignores a known report id, controllers apply
        // deterministic objects).
        await queue.consume(queues[0], async m => {
          await new Promise(r => setTimeout(r, 2));
          deliveries.set(m.messageId, (deliveries.get(m.messageId) ?? 0) + 1);
        });

        let restart: Promise<void> | undefined;
        let connectedDuringOutage: boolean | undefined;
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
            connectedDuringOutage = queue.connected;
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
        expect(connectedDuringOutage).toBe(false);
        expect(queue.connected).toBe(true);
        await waitFor(
          () => [...confirmed].every(id => deliveries.has(id)),
          120_000,
          'every confirmed message to arrive',
        );
        await new Promise(r => setTimeout(r, 1000));

        expect(failed).toEqual([]);
        expect(confirmed.size).toBe(total);
        for (const id of confirmed) {
          expect(deliveries.get(id)).toBeGreaterThanOrEqual(1);
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
