import amqp from 'amqplib';
import { silentLogger } from '../logger';
import { testenvStatus, uniqueSuffix, waitFor } from '../testing/testenv';
import { AmqpWorkQueue } from './AmqpWorkQueue';
import { TerminalError } from './errors';
import { InMemoryWorkQueue } from './InMemoryWorkQueue';
import { DeadLetter, RetryPolicy, WorkQueue } from './types';
import { testParser, TestMessage } from '../testing/testMessages';

const msg = (n: number, id = `m-${n}-${uniqueSuffix()}`): TestMessage => ({
  messageId: id,
  n,
});

type Factory = (options?: {
  deliveryLimit?: number;
  retry?: RetryPolicy;
}) => Promise<WorkQueue<TestMessage>>;

jest.setTimeout(30_000);

const fastRetry: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 1000 };

const created: Array<{ exchange: string; dlx: string; dlq: string }> = [];
const queueNames: string[] = [];
const amqpUrl = process.env.KLI8NT_TEST_AMQP_URL;

const implementations: Array<
  [string, 'available' | 'skip' | 'missing', Factory]
> = [
  [
    'InMemoryWorkQueue',
    'available',
    async options =>
      new InMemoryWorkQueue({
        parser: testParser,
        deliveryLimit: 3,
        retry: fastRetry,
        ...options,
      }),
  ],
  [
    'AmqpWorkQueue',
    testenvStatus('KLI8NT_TEST_AMQP_URL'),
    async options => {
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
          retry: fastRetry,
          ...options,
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
  const retryDelays = [100, 200, 400, 800, 1000, 1600, 3200, 4000];
  for (const name of queueNames) {
    await channel.deleteQueue(name);
    for (const ms of retryDelays)
      await channel.deleteQueue(`${name}.retry.${ms}`);
  }
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

    it('retries with growing delays, so a handler failing for seconds succeeds later', async () => {
      await queue.close();
      queue = await factory({
        deliveryLimit: 5,
        retry: { initialDelayMs: 400, maxDelayMs: 4000 },
      });
      const name = queueName('deploy');
      const letters: DeadLetter[] = [];
      await queue.consumeDeadLetters(async l => {
        letters.push(l);
      });
      // Like an API server that is restarting: down for 2 s (attempt 3 comes
      // at most 1.44 s in, attempt 4 at least 2.24 s in).
      const start = Date.now();
      const downUntil = start + 2000;
      const attempts: Array<[number, number]> = [];
      let done = false;
      await queue.consume(name, async (_m, d) => {
        attempts.push([d.attempt, Date.now() - start]);
        if (Date.now() < downUntil) throw new Error('apiserver unavailable');
        done = true;
      });
      await queue.publish(name, msg(7, `flaky-${uniqueSuffix()}`));
      await waitFor(() => done, 20_000, 'the handler to succeed');
      expect(letters).toEqual([]);
      expect(attempts.map(([a]) => a)).toEqual([1, 2, 3, 4]);
      const gaps = attempts.slice(1).map(([, at], i) => at - attempts[i][1]);
      // 400, 800, 1600 ms nominal, ±20% jitter (and some broker latency)
      expect(gaps[0]).toBeGreaterThanOrEqual(300);
      expect(gaps[1]).toBeGreaterThanOrEqual(600);
      expect(gaps[2]).toBeGreaterThanOrEqual(1200);
      expect(gaps[2]).toBeLessThan(5000);
    });

    it('dead-letters a TerminalError at once, without credentials in the copy', async () => {
      const name = queueName('build');
      const letters: DeadLetter[] = [];
      await queue.consumeDeadLetters(async l => {
        letters.push(l);
      });
      const attempts: number[] = [];
      await queue.consume(name, async (_m, d) => {
        attempts.push(d.attempt);
        throw new TerminalError('no stack detected');
      });
      await queue.publish(name, {
        ...msg(3, 'terminal-1'),
        cloneToken: 'ghs_doNotKeepMe',
      } as TestMessage);
      await waitFor(() => letters.length === 1, 10_000, 'dead letter');
      await new Promise(r => setTimeout(r, 300));
      expect(attempts).toEqual([1]);
      expect(letters[0]).toMatchObject({
        queue: name,
        messageId: 'terminal-1',
        reason: 'handler refused on attempt 1: no stack detected',
      });
      expect(letters[0].body).not.toContain('ghs_doNotKeepMe');
      expect(JSON.parse(letters[0].body)).toEqual({
        messageId: 'terminal-1',
        n: 3,
        cloneToken: '[redacted]',
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

    it('counts the consumers of a queue, 0 before the first and after cancel', async () => {
      const name = queueName('build');
      expect(await queue.consumerCount(name)).toBe(0);
      const first = await queue.consume(name, async () => undefined);
      const second = await queue.consume(name, async () => undefined);
      expect(await queue.consumerCount(name)).toBe(2);
      expect(await queue.consumerCount(queueName('build'))).toBe(0);
      await first.cancel();
      await second.cancel();
      expect(await queue.consumerCount(name)).toBe(0);
    });

    it('rejects use after close', async () => {
      await queue.close();
      await expect(queue.publish(queueName('build'), msg(1))).rejects.toThrow(
        /closed/,
      );
    });
  },
);
