import { LogRecord } from '@internal/backstage-plugin-kli8nt-node';
import WebSocket from 'ws';

/** What the WebSocket carries, one JSON object per text frame. */
export type LogFrame =
  | {
      type: 'line';
      /** Kafka offset of the line within its partition. */
      offset: string;
      partition: number;
      /** Pass as `cursor` (or `offset`) when reconnecting to resume after this line. */
      cursor: string;
      timestamp: string;
      source: 'build' | 'runtime';
      pod: string;
      container: string;
      deploymentId?: string;
      line: string;
    }
  | {
      type: 'dropped';
      /** Lines not sent because the client did not keep up. */
      count: number;
      /** Resume here to fetch the dropped lines. */
      cursor: string;
    };

export function lineFrame(record: LogRecord): LogFrame {
  return {
    type: 'line',
    offset: record.offset,
    partition: record.partition,
    cursor: record.cursor,
    timestamp: record.timestamp,
    source: record.source,
    pod: record.pod,
    container: record.container,
    ...(record.deploymentId ? { deploymentId: record.deploymentId } : {}),
    line: record.line,
  };
}

/**
 * One connected browser. Lines are sent while the socket's send buffer stays
 * under the cap; beyond it they are counted and dropped, and once the buffer
 * drains a marker says how many were lost and where to resume. The log
 * source is never blocked, so one slow client cannot stall the others.
 */
export class LogClient {
  private dropped = 0;
  private resumeCursor?: string;
  private lastCursor?: string;
  private drainTimer?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly maxBufferedBytes: number,
    initialCursor?: string,
  ) {
    this.lastCursor = initialCursor;
  }

  send(record: LogRecord): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      if (this.dropped === 0) {
        this.resumeCursor = this.lastCursor;
        this.watchDrain();
      }
      this.dropped++;
      this.lastCursor = record.cursor;
      return;
    }
    this.flushMarker();
    this.ws.send(JSON.stringify(lineFrame(record)));
    this.lastCursor = record.cursor;
  }

  /** Skips a record (filtered out) while keeping track of the position. */
  skip(record: LogRecord): void {
    if (this.dropped === 0) this.lastCursor = record.cursor;
  }

  close(): void {
    clearInterval(this.drainTimer);
  }

  private watchDrain() {
    clearInterval(this.drainTimer);
    this.drainTimer = setInterval(() => {
      if (this.ws.readyState !== WebSocket.OPEN) {
        clearInterval(this.drainTimer);
      } else if (this.ws.bufferedAmount <= this.maxBufferedBytes) {
        this.flushMarker();
      }
    }, 50);
    this.drainTimer.unref?.();
  }

  private flushMarker() {
    if (this.dropped === 0) return;
    const frame: LogFrame = {
      type: 'dropped',
      count: this.dropped,
      cursor: this.resumeCursor ?? '',
    };
    this.dropped = 0;
    clearInterval(this.drainTimer);
    this.ws.send(JSON.stringify(frame));
  }
}
