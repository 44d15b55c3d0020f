import { useEffect, useRef, useState } from 'react';
import {
  LOG_STREAM_CLOSE_CODES,
  type LogLine,
  type LogSource,
} from '@internal/backstage-plugin-kli8nt-common';
import type { Kli8ntApi } from '../../api/Kli8ntApi';

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4404]);

const CLOSE_MESSAGES: Record<number, string> = {
  4400: 'The log request was not valid.',
  4401: 'You are not signed in, or your session expired. Reload the page.',
  4403: 'You do not have permission to read the logs of this service.',
  4404: 'There are no logs for this service or deployment.',
};

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
  status: LogStreamStatus;
  /** Why the stream stopped for good, in plain words. */
  error?: string;
  /** Connection attempts since the stream last delivered a line. */
  attempts: number;
}

export interface LogStreamOptions {
  entityRef: string;
  deploymentId?: string;
  source?: LogSource;
  /** Newest lines to replay on the first connection. */
  tail?: number;
  /** Most lines kept in memory; older ones are forgotten. */
  maxLines?: number;
  /** Milliseconds between renders while lines stream in. */
  flushIntervalMs?: number;
  /** Delay before the first reconnect; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  webSocketFactory?: (url: string, protocols: string[]) => WebSocket;
}

interface DroppedFrame {
  type: 'dropped';
  count: number;
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

function isDropped(value: unknown): value is DroppedFrame {
  const v = value as Partial<DroppedFrame> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.type === 'dropped' &&
    typeof v.count === 'number'
  );
}

/** A line frame may carry the server's resume cursor (`p:o,…`). */
type LineFrame = LogLine & { cursor?: string };

/** Where to resume a stream: the server's cursor, or else an offset. */
export type ResumePoint = { cursor: string } | { offset: string };

/**
 * Tracks the newest offset seen per partition and the server's cursor of
 * the newest line, so that a resumed stream can ask for what comes next and
 * lines replayed twice are recognised.
 */
export class OffsetTracker {
  readonly #last = new Map<number, bigint>();
  #cursor: string | undefined;

  /** Records the line; false if it was already seen. */
  accept(line: Pick<LineFrame, 'offset' | 'partition' | 'cursor'>): boolean {
    const partition = line.partition ?? 0;
    const offset = BigInt(line.offset);
    const last = this.#last.get(partition);
    if (last !== undefined && offset <= last) {
      return false;
    }
    this.#last.set(partition, offset);
    if (line.cursor) this.#cursor = line.cursor;
    return true;
  }

  /**
   * Where to resume after the newest line seen: its cursor if the server
   * sent one, else its offset (meaning "after this offset of partition 0").
   */
  resumePoint(): ResumePoint | undefined {
    if (this.#cursor) {
      return { cursor: this.#cursor };
    }
    if (this.#last.size !== 1 || !this.#last.has(0)) {
      // No single resume point; the tail replay and de-duplication cover it.
      return undefined;
    }
    return { offset: this.#last.get(0)!.toString() };
  }
}

/**
 * Streams an app's log lines over the logs WebSocket. Reconnects with
 * backoff after a dropped connection and resumes after the newest offset
 * received, so reconnects neither lose nor repeat lines. Lines are
 * delivered in batches to keep rendering cheap.
 */
export function useLogStream(
  api: Pick<Kli8ntApi, 'getLogStreamTarget'>,
  options: LogStreamOptions,
): LogStreamState {
  const {
    entityRef,
    deploymentId,
    source,
    tail = 1000,
    maxLines = 200_000,
    flushIntervalMs = 100,
    initialBackoffMs = 500,
    maxBackoffMs = 10_000,
  } = options;
  const factoryRef = useRef(options.webSocketFactory);
  factoryRef.current = options.webSocketFactory;

  const linesRef = useRef<LogLine[]>([]);
  const [state, setState] = useState<LogStreamState>({
    lines: linesRef.current,
    version: 0,
    dropped: 0,
    status: 'connecting',
    attempts: 0,
  });

  useEffect(() => {
    const lines: LogLine[] = [];
    linesRef.current = lines;
    const offsets = new OffsetTracker();
    let version = 0;
    let dropped = 0;
    let attempts = 0;
    let status: LogStreamStatus = 'connecting';
    let error: string | undefined;
    let disposed = false;
    let socket: WebSocket | undefined;
    let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let useOffset = true;

    const publish = () => {
      flushTimer = undefined;
      if (disposed) return;
      setState({ lines, version, dropped, status, error, attempts });
    };
    const scheduleFlush = (immediate = false) => {
      if (immediate) {
        if (flushTimer) clearTimeout(flushTimer);
        publish();
      } else if (!flushTimer) {
        flushTimer = setTimeout(publish, flushIntervalMs);
      }
    };

    const reconnect = () => {
      const delay = Math.min(
        maxBackoffMs,
        initialBackoffMs * 2 ** Math.max(0, attempts - 1),
      );
      status = 'reconnecting';
      scheduleFlush(true);
      reconnectTimer = setTimeout(connect, delay * (0.75 + Math.random() / 2));
    };

    async function connect() {
      reconnectTimer = undefined;
      if (disposed) return;
      attempts += 1;
      const resumeAt = useOffset ? offsets.resumePoint() : undefined;
      let target;
      try {
        target = await api.getLogStreamTarget({
          entityRef,
          deploymentId,
          source,
          ...(resumeAt ?? { tail }),
        });
      } catch {
        if (!disposed) reconnect();
        return;
      }
      if (disposed) return;
      const ws = factoryRef.current
        ? factoryRef.current(target.url, target.protocols)
        : new WebSocket(target.url, target.protocols);
      socket = ws;
      ws.onopen = () => {
        status = 'live';
        scheduleFlush(true);
      };
      ws.onmessage = event => {
        let frame: unknown;
        try {
          frame = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (isDropped(frame)) {
          dropped += frame.count;
        } else if (isLogLine(frame)) {
          if (!offsets.accept(frame)) return;
          lines.push(frame);
          if (lines.length > maxLines) {
            lines.splice(0, lines.length - Math.floor(maxLines * 0.9));
          }
          attempts = 0;
        } else {
          return;
        }
        version += 1;
        scheduleFlush();
      };
      ws.onclose = event => {
        if (disposed || socket !== ws) return;
        socket = undefined;
        if (
          event.code === LOG_STREAM_CLOSE_CODES.invalid_request &&
          resumeAt !== undefined &&
          useOffset
        ) {
          // A resume point the backend does not accept (such as an expired
          // cursor): fall back to a tail replay, de-duplicated by offset.
          useOffset = false;
          reconnect();
          return;
        }
        if (FATAL_CLOSE_CODES.has(event.code)) {
          status = 'error';
          error =
            CLOSE_MESSAGES[event.code] ??
            event.reason ??
            'The log stream was closed.';
          scheduleFlush(true);
          return;
        }
        reconnect();
      };
    }

    setState({
      lines,
      version,
      dropped,
      status,
      error,
      attempts,
    });
    connect();

    return () => {
      disposed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (flushTimer) clearTimeout(flushTimer);
      if (socket) {
        socket.onclose = null;
        socket.onmessage = null;
        socket.close(1000);
      }
    };
  }, [
    api,
    entityRef,
    deploymentId,
    source,
    tail,
    maxLines,
    flushIntervalMs,
    initialBackoffMs,
    maxBackoffMs,
  ]);

  return state;
}
