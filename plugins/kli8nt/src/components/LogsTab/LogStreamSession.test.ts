import type { LogStreamOptions } from '../../api/Kli8ntApi';
import {
  LogStreamSession,
  type LogStreamSessionOptions,
  type LogStreamState,
} from './LogStreamSession';

/** The socket side the session sees; the test plays the server. */
class FakeSocket {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closedWith?: number;

  constructor(readonly url: string, readonly protocols: string[]) {}

  open() {
    this.onopen?.({});
  }

  send(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  sendRaw(data: string) {
    this.onmessage?.({ data });
  }

  /** The server or the network ends the connection. */
  drop(code = 1006, reason = '') {
    this.onclose?.({ code, reason });
  }

  close(code?: number) {
    this.closedWith = code;
  }
}

const line = (i: number, partial: Record<string, unknown> = {}) => ({
  type: 'line',
  offset: String(i),
  partition: 0,
  cursor: `0:${i + 1}`,
  timestamp: '2024-05-01T10:00:00.000Z',
  source: 'runtime',
  pod: 'hello-abc',
  container: 'app',
  line: `line ${i}`,
  ...partial,
});

function setup(options: Partial<LogStreamSessionOptions> = {}) {
  const requests: LogStreamOptions[] = [];
  const sockets: FakeSocket[] = [];
  const states: LogStreamState[] = [];
  let failures = 0;
  const session = new LogStreamSession({
    api: {
      async getLogStreamTarget(request) {
        requests.push(request);
        if (failures > 0) {
          failures -= 1;
          throw new Error('backend unavailable');
        }
        return { url: 'ws://logs.test/stream', protocols: ['kli8nt.token.t'] };
      },
    },
    entityRef: 'component:default/hello',
    flushIntervalMs: 100,
    initialBackoffMs: 1000,
    maxBackoffMs: 8000,
    // No jitter: each delay is exactly the backoff.
    random: () => 0.5,
    webSocketFactory: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    ...options,
  });
  session.subscribe(state => states.push(state));
  return {
    session,
    requests,
    sockets,
    states,
    failNext(count: number) {
      failures = count;
    },
    /** The socket opened last. */
    get socket() {
      return sockets[sockets.length - 1];
    },
    texts: () => session.state.lines.map(l => l.line),
  };
}

/** Lets the session's awaited API call settle, then moves the clock. */
const advance = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

describe('LogStreamSession', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('replays the tail, goes live and batches lines per flush interval', async () => {
    const t = setup({ tail: 3, deploymentId: 'd-1', source: 'build' });
    expect(t.session.state.status).toBe('connecting');
    t.session.start();
    await advance();
    expect(t.requests).toEqual([
      {
        entityRef: 'component:default/hello',
        deploymentId: 'd-1',
        source: 'build',
        tail: 3,
      },
    ]);
    expect(t.socket.protocols).toEqual(['kli8nt.token.t']);

    t.socket.open();
    expect(t.states.map(s => s.status)).toEqual(['live']);

    t.socket.send(line(0));
    t.socket.send(line(1));
    await advance(99);
    expect(t.states).toHaveLength(1);
    await advance(1);
    expect(t.states).toHaveLength(2);
    expect(t.texts()).toEqual(['line 0', 'line 1']);
    expect(t.session.state.version).toBe(2);
  });

  it('reconnects with doubling backoff up to the maximum, and resets it once lines flow', async () => {
    const t = setup();
    t.failNext(5);
    t.session.start();
    await advance();
    expect(t.session.state.status).toBe('reconnecting');

    // Attempts 1..5 failed: waits of 1, 2, 4, 8 (the cap), 8 seconds.
    for (const wait of [1000, 2000, 4000, 8000, 8000]) {
      const before = t.requests.length;
      await advance(wait - 1);
      expect(t.requests).toHaveLength(before);
      await advance(1);
      expect(t.requests).toHaveLength(before + 1);
    }
    expect(t.sockets).toHaveLength(1);

    t.socket.open();
    expect(t.session.state).toMatchObject({ status: 'live', attempts: 6 });
    t.socket.send(line(0));
    await advance(100);
    expect(t.session.state).toMatchObject({ status: 'live', attempts: 0 });

    t.socket.drop();
    expect(t.session.state.status).toBe('reconnecting');
    await advance(999);
    expect(t.requests).toHaveLength(6);
    await advance(1);
    expect(t.requests).toHaveLength(7);
  });

  it('spreads reconnects with jitter of ±25%', async () => {
    const t = setup({ random: () => 0 });
    t.failNext(1);
    t.session.start();
    await advance();
    await advance(749);
    expect(t.requests).toHaveLength(1);
    await advance(1);
    expect(t.requests).toHaveLength(2);
  });

  it('resumes after the newest line by cursor and drops lines replayed twice', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.open();
    [0, 1, 2].forEach(i => t.socket.send(line(i)));
    t.socket.drop();
    await advance(1000);

    expect(t.requests[1]).toEqual({
      entityRef: 'component:default/hello',
      cursor: '0:3',
    });
    t.socket.open();
    [2, 3].forEach(i => t.socket.send(line(i)));
    await advance(100);
    expect(t.texts()).toEqual(['line 0', 'line 1', 'line 2', 'line 3']);
  });

