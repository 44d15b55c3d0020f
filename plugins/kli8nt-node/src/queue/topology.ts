import { RabbitMqConfig } from '../config';

/** Header carrying why the consumer dead-lettered a message. */
export const REASON_HEADER = 'x-kli8nt-dead-letter-reason';
/** Header carrying the queue a dead-lettered message came from. */
export const QUEUE_HEADER = 'x-kli8nt-queue';
/** Header carrying how many attempts a retried message has had already. */
export const ATTEMPT_HEADER = 'x-kli8nt-attempts';
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

/**
 * The delayed-retry queue of a work queue for one nominal delay. Nobody
 * consumes it: a message waits there for its per-message TTL (the delay
 * with jitter) and the broker then dead-letters it back onto the work
 * queue. One queue per nominal delay, because a queue only expires the
 * message at its head: mixing 2 s and 60 s delays would hold the short ones.
 */
export function retryQueueName(queue: string, nominalDelayMs: number): string {
  return `${queue}.retry.${nominalDelayMs}`;
}

/**
 * Arguments of a retry queue. At-least-once dead-lettering (which needs
 * reject-publish overflow) so that no message is lost on its way back.
 */
export function retryQueueArguments(
  config: Pick<RabbitMqConfig, 'exchange'>,
  queue: string,
) {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': config.exchange,
      'x-dead-letter-routing-key': queue,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  };
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

/**
 * The 1-based attempt of a delivery from a quorum queue: attempts before
 * earlier delayed retries plus the broker's redeliveries of this copy.
 */
export function deliveryAttempt(
  headers: Record<string, unknown> = {},
  redelivered: boolean,
): number {
  const retried = Number(headers[ATTEMPT_HEADER]);
  const before = Number.isInteger(retried) && retried > 0 ? retried : 0;
  const count = Number(headers['x-delivery-count']);
  if (Number.isFinite(count) && count >= 0) return before + count + 1;
  return before + (redelivered ? 2 : 1);
}

/** The delay before attempt `attempt + 1` without jitter. */
export function nominalDelay(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
}

/** Exponential backoff with ±20% jitter. */
export function backoffDelay(
  attempt: number,
  initialDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const base = nominalDelay(attempt + 1, initialDelayMs, maxDelayMs);
  return Math.round(base * (0.8 + 0.4 * random()));
}
