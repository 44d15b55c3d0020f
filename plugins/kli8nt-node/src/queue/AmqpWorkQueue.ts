// The RabbitMQ work queue: topology, publish, consume, retry, reconnect.
import amqp from 'amqplib';
import { RabbitMqConfig } from '../config';
import { Kli8ntLogger } from '../logger';
import type { AmqpMessage, Channel, Connection } from './amqpTypes';
import { ConfirmedPublisher } from './confirmedPublisher';
import { Consumers, Subscription } from './consumers';
import { Declarations } from './declarations';
import { processDelivery } from './processDelivery';
import { redactBody } from './redact';
import {
  ATTEMPT_HEADER,
  backoffDelay,
  deadLetterReason,
  deliveryAttempt,
  nominalDelay,
  QUEUE_HEADER,
  REASON_HEADER,
  retryQueueName,
} from './topology';
import {
  ConsumeOptions,
  ConsumerHandle,
  DEFAULT_RETRY_POLICY,
  DeadLetter,
  MessageParser,
  WorkHandler,
  WorkMessage,
  WorkQueue,
} from './types';

/** A short heartbeat so a dead broker is noticed within seconds. */
function withHeartbeat(url: string): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) {
    parsed.searchParams.set('heartbeat', '5');
  }
  return parsed.toString();
}

/**
 * Work queues on RabbitMQ with amqplib: quorum queues, publisher confirms,
 * mandatory publishing, delayed retries with backoff (retry queues whose
 * per-message TTL dead-letters back onto the work queue), dead-lettering
 * with reasons and without credentials, and reconnection that restores
 * topology, consumers and unconfirmed publishes.
 *
 * @public
 */
export class AmqpWorkQueue<T extends WorkMessage> implements WorkQueue<T> {
  readonly #config: RabbitMqConfig;
  readonly #parser: MessageParser<T>;
  readonly #logger: Kli8ntLogger;
  readonly #publishes = new ConfirmedPublisher();
  readonly #declarations: Declarations;
  readonly #consumers: Consumers;
  #connection?: Connection;
  #closing = false;
  #reconnectTimer?: NodeJS.Timeout;
  #connected?: Promise<void>;
  #markConnected?: () => void;

  /**
   * Connects (retrying with backoff until it succeeds or `close` is called)
   * and declares the exchanges and the dead-letter queue.
   */
  static async create<T extends WorkMessage>(options: {
    config: RabbitMqConfig;
    parser: MessageParser<T>;
    logger: Kli8ntLogger;
  }): Promise<AmqpWorkQueue<T>> {
    const queue = new AmqpWorkQueue(options);
    await queue.#start();
    return queue;
  }

