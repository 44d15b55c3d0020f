import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { InMemoryWorkQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import { cachedConsumerCount, openWorkQueue } from './messaging';

const BUILD = 'build.default';

/** The in-memory twin with a counter of the questions asked of it. */
function countedQueue() {
  const queue = new InMemoryWorkQueue<Kli8ntMessage>({ parser: parseMessage });
  const asked: string[] = [];
  const count = async (name: string) => {
    asked.push(name);
    return queue.consumerCount(name);
  };
  return { queue, asked, count };
}

describe('cachedConsumerCount', () => {
  // lru-cache treats a start time of 0 as "no TTL": start the clock later.
  let now = 1_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('asks the broker once per 10 s while the queue has consumers', async () => {
    const { queue, asked, count } = countedQueue();
    const controller = await queue.consume(BUILD, async () => {});
    const consumerCount = cachedConsumerCount(count, { now: clock });

    expect(await consumerCount(BUILD)).toBe(1);
    now += 9_999;
    expect(await consumerCount(BUILD)).toBe(1);
    expect(asked).toEqual([BUILD]);

    // The controller left; the cached count still answers until it expires.
    await controller.cancel();
    expect(await consumerCount(BUILD)).toBe(1);
    now += 2;
    expect(await consumerCount(BUILD)).toBe(0);
    expect(asked).toEqual([BUILD, BUILD]);
    await queue.close();
  });

  it('does not keep a zero count: a controller that connects is seen on the next request', async () => {
    const { queue, asked, count } = countedQueue();
    const consumerCount = cachedConsumerCount(count, { now: clock });

    expect(await consumerCount(BUILD)).toBe(0);
    expect(await consumerCount(BUILD)).toBe(0);
    await queue.consume(BUILD, async () => {});
    expect(await consumerCount(BUILD)).toBe(1);
    expect(asked).toEqual([BUILD, BUILD, BUILD]);
    await queue.close();
  });

  it('does not keep an unknown count (a broker that did not answer)', async () => {
    const answers = [undefined, 2];
    const count = jest.fn(async () => answers.shift());
    const consumerCount = cachedConsumerCount(count, { now: clock });

    expect(await consumerCount(BUILD)).toBeUndefined();
    expect(await consumerCount(BUILD)).toBe(2);
    expect(await consumerCount(BUILD)).toBe(2);
    expect(count).toHaveBeenCalledTimes(2);
  });

  it('keeps each queue apart', async () => {
    const { queue, asked, count } = countedQueue();
    await queue.consume(BUILD, async () => {});
    const consumerCount = cachedConsumerCount(count, { now: clock });

    expect(await consumerCount(BUILD)).toBe(1);
    expect(await consumerCount('deploy.default')).toBe(0);
    expect(await consumerCount(BUILD)).toBe(1);
    expect(asked).toEqual([BUILD, 'deploy.default']);
    await queue.close();
  });
});

describe('openWorkQueue', () => {
  it('counts the consumers of the embedded queue', async () => {
    const handle = openWorkQueue(
      new ConfigReader({}),
      mockServices.logger.mock(),
    );
    expect(handle.embedded).toBe(true);
    expect(await handle.consumerCount(BUILD)).toBe(0);
    const queue = await handle.queue;
    await queue.consume(BUILD, async () => {});
    expect(await handle.consumerCount(BUILD)).toBe(1);
    await queue.close();
  });
});
