import type { KubeConfig } from '@kubernetes/client-node';
import {
  AmqpWorkQueue,
  Kli8ntLogger,
  MessageParser,
  RabbitMqConfig,
  WorkMessage,
  WorkQueue as MessageQueue,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { startElectedRole } from './electedRole';
import type { LogFields, Logger } from './logger';

/** kli8nt-node logs like Backstage (an Error or fields); ours takes fields. */
export function queueLogger(logger: Logger): Kli8ntLogger {
  const fields = (meta: unknown): LogFields | undefined =>
    meta instanceof Error ? { error: meta } : (meta as LogFields | undefined);
  return {
    info: (message, meta) => logger.info(message, fields(meta)),
    warn: (message, meta) => logger.warn(message, fields(meta)),
    error: (message, meta) => logger.error(message, fields(meta)),
  };
}

export interface QueueRoleOptions<M extends WorkMessage> {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Lease name: `kli8nt-<role>-<cluster>`. */
  lease: string;
  /** The pod's namespace and name (the Lease's namespace and holder). */
  podNamespace: string;
  podName: string;
  /** Port of `/livez` and `/readyz`; 0 turns them off. */
  healthPort: number;
  amqp: RabbitMqConfig;
  parser: MessageParser<M>;
  /** The role's own parts, started on the connected queue while leading. */
  start(queue: MessageQueue<M>): Promise<{ stop(): Promise<void> }>;
}

/**
 * The skeleton of a role that consumes a work queue: only while this
 * replica holds the role's Lease it connects to RabbitMQ and starts the
 * role's parts on it; health reports the broker connection; losing the
 * lease or stopping stops the parts, then closes the connection. A failed
 * start closes the connection and waits for the lease again.
 */
export function startQueueRole<M extends WorkMessage>(
  options: QueueRoleOptions<M>,
): Promise<{ stop(): Promise<void> }> {
  const { kubeConfig, logger } = options;
  return startElectedRole({
    kubeConfig,
    logger,
    lease: options.lease,
    namespace: options.podNamespace,
    identity: options.podName,
    healthPort: options.healthPort || undefined,
    start: async () => {
      const queue = await AmqpWorkQueue.create<M>({
        config: options.amqp,
        parser: options.parser,
        logger: queueLogger(logger),
      });
      let parts;
      try {
        parts = await options.start(queue);
      } catch (error) {
        await queue.close();
        throw error;
      }
      return {
        problem: () =>
          queue.connected ? undefined : 'RabbitMQ is disconnected',
        async stop() {
          await parts.stop();
          await queue.close();
        },
      };
    },
  });
}
