import {
  InMemoryLogBusClient,
  LogBusSink,
  LogBusSource,
  LogLine,
  LogReplayFrom,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { parse } from 'node:querystring';
import WebSocket, { WebSocketServer } from 'ws';
import { LogClient } from './LogClient';
import { LogHub, LogViewing } from './LogHub';
import { LogFrame } from './frames';

const topic = {
  partitions: 1,
  replicationFactor: 1,
  retentionMs: 60_000,
  retentionBytes: 1 << 20,
  segmentMs: 60_000,
};
const DEPLOYMENT = '3b241101-e2bb-4255-8caf-4136c566a962';
type Line = Extract<LogFrame, { type: 'line' }>;

interface Viewer {
  ws: WebSocket;
  frames: LogFrame[];
}

describe('LogHub', () => {
  jest.setTimeout(30_000);
  let client: InMemoryLogBusClient;
  let source: LogBusSource;
  let sink: LogBusSink;
  let hub: LogHub;
  /** A hub whose replays read at most 5 records (kli8nt.logs.maxReplayLines). */
  let capped: LogHub;
  let server: Server;
  let base: string;
  const viewings: LogViewing[] = [];
  const viewers: Viewer[] = [];
  // Server sockets held back (corked) to play a browser on a slow network.
  const corked: Array<{ uncork(): void }> = [];
  let lineNo = 0;

  beforeEach(async () => {
    client = new InMemoryLogBusClient();
    source = new LogBusSource({
      client,
      topic,
      ringBufferSize: 1000,
      subscriberBufferSize: 100_000,
    });
    sink = new LogBusSink({ client, topic, batchSize: 100, lingerMs: 1 });
    hub = new LogHub(source);
    capped = new LogHub(source, 5);
    const wss = new WebSocketServer({ noServer: true });
    server = createServer();
    // Query: app, tail | cursor | since, source, max (buffer cap in bytes),
    // capped (the capped hub).
    server.on('upgrade', (request, socket, head) => {
      const q = parse(request.url!.split('?')[1] ?? '');
      wss.handleUpgrade(request, socket, head, ws => {
        const logClient = new LogClient(ws, socket, Number(q.max ?? 1 << 20));
        let from: LogReplayFrom = { tail: Number(q.tail ?? 0) };
        if (q.cursor) from = { cursor: String(q.cursor) };
        if (q.since) from = { sinceTime: String(q.since) };
        (q.capped ? capped : hub)
          .join({
            app: String(q.app),
            from,
            filter: q.source ? { source: q.source as 'build' } : {},
            client: logClient,
            onError: () => ws.close(),
          })
          .then(viewing => {
            viewings.push(viewing);
            ws.on('close', () => viewing.leave());
            ws.send('joined');
            if (q.slow) {
              socket.cork();
              corked.push(socket);
            }
          });
      });
    });
    lineNo = 0;
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const v of viewers.splice(0)) v.ws.terminate();
    for (const v of viewings.splice(0)) v.leave();
    await new Promise(r => server.close(r));
    await source.close();
    await sink.close();
  });

  async function produce(app: string, count: number, size = 20) {
    const lines: LogLine[] = [];
    for (let i = 0; i < count; i++) {
      lineNo++;
      lines.push({
        deploymentId: DEPLOYMENT,
        source: lineNo % 2 ? 'runtime' : 'build',
        pod: 'web-1',
        container: 'app',
        timestamp: new Date().toISOString(),
        line: `line ${lineNo} `.padEnd(size, 'x'),
      });
    }
    await sink.append(app, lines);
    await sink.flush();
  }

  async function connect(query: string): Promise<Viewer> {
    const ws = new WebSocket(`${base}/?${query}`);
    const viewer: Viewer = { ws, frames: [] };
    viewers.push(viewer);
    await new Promise<void>((resolve, reject) => {
      ws.on('message', data => {
        const text = String(data);
        if (text === 'joined') resolve();
        else viewer.frames.push(JSON.parse(text));
      });
      ws.on('error', reject);
    });
    return viewer;
  }

  const lines = (v: Viewer) =>
    v.frames.filter((f): f is Line => f.type === 'line');
  const numbers = (v: Viewer) =>
    lines(v).map(f => Number(f.line.split(' ')[1]));

  async function until(check: () => boolean, ms = 10_000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise(r => setTimeout(r, 10));
    }
  }

  it('serves every viewer of an app from one reader, each line encoded once', async () => {
    const read = jest.spyOn(client, 'read');
    await produce('shop', 1);
    const all = await Promise.all(
      Array.from({ length: 30 }, () => connect('app=shop&tail=0')),
    );
    const stringify = jest.spyOn(JSON, 'stringify');
    const first = lineNo + 1;
    await produce('shop', 200);
    await until(() => all.every(v => lines(v).length === 200));
    const expected = Array.from({ length: 200 }, (_, i) => first + i);
    for (const v of all) expect(numbers(v)).toEqual(expected);
    // One JSON per line for all 30 viewers (not 30 per line).
    const lineJsons = stringify.mock.calls.filter(
      ([value]) => (value as { type?: string })?.type === 'line',
    );
    expect(lineJsons).toHaveLength(200);
    stringify.mockRestore();
    // The tail's single live reader; replays of `tail=0` read nothing.
    expect(read).toHaveBeenCalledTimes(1);
    expect(hub.liveApps).toBe(1);
  });

  it('replays a viewer, then joins it to the live stream without gaps or duplicates', async () => {
    await produce('shop', 50);
    const early = await connect('app=shop&tail=0');
    // Lines keep arriving while the late viewer replays and joins.
    const producing = (async () => {
      for (let i = 0; i < 20; i++) {
        await produce('shop', 10);
        await new Promise(r => setImmediate(r));
      }
    })();
    const late = await connect('app=shop&tail=1000');
    await producing;
    await until(() => numbers(late).length >= lineNo);
    await until(() => numbers(early).length >= 200);
    expect(numbers(late)).toEqual(
      Array.from({ length: lineNo }, (_, i) => i + 1),
    );
    expect(numbers(early)).toEqual(
      Array.from({ length: 200 }, (_, i) => lineNo - 199 + i),
    );
    // Cursors only grow, and the last one is the end of the topic.
    const cursors = lines(late).map(f => Number(f.cursor.split(':')[1]));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    expect(cursors[cursors.length - 1]).toBe(lineNo);
  });

  it('sends the same filtered frames to viewers with the same filter', async () => {
    const builds = await Promise.all([
      connect('app=shop&source=build'),
      connect('app=shop&source=build'),
    ]);
    const everything = await connect('app=shop');
    await produce('shop', 40);
    await until(() => lines(everything).length === 40);
    await until(() => builds.every(v => lines(v).length === 20));
    for (const v of builds) {
      expect(new Set(lines(v).map(f => f.source))).toEqual(new Set(['build']));
    }
  });

  it('drops lines for a socket over its byte cap, says so, and never slows the others', async () => {
    const slow = await connect('app=shop&max=65536&slow=1');
    const fast = await connect('app=shop&max=65536');
    // Nothing reaches the slow browser; its server-side buffer fills.
    const total = 2000;
    for (let i = 0; i < total; i += 200) await produce('shop', 200, 1024);
    await until(() => lines(fast).length === total);
    expect(slow.frames).toEqual([]);
    corked.splice(0).forEach(socket => socket.uncork());
    const accounted = () =>
      slow.frames.reduce((n, f) => n + (f.type === 'dropped' ? f.count : 1), 0);
    await until(() => accounted() === total);
    const markers = slow.frames.filter(
      (f): f is Extract<LogFrame, { type: 'dropped' }> => f.type === 'dropped',
    );
    expect(markers.length).toBeGreaterThan(0);
    // Each marker's cursor resumes right after the last line it did get.
    const firstDrop = slow.frames.findIndex(f => f.type === 'dropped');
    const before = slow.frames[firstDrop - 1] as Line;
    expect(markers[0].cursor).toBe(before.cursor);
    // Only about its cap (64 KiB of the 2 MB produced) was held for it.
    expect(lines(slow).length).toBeLessThan(100);
  });

  describe('with a replay limit', () => {
    const cuts = (v: Viewer) => v.frames.filter(f => f.type === 'dropped');

    it('cuts a longer tail to the limit: the newest lines, no marker', async () => {
      await produce('shop', 20);
      const viewer = await connect('app=shop&tail=100&capped=1');
      await until(() => lines(viewer).length >= 5);
      await produce('shop', 1);
      await until(() => lines(viewer).length === 6);
      expect(numbers(viewer)).toEqual([16, 17, 18, 19, 20, 21]);
      expect(cuts(viewer)).toEqual([]);
    });

    it('starts a cursor from too far back at the tail, saying what was skipped and where to page from', async () => {
      await produce('shop', 20);
      const viewer = await connect('app=shop&cursor=0:2&capped=1');
      await until(() => lines(viewer).length >= 5);
      expect(viewer.frames[0]).toEqual({
        type: 'dropped',
        reason: 'replay_limit',
        count: 13,
        cursor: '0:2',
      });
      expect(numbers(viewer)).toEqual([16, 17, 18, 19, 20]);
      // A cursor within the limit replays from there, without a marker.
      const near = await connect('app=shop&cursor=0:17&capped=1');
      await until(() => lines(near).length >= 3);
      expect(numbers(near)).toEqual([18, 19, 20]);
      expect(cuts(near)).toEqual([]);
    });

    it('sends a long `since` replay up to the limit, then skips to the live lines', async () => {
      await produce('shop', 20);
      const viewer = await connect(
        'app=shop&since=2000-01-01T00:00:00.000Z&capped=1',
      );
      await until(() => cuts(viewer).length === 1);
      await produce('shop', 2);
      await until(() => numbers(viewer).includes(22));
      expect(numbers(viewer)).toEqual([1, 2, 3, 4, 5, 21, 22]);
      expect(cuts(viewer)).toEqual([
        { type: 'dropped', reason: 'replay_limit', count: 15, cursor: '0:5' },
      ]);
      // The marker comes after the five replayed lines, before the live ones.
      expect(viewer.frames[5]).toEqual(cuts(viewer)[0]);
    });
  });

  it('closes the live stream with its last viewer', async () => {
    const a = await connect('app=shop');
    const b = await connect('app=cart');
    expect(hub.liveApps).toBe(2);
    a.ws.close();
    await until(() => hub.liveApps === 1);
    b.ws.close();
    await until(() => hub.liveApps === 0);
    // A new viewer starts a fresh stream and still gets new lines.
    const c = await connect('app=shop');
    await produce('shop', 3);
    await until(() => lines(c).length === 3);
  });
});
