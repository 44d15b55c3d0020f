import amqp from 'amqplib';
import { silentLogger } from '../logger';
import { testenvStatus, uniqueSuffix, waitFor } from '../testing/testenv';
import { AmqpWorkQueue } from './AmqpWorkQueue';
import { withDeduplication } from './dedup';
import { InMemoryWorkQueue } from './InMemoryWorkQueue';
import { DeadLetter, WorkQueue } from './types';
import { testParser, TestMessage } from '../testing/testMessages';

const msg = (n: number, id = `m-${n}-${uniqueSuffix()}`): TestMessage => ({
  messageId: id,
  n,
});

type Factory = () => Promise<WorkQueue<TestMessage>>;

const created: Array<{ exchange: string; dlx: string; dlq: string }> = [];
const queueNames: string[] = [];
const amqpUrl = process.env.KLI8NT_TEST_AMQP_URL;

const implementations: Array<
  [string, 'available' | 'skip' | 'missing', Factory]
> = [
  [
    'InMemoryWorkQueue',
    'available',
    async () => new InMemoryWorkQueue({ parser: testParser, deliveryLimit: 3 }),
  ],
  [
    'AmqpWorkQueue',
    testenvStatus('KLI8NT_TEST_AMQP_URL'),
    async () => {
      const suffix = uniqueSuffix();
      const names = {
        exchange: `test.${suffix}`,
        dlx: `test.${suffix}.dlx`,
        dlq: `test.${suffix}.dlq`,
      };
      created.push(names);
      return AmqpWorkQueue.create({
        config: {
          url: amqpUrl!,
          exchange: names.exchange,
          deadLetterExchange: names.dlx,
          deadLetterQueue: names.dlq,
          deliveryLimit: 3,
          prefetch: 10,
          reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
        },
        parser: testParser,
        logger: silentLogger,
      });
    },
  ],
];

function queueName(role: string) {
  const name = `${role}.test-${uniqueSuffix()}`;
  queueNames.push(name);
  return name;
}

afterAll(async () => {
  if (!amqpUrl || created.length === 0) return;
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  for (const name of queueNames) await channel.deleteQueue(name);
  for (const { exchange, dlx, dlq } of created) {
    await channel.deleteQueue(dlq);
    await channel.deleteExchange(exchange);
    await channel.deleteExchange(dlx);
  }
  await channel.close();
  await connection.close();
});

it('has every implementation available when the testenv is required', () => {
  expect(
    implementations
      .filter(([, status]) => status === 'missing')
      .map(([n]) => n),
  ).toEqual([]);
});

describe.each(implementations.filter(([, status]) => status === 'available'))(
  'WorkQueue contract: %s',
  (_name, _status, factory) => {
    let queue: WorkQueue<TestMessage>;
    beforeEach(async () => {
      queue = await factory();
    });
    afterEach(async () => {
      await queue.close();
    });

    it('delivers a published message once and acks it', async () => {
      const name = queueName('build');
      const received: Array<[TestMessage, number]> = [];
      await queue.publish(name, msg(1, 'first'));
      await queue.consume(name, async (m, d) => {
        received.push([m, d.attempt]);
      });
      await waitFor(() => received.length === 1, 10_000, 'delivery');
      await new Promise(r => setTimeout(r, 300));
      expect(received).toEqual([[{ messageId: 'first', n: 1 }, 1]]);
    });

    it('keeps messages published before anyone consumes, in order for one consumer', async () => {
      const name = queueName('deploy');
      for (let n = 0; n < 20; n++) await queue.publish(name, msg(n));
      const seen: number[] = [];
      await queue.consume(
        name,
        async m => {
          seen.push(m.n);
        },
        { prefetch: 1 },
      );
      await waitFor(() => seen.length === 20, 10_000, '20 messages');
      expect(seen).toEqual([...Array(20).keys()]);
    });

    it('dead-letters an invalid message with its reason and goes on', async () => {
      const name = queueName('inform');
      const letters: DeadLetter[] = [];
      await queue.consumeDeadLetters(async l => {
        letters.push(l);
      });
      const seen: number[] = [];
      await queue.consume(name, async m => {
        seen.push(m.n);
      });
      await queue.publish(name, { messageId: 'poison', n: 'x' } as any);
      await queue.publish(name, msg(2));
      await waitFor(
        () => seen.length === 1 && letters.length === 1,
        10_000,
        'dead letter',
      );
      expect(seen).toEqual([2]);
      expect(letters[0]).toEqual({
        queue: name,
        messageId: 'poison',
        reason: 'invalid message: n: Expected number',
        body: JSON.stringify({ messageId: 'poison', n: 'x' }),
      });
    });

    it('redelivers a failing message up to the delivery limit, then dead-letters it', async () => {
      const name = queueName('build');
      const letters: DeadLetter[] = [];
      await queue.consumeDeadLetters(async l => {
        letters.push(l);
      });
      const attempts: number[] = [];
      await queue.consume(name, async (m, d) => {
        if (m.n === 13) {
          attempts.push(d.attempt);
          throw new Error('unlucky');
        }
      });
      await queue.publish(name, msg(13, 'unlucky-1'));
      await waitFor(() => letters.length === 1, 15_000, 'dead letter');
      expect(attempts).toEqual([1, 2, 3]);
      expect(letters[0]).toMatchObject({
        queue: name,
        messageId: 'unlucky-1',
        reason: 'handler failed on attempt 3 of 3: unlucky',
      });
    });

    it('honours prefetch', async () => {
      const name = queueName('deploy');
      let running = 0;
      let maxRunning = 0;
      let done = 0;
      await queue.consume(
        name,
        async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise(r => setTimeout(r, 20));
          running--;
          done++;
        },
        { prefetch: 3 },
      );
      await Promise.all(
        [...Array(12).keys()].map(n => queue.publish(name, msg(n))),
      );
      await waitFor(() => done === 12, 10_000, '12 messages');
      expect(maxRunning).toBe(3);
    });

    it('de-duplicates by messageId', async () => {
      const name = queueName('inform');
      const effects: string[] = [];
      await queue.consume(
        name,
        withDeduplication(async m => {
          effects.push(m.messageId);
        }),
      );
      for (const id of ['a', 'b', 'a', 'c', 'b']) {
        await queue.publish(name, msg(1, id));
      }
      await waitFor(() => effects.length >= 3, 10_000, 'effects');
      await new Promise(r => setTimeout(r, 300));
      expect(effects.sort()).toEqual(['a', 'b', 'c']);
    });

    it('stops delivering after cancel', async () => {
      const name = queueName('build');
      const seen: number[] = [];
      const handle = await queue.consume(name, async m => {
        seen.push(m.n);
      });
      await queue.publish(name, msg(1));
      await waitFor(() => seen.length === 1, 10_000, 'first');
      await handle.cancel();
      await queue.publish(name, msg(2));
      await new Promise(r => setTimeout(r, 300));
      expect(seen).toEqual([1]);
      const later: number[] = [];
      await queue.consume(name, async m => {
        later.push(m.n);
      });
      await waitFor(() => later.length === 1, 10_000, 'second');
      expect(later).toEqual([2]);
    });

    it('rejects use after close', async () => {
      await queue.close();
      await expect(queue.publish(queueName('build'), msg(1))).rejects.toThrow(
        /closed/,
      );
    });
  },
);
