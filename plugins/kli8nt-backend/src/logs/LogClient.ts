import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { LogFrame, textFrame } from './frames';

/**
 * One connected browser. Live frames are written straight to its socket
 * (they are pre-encoded, the same bytes for every viewer) while the socket's
 * send buffer stays under `maxBufferedBytes`; beyond it lines are counted and
 * dropped, and once the buffer drains a `dropped` frame says how many were
 * lost and where to resume. The live stream never waits for a socket, so one
 * slow client cannot stall the others, and its memory is bounded in bytes.
 * A replay is the viewer's own read: it is never dropped but paced to the
 * socket instead ({@link LogClient.sendReplay}).
 */
export class LogClient {
  private dropped = 0;
  private resumeCursor?: string;
  private lastCursor?: string;
  private watchingDrain = false;

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded socket under `ws` (ws writes its own frames to it too). */
    private readonly socket: Duplex,
    private readonly maxBufferedBytes: number,
    initialCursor?: string,
  ) {
    this.lastCursor = initialCursor;
  }

  /** Sends `count` pre-encoded line frames; `lastCursor` is after the last. */
  write(frames: Buffer, count: number, lastCursor: string): void {
    if (!this.open()) return;
    if (count === 0) {
      this.skip(lastCursor);
      return;
    }
    if (this.congested) {
      if (this.dropped === 0) {
        this.resumeCursor = this.lastCursor;
        this.watchDrain();
      }
      this.dropped += count;
      this.lastCursor = lastCursor;
      return;
    }
    this.flushMarker();
    this.socket.write(frames);
    this.lastCursor = lastCursor;
  }

  /**
   * Sends replayed line frames whatever the buffer holds (at most one batch
   * over the cap), and resolves once the buffer is back under the cap (or
   * the socket closed): read no further replay until then.
   */
  async sendReplay(
    frames: Buffer,
    count: number,
    lastCursor: string,
  ): Promise<void> {
    if (!this.open()) return;
    if (count === 0) {
      this.skip(lastCursor);
    } else {
      this.flushMarker();
      this.socket.write(frames);
      this.lastCursor = lastCursor;
    }
    await this.drained();
  }

  /**
   * Says that the `count` lines from `resumeCursor` on are not replayed
   * (the replay limit), and goes on from `nextCursor` when given.
   */
  replayCut(count: number, resumeCursor: string, nextCursor?: string): void {
    this.skipped(
      { type: 'dropped', reason: 'replay_limit', count, cursor: resumeCursor },
      nextCursor,
    );
  }

  /**
   * Says that the `count` lines from `resumeCursor` on are skipped because
   * the replay fell behind the live lines, which go on from `nextCursor`.
   */
  fellBehind(count: number, resumeCursor: string, nextCursor: string): void {
    this.skipped({ type: 'dropped', count, cursor: resumeCursor }, nextCursor);
  }

  private skipped(frame: LogFrame, nextCursor?: string) {
    if (!this.open()) return;
    this.flushMarker();
    this.socket.write(textFrame(JSON.stringify(frame)));
    if (nextCursor) this.lastCursor = nextCursor;
  }

  /** Skips records (filtered out) while keeping track of the position. */
  skip(cursor: string): void {
    if (this.dropped === 0) this.lastCursor = cursor;
  }

  /** True while the socket holds more than `maxBufferedBytes`. */
  get congested(): boolean {
    return this.ws.bufferedAmount > this.maxBufferedBytes;
  }

  /** Resolves once the buffer is back under the cap, or the socket closed. */
  private async drained(): Promise<void> {
    while (this.open() && this.congested) {
      await new Promise<void>(resolve => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.once('drain', done);
        this.socket.once('close', done);
      });
    }
  }

  private open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.socket.writable;
  }

  private watchDrain() {
    if (this.watchingDrain) return;
    this.watchingDrain = true;
    this.socket.once('drain', () => {
      this.watchingDrain = false;
      if (this.open()) this.flushMarker();
    });
  }

  private flushMarker() {
    if (this.dropped === 0) return;
    const frame: LogFrame = {
      type: 'dropped',
      count: this.dropped,
      cursor: this.resumeCursor ?? '',
    };
    this.dropped = 0;
    this.socket.write(textFrame(JSON.stringify(frame)));
  }
}