  private constructor(options: {
    config: RabbitMqConfig;
    parser: MessageParser<T>;
    logger: Kli8ntLogger;
  }) {
    this.#config = options.config;
    this.#parser = options.parser;
    this.#logger = options.logger;
    this.#consumers = new Consumers({
      logger: options.logger,
      isLive: connection => this.#connection === connection && !this.#closing,
    });
    this.#declarations = new Declarations(options.config, {
      connected: () => this.#connected,
      publisher: () => this.#publishes.channel,
      assertOpen: () => this.#assertOpen(),
    });
    this.#resetConnected();
  }

  /**
   * Whether the broker connection (and so every consumer) is up; false while
   * reconnecting. For readiness and liveness probes.
   */
  get connected(): boolean {
    return this.#connection !== undefined && !this.#closing;
  }

  async publish(queue: string, message: T): Promise<void> {
    this.#assertOpen();
    await this.#declarations.declareQueue(queue);
    await this.#publishes.send(
      this.#config.exchange,
      queue,
      Buffer.from(JSON.stringify(message)),
      message.messageId,
      {},
    );
  }

  async consume(
    queue: string,
    handler: WorkHandler<T>,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    await this.#declarations.declareQueue(queue);
    return this.#subscribe({
      queue,
      prefetch: options?.prefetch ?? this.#config.prefetch,
      inFlight: new Set(),
      onMessage: async (channel, msg) => {
        const outcome = await processDelivery({
          queue,
          body: msg.content,
          messageId: msg.properties.messageId,
          attempt: deliveryAttempt(
            msg.properties.headers,
            msg.fields.redelivered,
          ),
          deliveryLimit: this.#config.deliveryLimit,
          retry: this.#retryPolicy,
          parser: this.#parser,
          handler,
        });
        if (outcome.action === 'ack') {
          this.#settle(() => channel.ack(msg));
        } else if (outcome.action === 'retry') {
          this.#logger.warn(
            `Handler failed for message ${msg.properties.messageId} on ${queue}; retrying in ${outcome.delayMs} ms`,
            { error: outcome.error.message },
          );
          await this.#retryLater(channel, queue, msg, outcome.delayMs);
        } else {
          this.#logger.warn(
            `Dead-lettering message ${msg.properties.messageId} from ${queue}: ${outcome.reason}`,
          );
          await this.#publishes.send(
            this.#config.deadLetterExchange,
            queue,
            Buffer.from(redactBody(msg.content.toString())),
            msg.properties.messageId ?? '',
            { [REASON_HEADER]: outcome.reason, [QUEUE_HEADER]: queue },
          );
          this.#settle(() => channel.ack(msg));
        }
      },
    });
  }

  async consumerCount(queue: string): Promise<number> {
    this.#assertOpen();
    await this.#declarations.declareQueue(queue);
    const connection = this.#connection;
    if (!connection) throw new Error('RabbitMQ connection lost');
    // A channel of its own: a failed check closes only it.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(queue)).consumerCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async consumeDeadLetters(
    handler: (letter: DeadLetter) => Promise<void>,
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    return this.#subscribe({
      queue: this.#config.deadLetterQueue,
      prefetch: 1,
      inFlight: new Set(),
      onMessage: async (channel, msg) => {
        const { reason, queue } = deadLetterReason(msg.properties.headers);
        try {
          // The broker dead-letters by itself too (delivery limit of a
          // consumer that keeps crashing), with the body as published.
          await handler({
            queue,
            reason,
            messageId: msg.properties.messageId,
            body: redactBody(msg.content.toString()),
          });
          this.#settle(() => channel.ack(msg));
        } catch {
          this.#settle(() => channel.nack(msg, false, true));
        }
      },
    });
  }

  get #retryPolicy() {
    return this.#config.retry ?? DEFAULT_RETRY_POLICY;
  }

  /**
   * Parks a failed message in the retry queue of its delay, then acks it.
   * If the retry queue cannot take it, the message is requeued as before
   * (still counted against the delivery limit) rather than lost.
   */
  async #retryLater(
    channel: Channel,
    queue: string,
    msg: AmqpMessage,
    delayMs: number,
  ) {
    const attempt = deliveryAttempt(
      msg.properties.headers,
      msg.fields.redelivered,
    );
    const { initialDelayMs, maxDelayMs } = this.#retryPolicy;
    const retryQueue = retryQueueName(
      queue,
      nominalDelay(attempt, initialDelayMs, maxDelayMs),
    );
    try {
      await this.#declarations.declareRetryQueue(retryQueue, queue);
      await this.#publishes.send(
        '',
        retryQueue,
        msg.content,
        msg.properties.messageId,
        {
          [ATTEMPT_HEADER]: attempt,
        },
        String(delayMs),
      );
      this.#settle(() => channel.ack(msg));
    } catch (error) {
      this.#declarations.forgetRetryQueue(retryQueue);
      this.#logger.warn(
        `Could not park message ${msg.properties.messageId} in ${retryQueue} (${
          (error as Error).message
        }); requeueing it`,
      );
      this.#settle(() => channel.reject(msg, true));
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    await this.#consumers.cancelAll();
    this.#publishes.rejectAll('Work queue closed before the broker confirmed');
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) {
      await this.#publishes.channel?.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
    this.#markConnected?.();
  }

  async #start() {
    await this.#connectWithRetry(false);
  }

  #resetConnected() {
    this.#connected = new Promise(resolve => {
      this.#markConnected = resolve;
    });
  }

  async #connectWithRetry(reconnecting: boolean) {
    for (let attempt = 0; !this.#closing; attempt++) {
      try {
        await this.#connect();
        if (reconnecting) {
          this.#logger.info(
            `RabbitMQ reconnected: topology declared, ${
              this.#consumers.size
            } consumers restored, ${
              this.#publishes.size
            } unconfirmed publishes retried`,
          );
        } else {
          this.#logger.info('RabbitMQ connected');
        }
        return;
      } catch (error) {
        const delay = backoffDelay(
          attempt,
          this.#config.reconnect.initialDelayMs,
          this.#config.reconnect.maxDelayMs,
        );
        this.#logger.warn(
          `RabbitMQ connection attempt ${attempt + 1} failed (${
            (error as Error).message
          }); retrying in ${delay} ms`,
        );
        await new Promise<void>(resolve => {
          this.#reconnectTimer = setTimeout(resolve, delay);
        });
      }
    }
  }

  async #connect() {
    const connection = await amqp.connect(withHeartbeat(this.#config.url));
    try {
      connection.on('error', error => {
        this.#logger.warn(`RabbitMQ connection error: ${error.message}`);
      });
      connection.on('close', () => this.#onConnectionLost(connection));
      const publisher = await connection.createConfirmChannel();
      publisher.on('error', () => undefined);
      publisher.on('close', () => {
        if (this.#connection === connection && !this.#closing) {
          this.#logger.warn('RabbitMQ publisher channel closed; reconnecting');
          connection.close().catch(() => undefined);
        }
      });
      publisher.on('return', (msg: AmqpMessage) =>
        this.#publishes.markReturned(msg),
      );
      await this.#declarations.declareTopology(publisher);
      this.#connection = connection;
      this.#publishes.channel = publisher;
      await this.#consumers.restore(connection);
      this.#publishes.retransmitAll();
      this.#markConnected?.();
    } catch (error) {
      this.#connection = undefined;
      this.#publishes.channel = undefined;
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  #onConnectionLost(connection: Connection) {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#publishes.channel = undefined;
    this.#consumers.detach();
    if (this.#closing) return;
    this.#resetConnected();
    this.#logger.warn(
      `RabbitMQ connection lost; reconnecting with backoff (${
        this.#publishes.size
      } unconfirmed publishes will be retried, ${
        this.#consumers.size
      } consumers restored)`,
    );
    this.#connectWithRetry(true);
  }

  #subscribe(subscription: Subscription): Promise<ConsumerHandle> {
    return this.#consumers.add(subscription, this.#connection);
  }

  #settle(settle: () => void) {
    try {
      settle();
    } catch {
      // The channel closed under us; the broker redelivers the message.
    }
  }

  #assertOpen() {
    if (this.#closing) throw new Error('Work queue is closed');
  }
}
