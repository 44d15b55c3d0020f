// The consumers of a work queue, one channel each, restored on reconnect.
import type { Kli8ntLogger } from '../logger';
import type { AmqpMessage, Channel, Connection } from './amqpTypes';
import type { ConsumerHandle } from './types';

export interface Subscription {
  queue: string;
  prefetch: number;
  onMessage(channel: Channel, message: AmqpMessage): Promise<void>;
  channel?: Channel;
  consumerTag?: string;
  inFlight: Set<Promise<void>>;
}

/**
 * Starts, restores and cancels consumers. A consumer channel that closes or
 * is cancelled by the broker while its connection is live closes the
 * connection, so that the reconnect restores everything at once.
 */
export class Consumers {
  readonly #subscriptions = new Set<Subscription>();
  readonly #logger: Kli8ntLogger;
  readonly #isLive: (connection: Connection) => boolean;

  constructor(options: {
    logger: Kli8ntLogger;
    /** Whether this is the queue's current connection and it is not closing. */
    isLive(connection: Connection): boolean;
  }) {
    this.#logger = options.logger;
    this.#isLive = options.isLive;
  }

  get size(): number {
    return this.#subscriptions.size;
  }

  /** Registers a consumer and starts it now if there is a connection. */
  async add(
    subscription: Subscription,
    connection: Connection | undefined,
  ): Promise<ConsumerHandle> {
    this.#subscriptions.add(subscription);
    if (connection) await this.#start(connection, subscription);
    return { cancel: () => this.#unsubscribe(subscription) };
  }

  /** Starts every registered consumer on a new connection. */
  async restore(connection: Connection) {
    for (const subscription of this.#subscriptions) {
      await this.#start(connection, subscription);
    }
  }

  /** Forgets the channels of a lost connection. */
  detach() {
    for (const subscription of this.#subscriptions) {
      subscription.channel = undefined;
    }
  }

  /** Cancels every consumer, waiting for the messages it is handling. */
  async cancelAll() {
    await Promise.all([...this.#subscriptions].map(s => this.#unsubscribe(s)));
  }

  async #start(connection: Connection, subscription: Subscription) {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    channel.on('close', () => {
      if (subscription.channel === channel && this.#isLive(connection)) {
        this.#logger.warn(
          `RabbitMQ consumer channel for ${subscription.queue} closed; reconnecting`,
        );
        connection.close().catch(() => undefined);
      }
    });
    await channel.prefetch(subscription.prefetch);
    subscription.channel = channel;
    const { consumerTag } = await channel.consume(subscription.queue, msg => {
      if (!msg) {
        this.#logger.warn(
          `RabbitMQ cancelled the consumer of ${subscription.queue}; reconnecting`,
        );
        connection.close().catch(() => undefined);
        return;
      }
      const work = subscription
        .onMessage(channel, msg)
        .catch(error =>
          this.#logger.error(
            `Failed to settle message from ${subscription.queue}: ${error.message}`,
          ),
        )
        .finally(() => subscription.inFlight.delete(work));
      subscription.inFlight.add(work);
    });
    subscription.consumerTag = consumerTag;
  }

  async #unsubscribe(subscription: Subscription) {
    if (!this.#subscriptions.delete(subscription)) return;
    const channel = subscription.channel;
    if (channel && subscription.consumerTag) {
      await channel.cancel(subscription.consumerTag).catch(() => undefined);
    }
    await Promise.allSettled([...subscription.inFlight]);
    subscription.channel = undefined;
    await channel?.close().catch(() => undefined);
  }
}
