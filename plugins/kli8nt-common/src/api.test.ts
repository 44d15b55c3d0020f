import { z } from 'zod/v4';
import {
  LOG_STREAM_CLOSE_CODES,
  LOG_STREAM_CLOSE_REASONS,
  appSettingsSchema,
  branchListSchema,
  branchSchema,
  createDeploymentRequestSchema,
  deploymentEventListSchema,
  deploymentEventSchema,
  deploymentPageSchema,
  deploymentSchema,
  listDeploymentsQuerySchema,
  logLineSchema,
  logStreamQuerySchema,
  redeployRequestSchema,
  updateAppSettingsRequestSchema,
} from './api';
import { safeParseInput } from './validation';
import {
  DEPLOYMENT_ID,
  DIGEST,
  IMAGE,
  MESSAGE_ID,
  SHA,
  withField,
} from './__fixtures__/messages';

const deployment = {
  id: DEPLOYMENT_ID,
  entityRef: 'component:default/shop',
  app: 'shop',
  cluster: 'local',
  ref: 'main',
  commitSha: SHA,
  trigger: 'manual',
  requestedBy: 'user:default/jane',
  image: IMAGE,
  imageDigest: DIGEST,
  status: 'failed',
  url: 'https://shop.apps.example.com',
  failureReason: 'CrashLoopBackOff',
  failureMessage: 'Back-off restarting failed container',
  createdAt: '2024-05-01T12:00:00.000Z',
  updatedAt: '2024-05-01T12:05:00.000Z',
  finishedAt: '2024-05-01T12:05:00.000Z',
};

const event = {
  messageId: MESSAGE_ID,
  status: 'building',
  reason: 'Cloning',
  message: 'cloning acme/shop',
  occurredAt: '2024-05-01T12:00:00.000Z',
  receivedAt: '2024-05-01T12:00:01.000Z',
};

const settings = {
  entityRef: 'component:default/shop',
  app: 'shop',
  port: 8080,
  replicas: 1,
  healthCheckPath: '/healthz',
  domains: ['shop.example.com'],
  env: { NODE_ENV: 'production' },
  secretEnvNames: ['DATABASE_URL'],
};

const logLine = {
  offset: '12345678901234',
  partition: 0,
  timestamp: '2024-05-01T12:00:00.123Z',
  source: 'runtime',
  pod: 'shop-7d9f8b6c5-abcde',
  container: 'app',
  deploymentId: DEPLOYMENT_ID,
  line: 'listening on :8080 ✓',
};

type Case = [name: string, schema: z.ZodType, value: unknown];
type BadCase = [name: string, schema: z.ZodType, value: unknown, field: string];

const valid: Case[] = [
  [
    'create with ref',
    createDeploymentRequestSchema,
    { entityRef: 'component:default/shop', ref: 'feature/x' },
  ],
  [
    'create without ref',
    createDeploymentRequestSchema,
    { entityRef: 'component:default/shop' },
  ],
  [
    'create with a SHA ref',
    createDeploymentRequestSchema,
    { entityRef: 'component:default/shop', ref: SHA },
  ],
  ['deployment', deploymentSchema, deployment],
  [
    'minimal deployment',
    deploymentSchema,
    {
      ...deployment,
      status: 'queued',
      image: undefined,
      imageDigest: undefined,
      url: undefined,
      failureReason: undefined,
      failureMessage: undefined,
      finishedAt: undefined,
    },
  ],
  [
    'deployment with extra response fields',
    deploymentSchema,
    { ...deployment, extra: 1 },
  ],
  ['event', deploymentEventSchema, event],
  ['event list', deploymentEventListSchema, { items: [event] }],
  ['page', deploymentPageSchema, { items: [deployment], nextCursor: 'abc' }],
  ['last page', deploymentPageSchema, { items: [] }],
  [
    'list query',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', limit: '50', cursor: 'YWJj' },
  ],
  ['redeploy', redeployRequestSchema, {}],
  ['rollback', redeployRequestSchema, { reason: 'rollback' }],
  ['settings', appSettingsSchema, settings],
  ['empty update', updateAppSettingsRequestSchema, {}],
  [
    'full update',
    updateAppSettingsRequestSchema,
    {
      port: 3000,
      replicas: 0,
      healthCheckPath: null,
      domains: [],
      env: { A: 'x' },
      secretEnv: { B: 's3cr3t $(x)', C: null },
      resources: { cpu: '1', memory: '1Gi' },
    },
  ],
  [
    'update deleting a secret that becomes plain',
    updateAppSettingsRequestSchema,
    { env: { A: 'x' }, secretEnv: { A: null } },
  ],
  [
    'update clearing resources',
    updateAppSettingsRequestSchema,
    { resources: null },
  ],
  ['branch', branchSchema, { name: 'main', commitSha: SHA, isDefault: true }],
  [
    'branch list',
    branchListSchema,
    { items: [{ name: 'dev', commitSha: SHA, isDefault: false }] },
  ],
  ['log line', logLineSchema, logLine],
  [
    'build log line',
    logLineSchema,
    {
      ...logLine,
      source: 'build',
      partition: undefined,
      deploymentId: undefined,
      line: '',
    },
  ],
  [
    'log stream query',
    logStreamQuerySchema,
    {
      entityRef: 'component:default/shop',
      source: 'build',
      deploymentId: DEPLOYMENT_ID,
      tail: '0',
    },
  ],
];

