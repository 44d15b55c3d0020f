import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import type {
  ConsumedLogBusRecord,
  LogBusClient,
  LogTopicSettings,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { ResumePoint, advanceResumePoint } from './resume';
import { normalizeTimestamp, timestampFromMs } from './timestamps';

/** Where shipping a container's log stands, as far as the log bus knows. */
export interface ResumeStore {
  /**
   * The resume point of `pod/container` of `app`, or undefined if nothing
   * was shipped. `notBeforeMs` bounds the search: no line of the pod is
   * older (its creation time).
   */
  resumePoint(request: {
    app: string;
    pod: string;
    container: string;
    notBeforeMs: number;
  }): Promise<ResumePoint | undefined>;
  /** Drops what is remembered about a pod that is gone. */
  forget(app: string, pod: string): void;
}

interface AppIndex {
  /** Earliest line time scanned, and the offsets where that scan began. */
  fromMs: number;
  fromOffsets: Map<number, string>;
  /** Next offset to scan per partition. */
  next: Map<number, string>;
  points: Map<string, ResumePoint>;
}

export class ResumeScanError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResumeScanError';
  }
}

/**
 * Recovers resume points from the app's topic itself, the only place that
 * knows for sure what was shipped (a produce that timed out may still have
 * been written). Per app, an index of the last entries per container is
 * built from a recent window and caught up incrementally; an older window is
 * scanned only for a container not seen in it.
 */
export class KafkaResumeIndex implements ResumeStore {
  private readonly indexes = new Map<string, AppIndex>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly client: LogBusClient;
  private readonly topicSettings: LogTopicSettings;
  private readonly lookbackMs: number;
  private readonly scanTimeoutMs: number;
  private readonly now: () => number;

  constructor(options: {
    client: LogBusClient;
    topicSettings: LogTopicSettings;
    /** The first scan of an app covers this much recent history. */
    lookbackMs: number;
    scanTimeoutMs?: number;
    now?: () => number;
  }) {
    this.client = options.client;
    this.topicSettings = options.topicSettings;
    this.lookbackMs = options.lookbackMs;
    this.scanTimeoutMs = options.scanTimeoutMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  resumePoint(request: {
    app: string;
    pod: string;
    container: string;
    notBeforeMs: number;
  }): Promise<ResumePoint | undefined> {
    return this.serialised(request.app, async () => {
      try {
        return await this.lookUp(request);
      } catch (error) {
        // A scan that stopped half-way leaves counts that a retry would
        // count twice: start the app's index afresh next time.
        this.indexes.delete(request.app);
        throw error;
      }
    });
  }

  forget(app: string, pod: string): void {
    const index = this.indexes.get(app);
    if (!index) return;
    for (const key of index.points.keys()) {
      if (key.startsWith(`${pod}/`)) index.points.delete(key);
    }
  }

  private async lookUp(request: {
    app: string;
    pod: string;
    container: string;
    notBeforeMs: number;
  }): Promise<ResumePoint | undefined> {
    const topic = logTopicName(request.app);
    const key = `${request.pod}/${request.container}`;
    await this.client.ensureTopic(topic, this.topicSettings);
    const high = new Map(
      (await this.client.partitionOffsets(topic)).map(p => [
        p.partition,
        p.high,
      ]),
    );
    let index = this.indexes.get(request.app);
    if (!index) {
      const fromMs = this.now() - this.lookbackMs;
      const start = await this.client.offsetsForTime(topic, fromMs);
      index = {
        fromMs,
        fromOffsets: start,
        next: new Map(start),
        points: new Map(),
      };
      this.indexes.set(request.app, index);
    }
    await this.scan(topic, index.next, high, record =>
      this.index(index!.points, record),
    );
    for (const [partition, offset] of high) index.next.set(partition, offset);

    if (!index.points.has(key) && request.notBeforeMs < index.fromMs) {
      // A quiet container: look further back, down to its pod's creation
      // (with a margin for clock skew between nodes and the control plane).
      const fromMs = request.notBeforeMs - 60_000;
      const start = await this.client.offsetsForTime(topic, fromMs);
      const older = new Map<string, ResumePoint>();
      await this.scan(topic, start, index.fromOffsets, record =>
        this.index(older, record),
      );
      for (const [k, point] of older) {
        if (!index.points.has(k)) index.points.set(k, point);
      }
      index.fromMs = fromMs;
      index.fromOffsets = start;
    }
    return index.points.get(key);
  }

  private index(
    points: Map<string, ResumePoint>,
    record: ConsumedLogBusRecord,
  ) {
    const key =
      record.headers.pod && record.headers.container
        ? `${record.headers.pod}/${record.headers.container}`
        : record.key;
    const timestamp =
      normalizeTimestamp(record.headers.timestamp ?? '') ??
      timestampFromMs(record.timestamp);
    const point = advanceResumePoint(points.get(key), [
      { timestamp, text: record.value },
    ]);
    if (point) points.set(key, point);
  }

  /** Reads every record in [from, to) per partition, in offset order. */
  private async scan(
    topic: string,
    from: Map<number, string>,
    to: Map<number, string>,
    onRecord: (record: ConsumedLogBusRecord) => void,
  ): Promise<void> {
    const start = new Map<number, string>();
    for (const [partition, end] of to) {
      const begin = from.get(partition) ?? '0';
      if (BigInt(begin) < BigInt(end)) start.set(partition, begin);
    }
    if (start.size === 0) return;
    const remaining = new Set(start.keys());
    let settle!: { resolve(): void; reject(error: Error): void };
    const finished = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const timer = setTimeout(
      () =>
        settle.reject(
          new ResumeScanError(
            `Timed out reading ${topic} to find resume points`,
          ),
        ),
      this.scanTimeoutMs,
    );
    finished.catch(() => undefined);
    const reader = await this.client
      .read(
        topic,
        start,
        records => {
          for (const record of records) {
            const end = BigInt(to.get(record.partition) ?? '0');
            const offset = BigInt(record.offset);
            if (offset < end) onRecord(record);
            if (offset + 1n >= end) remaining.delete(record.partition);
          }
          if (remaining.size === 0) settle.resolve();
        },
        error =>
          settle.reject(
            new ResumeScanError(`Reading ${topic} failed`, { cause: error }),
          ),
      )
      .catch(error => {
        clearTimeout(timer);
        throw new ResumeScanError(`Reading ${topic} failed`, { cause: error });
      });
    try {
      await finished;
    } finally {
      clearTimeout(timer);
      await reader.close();
    }
  }

  private serialised<T>(app: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(app) ?? Promise.resolve();
    const result = previous.then(task, task);
    const settled = result.catch(() => undefined);
    this.locks.set(app, settled);
    settled.then(() => {
      if (this.locks.get(app) === settled) this.locks.delete(app);
    });
    return result;
  }
}
