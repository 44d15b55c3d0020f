import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  LogBusClient,
  LogLine,
  LogSink,
  LogSource,
  createLogBusClient,
  createLogSink,
  createLogSource,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { EntityAccess } from '../service/EntityAccess';
import { describeWithTestEnv } from '../__testUtils__/testenv';
import { LogStreamHandler, LogStreamHandlerOptions } from './LogStreamHandler';
import { AuthenticationError } from '@backstage/errors';
import { LogFrame } from './frames';

const silentLogger = { info() {}, warn() {}, error() {} };
const ALICE = 'user:default/alice';
const MALLORY = 'user:default/mallory';
const DEPLOYMENT = '3b241101-e2bb-4255-8caf-4136c566a962';

interface Received {
  frames: LogFrame[];
  closed: Promise<{ code: number; reason: string }>;
  ws: WebSocket;
  protocol: string;
}

describeWithTestEnv(
  ['KLI8NT_TEST_KAFKA_BROKERS'],
  'logs WebSocket against Kafka',
  () => {
    const app = `logs-${randomBytes(4).toString('hex')}`;
    const entityRef = 'component:default/shop';
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'shop',
        namespace: 'default',
        annotations: { 'kli8nt.io/app': app },
      },
      spec: { type: 'service', owner: 'a', lifecycle: 'production' },
    };
    let client: LogBusClient;
    let sink: LogSink;
    let source: LogSource;
    const servers: Array<{ handler: LogStreamHandler; server: Server }> = [];
    let base: string;
    let pingBase: string;

    async function startServer(
      access: EntityAccess,
      heartbeatIntervalMs: number,
    ) {
      const handler = new LogStreamHandler({
        auth: {
          // Browsers send JWTs, which are valid subprotocol tokens; the mock
          // tokens are not, so the test maps plain names to users.
          authenticate: async (token: string) => {
            if (token === 'alice') return mockCredentials.user(ALICE);
            if (token === 'mallory') return mockCredentials.user(MALLORY);
            throw new AuthenticationError('bad token');
          },
          isPrincipal: mockServices.auth().isPrincipal,
        } as LogStreamHandlerOptions['auth'],
        access,
        logSource: source,
        appOf: async () => app,
        logger: mockServices.logger.mock(),
        maxBufferedBytes: 64 * 1024,
        heartbeatIntervalMs,
      });
      const server = createServer();
      server.on('upgrade', (request, socket, head) => {
        handler.handle({
          request,
          socket,
          head,
          credentials: mockCredentials.none(),
        });
      });
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return { handler, server, base: url };
    }
    const sockets: WebSocket[] = [];

    const nodeConfig = () =>
      readKli8ntNodeConfig(
        new ConfigReader({
          kli8nt: {
            kafka: {
              brokers: process.env.KLI8NT_TEST_KAFKA_BROKERS!.split(','),
              clientId: 'kli8nt-backend-test',
              sink: { batchSize: 100, lingerMs: 5 },
            },
          },
        }),
      );

    beforeAll(async () => {
      const config = nodeConfig();
      client = createLogBusClient({ config, logger: silentLogger });
      sink = createLogSink({ config, client });
      source = createLogSource({ config, client });
      const permissions = mockServices.permissions.mock({
        authorize: async (requests, options) =>
          requests.map(() => ({
            result:
              (options.credentials.principal as { userEntityRef?: string })
                .userEntityRef === ALICE
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          })),
      });
      const access = new EntityAccess(
        permissions,
        catalogServiceMock({ entities: [entity] }),
      );
      const started = await Promise.all([
        startServer(access, 60_000),
        startServer(access, 200),
      ]);
      servers.push(...started);
      base = started[0].base;
      pingBase = started[1].base;
    }, 60_000);

    afterAll(async () => {
      for (const ws of sockets) ws.terminate();
      for (const { handler, server } of servers) {
        handler.close();
        await new Promise(resolve => server.close(resolve));
      }
      await source.close();
      await sink.close();
      await client.close();
    }, 60_000);

    let lineNo = 0;
    async function produce(count: number, size = 20) {
      const lines: LogLine[] = [];
      for (let i = 0; i < count; i++) {
        lineNo++;
        lines.push({
          deploymentId: DEPLOYMENT,
          source: lineNo % 2 ? 'runtime' : 'build',
          pod: 'shop-abc',
          container: 'app',
          timestamp: new Date().toISOString(),
          line: `line ${lineNo} `.padEnd(size, 'x'),
        });
      }
      try {
        await sink.append(app, lines);
        await sink.flush();
      } catch (error) {
        const inner = (error as { errors?: unknown[] }).errors ?? [];
        throw new Error(`${error}: ${inner.map(String).join('; ')}`);
      }
    }

    function connect(
      query: string,
      options: {
        token?: string | null;
        autoPong?: boolean;
        base?: string;
      } = {},
    ): Received {
      const token =
        options.token === null
          ? []
          : [`kli8nt.token.${options.token ?? 'alice'}`];
      const ws = new WebSocket(`${options.base ?? base}/logs?${query}`, token, {
        autoPong: options.autoPong ?? true,
      });
      sockets.push(ws);
      const frames: LogFrame[] = [];
      ws.on('message', data => frames.push(JSON.parse(String(data))));
      const closed = new Promise<{ code: number; reason: string }>(resolve =>
        ws.on('close', (code, reason) =>
          resolve({ code, reason: String(reason) }),
        ),
      );
      ws.on('error', () => undefined);
      const received: Received = { frames, closed, ws, protocol: '' };
      ws.on('open', () => {
        received.protocol = ws.protocol;
      });
      return received;
    }

    async function until(check: () => boolean, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error('timed out');
        await new Promise(r => setTimeout(r, 25));
      }
    }

    const lines = (r: Received) =>
      r.frames.filter(
        (f): f is Extract<LogFrame, { type: 'line' }> => f.type === 'line',
      );

    it('replays, then follows live lines, echoing the token protocol', async () => {
      await produce(5);
      const client1 = connect(`entityRef=${entityRef}&tail=100`);
      await until(() => lines(client1).length === 5);
      expect(client1.protocol).toMatch(/^kli8nt\.token\./);
      await produce(3);
      await until(() => lines(client1).length === 8);
      const got = lines(client1);
      expect(got.map(f => f.line.split(' ')[1])).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
      ]);
      for (const frame of got) {
        expect(frame).toMatchObject({
          offset: expect.stringMatching(/^\d+$/),
          cursor: expect.stringMatching(/^\d+:\d+/),
          deploymentId: DEPLOYMENT,
          pod: 'shop-abc',
        });
      }
      client1.ws.close();
    }, 60_000);

    it('resumes after a cursor or an offset without loss or duplicates', async () => {
      const all = connect(`entityRef=${entityRef}&tail=1000`);
      await until(() => lines(all).length >= 8);
      const third = lines(all)[2];
      const byCursor = connect(
        `entityRef=${entityRef}&cursor=${encodeURIComponent(third.cursor)}`,
      );
      const byOffset = connect(`entityRef=${entityRef}&offset=${third.offset}`);
      const expected = lines(all)
        .slice(3)
        .map(f => f.offset);
      await until(() => lines(byCursor).length >= expected.length);
      await until(() => lines(byOffset).length >= expected.length);
      expect(lines(byCursor).map(f => f.offset)).toEqual(expected);
      expect(lines(byOffset).map(f => f.offset)).toEqual(expected);
      for (const r of [all, byCursor, byOffset]) r.ws.close();
    }, 60_000);

    it('filters by source', async () => {
      const build = connect(`entityRef=${entityRef}&tail=8&source=build`);
      await until(() => lines(build).length >= 4);
      expect(new Set(lines(build).map(f => f.source))).toEqual(
        new Set(['build']),
      );
      build.ws.close();
    }, 60_000);

    it('serves many viewers of the app from one Kafka reader', async () => {
      const read = jest.spyOn(client, 'read');
      const viewers = Array.from({ length: 40 }, () =>
        connect(`entityRef=${entityRef}&tail=0`),
      );
      await until(() => viewers.every(v => v.ws.readyState === WebSocket.OPEN));
      // Give the subscriptions a moment to attach to the live tail.
      await new Promise(r => setTimeout(r, 500));
      const first = lineNo + 1;
      await produce(300);
      await until(() => viewers.every(v => lines(v).length === 300));
      for (const v of viewers) {
        expect(lines(v).map(f => Number(f.line.split(' ')[1]))).toEqual(
          Array.from({ length: 300 }, (_, i) => first + i),
        );
      }
      // At most the app's one tail reader (none if an earlier case's is
      // still open): no consumer per socket, no replay read.
      expect(read.mock.calls.length).toBeLessThanOrEqual(1);
      read.mockRestore();
      for (const v of viewers) v.ws.close();
    }, 60_000);

    it('refuses with machine-readable reasons', async () => {
      const denied = connect(`entityRef=${entityRef}`, {
        token: 'mallory',
      });
      expect(await denied.closed).toEqual({
        code: 4403,
        reason: 'not_allowed',
      });
      expect(denied.frames).toEqual([]);

      const missing = connect(`entityRef=${entityRef}`, { token: null });
      expect(await missing.closed).toEqual({
        code: 4401,
        reason: 'missing_token',
      });
      const invalid = connect(`entityRef=${entityRef}`, { token: 'garbage' });
      expect(await invalid.closed).toEqual({
        code: 4401,
        reason: 'invalid_token',
      });
      const bad = connect(`entityRef=${entityRef}&tail=-5`);
      expect(await bad.closed).toEqual({
        code: 4400,
        reason: 'invalid_request',
      });
      const unknown = connect(`entityRef=component:default/ghost`);
      expect(await unknown.closed).toEqual({ code: 4404, reason: 'not_found' });
    }, 60_000);

    it('closes a client that stops answering pings', async () => {
      const silent = connect(`entityRef=${entityRef}&tail=0`, {
        autoPong: false,
        base: pingBase,
      });
      const closed = await silent.closed;
      expect(closed.code).toBe(1006);
    }, 60_000);

    it('drops lines for a slow client without stalling the others', async () => {
      const slow = connect(`entityRef=${entityRef}&tail=0`);
      const fast = connect(`entityRef=${entityRef}&tail=0`);
      await until(
        () =>
          slow.ws.readyState === WebSocket.OPEN &&
          fast.ws.readyState === WebSocket.OPEN,
      );
      // Give the subscriptions a moment to attach to the live tail.
      await new Promise(r => setTimeout(r, 500));
      // The slow client stops reading from its socket.
      (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

      const total = 6000;
      const first = lineNo + 1;
      const started = Date.now();
      for (let i = 0; i < total; i += 500) {
        await produce(500, 4096);
      }
      const producedMs = Date.now() - started;
      await until(() => lines(fast).length >= total, 60_000).catch(error => {
        throw new Error(
          `${error.message}: fast got ${
            lines(fast).length
          } of ${total}, state ${fast.ws.readyState}, slow state ${
            slow.ws.readyState
          }, slow frames ${slow.frames.length}, produced in ${producedMs} ms`,
        );
      });
      expect(lines(fast)).toHaveLength(total);
      expect(Number(lines(fast)[0].line.split(' ')[1])).toBe(first);

      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const count = () =>
        lines(slow).length +
        slow.frames
          .filter(f => f.type === 'dropped')
          .reduce((n, f) => n + (f.type === 'dropped' ? f.count : 0), 0);
      await until(() => count() >= total, 60_000).catch(error => {
        throw new Error(
          `${error.message}: slow accounted ${count()} of ${total}`,
        );
      });
      const markers = slow.frames.filter(f => f.type === 'dropped');
      expect(markers.length).toBeGreaterThan(0);
      expect(count()).toBe(total);
      slow.ws.close();
      fast.ws.close();
    }, 120_000);
  },
);
