import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import { LogTopicSettings } from '../config';
import { LogBusClient, LogBusRecord } from './client';
import { toBusRecord } from './records';
import { LogLine, LogSink } from './types';

interface Batch {
  records: LogBusRecord[];
  waiters: Array<{ resolve(): void; reject(error: Error): void }>;
  timer?: NodeJS.Timeout;
}

/**
 * A {@link LogSink} over any {@link LogBusClient}: batches lines per app
 * into the app's topic (created on demand), in order.
 *
 * @public
 */
export class LogBusSink implements LogSink {
  readonly #client: LogBusClient;
  readonly #topic: LogTopicSettings;
  readonly #batchSize: number;
  readonly #lingerMs: number;
  readonly #batches = new Map<string, Batch>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #topics = new Set<string>();
  #closed = false;

  constructor(options: {
    client: LogBusClient;
    topic: LogTopicSettings;
    batchSize: number;
    lingerMs: number;
  }) {
    this.#client = options.client;
    this.#topic = options.topic;
    this.#batchSize = options.batchSize;
    this.#lingerMs = options.lingerMs;
  }

  append(app: string, lines: LogLine[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('Log sink is closed'));
    const topic = logTopicName(app);
    if (lines.length === 0) return Promise.resolve();
    let batch = this.#batches.get(topic);
    if (!batch) {
      batch = { records: [], waiters: [] };
      this.#batches.set(topic, batch);
    }
    for (const line of lines) batch.records.push(toBusRecord(line));
    const done = new Promise<void>((resolve, reject) => {
      batch!.waiters.push({ resolve, reject });
    });
    if (batch.records.length >= this.#batchSize) {
      this.#send(topic);
    } else if (!batch.timer) {
      batch.timer = setTimeout(() => this.#send(topic), this.#lingerMs);
    }
    return done;
  }

  async flush(): Promise<void> {
    for (const topic of [...this.#batches.keys()]) this.#send(topic);
    await Promise.allSettled([...this.#chains.values()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #send(topic: string) {
    const batch = this.#batches.get(topic);
    if (!batch) return;
    this.#batches.delete(topic);
    clearTimeout(batch.timer);
    const previous = this.#chains.get(topic) ?? Promise.resolve();
    const chain = previous.then(async () => {
      try {
        if (!this.#topics.has(topic)) {
          await this.#client.ensureTopic(topic, this.#topic);
          this.#topics.add(topic);
        }
        for (let i = 0; i < batch.records.length; i += this.#batchSize) {
          await this.#client.produce(
            topic,
            batch.records.slice(i, i + this.#batchSize),
          );
        }
        batch.waiters.forEach(w => w.resolve());
      } catch (error) {
        batch.waiters.forEach(w => w.reject(error as Error));
      }
    });
    this.#chains.set(topic, chain);
    chain.then(() => {
      if (this.#chains.get(topic) === chain) this.#chains.delete(topic);
    });
  }
}
