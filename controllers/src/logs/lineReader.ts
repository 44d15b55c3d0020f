import {
  LogTimestamp,
  normalizeTimestamp,
  timestampFromMs,
} from './timestamps';

/** One log record to ship: a line, or one piece of a line too long to ship whole. */
export interface LogEntry {
  timestamp: LogTimestamp;
  text: string;
  /** UTF-8 length of `text`. */
  bytes: number;
  /** A later piece of a line that was split; shares the line's timestamp. */
  continued: boolean;
}

export interface LogLineReaderOptions {
  /** Longest piece shipped, in bytes of the container's output. */
  maxLineBytes: number;
  /** Stamps lines that come without a timestamp (never from a kubelet). */
  now?: () => number;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const ESC = 0x1b;
// Longest `<RFC 3339 with nanoseconds and offset> ` prefix the kubelet writes.
const PREFIX_MAX = 40;
// How far back a cut looks for an unfinished escape sequence to keep whole.
const ESCAPE_LOOKBACK = 256;
export const MIN_LINE_BYTES = 64;

// C0 controls other than backspace, tab, carriage return and escape (which
// progress bars and colours use), and DEL: they corrupt terminals and JSON
// consumers downstream.
const UNSAFE_CONTROLS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0007\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f]/g;
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Makes a piece of container output safe to ship: invalid UTF-8 becomes
 * U+FFFD, unsafe control characters too; ANSI escape sequences stay.
 */
export function sanitizeLogText(bytes: Uint8Array): string {
  return decoder.decode(bytes).replace(UNSAFE_CONTROLS, '\uFFFD');
}

/** End of the escape sequence starting at `start`, or -1 if it is unfinished in `buf`. */
function escapeEnd(buf: Uint8Array, start: number): number {
  const kind = buf[start + 1];
  if (kind === undefined) return -1;
  if (kind === 0x5b) {
    // CSI: parameters, intermediates, one final byte.
    let i = start + 2;
    while (i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x3f) i++;
    while (i < buf.length && buf[i] >= 0x20 && buf[i] <= 0x2f) i++;
    return i < buf.length && buf[i] >= 0x40 && buf[i] <= 0x7e ? i + 1 : -1;
  }
  if (kind === 0x5d) {
    // OSC (hyperlinks, titles): ends with BEL or ESC \.
    for (let i = start + 2; i < buf.length; i++) {
      if (buf[i] === 0x07) return i + 1;
      if (buf[i] === ESC && buf[i + 1] === 0x5c) return i + 2;
    }
    return -1;
  }
  return start + 2;
}

/**
 * Where to cut a piece of at most `max` bytes off the front of `buf`
 * (`buf.length > max`): never inside a UTF-8 character, and not inside an
 * ANSI escape sequence unless that sequence is absurdly long. Depends only
 * on the first `max + 1` bytes, so the cut is the same however the stream
 * was chunked.
 */
export function cutPoint(buf: Uint8Array, max: number): number {
  let cut = max;
  for (let back = 0; back < 3 && (buf[cut] & 0xc0) === 0x80; back++) cut--;
  if ((buf[cut] & 0xc0) === 0x80) cut = max; // not UTF-8 anyway
  const head = buf.subarray(0, cut);
  for (let i = cut - 1; i >= 0 && i >= cut - ESCAPE_LOOKBACK; i--) {
    if (head[i] !== ESC) continue;
    if (escapeEnd(head, i) === -1 && i > 0) cut = i;
    break;
  }
  return cut;
}

/**
 * Turns the bytes of a `timestamps=true` pods/log stream into log entries,
 * whatever the chunking: each line's timestamp prefix is parsed, lines
 * longer than `maxLineBytes` are split (memory stays bounded even for a
 * line without end), and text is sanitised.
 */
export class LogLineReader {
  private pending: Buffer = Buffer.alloc(0);
  private lineTimestamp: LogTimestamp | undefined;
  private piecesOfLine = 0;
  private lastTimestamp: LogTimestamp | undefined;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: LogLineReaderOptions) {
    if (options.maxLineBytes < MIN_LINE_BYTES) {
      throw new RangeError(`maxLineBytes must be at least ${MIN_LINE_BYTES}`);
    }
    this.max = options.maxLineBytes;
    this.now = options.now ?? Date.now;
  }

  push(chunk: Uint8Array): LogEntry[] {
    const out: LogEntry[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      this.append(chunk.subarray(start, newline));
      this.finishLine(out);
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
    this.emitFullPieces(out, false);
    return out;
  }

  /** The last line, if the stream ended without a newline. */
  end(): LogEntry[] {
    const out: LogEntry[] = [];
    if (this.pending.length > 0 || this.lineTimestamp !== undefined) {
      this.finishLine(out);
    }
    return out;
  }

  private append(bytes: Uint8Array) {
    if (bytes.length === 0) return;
    this.pending =
      this.pending.length === 0
        ? Buffer.from(bytes)
        : Buffer.concat([this.pending, bytes]);
  }

  private parsePrefix(lineComplete: boolean): boolean {
    if (this.lineTimestamp !== undefined) return true;
    const space = this.pending.subarray(0, PREFIX_MAX).indexOf(SPACE);
    if (space === -1 && !lineComplete && this.pending.length < PREFIX_MAX) {
      return false;
    }
    const parsed =
      space === -1
        ? undefined
        : normalizeTimestamp(
            this.pending.subarray(0, space).toString('latin1'),
          );
    if (parsed) {
      this.pending = this.pending.subarray(space + 1);
      this.lineTimestamp = parsed;
    } else {
      this.lineTimestamp = this.lastTimestamp ?? timestampFromMs(this.now());
    }
    this.lastTimestamp = this.lineTimestamp;
    return true;
  }

  private emitFullPieces(out: LogEntry[], lineComplete: boolean) {
    if (!this.parsePrefix(lineComplete)) return;
    while (this.pending.length > this.max) {
      const cut = cutPoint(this.pending, this.max);
      this.emit(out, this.pending.subarray(0, cut));
      this.pending = this.pending.subarray(cut);
    }
  }

  private finishLine(out: LogEntry[]) {
    this.emitFullPieces(out, true);
    let rest = this.pending;
    if (rest[rest.length - 1] === 0x0d) rest = rest.subarray(0, -1);
    if (rest.length > 0 || this.piecesOfLine === 0) this.emit(out, rest);
    this.pending = Buffer.alloc(0);
    this.lineTimestamp = undefined;
    this.piecesOfLine = 0;
  }

  private emit(out: LogEntry[], bytes: Uint8Array) {
    const text = sanitizeLogText(bytes);
    out.push({
      timestamp: this.lineTimestamp!,
      text,
      bytes: Buffer.byteLength(text),
      continued: this.piecesOfLine > 0,
    });
    this.piecesOfLine++;
  }
}