  it('resumes by offset when the server sends no cursor', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.send(line(7, { cursor: undefined }));
    t.socket.drop();
    await advance(1000);
    expect(t.requests[1]).toMatchObject({ offset: '7' });
    expect(t.requests[1]).not.toHaveProperty('tail');
  });

  it('falls back to a de-duplicated tail replay when the resume point is refused', async () => {
    const t = setup({ tail: 10 });
    t.session.start();
    await advance();
    [0, 1].forEach(i => t.socket.send(line(i)));
    t.socket.drop();
    await advance(1000);
    expect(t.requests[1]).toHaveProperty('cursor', '0:2');

    t.socket.drop(4400, 'invalid_request');
    expect(t.session.state.status).toBe('reconnecting');
    await advance(2000);
    expect(t.requests[2]).toEqual({
      entityRef: 'component:default/hello',
      tail: 10,
    });
    [0, 1, 2].forEach(i => t.socket.send(line(i)));
    await advance(100);
    expect(t.texts()).toEqual(['line 0', 'line 1', 'line 2']);

    // From now on a 4400 is final: the tail request itself was refused.
    t.socket.drop();
    await advance(1000);
    expect(t.requests[3]).toHaveProperty('tail', 10);
    t.socket.drop(4400, 'invalid_request');
    expect(t.session.state).toMatchObject({
      status: 'error',
      error: 'The log request was not valid.',
    });
  });

  it.each([
    [4401, 'You are not signed in, or your session expired. Reload the page.'],
    [4403, 'You do not have permission to read the logs of this service.'],
    [4404, 'There are no logs for this service or deployment.'],
    [
      4429,
      'You have too many log views open. Close some other tabs showing logs, then reload this page.',
    ],
  ])('stops for good on close code %i', async (code, message) => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.drop(code, 'refused');
    expect(t.session.state).toMatchObject({ status: 'error', error: message });
    await advance(60_000);
    expect(t.requests).toHaveLength(1);
  });

  it('reconnects after a server restart (1012) and an internal error (1011)', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.drop(1012, 'shutting_down');
    await advance(1000);
    t.socket.drop(1011, 'internal');
    await advance(2000);
    expect(t.requests).toHaveLength(3);
    expect(t.session.state.error).toBeUndefined();
  });

  it('is live once a line arrives, even before the open event', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.send(line(0));
    expect(t.session.state).toMatchObject({ status: 'live', version: 1 });
    expect(t.texts()).toEqual(['line 0']);
  });

  it('counts dropped lines and ignores frames it does not know', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.send({ type: 'dropped', count: 40 });
    t.socket.send({ type: 'dropped', count: 2 });
    t.socket.sendRaw('not json');
    t.socket.send({ type: 'heartbeat' });
    await advance(100);
    expect(t.session.state).toMatchObject({ dropped: 42, version: 2 });
    expect(t.session.state.lines).toEqual([]);
  });

  it('counts history the server did not replay apart from lines it skipped', async () => {
    const t = setup();
    t.session.start();
    await advance();
    t.socket.send({ type: 'dropped', count: 900, reason: 'replay_limit' });
    t.socket.send({ type: 'dropped', count: 3 });
    await advance(100);
    expect(t.session.state).toMatchObject({ dropped: 3, notReplayed: 900 });
  });

  it('forgets the oldest lines beyond maxLines', async () => {
    const t = setup({ maxLines: 10 });
    t.session.start();
    await advance();
    for (let i = 0; i < 11; i++) t.socket.send(line(i));
    await advance(100);
    // Trimmed to 90% so that trimming does not happen on every line.
    expect(t.texts()).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9, 10].map(i => `line ${i}`),
    );
  });

  it('closes the socket and publishes nothing after close()', async () => {
    const t = setup();
    t.session.start();
    await advance();
    const socket = t.socket;
    socket.open();
    socket.send(line(0));
    t.session.close();
    expect(socket.closedWith).toBe(1000);
    expect(t.session.state.status).toBe('closed');
    const published = t.states.length;
    socket.send(line(1));
    socket.drop();
    await advance(60_000);
    expect(t.states).toHaveLength(published);
    expect(t.requests).toHaveLength(1);
  });

  it('opens no socket when closed while the target was being fetched', async () => {
    const t = setup();
    t.session.start();
    t.session.close();
    await advance(60_000);
    expect(t.requests).toHaveLength(1);
    expect(t.sockets).toHaveLength(0);
  });

  it('does not reconnect when closed during a backoff', async () => {
    const t = setup();
    t.failNext(1);
    t.session.start();
    await advance();
    t.session.close();
    await advance(60_000);
    expect(t.requests).toHaveLength(1);
  });
});
