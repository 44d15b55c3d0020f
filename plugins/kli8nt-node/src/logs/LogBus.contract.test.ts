import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  clientCases,
  deleteTopics,
  makeLines,
  topicSettings,
} from '../testing/logBus';
import { uniqueSuffix, waitFor } from '../testing/testenv';
import { LogBusClient } from './client';
import { LogBusSink } from './LogBusSink';
import { LogBusSource } from './LogBusSource';
import { LogRecord, LogSubscriberOverflowError } from './types';

jest.setTimeout(60_000);

const topics: string[] = [];
afterAll(() => deleteTopics(topics));

function newApp() {
  const app = `t-${uniqueSuffix()}`;
  topics.push(logTopicName(app));
  return app;
}

const cases = clientCases();

it('has every client available when the testenv is required', () => {
  expect(
    cases.filter(([, status]) => status === 'missing').map(([n]) => n),
  ).toEqual([]);
});

describe.each(cases.filter(([, status]) => status === 'available'))(
  'log bus contract: %s',
  (_name, _status, make) => {
    let client: LogBusClient;
    let sink: LogBusSink;
    let source: LogBusSource;
    const setup = (
      options: {
        ring?: number;
        ringBytes?: number;
        buffer?: number;
        bufferBytes?: number;
      } = {},
    ) => {
      sink = new LogBusSink({
        client,
        topic: topicSettings,
        batchSize: 100,
        lingerMs: 10,
      });
      source = new LogBusSource({
        client,
        topic: topicSettings,
        ringBufferSize: options.ring ?? 1000,
        ringBufferBytes: options.ringBytes,
        subscriberBufferSize: options.buffer ?? 10_000,
        subscriberBufferBytes: options.bufferBytes,
      });
    };
    beforeEach(() => {
      client = make();
      setup();
    });
    afterEach(async () => {
      await source.close();
      await sink.close();
      await client.close();
    });

    const collect = () => {
      const records: LogRecord[] = [];
      const errors: Error[] = [];
      return {
        records,
        errors,
        subscriber: {
          onRecords: (batch: LogRecord[]) => {
            records.push(...batch);
          },
          onError: (error: Error) => {
            errors.push(error);
          },
        },
      };
    };
    const lines = (records: LogRecord[]) => records.map(r => r.line);
    const big = (n: number, from: number) =>
      makeLines(n, { from }).map(l => ({ ...l, line: l.line.padEnd(1024) }));

    it('creates the topic on demand and replays the last N lines with metadata', async () => {
      const app = newApp();
      await sink.append(app, makeLines(30));
      const c = collect();
      await source.subscribe(app, { tail: 10 }, c.subscriber);
      await waitFor(() => c.records.length >= 10, 20_000, '10 records');
      expect(lines(c.records)).toEqual(
        makeLines(10, { from: 20 }).map(l => l.line),
      );
      expect(c.records[0]).toMatchObject({
        app,
        deploymentId: '00000000-0000-4000-8000-000000000001',
        source: 'runtime',
        pod: 'pod-1',
        container: 'web',
        partition: 0,
        offset: '20',
        cursor: '0:21',
      });
    });

    it('replays since a time', async () => {
      const app = newApp();
      await sink.append(app, makeLines(5, { prefix: 'old' }));
      await new Promise(r => setTimeout(r, 50));
      const since = new Date();
      await new Promise(r => setTimeout(r, 50));
      await sink.append(app, makeLines(5, { prefix: 'new' }));
      const c = collect();
      await source.subscribe(app, { sinceTime: since }, c.subscriber);
      await waitFor(() => c.records.length >= 5, 20_000, '5 records');
      await new Promise(r => setTimeout(r, 200));
      expect(lines(c.records)).toEqual(
        makeLines(5, { prefix: 'new' }).map(l => l.line),
      );
    });

    it('replays then follows live lines, once each, in order per container', async () => {
      const app = newApp();
      const containers = ['web', 'sidecar', 'init'];
      await sink.append(app, makeLines(50, { containers }));
      const c = collect();
      await source.subscribe(app, { tail: 1000 }, c.subscriber);
      for (let i = 50; i < 200; i += 25) {
        await sink.append(app, makeLines(25, { containers, from: i }));
      }
      await waitFor(() => c.records.length >= 200, 30_000, '200 records');
      await new Promise(r => setTimeout(r, 200));
      expect(lines(c.records)).toEqual(
        makeLines(200, { containers }).map(l => l.line),
      );
    });

    it('resumes from a cursor after the subscriber reconnects, with no gap or duplicate', async () => {
      const app = newApp();
      await sink.append(app, makeLines(40));
      const first = collect();
      const subscription = await source.subscribe(
        app,
        { tail: 40 },
        first.subscriber,
      );
      await waitFor(() => first.records.length >= 40, 20_000, 'first 40');
      await subscription.close();
      const cursor = subscription.cursor;
      await sink.append(app, makeLines(40, { from: 40 }));
      const second = collect();
      await source.subscribe(app, { cursor }, second.subscriber);
      await sink.append(app, makeLines(20, { from: 80 }));
      await waitFor(() => second.records.length >= 60, 20_000, 'next 60');
      await new Promise(r => setTimeout(r, 200));
      expect([...lines(first.records), ...lines(second.records)]).toEqual(
        makeLines(100).map(l => l.line),
      );
    });

    it('replays beyond the ring buffer with a range read', async () => {
      await source.close();
      setup({ ring: 5 });
      const app = newApp();
      const warm = collect();
      await source.subscribe(app, { tail: 0 }, warm.subscriber);
      await sink.append(app, makeLines(60));
      await waitFor(() => warm.records.length >= 60, 20_000, 'warm tail');
      const c = collect();
      await source.subscribe(app, { tail: 50 }, c.subscriber);
      await sink.append(app, makeLines(10, { from: 60 }));
      await waitFor(() => c.records.length >= 60, 20_000, '60 records');
      await new Promise(r => setTimeout(r, 200));
      expect(lines(c.records)).toEqual(
        makeLines(60, { from: 10 }).map(l => l.line),
      );
    });

    it('keeps the ring within its byte budget: a replay past it is read from the bus', async () => {
      await source.close();
      // Room for fewer than ten of these 1 KiB lines, far fewer than 1000.
      setup({ ring: 1000, ringBytes: 10 * 1024 });
      const reads = jest.spyOn(client, 'read');
      const app = newApp();
      const warm = collect();
      await source.subscribe(app, { tail: 0 }, warm.subscriber);
      await sink.append(app, big(60, 0));
      await waitFor(() => warm.records.length >= 60, 20_000, 'warm tail');
      expect(reads).toHaveBeenCalledTimes(1);
      const c = collect();
      await source.subscribe(app, { tail: 50 }, c.subscriber);
      await waitFor(() => c.records.length >= 50, 20_000, '50 records');
      await new Promise(r => setTimeout(r, 200));
      expect(lines(c.records)).toEqual(big(50, 10).map(l => l.line));
      // The live reader, then one range read for what the ring let go.
      expect(reads).toHaveBeenCalledTimes(2);
    });

    it('reads a replay past the ring in windows of the subscriber byte budget, complete and in order', async () => {
      await source.close();
      // About ten of these 1 KiB lines per window.
      // The tail's first read (the ring's 5 lines) comes while it catches
      // up: replay, not live lines queued behind it.
      setup({ ring: 5, bufferBytes: 10 * 1024 });
      const reads = jest.spyOn(client, 'read');
      const app = newApp();
      await sink.append(app, big(100, 0));
      await sink.flush();
      const records: LogRecord[] = [];
      const errors: Error[] = [];
      await source.subscribe(
        app,
        { tail: 100 },
        {
          onRecords: async batch => {
            records.push(...batch);
            await new Promise(r => setTimeout(r, 5));
          },
          onError: e => errors.push(e),
        },
      );
      await sink.append(app, big(5, 100));
      await waitFor(() => records.length >= 105, 30_000, '105 records');
      await new Promise(r => setTimeout(r, 200));
      expect(errors).toEqual([]);
      expect(lines(records)).toEqual(big(105, 0).map(l => l.line));
      // The live reader, then a window per ~10 lines of the 95 before the ring.
      expect(reads.mock.calls.length).toBeGreaterThan(5);
    });

    it('lets a subscriber pace a replay longer than its buffer, then follow', async () => {
      await source.close();
      setup({ ring: 5, buffer: 20 });
      const app = newApp();
      await sink.append(app, makeLines(100));
      await sink.flush();
      const records: LogRecord[] = [];
      const errors: Error[] = [];
      let release = () => {};
      await source.subscribe(
        app,
        { tail: 100 },
        {
          // Holds each batch until the test lets it go (a slow socket).
          onRecords: batch => {
            records.push(...batch);
            return new Promise<void>(r => {
              release = r;
            });
          },
          onError: e => errors.push(e),
        },
      );
      await waitFor(() => records.length > 0, 20_000, 'first batch');
      // Live lines queued behind the held replay, within the buffer.
      await sink.append(app, makeLines(10, { from: 100 }));
      await sink.flush();
      const deadline = Date.now() + 20_000;
      while (records.length < 110 && errors.length === 0) {
        if (Date.now() > deadline) throw new Error('timed out: 110 records');
        await new Promise(r => setTimeout(r, 20));
        release();
      }
      expect(errors).toEqual([]);
      expect(lines(records)).toEqual(makeLines(110).map(l => l.line));
    });

    it('cuts off a slow subscriber with its cursor without stalling the others', async () => {
      await source.close();
      setup({ buffer: 20 });
      const app = newApp();
      const fast = collect();
      const slowRecords: LogRecord[] = [];
      const slowErrors: Error[] = [];
      let release!: () => void;
      const blocked = new Promise<void>(r => {
        release = r;
      });
      await source.subscribe(app, { tail: 0 }, fast.subscriber);
      const slow = await source.subscribe(
        app,
        { tail: 0 },
        {
          onRecords: async batch => {
            slowRecords.push(...batch);
            await blocked;
          },
          onError: e => slowErrors.push(e),
        },
      );
      await sink.append(app, makeLines(1));
      await waitFor(() => slowRecords.length === 1, 20_000, 'slow gets one');
      for (let i = 1; i < 100; i += 11) {
        await sink.append(app, makeLines(11, { from: i }));
      }
      await waitFor(() => fast.records.length >= 100, 20_000, 'fast gets all');
      await waitFor(() => slowErrors.length === 1, 20_000, 'slow cut off');
      release();
      expect(slowErrors[0]).toBeInstanceOf(LogSubscriberOverflowError);
      const { cursor } = slowErrors[0] as LogSubscriberOverflowError;
      expect(cursor).toBe(slow.cursor);
      const resumed = collect();
      await source.subscribe(app, { cursor }, resumed.subscriber);
      await waitFor(() => resumed.records.length >= 100, 20_000, 'resumed');
      // The batch the slow subscriber never finished is delivered again.
      expect(lines(slowRecords)).toEqual(['line 0']);
      expect(lines(resumed.records)).toEqual(makeLines(100).map(l => l.line));
    });
  },
);
