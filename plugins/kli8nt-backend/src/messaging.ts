import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import {
  Kli8ntWorkQueue,
  createKli8ntWorkQueue,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { LRUCache } from 'lru-cache';

export interface WorkQueueHandle {
  /** Resolves once connected; connecting retries until the broker is up. */
  queue: Promise<Kli8ntWorkQueue>;
  /** True for the in-memory twin (no `kli8nt.rabbitmq` config). */
  embedded: boolean;
  /**
   * The consumers of `queue` on the broker, undefined when it did not answer
   * within 2 s; a positive count is reused for 10 s (`cachedConsumerCount`).
   */
  consumerCount: ConsumerCount;
}

export type ConsumerCount = (queue: string) => Promise<number | undefined>;

/**
 * Asks `count` about a queue at most once per `ttlMs` (default 10 s) while
 * the queue has consumers: POST /deployments checks the build queue on every
 * request, and a broker round trip each time is wasted while controllers
 * are connected. A zero or unknown count is not kept, so that a missing
 * controller is reported at once and its return seen on the next request.
 */
export function cachedConsumerCount(
  count: ConsumerCount,
  options: { ttlMs?: number; now?: () => number } = {},
): ConsumerCount {
  const cache = new LRUCache<string, number>({
    max: 100,
    ttl: options.ttlMs ?? 10_000,
    // Read the clock on every lookup: by default a reading is reused for
    // 1 ms of real time, which would hide a move of an injected clock.
    ttlResolution: 0,
    ...(options.now && { perf: { now: options.now } }),
  });
  return async queue => {
    const cached = cache.get(queue);
    if (cached !== undefined) return cached;
    const consumers = await count(queue);
    if (consumers) cache.set(queue, consumers);
    return consumers;
  };
}

/**
 * RabbitMQ when `kli8nt.rabbitmq` is configured, else the in-memory twin.
 * Unlike kli8nt-node's root service, connecting happens in the background so
 * that the backend starts, and accepts deploys into its outbox, while the
 * broker is down.
 */
export function openWorkQueue(
  config: RootConfigService,
  logger: LoggerService,
): WorkQueueHandle {
  const nodeConfig = readKli8ntNodeConfig(config);
  const embedded = !nodeConfig.rabbitmq;
  if (embedded) {
    logger.warn(
      'Deployments stay queued: with the in-memory work queue no cluster consumes build or deploy requests (configure kli8nt.rabbitmq)',
    );
  }
  const queue = createKli8ntWorkQueue({
    config: nodeConfig,
    logger: {
      info: (message, meta) => logger.info(message, meta as JsonObject),
      warn: (message, meta) => logger.warn(message, meta as JsonObject),
      error: (message, meta) => logger.error(message, meta as JsonObject),
    },
  });
  // Failures surface to the callers that await the queue.
  queue.catch(() => undefined);
  const consumerCount = cachedConsumerCount(name =>
    settledWithin(
      queue.then(q => q.consumerCount(name)),
      2000,
    ),
  );
  return { queue, embedded, consumerCount };
}

/** Resolves to the promise's value, or to undefined after `ms`. */
export async function settledWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>(resolve => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
