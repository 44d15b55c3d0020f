import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  DEFAULT_RING_BUFFER_BYTES,
  DEFAULT_SUBSCRIBER_BUFFER_BYTES,
  LogTopicSettings,
} from '../config';
import { ConsumedLogBusRecord, LogBusClient, LogBusReader } from './client';
import { LogRing } from './LogRing';
import { decodeCursor, nextOffset, offsetLess } from './records';
import { readReplayRange } from './replayRange';
import { SubscriberLimits, SubscriberState } from './SubscriberState';
import {
  LogReplayFrom,
  LogSource,
  LogSubscriber,
  LogSubscription,
} from './types';

class Tail {
  refs = 0;
  closed = false;
  readonly ring: LogRing;
  readonly next = new Map<number, string>();
  readonly subscribers = new Set<SubscriberState>();
  reader?: LogBusReader;

  constructor(ringSize: number, ringBytes: number) {
    this.ring = new LogRing(ringSize, ringBytes);
  }

  onRecords = (records: ConsumedLogBusRecord[]) => {
    for (const record of records) {
      this.next.set(record.partition, nextOffset(record.offset));
      this.ring.push(record);
    }
    for (const subscriber of this.subscribers) subscriber.live(records);
  };
}

/**
 * A {@link LogSource} over any {@link LogBusClient}. One live reader per app
 * per process, shared by reference-counted subscribers and feeding a ring
 * buffer bounded in records and bytes (filled with the newest lines when the
 * reader starts); replays older than the ring use short-lived group-less
 * readers, a window of the subscriber's byte budget at a time.
 * Each subscriber has its own queue (`SubscriberState`), bounded in
 * records and bytes, so a slow one never stalls the others.
 *
 * @public
 */
export class LogBusSource implements LogSource {
  readonly #client: LogBusClient;
  readonly #topic: LogTopicSettings;
  readonly #ringBufferSize: number;
  readonly #ringBufferBytes: number;
  readonly #limits: SubscriberLimits;
  readonly #tails = new Map<string, Promise<Tail>>();
  readonly #states = new Set<SubscriberState>();
  readonly #catchUps = new Set<LogBusReader>();
  #closed = false;

