import { ManualClock } from './clock';
import { WorkQueue } from './workQueue';
import { runWorkers } from './controller';
import { createLogger } from './logger';

const noJitter = () => 0.5;

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    expect(queue.length).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
  });

  it('never hands a key in processing to a second worker, and requeues it when done', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const key = await queue.get();
    queue.add('ns/a');
    expect(queue.length).toBe(0);
    queue.done(key!);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.length).toBe(0);
  });

  it('keeps the earliest of several delayed adds', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    queue.addAfter('ns/a', 10_000);
    queue.addAfter('ns/a', 1_000);
    queue.addAfter('ns/a', 5_000);
    clock.advance(999);
    expect(queue.length).toBe(0);
    clock.advance(1);
    expect(queue.length).toBe(1);
    clock.advance(20_000);
    expect(queue.length).toBe(1);
  });

  it('backs off exponentially per key and forgets on success', () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({
      clock,
      random: noJitter,
      backoff: { baseMs: 100, maxMs: 1_000, jitter: 0.2 },
    });
    expect(queue.addRateLimited('ns/a')).toBe(100);
    expect(queue.addRateLimited('ns/a')).toBe(200);
    expect(queue.addRateLimited('ns/a')).toBe(400);
    expect(queue.addRateLimited('ns/a')).toBe(800);
    expect(queue.addRateLimited('ns/a')).toBe(1_000);
    expect(queue.addRateLimited('ns/b')).toBe(100);
    queue.forget('ns/a');
    expect(queue.failuresOf('ns/a')).toBe(0);
    expect(queue.addRateLimited('ns/a')).toBe(100);
  });

  it('wakes waiting workers on shutdown and drops pending work', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    const waiting = queue.get();
    queue.addAfter('ns/a', 1_000);
    queue.shutDown();
    await expect(waiting).resolves.toBeUndefined();
    clock.advance(2_000);
    queue.add('ns/b');
    expect(queue.length).toBe(0);
  });
});

describe('runWorkers', () => {
  const logger = createLogger({}, () => {});

  it('retries a failing key with backoff and requeues on request', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({
      clock,
      random: noJitter,
      backoff: { baseMs: 100, maxMs: 1_000, jitter: 0 },
    });
    const calls: string[] = [];
    let failuresLeft = 2;
    const running = runWorkers({
      queue,
      workers: 2,
      logger,
      reconcile: async key => {
        calls.push(key);
        if (failuresLeft-- > 0) throw new Error('api unavailable');
        return { requeueAfterMs: 30_000 };
      },
    });
    const flush = () => new Promise(resolve => setImmediate(resolve));

    queue.add('ns/a');
    await flush();
    expect(calls).toEqual(['ns/a']);
    clock.advance(100);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(199);
    await flush();
    expect(calls).toHaveLength(2);
    clock.advance(1);
    await flush();
    expect(calls).toHaveLength(3);
    expect(queue.failuresOf('ns/a')).toBe(0);
    clock.advance(30_000);
    await flush();
    expect(calls).toHaveLength(4);

    queue.shutDown();
    await running;
  });
});
