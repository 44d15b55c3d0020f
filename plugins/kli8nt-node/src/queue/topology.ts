import { RabbitMqConfig } from '../config';

/** Header carrying why the consumer dead-lettered a message. */
export const REASON_HEADER = 'x-kli8nt-dead-letter-reason';
/** Header carrying the queue a dead-lettered message came from. */
export const QUEUE_HEADER = 'x-kli8nt-queue';
/** Correlates basic.return with the publish it belongs to. */
export const PUBLISH_HEADER = 'x-kli8nt-publish';

type TopologyConfig = Pick<
  RabbitMqConfig,
  'exchange' | 'deadLetterExchange' | 'deadLetterQueue' | 'deliveryLimit'
>;

/**
 * Arguments of a work queue. They must never change for an existing queue:
 * RabbitMQ refuses to redeclare a queue with different arguments.
 */
export function workQueueArguments(config: TopologyConfig) {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': config.deliveryLimit,
      'x-dead-letter-exchange': config.deadLetterExchange,
    },
  };
}

export function deadLetterQueueArguments() {
  return { durable: true, arguments: { 'x-queue-type': 'quorum' } };
}

/** Reads the reason and source queue of a dead-lettered message. */
export function deadLetterReason(headers: Record<string, unknown> = {}): {
  reason: string;
  queue: string;
} {
  const death = Array.isArray(headers['x-death'])
    ? (headers['x-death'][0] as Record<string, unknown> | undefined)
    : undefined;
  const reason =
    typeof headers[REASON_HEADER] === 'string'
      ? (headers[REASON_HEADER] as string)
      : `broker: ${String(death?.reason ?? 'unknown')}`;
  const queue =
    typeof headers[QUEUE_HEADER] === 'string'
      ? (headers[QUEUE_HEADER] as string)
      : String(death?.queue ?? '');
  return { reason, queue };
}

/** The 1-based attempt of a delivery from a quorum queue. */
export function deliveryAttempt(
  headers: Record<string, unknown> = {},
  redelivered: boolean,
): number {
  const count = Number(headers['x-delivery-count']);
  if (Number.isFinite(count) && count >= 0) return count + 1;
  return redelivered ? 2 : 1;
}

/** Exponential backoff with ±20% jitter. */
export function backoffDelay(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}
