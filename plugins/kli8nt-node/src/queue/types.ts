/**
 * Validates a decoded message body; shaped like kli8nt-common's
 * `parseMessage`, so the queue does not depend on exact message types.
 *
 * @public
 */
export type MessageParser<T> = (
  raw: unknown,
) => { ok: true; message: T } | { ok: false; error: string };

/**
 * What every work message has: an id used as the AMQP messageId.
 *
 * @public
 */
export interface WorkMessage {
  messageId: string;
}

/**
 * Details of one delivery handed to a handler.
 *
 * @public
 */
export interface Delivery {
  queue: string;
  messageId: string;
  /** 1 for the first delivery, then 2, 3, … up to the delivery limit. */
  attempt: number;
  redelivered: boolean;
}

/**
 * Delays between the attempts of a failing message: `initialDelayMs` after
 * the first failure, doubling (with ±20% jitter) up to `maxDelayMs`.
 *
 * @public
 */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * The retry policy when none is configured: 2, 4, 8, 16 s… so that five
 * attempts span half a minute, long enough to ride out a restarting API
 * server or broker.
 *
 * @public
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 2000,
  maxDelayMs: 60_000,
};

/**
 * Handles one message. Resolving acks it. Throwing a `TerminalError`
 * dead-letters it at once with the error as reason; any other error retries
 * it after a delay with exponential backoff (see {@link RetryPolicy}) until
 * the delivery limit, then dead-letters it.
 *
 * Long-running work must not be done inside the handler: RabbitMQ cancels a
 * consumer whose delivery stays unacked for its consumer timeout (30 minutes
 * by default). Controllers resolve once their custom resource is applied and
 * let the reconciler do the work.
 *
 * @public
 */
export type WorkHandler<T> = (message: T, delivery: Delivery) => Promise<void>;

/**
 * A message that was dead-lettered, with the reason.
 *
 * @public
 */
export interface DeadLetter {
  /** The queue the message was consumed from. */
  queue: string;
  messageId?: string;
  /** Why it was dead-lettered, e.g. `invalid message: payload.app: Required`. */
  reason: string;
  /**
   * The original body as text, with credentials (clone tokens, passwords,
   * secrets) replaced by `[redacted]`.
   */
  body: string;
}

/**
 * Options of one consumer.
 *
 * @public
 */
export interface ConsumeOptions {
  /** Unacknowledged messages in flight; defaults to the configured prefetch. */
  prefetch?: number;
}

/**
 * A running consumer.
 *
 * @public
 */
export interface ConsumerHandle {
  /** Stops taking new messages and waits for handlers in flight. */
  cancel(): Promise<void>;
}

/**
 * Durable work queues (RabbitMQ in production, {@link InMemoryWorkQueue} in
 * development). Queue names are routing keys: `build.<cluster>`,
 * `deploy.<cluster>`, `inform`.
 *
 * @public
 */
export interface WorkQueue<T extends WorkMessage> {
  /**
   * Publishes a message persistently; resolves once the broker confirmed it.
   * Declares the target queue (idempotently) first, so messages for a
   * consumer that has not started yet are kept. An unroutable message rejects.
   */
  publish(queue: string, message: T): Promise<void>;
  /** Declares the queue and consumes it. */
  consume(
    queue: string,
    handler: WorkHandler<T>,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle>;
  /**
   * How many consumers the queue has now (declaring it first): 0 means
   * nothing will take its messages until a consumer connects.
   */
  consumerCount(queue: string): Promise<number>;
  /** Consumes the dead-letter queue (operations, tests). */
  consumeDeadLetters(
    handler: (letter: DeadLetter) => Promise<void>,
  ): Promise<ConsumerHandle>;
  /** Cancels consumers and closes connections. */
  close(): Promise<void>;
}
