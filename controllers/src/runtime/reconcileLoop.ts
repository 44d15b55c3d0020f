import type { ConsumerHandle } from '@kli8nt/backstage-plugin-kli8nt-node';
import { Clock, systemClock } from './clock';
import { Reconciler, runWorkers } from './controller';
import type { ResilientInformer } from './informer';
import { Logger } from './logger';
import { WorkQueue } from './workQueue';

export interface ReconcileLoopOptions {
  /** Caches that feed `queue` (their `onEvent` adds keys). */
  informers: ResilientInformer<any>[];
  queue: WorkQueue;
  reconcile: Reconciler;
  workers: number;
  logger: Logger;
  clock?: Clock;
  /**
   * The safety net for missed watch events: the keys to queue again, at
   * start and then every `everyMs`.
   */
  resync?: { everyMs: number; keys: () => Iterable<string> };
  /**
   * Message consumers, started in order once the caches are synced and the
   * workers run, so a message never acts on an empty cache.
   */
  consumers?: Array<() => Promise<ConsumerHandle>>;
}

export interface ReconcileLoop {
  stop(): Promise<void>;
}

/**
 * The skeleton every controller runs: informers → de-duplicating work
 * queue → reconcile workers, a periodic resync, and the message consumers
 * started last. `stop` takes no new work from the queue or the broker, waits
 * for the work in flight, then stops the watches. A failed start undoes
 * what it started.
 */
export async function startReconcileLoop(
  options: ReconcileLoopOptions,
): Promise<ReconcileLoop> {
  const { informers, queue, resync, logger } = options;
  const clock = options.clock ?? systemClock;
  let stopped = false;
  let resyncTimer: unknown;
  let consumers: ConsumerHandle[] = [];
  let workers: Promise<void> | undefined;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clock.clearTimeout(resyncTimer);
    queue.shutDown();
    await Promise.all(consumers.map(c => c.cancel()));
    consumers = [];
    await workers;
    await Promise.all(informers.map(i => i.stop()));
  };
  const requeueAll = () => {
    if (stopped || !resync) return;
    for (const key of resync.keys()) queue.add(key);
    resyncTimer = clock.setTimeout(requeueAll, resync.everyMs);
  };

  try {
    await Promise.all(informers.map(i => i.start()));
    await Promise.all(informers.map(i => i.waitForSync()));
    workers = runWorkers({
      queue,
      reconcile: options.reconcile,
      workers: options.workers,
      logger,
    });
    requeueAll();
    for (const consume of options.consumers ?? []) {
      consumers.push(await consume());
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
