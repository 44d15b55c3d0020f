import {
  InMemoryLogBusClient,
  LogBusSink,
  LogBusSource,
  LogLine,
  LogReplayFrom,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { LogClient } from './LogClient';
import { LogHub } from './LogHub';
import { LogFrame } from './frames';

const topic = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 60_000,
  retentionBytes: 1 << 30,
  segmentMs: 60_000,
};
const MAX_BUFFERED = 1 << 20;

/**
 * A browser on a slow network: what the relay writes stays buffered (and
 * counts in `bufferedAmount`, as in `ws`) until the test reads it.
 */
class SlowSocket extends EventEmitter {
  readonly readyState = WebSocket.OPEN;
  readonly writable = true;
  bufferedAmount = 0;
  peak = 0;
  readonly frames: LogFrame[] = [];
  private chunks: Buffer[] = [];

  write(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.bufferedAmount += chunk.length;
    this.peak = Math.max(this.peak, this.bufferedAmount);
    return this.bufferedAmount < 16 * 1024;
  }

  /** The browser reads everything buffered; the socket drains. */
  read(): void {
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    this.bufferedAmount = 0;
    let at = 0;
    while (at < data.length) {
      let length = data[at + 1];
      let header = 2;
      if (length === 126) {
        length = data.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        length = Number(data.readBigUInt64BE(at + 2));
        header = 10;
      }
      const json = data.subarray(at + header, at + header + length);
      this.frames.push(JSON.parse(json.toString()));
      at += header + length;
    }
    this.emit('drain');
  }
}

