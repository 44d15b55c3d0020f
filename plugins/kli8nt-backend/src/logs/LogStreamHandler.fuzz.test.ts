import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { AuthenticationError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { LOG_STREAM_CLOSE_CODES } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  createLogBusClient,
  createLogSink,
  createLogSource,
  LogBusClient,
  LogSink,
  LogSource,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import fc from 'fast-check';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { EntityAccess } from '../service/EntityAccess';
import { LogFrame } from './frames';
import { LogStreamHandler, LogStreamHandlerOptions } from './LogStreamHandler';
import { parseLogStreamQuery } from './query';

/*
 * Fuzzing of the logs WebSocket protocol (issue #17), in process: the real
 * handler, LogHub and log source over the in-memory log bus. Arbitrary
 * queries and tokens on connect: each connection either streams or is
 * closed with the documented code its input calls for. Arbitrary client
 * frames on open connections: ignored (or, over the 4 KiB limit, closed
 * with 1009). The handler never throws nor logs an error, and a
 * well-behaved viewer connected all along gets every line, in order.
 */

const CONNECT_RUNS = 6_000;
const FRAME_RUNS = 4_000;
const ALICE = 'user:default/alice'; // may read the logs
const MALLORY = 'user:default/mallory'; // may not
const SHOP = 'component:default/shop';
const DEPLOYMENT = '3b241101-e2bb-4255-8caf-4136c566a962';
const C = LOG_STREAM_CLOSE_CODES;

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
const logger = mockServices.logger.mock();
const handlerFailures: unknown[] = [];

beforeAll(async () => {
  const config = readKli8ntNodeConfig(new ConfigReader({}));
  client = createLogBusClient({ config, logger: mockServices.logger.mock() });
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
  handler = new LogStreamHandler({
    auth: {
      // Plain names stand for users' tokens, as in the integration test.
      authenticate: async (token: string) => {
        if (token === 'alice') return mockCredentials.user(ALICE);
        if (token === 'mallory') return mockCredentials.user(MALLORY);
        throw new AuthenticationError('bad token');
      },
      isPrincipal: mockServices.auth().isPrincipal,
    } as LogStreamHandlerOptions['auth'],
    access: new EntityAccess(
      permissions,
      catalogServiceMock({ entities: [entity] }),
    ),
    logSource: source,
    appOf: async () => 'shop',
    logger,
    maxBufferedBytes: 1024 * 1024,
    heartbeatIntervalMs: 60_000,
  });
  server = createServer();
  server.on('upgrade', (request, socket, head) => {
    handler
      .handle({ request, socket, head, credentials: mockCredentials.none() })
      .catch(error => handlerFailures.push(error));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/logs`;
});

afterAll(async () => {
  handler.close();
  await new Promise(resolve => server.close(resolve));
  await source.close();
  await sink.close();
  await client.close();
});

let produced = 0;
async function produce() {
  produced += 1;
  await sink.append('shop', [
    {
      deploymentId: DEPLOYMENT,
      source: 'runtime',
      pod: 'shop-abc',
      container: 'app',
      timestamp: new Date().toISOString(),
      line: `line ${produced}`,
    },
  ]);
  await sink.flush();
}

interface Connection {
  ws: WebSocket;
  frames: LogFrame[];
  closed: Promise<number>;
}

function connect(
  query: string,
  protocols: readonly string[] = ['kli8nt.token.alice'],
  headers: Record<string, string> = {},
): Connection {
  const ws = new WebSocket(`${base}?${query}`, [...protocols], { headers });
  const frames: LogFrame[] = [];
  ws.on('message', data => frames.push(JSON.parse(String(data))));
  ws.on('error', () => undefined);
  const closed = new Promise<number>(resolve =>
    ws.on('close', code => resolve(code)),
  );
  return { ws, frames, closed };
}

let pings = 0;

/** Resolves once the pong to a ping of our own came back. */
function roundTrip(ws: WebSocket): Promise<'open'> {
  const data = `probe-${++pings}`;
  return new Promise(resolve => {
    const onPong = (got: Buffer) => {
      if (String(got) !== data) return;
      ws.off('pong', onPong);
      resolve('open');
    };
    ws.on('pong', onPong);
    ws.ping(data);
  });
}

/**
 * `open` once a ping came back (a refused connection is closed before
 * that), else the close code; `timeout` if neither came within 5 s.
 */
async function outcomeOf(c: Connection): Promise<'open' | 'timeout' | number> {
  const opened = new Promise<'open'>(resolve =>
    c.ws.once('open', () => resolve(roundTrip(c.ws))),
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>(resolve => {
    timer = setTimeout(() => resolve('timeout'), 5_000);
  });
  try {
    return await Promise.race([opened, c.closed, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connection of alice's to the shop's logs that streams. */
async function viewerConnection(query: string): Promise<Connection> {
  const c = connect(query);
  const outcome = await outcomeOf(c);
  if (outcome !== 'open') throw new Error(`${query} was refused: ${outcome}`);
  return c;
}

// ---- inputs ---------------------------------------------------------------

const VALID_PARAMS: Record<string, string[]> = {
  entityRef: [SHOP, 'component:default/other', 'Component:default/Shop'],
  deploymentId: [DEPLOYMENT],
  deployment: [DEPLOYMENT],
  source: ['build', 'runtime'],
  tail: ['0', '10', '100000'],
  since: ['2026-01-01T00:00:00.000Z'],
  offset: ['0', '0:1'],
  cursor: ['0:0', '0:1,1:2'],
};
const weird = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.nat(3_000).map(n => 'x'.repeat(n)),
  fc.constantFrom('', '-1', '1e3', '99999999999999999999', '%zz', '0:', ':1'),
);
const param = fc.tuple(
  fc.oneof(
    fc.constantFrom(...Object.keys(VALID_PARAMS)),
    fc.constantFrom('__proto__', 'constructor', 'entityRef[]', 'x'),
    fc.string(),
  ),
  fc.oneof(
    fc
      .constantFrom(...Object.values(VALID_PARAMS).flat())
      .map(v => v as string),
    weird,
  ),
);
const query = fc.oneof(
  fc
    .tuple(
      fc.subarray(['deploymentId', 'source', 'tail', 'since', 'cursor']),
      fc.array(param, { maxLength: 3 }),
    )
    .map(([keys, extra]) => {
      const q = new URLSearchParams({ entityRef: SHOP });
      for (const k of keys) q.set(k, VALID_PARAMS[k][0]);
      for (const [k, v] of extra) q.append(k, v);
      return q.toString();
    }),
  fc.array(param, { maxLength: 5 }).map(p => new URLSearchParams(p).toString()),
  // Raw text as a client may send it (kept a valid URL for the client).
  fc.string().map(s => encodeURI(s).replace(/#/g, '%23')),
);
const tokenChars = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,60}$/;
const credentials = fc.oneof(
  fc.constant({ protocols: ['kli8nt.token.alice'], headers: {} }),
  fc.constant({ protocols: ['kli8nt.token.mallory'], headers: {} }),
  fc.constant({ protocols: [], headers: {} }),
  fc.constant({ protocols: [], headers: { authorization: 'Bearer alice' } }),
  fc
    .array(fc.stringMatching(tokenChars), { minLength: 1, maxLength: 7 })
    .map(p => ({ protocols: [...new Set(p)], headers: {} })),
  fc.string().map(s => ({
    protocols: [],
    headers: { authorization: s.replace(/[^\x20-\x7e]/g, '') },
  })),
);

/** Whom the handler authenticates, as it tries at most 5 candidates in order. */
function userOf(c: {
  protocols: readonly string[];
  headers: Readonly<Record<string, string>>;
}) {
  const bearer = c.headers.authorization?.match(/^Bearer[ ]+(\S+)$/i)?.[1];
  const tokens = [
    ...c.protocols.map(p => p.replace(/^kli8nt\.token\./, '')),
    ...(bearer ? [bearer] : []),
  ].slice(0, 5);
  if (!tokens.length) return 'none';
  return tokens.find(t => t === 'alice' || t === 'mallory') ?? 'invalid';
}

/** The close code a connection must get, or `open`. */
function expected(q: string, user: string): Array<'open' | number> {
  if (user === 'none' || user === 'invalid') return [C.missing_token];
  let entityRef: string;
  try {
    entityRef = parseLogStreamQuery(`/logs?${q}`).entityRef;
  } catch {
    return [C.invalid_request];
  }
  if (user === 'mallory') return [C.not_allowed, C.not_found];
  // Entity refs compare case-insensitively, as in the catalog.
  return entityRef.toLocaleLowerCase('en-US') === SHOP
    ? ['open']
    : [C.not_found];
}

const clientFrame = fc.oneof(
  fc.string().map(s => ({ kind: 'text' as const, data: s })),
  fc.json().map(s => ({ kind: 'text' as const, data: s })),
  fc
    .uint8Array({ maxLength: 512 })
    .map(b => ({ kind: 'binary' as const, data: Buffer.from(b) })),
  fc
    .uint8Array({ maxLength: 125 })
    .map(b => ({ kind: 'ping' as const, data: Buffer.from(b) })),
  fc
    .nat(8_000)
    .map(n => ({ kind: 'text' as const, data: 'y'.repeat(4097 + n) })),
);

// ---- the properties -------------------------------------------------------

describe('logs WebSocket under fuzzing', () => {
  let viewer: Connection;

  beforeAll(async () => {
    await produce();
    viewer = await viewerConnection(`entityRef=${SHOP}&tail=100000`);
  });

  afterAll(() => viewer.ws.terminate());

  it(`closes ${CONNECT_RUNS} fuzzed connections with their documented code, or streams`, async () => {
    let refused = 0;
    let connections = 0;
    await fc.assert(
      fc.asyncProperty(query, credentials, async (q, cred) => {
        // New lines for the viewer while the fuzzing goes on.
        if (++connections % 50 === 0) await produce();
        const c = connect(q, cred.protocols, cred.headers);
        const outcome = await outcomeOf(c);
        const codes = expected(q, userOf(cred));
        c.ws.terminate();
        if (outcome !== 'open') refused += 1;
        // The only toleration: invalid_token and missing_token share 4401.
        expect(codes).toContain(outcome);
      }),
      { numRuns: CONNECT_RUNS },
    );
    expect(refused).toBeGreaterThan(CONNECT_RUNS / 2);
  }, 180_000);

  it(`ignores ${FRAME_RUNS} fuzzed client frames (1009 over 4 KiB)`, async () => {
    let open = await viewerConnection(`entityRef=${SHOP}&tail=0`);
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(clientFrame, { minLength: 1, maxLength: 3 }),
        async frames => {
          // New lines for the viewer while the fuzzing goes on.
          if (++cases % 50 === 0) await produce();
          for (const f of frames) {
            if (f.kind === 'ping') open.ws.ping(f.data);
            else open.ws.send(f.data, { binary: f.kind === 'binary' });
          }
          const tooBig = frames.some(
            f => f.kind !== 'ping' && Buffer.byteLength(f.data) > 4096,
          );
          // A ping after the frames: its pong proves they were taken in.
          const outcome = await Promise.race([roundTrip(open.ws), open.closed]);
          expect(outcome).toBe(tooBig ? 1009 : 'open');
          if (tooBig) open = await viewerConnection(`entityRef=${SHOP}&tail=0`);
        },
      ),
      { numRuns: FRAME_RUNS },
    );
    open.ws.terminate();
  }, 180_000);

  it('kept serving the well-behaved viewer, and never failed', async () => {
    await produce();
    const deadline = Date.now() + 20_000;
    const lines = () => viewer.frames.filter(f => f.type === 'line');
    while (lines().length < produced && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 20));
    }
    expect(
      lines().map(f => (f as Extract<LogFrame, { type: 'line' }>).line),
    ).toEqual(Array.from({ length: produced }, (_, i) => `line ${i + 1}`));
    expect(viewer.ws.readyState).toBe(WebSocket.OPEN);
    expect(handlerFailures).toEqual([]);
    expect(logger.error).not.toHaveBeenCalled();
  }, 60_000);
});
