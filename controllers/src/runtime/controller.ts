import { isConflict } from './apply';
import { Logger } from './logger';
import { WorkQueue } from './workQueue';

/** What a reconcile pass asks for next: nothing, or another pass later. */
export type ReconcileResult = void | { requeueAfterMs: number };

export type Reconciler = (key: string) => Promise<ReconcileResult>;

/**
 * Runs reconcile workers over the queue until it shuts down. A thrown error
 * retries the key with backoff; success resets its backoff.
 */
export async function runWorkers(options: {
  queue: WorkQueue;
  reconcile: Reconciler;
  workers: number;
  logger: Logger;
}): Promise<void> {
  const { queue, reconcile, logger } = options;
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await reconcile(key);
        queue.forget(key);
        if (result) queue.addAfter(key, result.requeueAfterMs);
      } catch (error) {
        const retryInMs = queue.addRateLimited(key);
        const fields = {
          key,
          attempt: queue.failuresOf(key),
          retryInMs,
        };
        // A 409 is a write at a version another writer moved past (a
        // second replica, the adapter): read again, nothing is wrong.
        if (isConflict(error)) logger.info('stale object, retrying', fields);
        else logger.error('reconcile failed', { ...fields, error });
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, worker));
}

/** The work queue key of a namespaced object. */
export function objectKey(obj: {
  metadata?: { namespace?: string; name?: string };
}): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

export function parseObjectKey(key: string): {
  namespace: string;
  name: string;
} {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
