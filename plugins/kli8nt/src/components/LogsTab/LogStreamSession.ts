import {
  LOG_STREAM_CLOSE_CODES,
  type LogLine,
  type LogSource,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { Kli8ntApi } from '../../api/Kli8ntApi';
import { OffsetTracker } from './OffsetTracker';

/** Close codes after which reconnecting cannot help, with what to tell the user. */
const FATAL_CLOSE_MESSAGES: ReadonlyMap<number, string> = new Map([
  [LOG_STREAM_CLOSE_CODES.invalid_request, 'The log request was not valid.'],
  [
    LOG_STREAM_CLOSE_CODES.missing_token,
    'You are not signed in, or your session expired. Reload the page.',
  ],
  [
    LOG_STREAM_CLOSE_CODES.not_allowed,
    'You do not have permission to read the logs of this service.',
  ],
  [
    LOG_STREAM_CLOSE_CODES.not_found,
    'There are no logs for this service or deployment.',
  ],
  [
    LOG_STREAM_CLOSE_CODES.too_many_connections,
    'You have too many log views open. Close some other tabs showing logs, then reload this page.',
  ],
]);

export type LogStreamStatus =
  | 'connecting'
  | 'live'
  | 'reconnecting'
  | 'error'
  | 'closed';

export interface LogStreamState {
  /**
   * Every line received so far, oldest first. The array is appended to in
   * place; `version` changes whenever it does.
   */
  lines: LogLine[];
  version: number;
  /** Lines the server reported it had to skip (slow consumer). */
  dropped: number;
  /**
   * Older lines the server did not replay because the history asked for is
   * longer than its `kli8nt.logs.maxReplayLines`.
   */
  notReplayed: number;
  status: LogStreamStatus;
  /** Why the stream stopped for good, in plain words. */
  error?: string;
  /** Connection attempts since the stream last delivered a line. */
  attempts: number;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocket;

export interface LogStreamSessionOptions {
  api: Pick<Kli8ntApi, 'getLogStreamTarget'>;
  entityRef: string;
  deploymentId?: string;
  source?: LogSource;
  /** Newest lines to replay on the first connection. */
  tail?: number;
  /** Most lines kept in memory; older ones are forgotten. */
  maxLines?: number;
  /** Milliseconds between published states while lines stream in. */
  flushIntervalMs?: number;
  /** Delay before the first reconnect; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  webSocketFactory?: WebSocketFactory;
  /** Source of the reconnect jitter, in [0, 1). */
  random?: () => number;
}

function isLogLine(value: unknown): value is LogLine {
  const v = value as Partial<LogLine> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.line === 'string' &&
    typeof v.offset === 'string'
  );
}

function droppedFrame(
  value: unknown,
): { count: number; replayLimit: boolean } | undefined {
  const v = value as { type?: unknown; count?: unknown; reason?: unknown };
  return typeof v === 'object' &&
    v !== null &&
    v.type === 'dropped' &&
    typeof v.count === 'number'
    ? { count: v.count, replayLimit: v.reason === 'replay_limit' }
    : undefined;
}

/**
 * One app's log stream over the logs WebSocket, without any UI framework.
 * Replays the tail, follows live lines, reconnects with jittered
 * exponential backoff after a dropped connection and resumes after the
 * newest line received, so reconnects neither lose nor repeat lines.
 * Listeners get a new state at most every `flushIntervalMs` while lines
 * stream in, and at once when the connection status changes.
 */
export class LogStreamSession {
  readonly #options: Required<
    Omit<LogStreamSessionOptions, 'deploymentId' | 'source'>
  > &
    Pick<LogStreamSessionOptions, 'deploymentId' | 'source'>;
  readonly #listeners = new Set<(state: LogStreamState) => void>();
  readonly #offsets = new OffsetTracker();
  readonly #lines: LogLine[] = [];
  #state: LogStreamState;
  #version = 0;
  #dropped = 0;
  #notReplayed = 0;
  #attempts = 0;
  #status: LogStreamStatus = 'connecting';
  #error: string | undefined;
  #closed = false;
  #started = false;
  #socket: WebSocket | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** False once the server refused a resume point: replay the tail instead. */
  #resume = true;

  constructor(options: LogStreamSessionOptions) {
    this.#options = {
      ...options,
      tail: options.tail ?? 1000,
      maxLines: options.maxLines ?? 200_000,
      flushIntervalMs: options.flushIntervalMs ?? 100,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      webSocketFactory:
        options.webSocketFactory ??
        ((url, protocols) => new WebSocket(url, protocols)),
      random: options.random ?? Math.random,
    };
    this.#state = this.#snapshot();
  }

  /** The latest published state. */
  get state(): LogStreamState {
    return this.#state;
  }

  /** Calls `listener` with each new state; returns the unsubscribe. */
  subscribe(listener: (state: LogStreamState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Opens the first connection. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    void this.#connect();
  }

  /** Closes the socket and stops every timer; publishes nothing more. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#status = 'closed';
    this.#state = this.#snapshot();
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#flushTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000);
    }
  }

  #snapshot(): LogStreamState {
    return {
      lines: this.#lines,
      version: this.#version,
      dropped: this.#dropped,
      notReplayed: this.#notReplayed,
      status: this.#status,
      error: this.#error,
      attempts: this.#attempts,
    };
  }

  #publish = () => {
    this.#flushTimer = undefined;
    if (this.#closed) return;
    this.#state = this.#snapshot();
    for (const listener of this.#listeners) listener(this.#state);
  };

  #publishNow() {
    clearTimeout(this.#flushTimer);
    this.#publish();
  }

  #publishSoon() {
    this.#flushTimer ??= setTimeout(
      this.#publish,
      this.#options.flushIntervalMs,
    );
  }

  #reconnect() {
    const { initialBackoffMs, maxBackoffMs, random } = this.#options;
    const delay = Math.min(
      maxBackoffMs,
      initialBackoffMs * 2 ** Math.max(0, this.#attempts - 1),
    );
    this.#status = 'reconnecting';
    this.#publishNow();
    this.#reconnectTimer = setTimeout(
      () => void this.#connect(),
      delay * (0.75 + random() / 2),
    );
  }

  async #connect() {
    this.#reconnectTimer = undefined;
    if (this.#closed) return;
    this.#attempts += 1;
    const { api, entityRef, deploymentId, source, tail } = this.#options;
    const resumeAt = this.#resume ? this.#offsets.resumePoint() : undefined;
    let target;
    try {
      target = await api.getLogStreamTarget({
        entityRef,
        deploymentId,
        source,
        ...(resumeAt ?? { tail }),
      });
    } catch {
      if (!this.#closed) this.#reconnect();
      return;
    }
    if (this.#closed) return;
    const ws = this.#options.webSocketFactory(target.url, target.protocols);
    this.#socket = ws;
    ws.onopen = () => {
      this.#status = 'live';
      this.#publishNow();
    };
    ws.onmessage = event => this.#receive(event.data);
    ws.onclose = event => {
      if (this.#closed || this.#socket !== ws) return;
      this.#socket = undefined;
      this.#closedBy(event, resumeAt !== undefined);
    };
  }

  #receive(data: unknown) {
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    const dropped = droppedFrame(frame);
    if (dropped?.replayLimit) {
      this.#notReplayed += dropped.count;
    } else if (dropped) {
      this.#dropped += dropped.count;
    } else if (isLogLine(frame)) {
      if (!this.#offsets.accept(frame)) return;
      const { maxLines } = this.#options;
      this.#lines.push(frame);
      if (this.#lines.length > maxLines) {
        this.#lines.splice(0, this.#lines.length - Math.floor(maxLines * 0.9));
      }
      this.#attempts = 0;
    } else {
      return;
    }
    this.#version += 1;
    if (this.#status !== 'live') {
      // A frame proves the connection open, even before its open event.
      this.#status = 'live';
      this.#publishNow();
    } else {
      this.#publishSoon();
    }
  }

  #closedBy(event: { code: number; reason?: string }, resumed: boolean) {
    if (
      event.code === LOG_STREAM_CLOSE_CODES.invalid_request &&
      resumed &&
      this.#resume
    ) {
      // A resume point the backend does not accept (such as an expired
      // cursor): fall back to a tail replay, de-duplicated by offset.
      this.#resume = false;
      this.#reconnect();
      return;
    }
    const fatal = FATAL_CLOSE_MESSAGES.get(event.code);
    if (fatal) {
      this.#status = 'error';
      this.#error = fatal;
      this.#publishNow();
      return;
    }
    this.#reconnect();
  }
}
