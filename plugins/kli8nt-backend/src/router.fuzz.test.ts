import {
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import fc from 'fast-check';
import { AddressInfo } from 'node:net';
import { Knex } from 'knex';
import { kli8ntPlugin } from './plugin';
import {
  createGithubServer,
  onUnhandledRequest,
} from './__testUtils__/githubServer';

/*
 * Fuzzing of every REST body, query and path parameter of the router (issue
 * #17) on one backend (SQLite, mock catalog, GitHub answered by msw) for the
 * whole suite. Each case is one real HTTP request. Whatever it carries, the
 * answer is never a 5xx; a refusal is a 4xx with a JSON error (a validation
 * error names the field) and leaves every table as it was.
 */

const RUNS_PER_ROUTE = 850; // × 13 routes: 11,050 requests
const SHOP = 'component:default/shop';
const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

const entities: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'shop',
      namespace: 'default',
      annotations: { 'github.com/project-slug': 'acme/shop' },
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'norepo', namespace: 'default' },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  },
];

const github = createGithubServer();
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

let base: string;
let knex: Knex;
let deploymentId: string;
let writtenSql: string;
let lastWritten: string;
const tally = { requests: 0, accepted: 0, refused: 0 };

// The outbox relay updates these in the background; a request does not.
const RELAY_BOOKKEEPING = [
  'attempts',
  'last_error',
  'claimed_until',
  'sent_at',
  'parked_at',
];

/**
 * Every row of every table a request may write, as one string built inside
 * SQLite (a snapshot through knex per request would dominate the run time).
 */
async function written(): Promise<string> {
  return JSON.stringify(await knex.raw(writtenSql));
}

async function writtenQuery(): Promise<string> {
  const tables: string[] = (
    await knex('sqlite_master')
      .where({ type: 'table' })
      .whereNot('name', 'like', 'sqlite_%')
      .whereNot('name', 'like', 'knex_%')
      .select('name')
  ).map(r => r.name);
  const parts = await Promise.all(
    tables.map(async table => {
      const columns = (await knex.raw(`PRAGMA table_info("${table}")`))
        .map((c: { name: string }) => c.name)
        .filter((c: string) => !RELAY_BOOKKEEPING.includes(c));
      const row = columns
        .map((c: string) => `quote("${c}")`)
        .join(` || ',' || `);
      return `(SELECT count(*) || ':' || group_concat(${row}, ';') FROM "${table}") AS "${table}"`;
    }),
  );
  return `SELECT ${parts.join(', ')}`;
}

// Captured before msw patches it: the fuzzer's own requests need no
// interception, and going around it makes each request three times cheaper.
const realFetch = globalThis.fetch;

