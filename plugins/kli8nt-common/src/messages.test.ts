import { InputError } from '@backstage/errors';
import fc from 'fast-check';
import {
  MAX_MESSAGE_BYTES,
  appConfigSchema,
  createMessage,
  kli8ntMessageSchema,
  parseMessage,
} from './messages';
import {
  DEPLOYMENT_ID,
  MESSAGE_ID,
  SEALED,
  allMessages,
  buildRequested,
  deleteRequested,
  deployRequested,
  builtReport,
  statusReport,
  withField,
} from './__fixtures__/messages';

function expectError(input: unknown, field: string) {
  const result = parseMessage(input);
  // The error names the field itself or an element of it (`domains[0]`).
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(result.ok ? 'accepted' : result.error).toMatch(
    new RegExp(`(^|; )${escaped}(\\[[^\\]]+\\])?: `),
  );
}

describe('parseMessage', () => {
  it.each(Object.entries(allMessages))('accepts a valid %s', (type, make) => {
    const result = parseMessage(make());
    expect(result).toMatchObject({ ok: true, message: { type, version: 2 } });
    expect(kli8ntMessageSchema.safeParse(make()).success).toBe(true);
  });

  it('has a fixture for every type the schema discriminates', () => {
    const types = kli8ntMessageSchema.options.map(o => o.shape.type.value);
    expect([...types].sort()).toEqual(Object.keys(allMessages).sort());
  });

  it.each(Object.entries(allMessages))(
    'accepts %s as a JSON string and as bytes',
    (_t, make) => {
      const json = JSON.stringify(make());
      expect(parseMessage(json).ok).toBe(true);
      expect(parseMessage(new TextEncoder().encode(json)).ok).toBe(true);
    },
  );

  it('reads a BuildRequested without sourcePath (older senders) as the repository root', () => {
    const sourcePathOf = (input: unknown) => {
      const result = parseMessage(input);
      if (!result.ok || result.message.type !== 'BuildRequested') {
        throw new Error(
          `not a valid BuildRequested: ${JSON.stringify(result)}`,
        );
      }
      return result.message.payload.sourcePath;
    };
    expect(
      sourcePathOf(
        withField(buildRequested(), 'payload.sourcePath', undefined),
      ),
    ).toBeUndefined();
    expect(sourcePathOf(buildRequested())).toBe('apps/shop');
  });

  it.each(['/apps/shop', 'apps/../x', 'apps\\shop', './apps', 'apps/'])(
    'refuses a non-normalized sourcePath %j',
    value => {
      expectError(
        withField(buildRequested(), 'payload.sourcePath', value),
        'payload.sourcePath',
      );
    },
  );

  it('fills in config defaults', () => {
    const result = parseMessage(
      withField(buildRequested(), 'payload.config', {}),
    );
    expect(
      result.ok &&
        result.message.type === 'BuildRequested' &&
        result.message.payload.config,
    ).toEqual({
      port: 8080,
      replicas: 1,
      domains: [],
      env: {},
      secretEnv: {},
    });
    const noArgs = parseMessage(
      withField(buildRequested(), 'payload.buildArgs', undefined),
    );
    expect(
      noArgs.ok &&
        noArgs.message.type === 'BuildRequested' &&
        noArgs.message.payload.buildArgs,
    ).toEqual({});
  });

  it('ignores unknown fields (forward compatible within a version)', () => {
    const result = parseMessage(
      withField(deleteRequested(), 'payload.extra', 'x'),
    );
    expect(result.ok && result.message.payload).toEqual({
      app: 'shop',
      cluster: 'local',
      sequence: 8,
    });
  });

  it('reads version 1 messages: a missing sequence is 0', () => {
    const v1 = withField(
      { ...deployRequested(), version: 1 },
      'payload.sequence',
      undefined,
    );
    const result = parseMessage(v1);
    expect(result.ok && result.message.type === 'DeployRequested').toBe(true);
    expect(
      result.ok &&
        result.message.type === 'DeployRequested' &&
        result.message.payload.sequence,
    ).toBe(0);
  });

  it('refuses ImageBuilt, saying the portal decides rollouts now', () => {
    const result = parseMessage({ ...deployRequested(), type: 'ImageBuilt' });
    expect(result.ok ? 'accepted' : result.error).toMatch(
      /ImageBuilt is no longer consumed.*portal decides the rollout/,
    );
  });

  it('carries the build plan on a built report', () => {
    const result = parseMessage(builtReport());
    expect(
      result.ok &&
        result.message.type === 'StatusReport' &&
        result.message.payload.plan,
    ).toEqual({ stack: 'node', port: 3000 });
  });

  it.each<[string, unknown, string]>([
    ['a number', 42, '(root)'],
    ['null', null, '(root)'],
    ['an array', [], '(root)'],
    ['an unknown type', { ...deleteRequested(), type: 'Nope' }, 'type'],
    ['no type', withField(deleteRequested(), 'type', undefined), 'type'],
    ['a newer version', { ...deleteRequested(), version: 3 }, 'version'],
    ['a string version', { ...deleteRequested(), version: '1' }, 'version'],
    [
      'no version',
      withField(deleteRequested(), 'version', undefined),
      'version',
    ],
    ['a bad messageId', { ...deleteRequested(), messageId: 'x' }, 'messageId'],
    [
      'a bad deploymentId',
      { ...deleteRequested(), deploymentId: '../x' },
      'deploymentId',
    ],
    [
      'a bad occurredAt',
      { ...deleteRequested(), occurredAt: 'now' },
      'occurredAt',
    ],
    [
      'no payload',
      withField(deleteRequested(), 'payload', undefined),
      'payload',
    ],
    ['a string payload', { ...deleteRequested(), payload: 'x' }, 'payload'],
  ])('rejects %s', (_name, input, field) => {
    expectError(input, field);
  });

  it.each([
    ['not JSON', '{"type":'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ])('rejects a body that is %s', (_n, body) => {
    expect(parseMessage(body)).toEqual({
      ok: false,
      error: expect.stringMatching(/^\(root\): not valid UTF-8 JSON/),
    });
  });

  it('rejects an oversized body before parsing it', () => {
    const big = JSON.stringify({
      ...deleteRequested(),
      pad: 'x'.repeat(MAX_MESSAGE_BYTES),
    });
    expect(parseMessage(big)).toEqual({
      ok: false,
      error: '(root): message larger than 1 MiB',
    });
    expect(parseMessage(new TextEncoder().encode(big)).ok).toBe(false);
  });

  const hostile = [
    '$(rm -rf /)',
    '"; DROP TABLE deployments; --',
    'a\nb',
    'a\u0000b',
    '../../etc',
    'ünïcödé',
    'x'.repeat(100_000),
    '',
    7,
    null,
    {},
    [],
  ];

  // [message factory, field path] for every identifier-like field.
  const fields: [string, string, () => unknown][] = [
    ['BuildRequested', 'payload.app', buildRequested],
    ['BuildRequested', 'payload.entityRef', buildRequested],
    ['BuildRequested', 'payload.cluster', buildRequested],
    ['BuildRequested', 'payload.repo.owner', buildRequested],
    ['BuildRequested', 'payload.repo.name', buildRequested],
    ['BuildRequested', 'payload.repo.cloneUrl', buildRequested],
    ['BuildRequested', 'payload.revision', buildRequested],
    ['BuildRequested', 'payload.ref', buildRequested],
    ['BuildRequested', 'payload.sourcePath', buildRequested],
    ['BuildRequested', 'payload.dockerfilePath', buildRequested],
    ['BuildRequested', 'payload.sealedCloneToken', buildRequested],
    ['BuildRequested', 'payload.config.healthCheckPath', buildRequested],
    ['BuildRequested', 'payload.config.port', buildRequested],
    ['BuildRequested', 'payload.config.replicas', buildRequested],
    ['BuildRequested', 'payload.config.resources.cpu', buildRequested],
    ['BuildRequested', 'payload.config.resources.memory', buildRequested],
    ['BuildRequested', 'payload.config.secretEnv.DATABASE_URL', buildRequested],
    ['StatusReport', 'payload.plan.stack', builtReport],
    ['StatusReport', 'payload.plan.port', builtReport],
    ['DeployRequested', 'payload.reason', deployRequested],
    ['DeployRequested', 'payload.image', deployRequested],
    ['DeleteRequested', 'payload.app', deleteRequested],
    ['DeleteRequested', 'payload.cluster', deleteRequested],
    ['StatusReport', 'payload.status', statusReport],
    ['StatusReport', 'payload.reason', statusReport],
    ['StatusReport', 'payload.url', statusReport],
    ['StatusReport', 'payload.source', statusReport],
    ['StatusReport', 'payload.imageDigest', statusReport],
  ];
  describe.each(fields)('%s %s', (_t, path, make) => {
    const values =
      path.endsWith('port') || path.endsWith('replicas')
        ? hostile.filter(v => v !== 7)
        : hostile;
    it.each(values.map(v => [JSON.stringify(v)?.slice(0, 40), v]))(
      'rejects %s naming the field',
      (_l, value) => {
        expectError(withField(make(), path, value), path);
      },
    );
  });

  it.each([
    ['payload.config.env.MULTI', 'line1\nline2 $(not a shell) ü'],
    ['payload.buildArgs.X', '"; DROP TABLE x'],
  ])('accepts free text in %s', (path, value) => {
    expect(parseMessage(withField(buildRequested(), path, value)).ok).toBe(
      true,
    );
  });

  it.each<[string, string, unknown]>([
    ['a NUL byte in an env value', 'payload.config.env.A', 'a\u0000b'],
    ['a 33 KiB env value', 'payload.config.env.A', 'x'.repeat(33 * 1024)],
    ['a non-string env value', 'payload.config.env.A', 1],
    ['a NUL in a status message', 'payload.message', 'a\u0000b'],
    ['a 5000-character status message', 'payload.message', 'x'.repeat(5000)],
  ])('rejects %s', (_n, path, value) => {
    const make = path.startsWith('payload.config')
      ? buildRequested
      : statusReport;
    expectError(withField(make(), path, value), path);
  });

  it.each([
    ['an env name', { '1A': 'x' }, 'payload.config.env["1A"]'],
    ['an env name with =', { 'A=B': 'x' }, 'payload.config.env["A=B"]'],
    [
      'an env name with a shell',
      { '$(id)': 'x' },
      'payload.config.env["$(id)"]',
    ],
  ])('rejects %s as a key, naming it', (_n, env, field) => {
    expectError(withField(buildRequested(), 'payload.config.env', env), field);
  });

  it('rejects more than 200 env vars', () => {
    const env = Object.fromEntries(
      Array.from({ length: 201 }, (_, i) => [`V${i}`, 'x']),
    );
    expectError(
      withField(buildRequested(), 'payload.config.env', env),
      'payload.config.env',
    );
  });

  it('rejects more than 200 env vars in env and secretEnv together', () => {
    const env = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`V${i}`, 'x']),
    );
    const secretEnv = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`S${i}`, SEALED]),
    );
    const msg = withField(
      withField(buildRequested(), 'payload.config.env', env),
      'payload.config.secretEnv',
      secretEnv,
    );
    expectError(msg, 'payload.config.env');
  });

  it('rejects env values that together exceed 512 KiB', () => {
    const env = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`V${i}`, 'x'.repeat(30 * 1024)]),
    );
    expectError(
      withField(buildRequested(), 'payload.config.env', env),
      'payload.config.env',
    );
  });

  it('rejects a name that is both plain and secret', () => {
    const msg = withField(
      buildRequested(),
      'payload.config.env.DATABASE_URL',
      'plain',
    );
    expectError(msg, 'payload.config.secretEnv.DATABASE_URL');
  });

  it.each([
    ['duplicate domains', ['a.example.com', 'a.example.com']],
    ['a wildcard domain', ['*.example.com']],
    [
      'too many domains',
      Array.from({ length: 21 }, (_, i) => `d${i}.example.com`),
    ],
  ])('rejects %s', (_n, domains) => {
    expectError(
      withField(buildRequested(), 'payload.config.domains', domains),
      'payload.config.domains',
    );
  });

  it.each([
    ['port 0', 'port', 0],
    ['port 65536', 'port', 65536],
    ['port 1.5', 'port', 1.5],
    ['port NaN', 'port', Number.NaN],
    ['port as string', 'port', '8080'],
    ['replicas -1', 'replicas', -1],
    ['replicas 21', 'replicas', 21],
  ])('rejects %s', (_n, key, value) => {
    expect(appConfigSchema.safeParse({ [key]: value }).success).toBe(false);
    expectError(
      withField(buildRequested(), `payload.config.${key}`, value),
      `payload.config.${key}`,
    );
  });

  it.each([
    ['port', 1],
    ['port', 65535],
    ['replicas', 0],
    ['replicas', 20],
  ])('accepts %s = %d', (key, value) => {
    expect(appConfigSchema.safeParse({ [key]: value }).success).toBe(true);
  });

  describe('StatusReport readiness', () => {
    const ready = [
      { process: 'web', ready: 2, desired: 2 },
      { process: 'queue_worker', ready: 0, desired: 1 },
    ];

    it('carries the readiness of each process, and is optional', () => {
      const result = parseMessage(
        withField(statusReport(), 'payload.readiness', ready),
      );
      expect(result).toMatchObject({
        ok: true,
        message: { payload: { readiness: ready } },
      });
      // Older controllers send none.
      const without = parseMessage(statusReport());
      expect(without.ok && without.message.payload).not.toHaveProperty(
        'readiness',
      );
    });

    it.each<[string, unknown, string]>([
      ['a negative count', [{ process: 'web', ready: -1, desired: 1 }], '0'],
      ['a fraction', [{ process: 'web', ready: 1, desired: 1.5 }], '0'],
      ['a count over 1000', [{ process: 'web', ready: 1001, desired: 1 }], '0'],
      ['a missing count', [{ process: 'web', ready: 1 }], '0'],
      [
        'a process name no Procfile has',
        [{ process: 'Web!', ready: 1, desired: 1 }],
        '0',
      ],
      ['a process twice', [ready[0], ready[0]], ''],
      ['not a list', { web: 1 }, ''],
      [
        'more than 16 processes',
        Array.from({ length: 17 }, (_, i) => ({
          process: `w${i}`,
          ready: 1,
          desired: 1,
        })),
        '',
      ],
    ])('rejects %s, naming the field', (_n, value, index) => {
      const result = parseMessage(
        withField(statusReport(), 'payload.readiness', value),
      );
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.error).toContain(
        index ? `payload.readiness[${index}]` : 'payload.readiness',
      );
    });
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.string(), fc.uint8Array()),
        input => {
          const result = parseMessage(input);
          expect(result.ok || result.error.length > 0).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on mutated valid messages and names a field when it rejects', () => {
    const paths = fields.map(([, path, make]) => [make, path] as const);
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object()),
        ([make, path], value) => {
          const result = parseMessage(withField(make(), path, value));
          expect(result.ok || /^[A-Za-z(]/.test(result.error)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('createMessage', () => {
  it('builds a valid envelope with defaults', () => {
    const before = Date.now();
    const message = createMessage('DeleteRequested', {
      deploymentId: DEPLOYMENT_ID,
      payload: { app: 'shop', cluster: 'local' },
    });
    expect(message.type).toBe('DeleteRequested');
    expect(message.version).toBe(2);
    expect(message.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(message.occurredAt)).toBeGreaterThanOrEqual(before);
    expect(parseMessage(JSON.parse(JSON.stringify(message)))).toEqual({
      ok: true,
      message,
    });
  });

  it('uses the given id and time, and fills payload defaults', () => {
    const message = createMessage('BuildRequested', {
      deploymentId: DEPLOYMENT_ID,
      messageId: MESSAGE_ID,
      occurredAt: new Date('2024-05-01T12:00:00Z'),
      payload: { ...(buildRequested().payload as any), config: {} },
    });
    expect(message.messageId).toBe(MESSAGE_ID);
    expect(message.occurredAt).toBe('2024-05-01T12:00:00.000Z');
    expect(message.payload.config.port).toBe(8080);
  });

  it('makes unique ids', () => {
    const ids = new Set(
      Array.from(
        { length: 100 },
        () =>
          createMessage('CancelRequested', {
            deploymentId: DEPLOYMENT_ID,
            payload: { app: 'a', cluster: 'c' },
          }).messageId,
      ),
    );
    expect(ids.size).toBe(100);
  });

  it.each<[string, () => unknown, RegExp]>([
    [
      'an invalid payload field',
      () =>
        createMessage('DeleteRequested', {
          deploymentId: DEPLOYMENT_ID,
          payload: { app: '$(rm -rf /)', cluster: 'local' },
        }),
      /^Invalid DeleteRequested message: payload\.app: /,
    ],
    [
      'an invalid deploymentId',
      () =>
        createMessage('DeleteRequested', {
          deploymentId: 'x',
          payload: { app: 'a', cluster: 'b' },
        }),
      /deploymentId: must be a UUID/,
    ],
    [
      'an invalid occurredAt',
      () =>
        createMessage('DeleteRequested', {
          deploymentId: DEPLOYMENT_ID,
          occurredAt: 'now',
          payload: { app: 'a', cluster: 'b' },
        }),
      /occurredAt: /,
    ],
    [
      'a wrong status',
      () =>
        createMessage('StatusReport', {
          deploymentId: DEPLOYMENT_ID,
          payload: {
            app: 'a',
            cluster: 'b',
            status: 'done' as any,
            source: 'build',
          },
        }),
      /payload\.status: must be one of queued/,
    ],
  ])('throws an InputError for %s', (_n, fn, message) => {
    expect(fn).toThrow(InputError);
    expect(fn).toThrow(message);
  });
});