const HOSTILE = [
  '$(rm -rf /)',
  '"; DROP TABLE deployments; --',
  'a\nb',
  'a\u0000b',
  '../x',
  'ünï',
  'x'.repeat(100_000),
];

const invalid: BadCase[] = [
  ['create without entityRef', createDeploymentRequestSchema, {}, 'entityRef'],
  [
    'create with a typo field',
    createDeploymentRequestSchema,
    { entityRef: 'component:default/shop', reff: 'main' },
    '(root)',
  ],
  ...HOSTILE.map(
    (v): BadCase => [
      'create with hostile entityRef',
      createDeploymentRequestSchema,
      { entityRef: v },
      'entityRef',
    ],
  ),
  ...HOSTILE.map(
    (v): BadCase => [
      'create with hostile ref',
      createDeploymentRequestSchema,
      { entityRef: 'component:default/shop', ref: v },
      'ref',
    ],
  ),
  [
    'create with a numeric ref',
    createDeploymentRequestSchema,
    { entityRef: 'component:default/shop', ref: 1 },
    'ref',
  ],
  [
    'deployment with bad trigger',
    deploymentSchema,
    { ...deployment, trigger: 'cron' },
    'trigger',
  ],
  [
    'deployment with bad status',
    deploymentSchema,
    { ...deployment, status: 'done' },
    'status',
  ],
  [
    'deployment with bad id',
    deploymentSchema,
    { ...deployment, id: '1' },
    'id',
  ],
  [
    'deployment with bad url',
    deploymentSchema,
    { ...deployment, url: ['javascript', 'alert(1)'].join(':') },
    'url',
  ],
  [
    'deployment with NUL in failureMessage',
    deploymentSchema,
    { ...deployment, failureMessage: 'a\u0000' },
    'failureMessage',
  ],
  [
    'deployment without createdAt',
    deploymentSchema,
    withField(deployment, 'createdAt', undefined),
    'createdAt',
  ],
  [
    'event with bad receivedAt',
    deploymentEventSchema,
    { ...event, receivedAt: 'now' },
    'receivedAt',
  ],
  [
    'page with bad item',
    deploymentPageSchema,
    { items: [{ ...deployment, app: 'Bad' }] },
    'items[0].app',
  ],
  [
    'list query with limit 0',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', limit: '0' },
    'limit',
  ],
  [
    'list query with limit 101',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', limit: 101 },
    'limit',
  ],
  [
    'list query with limit abc',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', limit: 'abc' },
    'limit',
  ],
  [
    'list query with limit -1',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', limit: '-1' },
    'limit',
  ],
  [
    'list query with hostile cursor',
    listDeploymentsQuerySchema,
    { entityRef: 'component:default/shop', cursor: "' OR 1=1 --" },
    'cursor',
  ],
  [
    'redeploy with bad reason',
    redeployRequestSchema,
    { reason: 'config' },
    'reason',
  ],
  [
    'redeploy with unknown field',
    redeployRequestSchema,
    { image: IMAGE },
    '(root)',
  ],
  [
    'settings with a secret value',
    appSettingsSchema,
    { ...settings, secretEnvNames: ['$(x)'] },
    'secretEnvNames[0]',
  ],
  [
    'update with unknown field',
    updateAppSettingsRequestSchema,
    { ports: 1 },
    '(root)',
  ],
  ['update with port 0', updateAppSettingsRequestSchema, { port: 0 }, 'port'],
  [
    'update with port string',
    updateAppSettingsRequestSchema,
    { port: '80' },
    'port',
  ],
  [
    'update with replicas 100',
    updateAppSettingsRequestSchema,
    { replicas: 100 },
    'replicas',
  ],
  [
    'update with a relative health path',
    updateAppSettingsRequestSchema,
    { healthCheckPath: 'health' },
    'healthCheckPath',
  ],
  [
    'update with hostile domain',
    updateAppSettingsRequestSchema,
    { domains: ['$(rm -rf /)'] },
    'domains[0]',
  ],
  [
    'update with env null',
    updateAppSettingsRequestSchema,
    { env: { A: null } },
    'env.A',
  ],
  [
    'update with bad env name',
    updateAppSettingsRequestSchema,
    { env: { 'A-B': 'x' } },
    'env["A-B"]',
  ],
  [
    'update with bad secret name',
    updateAppSettingsRequestSchema,
    { secretEnv: { '../x': 'x' } },
    'secretEnv["../x"]',
  ],
  [
    'update with NUL secret',
    updateAppSettingsRequestSchema,
    { secretEnv: { A: 'a\u0000' } },
    'secretEnv.A',
  ],
  [
    'update with 33 KiB secret',
    updateAppSettingsRequestSchema,
    { secretEnv: { A: 'x'.repeat(33 * 1024) } },
    'secretEnv.A',
  ],
  [
    'update with too many secrets',
    updateAppSettingsRequestSchema,
    {
      secretEnv: Object.fromEntries(
        Array.from({ length: 201 }, (_, i) => [`S${i}`, 'x']),
      ),
    },
    'secretEnv',
  ],
  [
    'update with a name both plain and secret',
    updateAppSettingsRequestSchema,
    { env: { A: 'x' }, secretEnv: { A: 'y' } },
    'secretEnv.A',
  ],
  [
    'update with bad cpu',
    updateAppSettingsRequestSchema,
    { resources: { cpu: 'lots' } },
    'resources.cpu',
  ],
  [
    'branch with bad sha',
    branchSchema,
    { name: 'main', commitSha: 'abc', isDefault: true },
    'commitSha',
  ],
  [
    'branch with isDefault string',
    branchSchema,
    { name: 'main', commitSha: SHA, isDefault: 'true' },
    'isDefault',
  ],
  [
    'log line with numeric offset',
    logLineSchema,
    { ...logLine, offset: 5 },
    'offset',
  ],
  [
    'log line with negative offset',
    logLineSchema,
    { ...logLine, offset: '-1' },
    'offset',
  ],
  [
    'log line with bad source',
    logLineSchema,
    { ...logLine, source: 'deploy' },
    'source',
  ],
  [
    'log line too long',
    logLineSchema,
    { ...logLine, line: 'x'.repeat(64 * 1024 + 1) },
    'line',
  ],
  [
    'log stream query with tail 1e9',
    logStreamQuerySchema,
    { entityRef: 'component:default/shop', tail: '1000000000' },
    'tail',
  ],
  [
    'log stream query with bad deploymentId',
    logStreamQuerySchema,
    { entityRef: 'component:default/shop', deploymentId: '../x' },
    'deploymentId',
  ],
];

