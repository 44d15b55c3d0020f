import {
  ConsumedLogBusRecord,
  InMemoryLogBusClient,
  LogBusClient,
  LogBusReader,
  LogBusRecord,
  LogTopicSettings,
  PartitionOffsets,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { PassThrough } from 'node:stream';
import type { Counter, Gauge } from 'prom-client';
import {
  LogStreamError,
  LogStreamOpener,
  LogStreamRequest,
} from '../logStream';

export const topicSettings: LogTopicSettings = {
  partitions: 2,
  replicationFactor: 1,
  retentionMs: 3_600_000,
  retentionBytes: 100_000_000,
  segmentMs: 600_000,
};

interface Stored {
  timestamp: string;
  text: string;
}

/**
 * A kubelet's pods/log as the API server serves it: lines with timestamps
 * from `sinceTime` (whole seconds), following new lines; tests can cut the
 * open streams, refuse requests, and restart a container.
 */
export class FakeKubelet implements LogStreamOpener {
  readonly requests: LogStreamRequest[] = [];
  private readonly logs = new Map<string, Stored[]>();
  private readonly previousLogs = new Map<string, Stored[]>();
  private readonly streams = new Set<{ key: string; stream: PassThrough }>();
  refuse?: LogStreamError;

  write(container: string, timestamp: string, text: string) {
    const log = this.logs.get(container) ?? [];
    log.push({ timestamp, text });
    this.logs.set(container, log);
    for (const open of this.streams) {
      if (open.key === container) open.stream.write(`${timestamp} ${text}\n`);
    }
  }

  restart(container: string) {
    this.previousLogs.set(container, this.logs.get(container) ?? []);
    this.logs.set(container, []);
    this.disconnect(container);
  }

  /** Ends every open stream (as an API server restart would). */
  disconnect(container?: string) {
    for (const open of [...this.streams]) {
      if (container && open.key !== container) continue;
      this.streams.delete(open);
      open.stream.end();
    }
  }

  get openStreams(): number {
    return this.streams.size;
  }

  async open(request: LogStreamRequest, signal: AbortSignal) {
    this.requests.push(request);
    if (this.refuse) throw this.refuse;
    const source = request.previous
      ? this.previousLogs.get(request.container)
      : this.logs.get(request.container) ?? [];
    if (!source)
      throw new LogStreamError(400, 'previous terminated container not found');
    const since = request.sinceTime?.replace('Z', '') ?? '';
    const stream = new PassThrough();
    for (const line of source) {
      if (line.timestamp >= since)
        stream.write(`${line.timestamp} ${line.text}\n`);
    }
    if (!request.follow) {
      stream.end();
      return stream;
    }
    const open = { key: request.container, stream };
    this.streams.add(open);
    signal.addEventListener('abort', () => {
      this.streams.delete(open);
      stream.destroy();
    });
    return stream;
  }
}

/** The in-memory bus with a switch to fail produces, before or after storing. */
export class FlakyBusClient implements LogBusClient {
  readonly inner = new InMemoryLogBusClient();
  mode: 'up' | 'down' | 'store-then-fail' | 'hang' = 'up';
  private hung: Array<() => void> = [];

  ensureTopic(topic: string, settings: LogTopicSettings) {
    if (this.mode === 'down') return Promise.reject(new Error('broker down'));
    return this.inner.ensureTopic(topic, settings);
  }

  async produce(topic: string, records: LogBusRecord[]) {
    if (this.mode === 'down') throw new Error('broker down');
    if (this.mode === 'hang') {
      await new Promise<void>(resolve => this.hung.push(resolve));
    }
    await this.inner.produce(topic, records);
    if (this.mode === 'store-then-fail') throw new Error('ack lost');
  }

  /** Lets hung produces through. */
  release() {
    this.mode = 'up';
    const hung = this.hung;
    this.hung = [];
    hung.forEach(resolve => resolve());
  }

  partitionOffsets(topic: string): Promise<PartitionOffsets[]> {
    if (this.mode === 'down') return Promise.reject(new Error('broker down'));
    return this.inner.partitionOffsets(topic);
  }

  offsetsForTime(topic: string, timestamp: number) {
    return this.inner.offsetsForTime(topic, timestamp);
  }

  read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
    _onError: (error: Error) => void,
  ): Promise<LogBusReader> {
    // The in-memory bus never fails a reader.
    return this.inner.read(topic, start, onRecords);
  }

  close() {
    return this.inner.close();
  }
}

/** Every record of a topic, partition by partition. */
export async function topicRecords(
  client: LogBusClient,
  topic: string,
): Promise<ConsumedLogBusRecord[]> {
  const offsets = await client.partitionOffsets(topic);
  const out: ConsumedLogBusRecord[] = [];
  const want = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  if (want === 0) return out;
  let reader: LogBusReader | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('timed out reading topic')),
        30_000,
      );
      client
        .read(
          topic,
          new Map(offsets.map(p => [p.partition, p.low])),
          records => {
            out.push(...records);
            if (out.length >= want) resolve();
          },
          reject,
        )
        .then(r => {
          reader = r;
        }, reject);
    });
  } finally {
    clearTimeout(timer);
    await reader?.close();
  }
  return out;
}

export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 25));
    }
  }
}

/** The value of one series of a metric; 0 before the series is first set. */
export async function metricValue(
  metric: Counter<string> | Gauge<string>,
  labels: Record<string, string> = {},
): Promise<number> {
  const key = (l: object) => JSON.stringify(Object.entries(l).sort());
  const { values } = await metric.get();
  return values.find(v => key(v.labels) === key(labels))?.value ?? 0;
}