  constructor(options: {
    client: LogBusClient;
    topic: LogTopicSettings;
    ringBufferSize: number;
    /** Bytes of records the ring of one app holds at most. Default 16 MiB. */
    ringBufferBytes?: number;
    subscriberBufferSize: number;
    /** Bytes queued per subscriber, live or read ahead of it. Default 16 MiB. */
    subscriberBufferBytes?: number;
  }) {
    this.#client = options.client;
    this.#topic = options.topic;
    this.#ringBufferSize = options.ringBufferSize;
    this.#ringBufferBytes =
      options.ringBufferBytes ?? DEFAULT_RING_BUFFER_BYTES;
    this.#limits = {
      records: options.subscriberBufferSize,
      bytes: options.subscriberBufferBytes ?? DEFAULT_SUBSCRIBER_BUFFER_BYTES,
    };
  }

  async subscribe(
    app: string,
    from: LogReplayFrom,
    subscriber: LogSubscriber,
  ): Promise<LogSubscription> {
    if (this.#closed) throw new Error('Log source is closed');
    const topic = logTopicName(app);
    const tail = await this.#acquire(app, topic);
    let state: SubscriberState | undefined;
    try {
      const { start, high } = await this.#startOffsets(topic, from);
      state = new SubscriberState(
        app,
        { start, liveFrom: high },
        subscriber,
        this.#limits,
        s => this.#release(app, tail, s),
      );
      this.#states.add(state);
      tail.subscribers.add(state);
      const ring = tail.ring.records();
      const tailNext = new Map(tail.next);
      this.#catchUp(topic, state, ring, tailNext).catch(error =>
        state!.fail(error),
      );
    } catch (error) {
      if (state) state.close();
      else this.#release(app, tail);
      throw error;
    }
    const s = state;
    return {
      get cursor() {
        return s.cursor;
      },
      close: async () => s.close(),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const state of [...this.#states]) state.close();
    await Promise.all([...this.#catchUps].map(r => r.close()));
    const tails = await Promise.allSettled([...this.#tails.values()]);
    for (const tail of tails) {
      if (tail.status === 'fulfilled') await tail.value.reader?.close();
    }
    this.#tails.clear();
  }

  async #startOffsets(
    topic: string,
    from: LogReplayFrom,
  ): Promise<{ start: Map<number, string>; high: Map<number, string> }> {
    const offsets = await this.#client.partitionOffsets(topic);
    const start = new Map<number, string>();
    let wanted: (partition: number, low: string, high: string) => string;
    if ('cursor' in from) {
      const cursor = decodeCursor(from.cursor);
      wanted = (p, low) => cursor.get(p) ?? low;
    } else if ('tail' in from) {
      const n = BigInt(Math.max(0, Math.floor(from.tail)));
      wanted = (_p, _low, high) => (BigInt(high) - n).toString();
    } else {
      const ms = new Date(from.sinceTime).getTime();
      if (Number.isNaN(ms)) throw new Error('Invalid sinceTime');
      const byTime = await this.#client.offsetsForTime(topic, ms);
      wanted = (p, _low, high) => byTime.get(p) ?? high;
    }
    for (const { partition, low, high } of offsets) {
      let offset = wanted(partition, low, high);
      if (offsetLess(offset, low)) offset = low;
      if (offsetLess(high, offset)) offset = high;
      start.set(partition, offset);
    }
    return {
      start,
      high: new Map(offsets.map(({ partition, high }) => [partition, high])),
    };
  }

  async #catchUp(
    topic: string,
    state: SubscriberState,
    ring: ConsumedLogBusRecord[],
    tailNext: Map<number, string>,
  ) {
    const targets = new Map<number, string>();
    for (const [partition, next] of state.next) {
      const first = ring.find(r => r.partition === partition);
      const target = first?.offset ?? tailNext.get(partition) ?? next;
      if (offsetLess(next, target)) targets.set(partition, target);
    }
    if (targets.size > 0) {
      await readReplayRange(
        { client: this.#client, topic, state, readers: this.#catchUps },
        targets,
      );
    }
    if (!state.closed) state.caughtUp(ring);
  }

  #acquire(app: string, topic: string): Promise<Tail> {
    let tail = this.#tails.get(app);
    if (!tail) {
      tail = this.#startTail(app, topic);
      this.#tails.set(app, tail);
      tail.catch(() => this.#tails.delete(app));
    }
    return tail.then(t => {
      if (t.closed) return this.#acquire(app, topic);
      t.refs++;
      return t;
    });
  }

  async #startTail(app: string, topic: string): Promise<Tail> {
    await this.#client.ensureTopic(topic, this.#topic);
    const tail = new Tail(this.#ringBufferSize, this.#ringBufferBytes);
    // Start a ring's worth back, so that the usual replays (the newest lines)
    // of every viewer come from memory instead of a Kafka read each.
    const back = BigInt(this.#ringBufferSize);
    for (const { partition, low, high } of await this.#client.partitionOffsets(
      topic,
    )) {
      const start = BigInt(high) - back;
      tail.next.set(partition, start > BigInt(low) ? String(start) : low);
    }
    tail.reader = await this.#client.read(
      topic,
      new Map(tail.next),
      tail.onRecords,
      error => {
        this.#tails.delete(app);
        for (const s of [...tail.subscribers]) s.fail(error);
      },
    );
    return tail;
  }

  #release(app: string, tail: Tail, state?: SubscriberState) {
    if (state) {
      this.#states.delete(state);
      if (!tail.subscribers.delete(state)) return;
    }
    tail.refs--;
    if (tail.refs <= 0 && !this.#closed) {
      tail.closed = true;
      this.#tails.delete(app);
      tail.reader?.close().catch(() => undefined);
    }
  }
}
