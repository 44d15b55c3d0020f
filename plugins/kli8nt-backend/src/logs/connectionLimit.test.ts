import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { AuthenticationError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  createLogBusClient,
  createLogSink,
  createLogSource,
  LogBusClient,
  LogSink,
  LogSource,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { EntityAccess } from '../service/EntityAccess';
import { LogStreamHandler, LogStreamHandlerOptions } from './LogStreamHandler';

/*
 * kli8nt.logs.maxConnectionsPerUser (#17): the real handler over the
 * in-memory log bus on its own HTTP server. A user's sockets beyond the cap
 * are closed with 4429 `too_many_connections` before anything streams;
 * other users are not affected; a closed socket gives its place back.
 */

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'shop', namespace: 'default' },
  spec: { type: 'service', owner: 'a', lifecycle: 'production' },
};

let client: LogBusClient;
let sink: LogSink;
let source: LogSource;
let handler: LogStreamHandler;
let server: Server;
let base: string;
const open: WebSocket[] = [];

beforeAll(async () => {
  const config = readKli8ntNodeConfig(new ConfigReader({}));
  client = createLogBusClient({ config, logger: mockServices.logger.mock() });
  sink = createLogSink({ config, client });
  source = createLogSource({ config, client });
  handler = new LogStreamHandler({
    auth: {
      // A token names its user.
      authenticate: async (token: string) => {
        if (!/^[a-z]+$/.test(token)) throw new AuthenticationError('bad');
        return mockCredentials.user(`user:default/${token}`);
      },
      isPrincipal: mockServices.auth().isPrincipal,
    } as LogStreamHandlerOptions['auth'],
    access: new EntityAccess(
      mockServices.permissions(),
      catalogServiceMock({ entities: [entity] }),
    ),
    logSource: source,
    appOf: async () => 'shop',
    logger: mockServices.logger.mock(),
    maxBufferedBytes: 1 << 20,
    heartbeatIntervalMs: 60_000,
    maxConnectionsPerUser: 2,
  });
  server = createServer();
  server.on('upgrade', (request, socket, head) => {
    handler.handle({
      request,
      socket,
      head,
      credentials: mockCredentials.none(),
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/logs`;
});

afterAll(async () => {
  for (const ws of open) ws.terminate();
  handler.close();
  await new Promise(resolve => server.close(resolve));
  await source.close();
  await sink.close();
  await client.close();
});

/** Streams a line to every open viewer; each resolves with its first one. */
async function connect(user: string): Promise<WebSocket> {
  const ws = new WebSocket(`${base}?entityRef=component:default/shop&tail=0`, [
    `kli8nt.token.${user}`,
  ]);
  open.push(ws);
  await new Promise(resolve => ws.once('open', resolve));
  return ws;
}

/** 'streams' when the socket gets the next line, else its close code and reason. */
async function outcome(ws: WebSocket): Promise<string> {
  const closed = new Promise<string>(resolve =>
    ws.once('close', (code, reason) => resolve(`${code} ${reason}`)),
  );
  const line = new Promise<string>(resolve =>
    ws.once('message', () => resolve('streams')),
  );
  // Give a refusal its close before the line arrives.
  await new Promise(r => setTimeout(r, 50));
  await sink.append('shop', [
    {
      deploymentId: '3b241101-e2bb-4255-8caf-4136c566a962',
      source: 'runtime',
      pod: 'shop-1',
      container: 'app',
      timestamp: new Date().toISOString(),
      line: 'hello',
    },
  ]);
  await sink.flush();
  return Promise.race([closed, line]);
}

it('closes a user socket beyond the cap with 4429, and frees the place on close', async () => {
  const first = await connect('alice');
  const second = await connect('alice');
  const third = await connect('alice');
  const [a, b, c] = await Promise.all([first, second, third].map(outcome));
  expect([a, b, c]).toEqual([
    'streams',
    'streams',
    '4429 too_many_connections',
  ]);

  // Another user has places of their own.
  expect(await outcome(await connect('bob'))).toBe('streams');

  const gone = new Promise(resolve => first.once('close', resolve));
  first.close();
  await gone;
  // The server sees the TCP close a moment later.
  let again = '';
  for (let i = 0; i < 50 && again !== 'streams'; i++) {
    again = await outcome(await connect('alice'));
  }
  expect(again).toBe('streams');
});
