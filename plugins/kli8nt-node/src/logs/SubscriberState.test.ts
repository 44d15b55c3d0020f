import { makeLines, topicSettings } from '../testing/logBus';
import { waitFor } from '../testing/testenv';
import { ConsumedLogBusRecord } from './client';
import { InMemoryLogBusClient } from './InMemoryLogBusClient';
import { LogBusSink } from './LogBusSink';
import { LogBusSource } from './LogBusSource';
import { recordBytes } from './LogRing';
import { toBusRecord } from './records';
import { LogLine, LogRecord, LogSubscriberOverflowError } from './types';

const app = 'shop';

/** What a line weighs against a subscriber's byte budget. */
const bytesOf = (lines: LogLine[]) =>
  lines.reduce(
    (sum, line) =>
      sum + recordBytes({ ...toBusRecord(line), partition: 0, offset: '0' }),
    0,
  );

const texts = (records: LogRecord[]) => records.map(r => r.line);

/** The in-memory bus, telling where each reader it opens starts. */
class WatchedClient extends InMemoryLogBusClient {
  onRead?: (start: Map<number, string>) => void;

  read(
    topic: string,
    start: Map<number, string>,
    onRecords: (records: ConsumedLogBusRecord[]) => void,
  ) {
    this.onRead?.(start);
    return super.read(topic, start, onRecords);
  }
}

describe('a log subscriber’s byte budget', () => {
  let client: WatchedClient;
  let sink: LogBusSink;
  let source: LogBusSource;
  const setup = (bytes: number, ring = 1000) => {
    client = new WatchedClient();
    sink = new LogBusSink({
      client,
      topic: topicSettings,
      batchSize: 500,
      lingerMs: 1,
    });
    source = new LogBusSource({
      client,
      topic: topicSettings,
      ringBufferSize: ring,
      subscriberBufferSize: 10_000,
      subscriberBufferBytes: bytes,
    });
  };
  const append = async (lines: LogLine[]) => {
    await sink.append(app, lines);
    await sink.flush();
  };
  afterEach(async () => {
    await source.close();
    await sink.close();
  });

  /** A subscriber stuck on its first batch until `release()` (a stalled socket). */
  async function stalled() {
    const records: LogRecord[] = [];
    const errors: Error[] = [];
    let release!: () => void;
    const blocked = new Promise<void>(r => {
      release = r;
    });
    const subscription = await source.subscribe(
      app,
      { tail: 0 },
      {
        onRecords: async batch => {
          records.push(...batch);
          await blocked;
        },
        onError: e => errors.push(e),
      },
    );
    return { records, errors, release, subscription };
  }

  function collect() {
    const records: LogRecord[] = [];
    const errors: Error[] = [];
    return {
      records,
      errors,
      subscriber: {
        onRecords: (batch: LogRecord[]) => {
          records.push(...batch);
        },
        onError: (e: Error) => errors.push(e),
      },
    };
  }

  it('queues live lines up to the budget behind a stalled subscriber, then delivers all of them', async () => {
    const lines = makeLines(21);
    setup(bytesOf(lines.slice(1)));
    const slow = await stalled();
    const fast = collect();
    await source.subscribe(app, { tail: 0 }, fast.subscriber);
    await append(lines.slice(0, 1));
    await waitFor(() => slow.records.length === 1, 5000, 'the first line');
    // Exactly the budget queued behind it.
    for (let i = 1; i < 21; i += 5) await append(lines.slice(i, i + 5));
    await waitFor(() => fast.records.length === 21, 5000, 'the fast one');
    slow.release();
    await waitFor(() => slow.records.length === 21, 5000, 'all lines');
    expect(slow.errors).toEqual([]);
    expect(texts(slow.records)).toEqual(lines.map(l => l.line));
  });

  it('cuts off a subscriber that queues more, saying why and where to resume, losing nothing', async () => {
    const lines = makeLines(22);
    const budget = bytesOf(lines.slice(1, 21));
    setup(budget);
    const slow = await stalled();
    const fast = collect();
    await source.subscribe(app, { tail: 0 }, fast.subscriber);
    await append(lines.slice(0, 1));
    await waitFor(() => slow.records.length === 1, 5000, 'the first line');
    for (let i = 1; i < 22; i += 7) await append(lines.slice(i, i + 7));
    await waitFor(() => slow.errors.length === 1, 5000, 'the cut');
    const [error] = slow.errors;
    expect(error).toBeInstanceOf(LogSubscriberOverflowError);
    expect(error.message).toBe(
      `Log subscriber fell behind and was disconnected (over subscriberBufferBytes: more than ${budget} bytes of live records queued); resume from its cursor`,
    );
    const { cursor } = error as LogSubscriberOverflowError;
    // After the batch it was handed last: that batch is sent again.
    expect(cursor).toBe(slow.subscription.cursor);
    await waitFor(() => fast.records.length === 22, 5000, 'the fast one');
    expect(fast.errors).toEqual([]);
    const resumed = collect();
    await source.subscribe(app, { cursor }, resumed.subscriber);
    await waitFor(() => resumed.records.length === 22, 5000, 'the resumed');
    expect(texts(resumed.records)).toEqual(lines.map(l => l.line));
  });

  it('never cuts off a subscriber that takes its records at once, however large one delivery', async () => {
    const lines = makeLines(2000);
    setup(bytesOf(lines.slice(0, 5)));
    const sync = collect();
    await source.subscribe(app, { tail: 0 }, sync.subscriber);
    await append(lines);
    await waitFor(() => sync.records.length === 2000, 5000, 'all lines');
    expect(sync.errors).toEqual([]);
    expect(texts(sync.records)).toEqual(lines.map(l => l.line));
  });

  it('reads a replay older than the ring at most the budget ahead of a slow subscriber, in order', async () => {
    const lines = makeLines(1000, { prefix: 'line-padded-to-a-fixed-size' });
    const budget = bytesOf(lines.slice(0, 100));
    setup(budget, 10);
    await append(lines);
    const slow = collect();
    const starts: { offset: number; received: number }[] = [];
    client.onRead = start =>
      starts.push({
        offset: Number(start.get(0)),
        received: slow.records.length,
      });
    await source.subscribe(
      app,
      { tail: 1000 },
      {
        onRecords: async batch => {
          slow.subscriber.onRecords(batch);
          await new Promise(r => setTimeout(r, 1));
        },
        onError: slow.subscriber.onError,
      },
    );
    await waitFor(() => slow.records.length === 1000, 10_000, 'the replay');
    expect(slow.errors).toEqual([]);
    expect(texts(slow.records)).toEqual(lines.map(l => l.line));
    // The tail's reader, then windows of the range 0–990 read from Kafka.
    const windows = starts.filter(s => s.offset < 990);
    expect(windows.length).toBeGreaterThan(5);
    for (const { offset, received } of windows) {
      // Read ahead of what it was handed: at most half the budget.
      expect(bytesOf(lines.slice(received, offset))).toBeLessThanOrEqual(
        budget / 2,
      );
    }
  });
});
