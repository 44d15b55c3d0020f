import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import {
  Kli8ntWorkQueue,
  createKli8ntWorkQueue,
  readKli8ntNodeConfig,
} from '@internal/backstage-plugin-kli8nt-node';

export interface WorkQueueHandle {
  /** Resolves once connected; connecting retries until the broker is up. */
  queue: Promise<Kli8ntWorkQueue>;
  /** True for the in-memory twin (no `kli8nt.rabbitmq` config). */
  embedded: boolean;
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
  return { queue, embedded };
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
