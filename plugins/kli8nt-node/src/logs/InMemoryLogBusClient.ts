import { LogTopicSettings } from '../config';
import {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  PartitionOffsets,
} from './client';

interface Reader {
  topic: string;
  next: Map<number, number>;
  onRecords(records: ConsumedLogBusRecord[]): void;
  closed: boolean;
}

function partitionFor(key: string, partitions: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) {
    hash = (hash * 31 + key.charCodeAt(i)) | 0;
  }
  return Math.abs(hash) % partitions;
}

/**
 * The in-memory twin of the Kafka log bus clients: topics must be created
 * first, records are kept for the life of the process.
 *
 * @public
 */
export class InMemoryLogBusClient implements LogBusClient {
  readonly #topics = new Map<string, ConsumedLogBusRecord[][]>();
  readonly #readers = new Set<Reader>();

  async ensureTopic(topic: string, settings: LogTopicSettings): Promise<void> {
    if (!this.#topics.has(topic)) {
      this.#topics.set(
        topic,
        Array.from({ length: settings.partitions }, () => []),
      );
    }
  }

  async produce(topic: string, records: LogBusRecord[]): Promise<void> {
    const partitions = this.#partitions(topic);
    for (const record of records) {
      const partition = partitionFor(record.key, partitions.length);
      const log = partitions[partition];
      log.push({
        ...record,
        headers: { ...record.headers },
        partition,
        offset: String(log.length),
      });
    }
    for (const reader of this.#readers) {
      if (reader.topic === topic) setImmediate(() => this.#deliver(reader));
    }
  }

  async partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    return this.#partitions(topic).map((log, partition) => ({
      partition,
      low: '0',
      high: String(log.length),
    }));
  }

  async offsetsForTime(
    topic: string,
    timestamp: number,
  ): Promise<Map<number, string>> {
    return new Map(
      this.#partitions(topic).map((log, partition) => {
        const index = log.findIndex(r => r.timestamp >= timestamp);
        return [partition, String(index === -1 ? log.length : index)];
      }),
    );
  }

  async read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
  ): Promise<LogBusReader> {
    this.#partitions(topic);
    const reader: Reader = {
      topic,
      next: new Map([...start].map(([p, o]) => [p, Number(o)])),
      onRecords,
      closed: false,
    };
    this.#readers.add(reader);
    setImmediate(() => this.#deliver(reader));
    return {
      close: async () => {
        reader.closed = true;
        this.#readers.delete(reader);
      },
    };
  }

  async close(): Promise<void> {
    for (const reader of this.#readers) reader.closed = true;
    this.#readers.clear();
  }

  #deliver(reader: Reader) {
    if (reader.closed) return;
    const partitions = this.#partitions(reader.topic);
    for (const [partition, next] of reader.next) {
      const records = partitions[partition]?.slice(next) ?? [];
      if (records.length === 0) continue;
      reader.next.set(partition, next + records.length);
      reader.onRecords(records);
    }
  }

  #partitions(topic: string): ConsumedLogBusRecord[][] {
    const partitions = this.#topics.get(topic);
    if (!partitions) {
      throw new Error(`Unknown topic ${topic}: topics are never auto-created`);
    }
    return partitions;
  }
}