beforeAll(async () => {
  github.server.listen({ onUnhandledRequest });
  knex = await databases.init('SQLITE_3');
  const { server } = await startTestBackend({
    features: [
      kli8ntPlugin,
      catalogServiceMock.factory({ entities }),
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: {
          integrations: {
            github: [{ host: 'github.com', token: 'ghp_configtoken' }],
          },
          kli8nt: { secretKey: SECRET_KEY, appsDomain: 'apps.example.com' },
        },
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
    ],
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writtenSql = await writtenQuery();
  const seeded = await realFetch(`${base}/api/kli8nt/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ entityRef: SHOP }),
  });
  if (seeded.status !== 202) {
    throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
  }
  deploymentId = ((await seeded.json()) as { id: string }).id;
  lastWritten = await written();
}, 60_000);

afterAll(() => github.server.close());

// ---- inputs ---------------------------------------------------------------

const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype');
const hugeString = fc
  .tuple(fc.constantFrom('a', 'ü', '🚀', '\u0000', '"'), fc.nat(20_000))
  .map(([c, n]) => c.repeat(n));
const weirdString = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  hugeString,
  fc.constantFrom(
    '',
    ' ',
    SHOP,
    'component:default/norepo',
    'component:default/missing',
    'Component:Default/Shop',
    'component:default/shop/../x',
    'main',
    '../../etc/passwd',
    '%00',
    'a'.repeat(300),
  ),
);
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue(),
);
const deep = fc
  .tuple(fc.nat(5_000), fc.boolean())
  .map(([n, arrays]) =>
    arrays
      ? `${'['.repeat(n)}${']'.repeat(n)}`
      : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
  );

/** Valid bodies of a route, for near-miss mutations. */
function nearMiss(valid: Record<string, unknown>[]): fc.Arbitrary<string> {
  const keys = [...new Set(valid.flatMap(v => Object.keys(v))), 'unknown'];
  return fc
    .tuple(
      fc.constantFrom(...valid),
      fc.oneof(fc.constantFrom(...keys), protoKey, fc.string()),
      fc.oneof(leaf, fc.constant(undefined)),
    )
    .map(([body, key, value]) => {
      const fields = Object.entries(body)
        .filter(([k]) => k !== key)
        .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
      // Written as text so that `__proto__` is an own key, as a client sends it.
      if (value !== undefined) {
        fields.push(
          `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`,
        );
      }
      return `{${fields.join(',')}}`;
    });
}

/** A request body as sent: JSON text or not, and its content type. */
function bodies(valid: Record<string, unknown>[]) {
  return fc.record({
    text: fc.oneof(
      { weight: 4, arbitrary: nearMiss(valid) },
      { weight: 2, arbitrary: fc.json() },
      { weight: 1, arbitrary: fc.anything().map(v => JSON.stringify(v) ?? '') },
      { weight: 1, arbitrary: fc.string() },
      { weight: 1, arbitrary: deep },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '{',
          'null',
          '[]',
          '"x"',
          `{"entityRef":"${'x'.repeat(1_100_000)}"}`,
        ),
      },
    ),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
        ),
      },
    ),
  });
}

/** A query string: the route's own keys, qs-style nesting, prototype keys. */
function queries(valid: Record<string, string>[]) {
  const keys = [...new Set(valid.flatMap(v => Object.keys(v)))];
  const key = fc.oneof(
    fc.constantFrom(...keys),
    fc.constantFrom(...keys).map(k => `${k}[]`),
    fc
      .tuple(fc.constantFrom(...keys), fc.oneof(protoKey, fc.string()))
      .map(([k, inner]) => `${k}[${inner}]`),
    protoKey,
    protoKey.map(p => `${p}[polluted]`),
    fc.string(),
  );
  const pair = fc.tuple(
    key,
    fc.oneof(
      weirdString.map(s => s.slice(0, 2_000)),
      fc.integer().map(String),
    ),
  );
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...valid), fc.array(pair, { maxLength: 4 }))
      .map(([v, extra]) => {
        const q = new URLSearchParams(v);
        for (const [k, value] of extra) q.append(k, value);
        return q.toString();
      }),
    fc
      .array(pair, { maxLength: 6 })
      .map(p => new URLSearchParams(p).toString()),
    // Raw text, including malformed percent-escapes.
    fc.string().map(s => s.replace(/[#\s]/g, '%')),
  );
}

const deploymentIds = fc.oneof(
  fc.constant(() => deploymentId),
  fc.uuid().map(u => () => u),
  // Not `.` or `..`: the client resolves dot segments before sending.
  fc
    .string()
    .map(s => encodeURIComponent(s).replace(/^\.{0,2}$/, 'x'))
    .map(s => () => s),
  fc
    .constantFrom('%zz', '%E0%A4%A', '%2f', 'null', '__proto__')
    .map(s => () => s),
);

interface Case {
  method: string;
  path: string;
  query?: string;
  body?: { text: string; contentType: string };
}

type Route = { name: string; cases: fc.Arbitrary<Case> };

const listQueries = queries([
  { entityRef: SHOP },
  { entityRef: SHOP, limit: '5', cursor: 'abc' },
]);
const entityQueries = queries([{ entityRef: SHOP }]);
const noQuery = fc.constant(undefined);

const ROUTES: Route[] = [
  {
    name: 'POST /deployments',
    cases: bodies([{ entityRef: SHOP, ref: 'main' }, { entityRef: SHOP }]).map(
      body => ({ method: 'POST', path: '/deployments', body }),
    ),
  },
  {
    name: 'GET /deployments',
    cases: listQueries.map(query => ({
      method: 'GET',
      path: '/deployments',
      query,
    })),
  },
  ...['', '/events'].map(suffix => ({
    name: `GET /deployments/:id${suffix}`,
    cases: fc.tuple(deploymentIds, noQuery).map(([id]) => ({
      method: 'GET',
      get path() {
        return `/deployments/${id()}${suffix}`;
      },
    })),
  })),
  {
    name: 'POST /deployments/:id/redeploy',
    cases: fc
      .tuple(
        deploymentIds,
        bodies([{ reason: 'redeploy' }, { reason: 'rollback' }]),
      )
      .map(([id, body]) => ({
        method: 'POST',
        get path() {
          return `/deployments/${id()}/redeploy`;
        },
        body,
      })),
  },
  ...['rollback', 'cancel'].map(action => ({
    name: `POST /deployments/:id/${action}`,
    cases: fc.tuple(deploymentIds, bodies([{}])).map(([id, body]) => ({
      method: 'POST',
      get path() {
        return `/deployments/${id()}/${action}`;
      },
      body,
    })),
  })),
  {
    name: 'GET /apps/settings',
    cases: entityQueries.map(query => ({
      method: 'GET',
      path: '/apps/settings',
      query,
    })),
  },
  {
    name: 'PUT /apps/settings (query)',
    cases: entityQueries.map(query => ({
      method: 'PUT',
      path: '/apps/settings',
      query,
      body: { text: '{"replicas":2}', contentType: 'application/json' },
    })),
  },
  {
    name: 'PUT /apps/settings (body)',
    cases: bodies([
      { version: 0, port: 8080, replicas: 2, healthCheckPath: '/healthz' },
      { domains: ['shop.example.com'], env: { A: 'b' } },
      {
        secretEnv: { TOKEN: 'x', OLD: null },
        resources: { cpu: '500m', memory: '1Gi' },
      },
      { resources: null, healthCheckPath: null },
    ]).map(body => ({
      method: 'PUT',
      path: '/apps/settings',
      query: new URLSearchParams({ entityRef: SHOP }).toString(),
      body,
    })),
  },
  {
    name: 'POST /apps/domains/verify',
    cases: entityQueries.map(query => ({
      method: 'POST',
      path: '/apps/domains/verify',
      query,
    })),
  },
  {
    name: 'DELETE /apps',
    cases: entityQueries.map(query => ({
      method: 'DELETE',
      path: '/apps',
      query,
    })),
  },
  {
    name: 'GET /branches',
    cases: entityQueries.map(query => ({
      method: 'GET',
      path: '/branches',
      query,
    })),
  },
];

// ---- the property ---------------------------------------------------------

// parseInput's errors: what was invalid, then the path of the field.
const VALIDATION_ERROR = /^Invalid (request|query|deployment id|cursor)\b/;
const NAMES_A_FIELD =
  /^Invalid (request|query|deployment id): (\(root\)|[A-Za-z_$][\w$]*|\[)|^Invalid cursor$/;

async function send(c: Case) {
  const url = `${base}/api/kli8nt${c.path}${c.query ? `?${c.query}` : ''}`;
  const res = await realFetch(url, {
    method: c.method,
    headers: c.body ? { 'content-type': c.body.contentType } : {},
    body: c.body?.text,
  });
  const text = await res.text();
  tally.requests += 1;
  const context = `${c.method} ${url.slice(0, 300)} body ${c.body?.text.slice(
    0,
    300,
  )} → ${res.status} ${text.slice(0, 500)}`;
  if (res.status >= 500) throw new Error(`5xx: ${context}`);
  if (res.status < 400) {
    tally.accepted += 1;
    lastWritten = await written();
    return;
  }
  tally.refused += 1;
  // Node itself answers an oversized request head with a bare 431.
  if (res.status === 431) return;
  let error: { name?: unknown; message?: unknown } | undefined;
  try {
    error = JSON.parse(text).error;
  } catch {
    throw new Error(`not JSON: ${context}`);
  }
  if (typeof error?.message !== 'string' || !error.message) {
    throw new Error(`no error message: ${context}`);
  }
  if (
    VALIDATION_ERROR.test(error.message) &&
    !NAMES_A_FIELD.test(error.message)
  ) {
    throw new Error(`validation error names no field: ${context}`);
  }
  const before = lastWritten;
  const after = await written();
  lastWritten = after;
  if (after !== before) {
    throw new Error(
      `refusal wrote to the database (${before} → ${after}): ${context}`,
    );
  }
}

describe('router under fuzzing', () => {
  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`router fuzz: ${JSON.stringify(tally)}`);
  });

  it.each(ROUTES.map(r => [r.name, r] as const))(
    `%s: ${RUNS_PER_ROUTE} cases, never a 5xx, refusals named and unwritten`,
    async (_name, route) => {
      const refusedBefore = tally.refused;
      await fc.assert(
        fc.asyncProperty(route.cases, c => send(c)),
        { numRuns: RUNS_PER_ROUTE },
      );
      expect(tally.refused).toBeGreaterThan(refusedBefore);
    },
    120_000,
  );

  it('also refused most cases (a fuzzer that is always accepted tests little)', () => {
    expect(tally.requests).toBeGreaterThanOrEqual(
      RUNS_PER_ROUTE * ROUTES.length,
    );
    expect(tally.refused).toBeGreaterThan(tally.requests / 2);
  });

  it('did not pollute Object.prototype', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });
});
