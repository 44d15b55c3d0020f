/**
 * Where a log line came from.
 *
 * @public
 */
export type LogLineSource = 'build' | 'runtime';

/**
 * One log line of an app's container.
 *
 * @public
 */
export interface LogLine {
  deploymentId: string;
  source: LogLineSource;
  pod: string;
  container: string;
  /** ISO timestamp of the line (from the container runtime). */
  timestamp: string;
  line: string;
}

/**
 * A log line read back from the bus, with the cursor to resume after it.
 *
 * @public
 */
export interface LogRecord extends LogLine {
  app: string;
  partition: number;
  offset: string;
  /** Opaque position right after this record; pass it as `{ cursor }` to resume. */
  cursor: string;
}

/**
 * Appends log lines to an app's log (a Kafka topic per app in production).
 *
 * @public
 */
export interface LogSink {
  /** Batches the lines; resolves once they are stored by the broker. */
  append(app: string, lines: LogLine[]): Promise<void>;
  /** Sends every batched line now. */
  flush(): Promise<void>;
  /** Flushes and releases the connection. */
  close(): Promise<void>;
}

/**
 * Where a subscription starts.
 *
 * @public
 */
export type LogReplayFrom =
  | { sinceTime: Date | string }
  | { tail: number }
  | { cursor: string };

/**
 * Receives records of one subscription, in order per container. The next
 * batch is sent once the returned promise settles, so a subscriber may pace
 * its replay (which is read ahead by at most `subscriberBufferBytes`); one
 * with more live records queued than the configured buffer
 * (`subscriberBufferSize` records or `subscriberBufferBytes` bytes) is cut
 * off with {@link LogSubscriberOverflowError} (resume with its cursor).
 * A subscriber returning no promise takes each batch at once.
 *
 * @public
 */
export interface LogSubscriber {
  onRecords(records: LogRecord[]): void | Promise<void>;
  onError?(error: Error): void;
}

/**
 * A running subscription.
 *
 * @public
 */
export interface LogSubscription {
  /** Cursor after the last record handed to the subscriber. */
  readonly cursor: string;
  close(): Promise<void>;
}

/**
 * Reads an app's log: replay then follow live.
 *
 * @public
 */
export interface LogSource {
  subscribe(
    app: string,
    from: LogReplayFrom,
    subscriber: LogSubscriber,
  ): Promise<LogSubscription>;
  close(): Promise<void>;
}

/**
 * Raised to a subscriber that fell too far behind. Subscribe again with
 * `{ cursor: error.cursor }` to continue without losing lines.
 *
 * @public
 */
export class LogSubscriberOverflowError extends Error {
  readonly cursor: string;

  /** `reason`: which buffer it overran, and by how much. */
  constructor(cursor: string, reason?: string) {
    super(
      `Log subscriber fell behind and was disconnected${
        reason ? ` (${reason})` : ''
      }; resume from its cursor`,
    );
    this.name = 'LogSubscriberOverflowError';
    this.cursor = cursor;
  }
}
