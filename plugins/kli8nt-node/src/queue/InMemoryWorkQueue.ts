import { processDelivery } from './processDelivery';
import { redactBody } from './redact';
import {
  ConsumeOptions,
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  ConsumerHandle,
  DeadLetter,
  MessageParser,
  WorkHandler,
  WorkMessage,
  WorkQueue,
} from './types';

interface StoredMessage {
  body: string;
  messageId: string;
  deliveries: number;
}

interface Consumer {
  queue: string;
  prefetch: number;
  inFlight: Set<Promise<void>>;
  cancelled: boolean;
  deliver(message: StoredMessage): Promise<void>;
}

/**
 * The in-memory twin of {@link AmqpWorkQueue}: same validation, ack,
 * delayed retry, delivery limit, dead-letter and redaction semantics;
 * nothing survives the process.
 * For `yarn start` without RabbitMQ and for unit tests.
 *
 * @public
 */
export class InMemoryWorkQueue<T extends WorkMessage> implements WorkQueue<T> {
  readonly #parser: MessageParser<T>;
  readonly #deliveryLimit: number;
  readonly #prefetch: number;
  readonly #retry: RetryPolicy;
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #queues = new Map<string, StoredMessage[]>();
  readonly #consumers = new Set<Consumer>();
  readonly #deadLetters: DeadLetter[] = [];
  readonly #deadLetterConsumers = new Set<Consumer>();
  #closed = false;

  constructor(options: {
    parser: MessageParser<T>;
    deliveryLimit?: number;
    prefetch?: number;
    retry?: RetryPolicy;
  }) {
    this.#parser = options.parser;
    this.#deliveryLimit = options.deliveryLimit ?? 5;
    this.#prefetch = options.prefetch ?? 10;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async publish(queue: string, message: T): Promise<void> {
    this.#assertOpen();
    this.#queue(queue).push({
      body: JSON.stringify(message),
      messageId: message.messageId,
      deliveries: 0,
    });
    this.#schedule();
  }

  async consume(
    queue: string,
    handler: WorkHandler<T>,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    this.#queue(queue);
    const consumer: Consumer = {
      queue,
      prefetch: options?.prefetch ?? this.#prefetch,
      inFlight: new Set(),
      cancelled: false,
      deliver: async stored => {
        stored.deliveries += 1;
        const outcome = await processDelivery({
          queue,
          body: stored.body,
          messageId: stored.messageId,
          attempt: stored.deliveries,
          deliveryLimit: this.#deliveryLimit,
          retry: this.#retry,
          parser: this.#parser,
          handler,
        });
        if (outcome.action === 'retry') {
          this.#retryLater(queue, stored, outcome.delayMs);
        } else if (outcome.action === 'dead-letter') {
          this.#deadLetter({
            queue,
            messageId: stored.messageId,
            reason: outcome.reason,
            body: redactBody(stored.body),
          });
        }
      },
    };
    return this.#register(this.#consumers, consumer);
  }

  async consumerCount(queue: string): Promise<number> {
    this.#assertOpen();
    return [...this.#consumers].filter(c => c.queue === queue).length;
  }

  async consumeDeadLetters(
    handler: (letter: DeadLetter) => Promise<void>,
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    const consumer: Consumer = {
      queue: '',
      prefetch: 1,
      inFlight: new Set(),
      cancelled: false,
      deliver: async () => {
        const letter = this.#deadLetters.shift()!;
        try {
          await handler(letter);
        } catch {
          this.#deadLetters.push(letter);
        }
      },
    };
    return this.#register(this.#deadLetterConsumers, consumer);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    const all = [...this.#consumers, ...this.#deadLetterConsumers];
    await Promise.all(all.map(c => this.#cancel(c)));
  }

  #register(set: Set<Consumer>, consumer: Consumer): ConsumerHandle {
    set.add(consumer);
    this.#schedule();
    return {
      cancel: async () => {
        set.delete(consumer);
        await this.#cancel(consumer);
      },
    };
  }

  async #cancel(consumer: Consumer) {
    consumer.cancelled = true;
    await Promise.allSettled([...consumer.inFlight]);
  }

  /** Like AmqpWorkQueue's retry queues: back at the tail after the delay. */
  #retryLater(queue: string, stored: StoredMessage, delayMs: number) {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#queue(queue).push(stored);
      this.#schedule();
    }, delayMs);
    this.#retryTimers.add(timer);
  }

  #deadLetter(letter: DeadLetter) {
    this.#deadLetters.push(letter);
    this.#schedule();
  }

  #queue(name: string): StoredMessage[] {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = [];
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #scheduled = false;

  #schedule() {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#dispatch();
    });
  }

  #dispatch() {
    for (const consumer of this.#consumers) {
      const queue = this.#queue(consumer.queue);
      while (
        !consumer.cancelled &&
        consumer.inFlight.size < consumer.prefetch &&
        queue.length > 0
      ) {
        this.#start(consumer, consumer.deliver(queue.shift()!));
      }
    }
    for (const consumer of this.#deadLetterConsumers) {
      while (
        !consumer.cancelled &&
        consumer.inFlight.size < consumer.prefetch &&
        this.#deadLetters.length > consumer.inFlight.size
      ) {
        this.#start(consumer, consumer.deliver({} as StoredMessage));
      }
    }
  }

  #start(consumer: Consumer, work: Promise<void>) {
    const tracked = work.finally(() => {
      consumer.inFlight.delete(tracked);
      this.#schedule();
    });
    consumer.inFlight.add(tracked);
  }

  #assertOpen() {
    if (this.#closed) throw new Error('Work queue is closed');
  }
}
