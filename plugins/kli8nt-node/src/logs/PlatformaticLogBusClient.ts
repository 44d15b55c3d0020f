import { randomUUID } from 'node:crypto';
import {
  Admin,
  Consumer,
  MessagesStream,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { LogTopicSettings } from '../config';
import {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  PartitionOffsets,
} from './client';
import { topicConfigEntries } from './topicConfig';

type StringConsumer = Consumer<string, string, string, string>;

const RETRIES = 30;
const RETRY_DELAY_MS = 500;

/**
 * {@link LogBusClient} on `@platformatic/kafka` (pure TypeScript).
 *
 * @public
 */
export class PlatformaticLogBusClient implements LogBusClient {
  readonly #brokers: string[];
  readonly #clientId: string;
  readonly #admin: Admin;
  readonly #producer: Producer<string, string, string, string>;
  readonly #offsetsConsumer: StringConsumer;
  readonly #readers = new Set<LogBusReader>();

  constructor(options: { brokers: string[]; clientId: string }) {
    this.#brokers = options.brokers;
    this.#clientId = options.clientId;
    const base = {
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      retries: RETRIES,
      retryDelay: RETRY_DELAY_MS,
      autocreateTopics: false,
    };
    this.#admin = new Admin(base);
    this.#producer = new Producer({
      ...base,
      serializers: stringSerializers,
      idempotent: true,
      acks: -1,
    });
    this.#offsetsConsumer = this.#consumer();
  }

  async ensureTopic(topic: string, settings: LogTopicSettings): Promise<void> {
    const existing = await this.#admin.listTopics();
    if (existing.includes(topic)) return;
    try {
      await this.#admin.createTopics({
        topics: [topic],
        partitions: settings.partitions,
        replicas: settings.replicationFactor,
        configs: topicConfigEntries(settings),
      });
    } catch (error) {
      if (!/already exists/i.test(errorText(error))) throw error;
    }
  }

  async produce(topic: string, records: LogBusRecord[]): Promise<void> {
    await this.#producer.send({
      messages: records.map(r => ({
        topic,
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: BigInt(r.timestamp),
      })),
    });
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const [low, high] = await Promise.all([
      this.#offsetsConsumer.listOffsets({ topics: [topic], timestamp: -2n }),
      this.#offsetsConsumer.listOffsets({ topics: [topic], timestamp: -1n }),
    ]);
    const lows = low.get(topic) ?? [];
    return (high.get(topic) ?? []).map((h, partition) => ({
      partition,
      low: String(lows[partition] ?? 0n),
      high: String(h),
    }));
  }

  async offsetsForTime(
    topic: string,
    timestamp: number,
  ): Promise<Map<number, string>> {
    const [byTime, high] = await Promise.all([
      this.#offsetsConsumer.listOffsets({
        topics: [topic],
        timestamp: BigInt(timestamp),
      }),
      this.#offsetsConsumer.listOffsets({ topics: [topic], timestamp: -1n }),
    ]);
    const highs = high.get(topic) ?? [];
    return new Map(
      (byTime.get(topic) ?? []).map((offset, partition) => [
        partition,
        String(offset < 0n ? highs[partition] ?? 0n : offset),
      ]),
    );
  }

  async read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
    onError: (error: Error) => void,
  ): Promise<LogBusReader> {
    // The stream needs a group to assign partitions; this one is ephemeral
    // and never commits: positions come from `start` and are kept here.
    const consumer = this.#consumer();
    const next = new Map([...start].map(([p, o]) => [p, BigInt(o)]));
    let closed = false;
    let stream: MessagesStream<string, string, string, string>;
    try {
      stream = await consumer.consume({
        topics: [topic],
        mode: 'manual',
        autocommit: false,
        maxWaitTime: 100,
        offsets: [...next].map(([partition, offset]) => ({
          topic,
          partition,
          offset,
        })),
      });
    } catch (error) {
      await consumer.close(true).catch(() => undefined);
      throw error;
    }
    // The stream emits one message at a time; the messages of one fetch
    // are handed over as one batch, right after it (a microtask later).
    let batch: ConsumedLogBusRecord[] = [];
    const deliver = () => {
      const records = batch;
      batch = [];
      if (!closed && records.length > 0) onRecords(records);
    };
    stream.on('data', message => {
      const expected = next.get(message.partition);
      if (closed || expected === undefined || message.offset < expected) {
        return;
      }
      next.set(message.partition, message.offset + 1n);
      if (batch.length === 0) queueMicrotask(deliver);
      batch.push({
        key: message.key ?? '',
        value: message.value ?? '',
        headers: Object.fromEntries(message.headers ?? new Map()),
        timestamp: Number(message.timestamp),
        partition: message.partition,
        offset: String(message.offset),
      });
    });
    stream.on('error', error => {
      if (!closed) onError(error);
    });
    const reader: LogBusReader = {
      close: async () => {
        if (closed) return;
        closed = true;
        this.#readers.delete(reader);
        await stream.close().catch(() => undefined);
        await consumer.close(true).catch(() => undefined);
      },
    };
    this.#readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#readers].map(r => r.close()));
    await this.#offsetsConsumer.close(true).catch(() => undefined);
    await this.#producer.close().catch(() => undefined);
    await this.#admin.close().catch(() => undefined);
  }

  #consumer(): StringConsumer {
    return new Consumer({
      clientId: this.#clientId,
      bootstrapBrokers: this.#brokers,
      groupId: `${this.#clientId}.reader.${randomUUID()}`,
      retries: RETRIES,
      retryDelay: RETRY_DELAY_MS,
      autocreateTopics: false,
      deserializers: stringDeserializers,
    });
  }
}

function errorText(error: unknown): string {
  const e = error as { message?: string; errors?: unknown[] };
  return [e?.message, ...(e?.errors ?? []).map(errorText)].join('; ');
}
