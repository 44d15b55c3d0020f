import { randomUUID } from 'node:crypto';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { LogTopicSettings } from '../config';
import {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  PartitionOffsets,
} from './client';
import { offsetLess } from './records';
import { topicConfigEntries } from './topicConfig';

/**
 * {@link LogBusClient} on kafkajs 2.x.
 *
 * @public
 */
export class KafkaJsLogBusClient implements LogBusClient {
  readonly #kafka: Kafka;
  readonly #clientId: string;
  #admin?: Promise<Admin>;
  #producer?: Promise<Producer>;
  readonly #readers = new Set<LogBusReader>();

  constructor(options: { brokers: string[]; clientId: string }) {
    this.#clientId = options.clientId;
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 5000 },
    });
  }

  async ensureTopic(topic: string, settings: LogTopicSettings): Promise<void> {
    const admin = await this.#getAdmin();
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: settings.partitions,
            replicationFactor: settings.replicationFactor,
            configEntries: topicConfigEntries(settings),
          },
        ],
      });
    } catch (error) {
      if (!/already exists/i.test(String((error as Error).message))) {
        throw error;
      }
    }
  }

  async produce(topic: string, records: LogBusRecord[]): Promise<void> {
    const producer = await this.#getProducer();
    await producer.send({
      topic,
      acks: -1,
      messages: records.map(r => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: String(r.timestamp),
      })),
    });
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    const admin = await this.#getAdmin();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map(o => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async offsetsForTime(
    topic: string,
    timestamp: number,
  ): Promise<Map<number, string>> {
    const admin = await this.#getAdmin();
    const [byTime, all] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(topic, timestamp),
      admin.fetchTopicOffsets(topic),
    ]);
    const high = new Map(all.map(o => [o.partition, o.high]));
    return new Map(
      byTime.map(o => [
        o.partition,
        o.offset === '-1' ? high.get(o.partition) ?? '0' : o.offset,
      ]),
    );
  }

  async read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
    onError: (error: Error) => void,
  ): Promise<LogBusReader> {
    // kafkajs has no group-less consumer: this ephemeral group never
    // commits; positions are tracked here and re-applied on every join.
    const consumer = this.#kafka.consumer({
      groupId: `${this.#clientId}.reader.${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    const next = new Map(start);
    let closed = false;
    const seekAll = () => {
      for (const [partition, offset] of next) {
        consumer.seek({ topic, partition, offset });
      }
    };
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (!closed) seekAll();
    });
    consumer.on(consumer.events.CRASH, event => {
      if (!closed && !event.payload.restart) onError(event.payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const expected = next.get(batch.partition);
        if (expected === undefined) return;
        const records: ConsumedLogBusRecord[] = [];
        let position = expected;
        for (const m of batch.messages) {
          if (offsetLess(m.offset, position)) continue;
          if (offsetLess(position, m.offset)) {
            // A fetch from before our seek applied; go back to our position.
            consumer.seek({
              topic,
              partition: batch.partition,
              offset: position,
            });
            break;
          }
          records.push({
            key: m.key?.toString() ?? '',
            value: m.value?.toString() ?? '',
            headers: Object.fromEntries(
              Object.entries(m.headers ?? {}).map(([k, v]) => [
                k,
                String(Array.isArray(v) ? v[0] : v ?? ''),
              ]),
            ),
            timestamp: Number(m.timestamp),
            partition: batch.partition,
            offset: m.offset,
          });
          position = (BigInt(m.offset) + 1n).toString();
          resolveOffset(m.offset);
        }
        next.set(batch.partition, position);
        if (records.length > 0 && !closed) onRecords(records);
        await heartbeat();
      },
    });
    seekAll();
    const reader: LogBusReader = {
      close: async () => {
        if (closed) return;
        closed = true;
        this.#readers.delete(reader);
        await consumer.disconnect();
      },
    };
    this.#readers.add(reader);
    return reader;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#readers].map(r => r.close()));
    const producer = this.#producer;
    const admin = this.#admin;
    this.#producer = undefined;
    this.#admin = undefined;
    await (await producer?.catch(() => undefined))?.disconnect();
    await (await admin?.catch(() => undefined))?.disconnect();
  }

  #getAdmin(): Promise<Admin> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      this.#admin = admin.connect().then(() => admin);
      this.#admin.catch(() => (this.#admin = undefined));
    }
    return this.#admin;
  }

  #getProducer(): Promise<Producer> {
    if (!this.#producer) {
      const producer = this.#kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      this.#producer = producer.connect().then(() => producer);
      this.#producer.catch(() => (this.#producer = undefined));
    }
    return this.#producer;
  }
}
