import type { ConsumerHandle } from '@kli8nt/backstage-plugin-kli8nt-node';
import { ManualClock } from './clock';
import type { ResilientInformer } from './informer';
import { createLogger } from './logger';
import { startReconcileLoop } from './reconcileLoop';
import { WorkQueue } from './workQueue';

const logger = createLogger({}, () => {});

/** An informer that records what the loop asked of it. */
function fakeInformer(log: string[], name: string) {
  return {
    start: async () => void log.push(`${name} start`),
    waitForSync: async () => void log.push(`${name} synced`),
    stop: async () => void log.push(`${name} stop`),
  } as unknown as ResilientInformer<any>;
}

function consumer(log: string[], name: string): () => Promise<ConsumerHandle> {
  return async () => {
    log.push(`${name} consume`);
    return { cancel: async () => void log.push(`${name} cancel`) };
  };
}

describe('startReconcileLoop', () => {
  it('consumes only after the caches synced, resyncs, and stops consumers before the watches', async () => {
    const log: string[] = [];
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock });
    const reconciled: string[] = [];
    const loop = await startReconcileLoop({
      informers: [fakeInformer(log, 'a'), fakeInformer(log, 'b')],
      queue,
      reconcile: async key => void reconciled.push(key),
      workers: 2,
      logger,
      clock,
      resync: { everyMs: 1000, keys: () => ['ns/x', 'ns/y'] },
      consumers: [consumer(log, 'q1'), consumer(log, 'q2')],
    });
    expect(log).toEqual([
      'a start',
      'b start',
      'a synced',
      'b synced',
      'q1 consume',
      'q2 consume',
    ]);
    await new Promise(resolve => setImmediate(resolve));
    expect(reconciled).toEqual(['ns/x', 'ns/y']);
    clock.advance(1000);
    await new Promise(resolve => setImmediate(resolve));
    expect(reconciled).toEqual(['ns/x', 'ns/y', 'ns/x', 'ns/y']);

    log.length = 0;
    await loop.stop();
    await loop.stop();
    expect(log).toEqual(['q1 cancel', 'q2 cancel', 'a stop', 'b stop']);
    clock.advance(5000);
    await new Promise(resolve => setImmediate(resolve));
    expect(reconciled).toHaveLength(4);
  });

  it('undoes a failed start: started consumers cancelled, watches stopped', async () => {
    const log: string[] = [];
    const failing = async (): Promise<ConsumerHandle> => {
      throw new Error('no channel');
    };
    await expect(
      startReconcileLoop({
        informers: [fakeInformer(log, 'a')],
        queue: new WorkQueue(),
        reconcile: async () => undefined,
        workers: 1,
        logger,
        consumers: [consumer(log, 'q1'), failing],
      }),
    ).rejects.toThrow('no channel');
    expect(log).toEqual([
      'a start',
      'a synced',
      'q1 consume',
      'q1 cancel',
      'a stop',
    ]);
  });
});
