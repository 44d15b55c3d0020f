import { ConsumedLogBusRecord } from './client';
import { recordBytes } from './LogRing';
import { encodeCursor, nextOffset, offsetLess, toLogRecord } from './records';
import { LogRecord, LogSubscriber, LogSubscriberOverflowError } from './types';

const DELIVERY_BATCH = 500;

/** What one subscriber may hold queued. */
export interface SubscriberLimits {
  /** Live records queued behind it (`subscriberBufferSize`). */
  records: number;
  /**
   * Bytes ({@link recordBytes}) of live records queued behind it
   * (`subscriberBufferBytes`), and of replayed records read ahead of it.
   */
  bytes: number;
}

/**
 * The queue of one subscription. Its replay (the records already in the
 * topic when it subscribed) is paced: what is read from Kafka comes in
 * windows of at most `limits.bytes` ({@link SubscriberState.replayFull}), so
 * a slow subscriber holds a bounded part of a long history. Live records
 * queued behind it beyond either limit cut it off with a
 * {@link LogSubscriberOverflowError} carrying the cursor to resume from, so
 * nothing is lost unannounced.
 */
export class SubscriberState {
  readonly next: Map<number, string>;
  catchingUp = true;
  closed = false;
  cursor: string;
  /** Next offset per partition when it subscribed: records before it are replay. */
  readonly #liveFrom: Map<number, string>;
  #queue: LogRecord[] = [];
  #sizes: number[] = [];
  #replayed: boolean[] = [];
  #queuedBytes = 0;
  #replayQueued = 0;
  #replayBytes = 0;
  /** Live records while it catches up, and those of them not replay. */
  #pendingLive: ConsumedLogBusRecord[] = [];
  #pendingCount = 0;
  #pendingBytes = 0;
  #wakeReplay?: () => void;
  #pumping = false;

  constructor(
    readonly app: string,
    offsets: { start: Map<number, string>; liveFrom: Map<number, string> },
    readonly subscriber: LogSubscriber,
    readonly limits: SubscriberLimits,
    readonly onClose: (state: SubscriberState) => void,
  ) {
    this.next = new Map(offsets.start);
    this.#liveFrom = offsets.liveFrom;
    this.cursor = encodeCursor(this.next);
  }

  /** True while the replay read ahead holds the byte budget: read no more. */
  get replayFull(): boolean {
    return this.#replayBytes >= this.limits.bytes;
  }

  /** Resolves once the replay queue is down to half the budget, or closed. */
  replayRoom(): Promise<void> {
    if (this.closed || this.#replayBytes <= this.limits.bytes / 2) {
      return Promise.resolve();
    }
    return new Promise(resolve => {
      this.#wakeReplay = resolve;
    });
  }

  /** Queues a replayed record; replays are finite and never cut off. */
  replay(record: ConsumedLogBusRecord) {
    if (this.#accept(record, true)) this.pump();
  }

  /** Records of the shared live stream, one delivery of the bus. */
  live(records: ConsumedLogBusRecord[]) {
    if (this.closed) return;
    if (this.catchingUp) {
      for (const record of records) {
        this.#pendingLive.push(record);
        if (this.#isReplay(record)) continue;
        this.#pendingCount++;
        this.#pendingBytes += recordBytes(record);
      }
      this.#checkLive(this.#pendingCount, this.#pendingBytes);
      return;
    }
    for (const record of records) this.#accept(record, this.#isReplay(record));
    this.pump();
    // Checked after the pump: a subscriber that takes its records at once
    // never falls behind, however large one delivery is.
    this.#checkLive(
      this.#queue.length - this.#replayQueued,
      this.#queuedBytes - this.#replayBytes,
    );
  }

  /** The replay read from Kafka is queued: the ring and the live lines that came meanwhile follow. */
  caughtUp(ring: ConsumedLogBusRecord[]) {
    for (const record of ring) this.#accept(record, true);
    const pending = this.#pendingLive;
    this.#pendingLive = [];
    this.#pendingCount = this.#pendingBytes = 0;
    this.catchingUp = false;
    for (const record of pending) this.#accept(record, true);
    this.pump();
  }

  fail(error: Error) {
    if (this.closed) return;
    this.close();
    this.subscriber.onError?.(error);
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.#queue = [];
    this.#sizes = [];
    this.#replayed = [];
    this.#queuedBytes = this.#replayQueued = this.#replayBytes = 0;
    this.#pendingLive = [];
    this.#pendingCount = this.#pendingBytes = 0;
    this.#wake();
    this.onClose(this);
  }

  async pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.closed && this.#queue.length > 0) {
        const batch = this.#take(DELIVERY_BATCH);
        const delivered = this.subscriber.onRecords(batch);
        // A subscriber that returns no promise has taken the batch already.
        if (delivered) await delivered;
        this.cursor = batch[batch.length - 1].cursor;
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.#pumping = false;
    }
  }

  /** Queues a record not yet seen; false for one it already had. */
  #accept(record: ConsumedLogBusRecord, replayed: boolean): boolean {
    if (this.closed) return false;
    const expected = this.next.get(record.partition);
    if (expected !== undefined && offsetLess(record.offset, expected)) {
      return false;
    }
    this.next.set(record.partition, nextOffset(record.offset));
    const size = recordBytes(record);
    this.#queue.push(toLogRecord(this.app, record, encodeCursor(this.next)));
    this.#sizes.push(size);
    this.#replayed.push(replayed);
    this.#queuedBytes += size;
    if (replayed) {
      this.#replayQueued++;
      this.#replayBytes += size;
    }
    return true;
  }

  #take(count: number): LogRecord[] {
    const batch = this.#queue.splice(0, count);
    const sizes = this.#sizes.splice(0, batch.length);
    const replayed = this.#replayed.splice(0, batch.length);
    for (let i = 0; i < sizes.length; i++) {
      this.#queuedBytes -= sizes[i];
      if (replayed[i]) {
        this.#replayQueued--;
        this.#replayBytes -= sizes[i];
      }
    }
    if (this.#replayBytes <= this.limits.bytes / 2) this.#wake();
    return batch;
  }

  /** Already in the topic when it subscribed, though read by the live stream. */
  #isReplay(record: ConsumedLogBusRecord): boolean {
    const from = this.#liveFrom.get(record.partition);
    return from !== undefined && offsetLess(record.offset, from);
  }

  #checkLive(records: number, bytes: number) {
    const { limits } = this;
    let over: string | undefined;
    if (records > limits.records) {
      over = `over subscriberBufferSize: more than ${limits.records} live records queued`;
    } else if (bytes > limits.bytes) {
      over = `over subscriberBufferBytes: more than ${limits.bytes} bytes of live records queued`;
    }
    if (over) this.fail(new LogSubscriberOverflowError(this.cursor, over));
  }

  #wake() {
    const wake = this.#wakeReplay;
    this.#wakeReplay = undefined;
    wake?.();
  }
}
