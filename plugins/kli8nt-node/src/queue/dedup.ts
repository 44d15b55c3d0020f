import { WorkHandler, WorkMessage } from './types';

/**
 * Remembers which message ids already took effect. Back it with the
 * database when the effect must be exactly-once across restarts.
 *
 * @public
 */
export interface DedupStore {
  has(messageId: string): Promise<boolean>;
  add(messageId: string): Promise<void>;
}

/**
 * A bounded in-process {@link DedupStore}: forgets the oldest ids first.
 *
 * @public
 */
export class InMemoryDedupStore implements DedupStore {
  readonly #ids = new Set<string>();
  readonly #maxEntries: number;

  constructor(options?: { maxEntries?: number }) {
    this.#maxEntries = options?.maxEntries ?? 100_000;
  }

  async has(messageId: string): Promise<boolean> {
    return this.#ids.has(messageId);
  }

  async add(messageId: string): Promise<void> {
    this.#ids.delete(messageId);
    this.#ids.add(messageId);
    while (this.#ids.size > this.#maxEntries) {
      const oldest = this.#ids.values().next().value as string;
      this.#ids.delete(oldest);
    }
  }
}

/**
 * Wraps a handler so that a message id takes effect at most once: an id that
 * already succeeded is acked without calling the handler, and concurrent
 * deliveries of one id run one after the other.
 *
 * @public
 */
export function withDeduplication<T extends WorkMessage>(
  handler: WorkHandler<T>,
  store: DedupStore = new InMemoryDedupStore(),
): WorkHandler<T> {
  const inFlight = new Map<string, Promise<void>>();
  return async (message, delivery) => {
    const id = delivery.messageId || message.messageId;
    const previous = inFlight.get(id) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        if (await store.has(id)) return;
        await handler(message, delivery);
        await store.add(id);
      });
    inFlight.set(id, run);
    try {
      await run;
    } finally {
      if (inFlight.get(id) === run) inFlight.delete(id);
    }
  };
}