describe('LogHub replay to a slow socket', () => {
  jest.setTimeout(60_000);
  let client: InMemoryLogBusClient;
  let source: LogBusSource;
  let sink: LogBusSink;
  let lineNo = 0;

  beforeEach(() => {
    client = new InMemoryLogBusClient();
    // A small subscriber buffer: live lines queued behind a paced replay
    // count against it, the replay itself does not.
    source = new LogBusSource({
      client,
      topic,
      ringBufferSize: 1000,
      subscriberBufferSize: 1000,
    });
    sink = new LogBusSink({ client, topic, batchSize: 500, lingerMs: 1 });
    lineNo = 0;
  });

  afterEach(async () => {
    await source.close();
    await sink.close();
  });

  async function produce(count: number) {
    const lines: LogLine[] = [];
    for (let i = 0; i < count; i++) {
      lineNo++;
      lines.push({
        deploymentId: '3b241101-e2bb-4255-8caf-4136c566a962',
        source: 'runtime',
        pod: 'web-1',
        container: 'app',
        timestamp: new Date().toISOString(),
        line: `line ${lineNo} `.padEnd(120, 'x'),
      });
    }
    await sink.append('shop', lines);
    await sink.flush();
  }

  const turn = () => new Promise(r => setTimeout(r, 5));

  async function slowViewer(
    from: LogReplayFrom,
    hub = new LogHub(source, 50_000),
    maxBuffered = MAX_BUFFERED,
  ) {
    const socket = new SlowSocket();
    const errors: Error[] = [];
    const viewing = await hub.join({
      app: 'shop',
      from,
      filter: {},
      client: new LogClient(
        socket as unknown as WebSocket,
        socket as unknown as Duplex,
        maxBuffered,
      ),
      onError: error => errors.push(error),
    });
    const lines = () =>
      socket.frames.flatMap(f =>
        f.type === 'line' ? [Number(f.line.split(' ')[1])] : [],
      );
    return { socket, errors, viewing, lines };
  }

  it('paces a 50k-line replay to the socket: every line in order, no drop, then live lines without gap or duplicate', async () => {
    await produce(50_100);
    const { socket, errors, viewing, lines } = await slowViewer({
      tail: 50_000,
    });
    let reads = 0;
    let liveDuringReplay = false;
    const deadline = Date.now() + 30_000;
    const failed = () =>
      errors.length > 0 ||
      socket.frames.some(f => f.type === 'dropped') ||
      Date.now() > deadline;
    // The browser reads now and then; the app logs on meanwhile.
    while (lines().length < 50_000 + 500 && !failed()) {
      await turn();
      if (socket.bufferedAmount > 0) {
        socket.read();
        reads++;
      }
      if (!liveDuringReplay && lines().length > 10_000) {
        liveDuringReplay = true;
        await produce(500);
      }
    }
    await produce(200);
    while (lines().length < 50_000 + 700 && !failed()) {
      await turn();
      socket.read();
    }
    viewing.leave();

    expect(errors).toEqual([]);
    expect(socket.frames.filter(f => f.type === 'dropped')).toEqual([]);
    expect(lines()).toEqual(Array.from({ length: 50_700 }, (_, i) => 101 + i));
    // Paced: the buffer never held much more than its cap (one batch over).
    expect(socket.peak).toBeLessThan(MAX_BUFFERED + 256 * 1024);
    expect(reads).toBeGreaterThan(5);
  });

  it('skips a replay that falls behind the live lines to them, saying what it missed', async () => {
    await produce(5000);
    const { socket, errors, viewing, lines } = await slowViewer({ tail: 5000 });
    await turn();
    // The browser reads nothing while the app logs more than the
    // subscriber buffer (1000 live lines) behind the paced replay, in
    // batches the shared live stream takes in one by one.
    for (let i = 0; i < 3; i++) {
      await produce(500);
      await turn();
    }
    const deadline = Date.now() + 30_000;
    const accounted = () =>
      socket.frames.reduce(
        (n, f) => n + (f.type === 'dropped' ? f.count : 1),
        0,
      );
    const readAll = async () => {
      while (accounted() < lineNo && errors.length === 0) {
        if (Date.now() > deadline) throw new Error('timed out');
        await turn();
        socket.read();
      }
    };
    await readAll();
    // Once it keeps up, it follows the live lines.
    await produce(10);
    await readAll();
    viewing.leave();

    expect(errors).toEqual([]);
    const cut = socket.frames.findIndex(f => f.type === 'dropped');
    expect(cut).toBeGreaterThan(0);
    expect(socket.frames[cut]).toEqual({
      type: 'dropped',
      count: expect.any(Number),
      cursor: (socket.frames[cut - 1] as { cursor: string }).cursor,
    });
    // What it got before the cut is the history from its start, in order.
    const got = lines();
    expect(got.slice(0, cut)).toEqual(
      Array.from({ length: cut }, (_, i) => 1 + i),
    );
    expect(got.slice(-10)).toEqual(
      Array.from({ length: 10 }, (_, i) => lineNo - 9 + i),
    );
  });

  it('cuts a `since` replay once the limit is sent, to the live lines then, and follows from there', async () => {
    const hub = new LogHub(source, 4000);
    // A live viewer of the same app whose socket never fills: once it has a
    // line, so have the app's shared live stream and the source's ring. The
    // test waits for that data; a timer lost this race on a busy machine
    // (the cut then skipped to line 6000 only, before the last 200 arrived).
    const watcher = await slowViewer({ tail: 0 }, hub, 1 << 30);
    const deadline = Date.now() + 30_000;
    const watched = async (line: number) => {
      while (!watcher.lines().includes(line) && watcher.errors.length === 0) {
        if (Date.now() > deadline) throw new Error(`line ${line} not live`);
        await turn();
        watcher.socket.read();
      }
    };
    // In rounds: one delivery larger than the subscriber buffer would
    // overflow the shared live stream however fast its viewers read.
    for (let round = 1; round <= 12; round++) {
      await produce(500);
      await watched(round * 500);
    }
    const { socket, errors, viewing, lines } = await slowViewer(
      { sinceTime: '2000-01-01T00:00:00.000Z' },
      hub,
    );
    // The replay stops at the unread socket before line 4000 (3,500 lines
    // of 341 bytes fill its 1 MiB), so the cut comes after these are live.
    await produce(200);
    await watched(6200);
    while (lines().length < 4000 && errors.length === 0) {
      if (Date.now() > deadline) throw new Error('timed out');
      await turn();
      socket.read();
    }
    await turn();
    socket.read();
    await produce(10);
    while (lines().length < 4010 && errors.length === 0) {
      if (Date.now() > deadline) throw new Error('timed out');
      await turn();
      socket.read();
    }
    viewing.leave();
    watcher.viewing.leave();

    expect(errors).toEqual([]);
    expect(watcher.errors).toEqual([]);
    // One marker: the older lines and those logged while the 4000 were
    // paced out, up to where the live stream was then.
    expect(socket.frames.filter(f => f.type === 'dropped')).toEqual([
      {
        type: 'dropped',
        reason: 'replay_limit',
        count: 2200,
        cursor: '0:4000',
      },
    ]);
    expect(lines()).toEqual([
      ...Array.from({ length: 4000 }, (_, i) => 1 + i),
      ...Array.from({ length: 10 }, (_, i) => 6201 + i),
    ]);
  });
});
