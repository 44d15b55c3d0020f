import { LogTopicSettings } from '../config';

/**
 * A record as written to the log bus.
 *
 * @public
 */
export interface LogBusRecord {
  key: string;
  value: string;
  headers: Record<string, string>;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

/**
 * A record read from the log bus.
 *
 * @public
 */
export interface ConsumedLogBusRecord extends LogBusRecord {
  partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
}

/**
 * Offsets of one partition: `low` is the first retained, `high` the next to be written.
 *
 * @public
 */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/**
 * A group-less reader of one topic from given offsets.
 *
 * @public
 */
export interface LogBusReader {
  close(): Promise<void>;
}

/**
 * The small surface the log sink and source need from a Kafka client; one
 * implementation per client library, plus an in-memory twin.
 *
 * @public
 */
export interface LogBusClient {
  /** Creates the topic if missing (never relies on broker auto-creation). */
  ensureTopic(topic: string, settings: LogTopicSettings): Promise<void>;
  /** Resolves once every record is acknowledged by all in-sync replicas. */
  produce(topic: string, records: LogBusRecord[]): Promise<void>;
  partitionOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Per partition, the first offset with a timestamp at or after `timestamp` (else the high offset). */
  offsetsForTime(
    topic: string,
    timestamp: number,
  ): Promise<Map<number, string>>;
  /**
   * Reads from `start` (next offset per partition) and follows. Records are
   * delivered in offset order per partition, each once, across broker
   * restarts; `onError` is called if the reader gives up.
   */
  read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
    onError: (error: Error) => void,
  ): Promise<LogBusReader>;
  close(): Promise<void>;
}
