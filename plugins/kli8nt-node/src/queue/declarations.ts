// The work queue's topology on the broker: what it has declared, and
// declaring it again on every (re)connection.
import type { RabbitMqConfig } from '../config';
import type { Channel, ConfirmChannel } from './amqpTypes';
import {
  deadLetterQueueArguments,
  retryQueueArguments,
  workQueueArguments,
} from './topology';

/** What the declarations need of the work queue's connection. */
export interface DeclarationLink {
  /** Resolves once connected (again); read anew after each reconnect. */
  connected(): Promise<void> | undefined;
  /** The publisher channel; undefined while disconnected. */
  publisher(): ConfirmChannel | undefined;
  /** Throws once the work queue is closed. */
  assertOpen(): void;
}

/**
 * The exchanges, the dead-letter queue, the work queues in use and their
 * retry queues. Work queues are declared on first use and again on every
 * connection; a retry queue on first use, and again after a failed park.
 */
export class Declarations {
  readonly #config: RabbitMqConfig;
  readonly #link: DeclarationLink;
  readonly #declared = new Set<string>();
  readonly #declaredRetry = new Set<string>();

  constructor(config: RabbitMqConfig, link: DeclarationLink) {
    this.#config = config;
    this.#link = link;
  }

  /** Declares the exchanges, the dead-letter queue and every queue in use. */
  async declareTopology(channel: ConfirmChannel) {
    const c = this.#config;
    await channel.assertExchange(c.exchange, 'topic', { durable: true });
    await channel.assertExchange(c.deadLetterExchange, 'fanout', {
      durable: true,
    });
    await channel.assertQueue(c.deadLetterQueue, deadLetterQueueArguments());
    await channel.bindQueue(c.deadLetterQueue, c.deadLetterExchange, '');
    for (const queue of this.#declared) {
      await this.#declareOn(channel, queue);
    }
  }

  async #declareOn(channel: Channel, queue: string) {
    await channel.assertQueue(queue, workQueueArguments(this.#config));
    await channel.bindQueue(queue, this.#config.exchange, queue);
  }

  /** Declares a work queue once; a declaration cut off by a reconnect is retried. */
  async declareQueue(queue: string) {
    while (!this.#declared.has(queue)) {
      await this.#link.connected();
      this.#link.assertOpen();
      const publisher = this.#link.publisher();
      if (!publisher) continue;
      try {
        await this.#declareOn(publisher, queue);
        this.#declared.add(queue);
      } catch (error) {
        // A declaration that failed on a live channel is a real error;
        // one cut off by a lost connection is retried after reconnecting.
        if (this.#link.publisher() === publisher) throw error;
      }
    }
  }

  /** Declares a retry queue once; throws while disconnected. */
  async declareRetryQueue(retryQueue: string, queue: string) {
    if (this.#declaredRetry.has(retryQueue)) return;
    await this.#link.connected();
    const publisher = this.#link.publisher();
    if (!publisher) throw new Error('RabbitMQ connection lost');
    await publisher.assertQueue(
      retryQueue,
      retryQueueArguments(this.#config, queue),
    );
    this.#declaredRetry.add(retryQueue);
  }

  /** Declares `retryQueue` again on its next use (after a failed publish). */
  forgetRetryQueue(retryQueue: string) {
    this.#declaredRetry.delete(retryQueue);
  }
}