describe('api schemas', () => {
  it.each(valid)('accepts %s', (_n, schema, value) => {
    const result = safeParseInput(schema, value);
    expect(result).toMatchObject({ ok: true });
  });

  it.each(invalid)('rejects %s, naming %s', (_n, schema, value, field) => {
    const result = safeParseInput(schema, value);
    expect(result.ok ? 'ok' : result.error.slice(0, field.length + 2)).toBe(
      `${field}: `,
    );
  });

  it('parses query-string numbers and defaults', () => {
    expect(
      listDeploymentsQuerySchema.parse({ entityRef: 'component:default/shop' }),
    ).toEqual({ entityRef: 'component:default/shop', limit: 20 });
    expect(
      listDeploymentsQuerySchema.parse({
        entityRef: 'component:default/shop',
        limit: '7',
      }).limit,
    ).toBe(7);
    expect(
      logStreamQuerySchema.parse({ entityRef: 'component:default/shop' }).tail,
    ).toBe(1000);
    expect(redeployRequestSchema.parse({})).toEqual({ reason: 'redeploy' });
  });

  it('has a close code for every close reason', () => {
    for (const reason of Object.values(LOG_STREAM_CLOSE_REASONS)) {
      const code = LOG_STREAM_CLOSE_CODES[reason];
      expect(
        code === 1011 || code === 1012 || (code >= 4000 && code <= 4999),
      ).toBe(true);
    }
    expect(LOG_STREAM_CLOSE_REASONS).toMatchObject({
      missingToken: 'missing_token',
      invalidToken: 'invalid_token',
      notAllowed: 'not_allowed',
      notFound: 'not_found',
      internal: 'internal',
    });
  });
});
