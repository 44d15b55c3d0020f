import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';
import {
  appNameSchema,
  cloneUrlSchema,
  clusterNameSchema,
  commitShaSchema,
  dnsNameSchema,
  entityRefSchema,
  envNameSchema,
  envValueSchema,
  formatValidationError,
  githubOwnerSchema,
  githubRepoNameSchema,
  gitRefSchema,
  httpUrlSchema,
  imageDigestSchema,
  imageReferenceSchema,
  parseInput,
  reasonCodeSchema,
  repoPathSchema,
  safeParseInput,
  sealedValueSchema,
  textSchema,
  timestampSchema,
  urlPathSchema,
  utf8ByteLength,
  uuidSchema,
} from './validation';

// Hostile values that no identifier-like field may accept.
const HOSTILE = [
  '$(rm -rf /)',
  '`id`',
  '"; DROP TABLE deployments; --',
  "' OR '1'='1",
  'a\nb',
  'a\r\nb',
  'a\u0000b',
  '../etc/passwd',
  '..',
  'a b',
  'ünïcödé',
  '名前',
  'a\u202eb',
  '${HOME}',
  '|cat',
  'a;b',
  '<script>',
  '-rf',
  '',
  'x'.repeat(100_000),
];

const NOT_STRINGS = [undefined, null, 1, true, {}, [], ['a']];

type Table = {
  name: string;
  schema: z.ZodType;
  valid: unknown[];
  invalid: unknown[];
  hostile?: boolean;
};

const tables: Table[] = [
  {
    name: 'appNameSchema',
    schema: appNameSchema,
    valid: ['a', 'shop', 'my-app-2', 'a'.repeat(63), 'a--b'],
    invalid: ['A', '1app', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64), 'Shop'],
    hostile: true,
  },
  {
    name: 'clusterNameSchema',
    schema: clusterNameSchema,
    valid: ['local', 'prod-eu-1', '1', 'a'.repeat(63)],
    invalid: ['Prod', 'a.b', 'a_b', '-a', 'a-', 'a'.repeat(64), 'build.x'],
    hostile: true,
  },
  {
    name: 'dnsNameSchema',
    schema: dnsNameSchema,
    valid: [
      'example.com',
      'apps.example.com',
      'localhost',
      'a-b.c1.io',
      `${'a'.repeat(63)}.com`,
    ],
    invalid: [
      'Example.com',
      'example.com.',
      '*.example.com',
      '-a.com',
      'a-.com',
      'a..b',
      `${'a'.repeat(64)}.com`,
      `${'a.'.repeat(127)}a`,
      '.com',
      'a_b.com',
    ],
    hostile: true,
  },
  {
    name: 'commitShaSchema',
    schema: commitShaSchema,
    valid: ['0123456789abcdef0123456789abcdef01234567'],
    invalid: [
      '0123456789ABCDEF0123456789abcdef01234567',
      'abc123',
      'g'.repeat(40),
      'a'.repeat(41),
      'a'.repeat(64),
    ],
    hostile: true,
  },
  {
    name: 'imageDigestSchema',
    schema: imageDigestSchema,
    valid: [`sha256:${'0'.repeat(64)}`, `sha256:${'af'.repeat(32)}`],
    invalid: [
      `sha256:${'A'.repeat(64)}`,
      `sha512:${'a'.repeat(64)}`,
      `sha256:${'a'.repeat(63)}`,
      `sha256:${'a'.repeat(65)}`,
      'a'.repeat(64),
      `sha256:${'a'.repeat(64)}\n`,
    ],
    hostile: true,
  },
  {
    name: 'imageReferenceSchema',
    schema: imageReferenceSchema,
    valid: [
      'nginx',
      'nginx:1.25',
      'library/nginx:latest',
      'registry.example.com/team/app:v1.2.3',
      'localhost:5000/app',
      `registry.example.com:5000/kli8nt/shop@sha256:${'a'.repeat(64)}`,
      `r.io/a/b/c:tag@sha256:${'b'.repeat(64)}`,
      '127.0.0.1:5000/a__b/c-d.e',
      '[::1]:5000/app:1',
    ],
    invalid: [
      'Nginx',
      'app:',
      'app@sha256:abc',
      'app:-tag',
      'reg/app:tag with space',
      'reg//app',
      '/app',
      'app/',
      `app:${'t'.repeat(129)}`,
      'https://registry/app',
    ],
    hostile: true,
  },
  {
    name: 'gitRefSchema',
    schema: gitRefSchema,
    valid: [
      'main',
      'feature/login',
      'refs/heads/main',
      'v1.2.3',
      'release-2024_01',
      'deps/foo+bar',
      'a'.repeat(255),
      '0123456789abcdef0123456789abcdef01234567',
    ],
    invalid: [
      '-main',
      '/main',
      'main/',
      'main.',
      'a..b',
      'a//b',
      '.hidden',
      'a/.b',
      'x.lock',
      'a/b.lock/c',
      '@',
      'a@{1}',
      'a~1',
      'a^',
      'a:b',
      'a?',
      'a*',
      'a[b',
      'a\\b',
      'a'.repeat(256),
    ],
    hostile: true,
  },
  {
    name: 'githubOwnerSchema',
    schema: githubOwnerSchema,
    valid: ['acme', 'Acme-Corp', 'a', 'a1-b2', 'a'.repeat(39)],
    invalid: ['-acme', 'acme-', 'ac--me', 'a_b', 'a.b', 'a'.repeat(40)],
    hostile: true,
  },
  {
    name: 'githubRepoNameSchema',
    schema: githubRepoNameSchema,
    valid: ['shop', 'my.repo', 'my_repo-2', '.github', 'a'.repeat(100)],
    invalid: ['.', '..', 'a/b', 'a b', 'a'.repeat(101)],
    hostile: true,
  },
  {
    name: 'cloneUrlSchema',
    schema: cloneUrlSchema,
    valid: [
      'https://github.com/acme/shop.git',
      'https://github.com/acme/shop',
      'https://ghe.example.com:8443/acme/shop.git',
    ],
    invalid: [
      'http://github.com/acme/shop.git',
      'git@github.com:acme/shop.git',
      'ssh://github.com/acme/shop.git',
      'file:///etc/passwd',
      'https://user:pass@github.com/acme/shop.git',
      'https://token@github.com/acme/shop.git',
      'https://github.com/acme/shop.git?x=1',
      'https://github.com/acme/shop.git#frag',
      'https://github.com/acme/../shop.git',
      'https://github.com/acme/%2e%2e/shop.git',
      'https://github.com/shop',
      'https://github.com',
      'https://github.com/acme/shop .git',
      'HTTPS://github.com/acme/shop',
      `https://github.com/${'a'.repeat(2048)}/b`,
    ],
    hostile: true,
  },
  {
    name: 'repoPathSchema',
    schema: repoPathSchema,
    valid: [
      'Dockerfile',
      'docker/Dockerfile.prod',
      'a/b/c',
      '.docker/Dockerfile',
    ],
    invalid: [
      '/Dockerfile',
      'a/../b',
      './Dockerfile',
      'a//b',
      'a/',
      'a b',
      'a'.repeat(256),
    ],
    hostile: true,
  },
  {
    name: 'urlPathSchema',
    schema: urlPathSchema,
    valid: [
      '/',
      '/healthz',
      '/api/v1/health?full=1',
      '/a%20b',
      `/${'a'.repeat(1023)}`,
    ],
    invalid: [
      'healthz',
      '',
      '/a b',
      '/a\nb',
      '/ü',
      `/${'a'.repeat(1024)}`,
      'http://x/',
    ],
  },
  {
    name: 'httpUrlSchema',
    schema: httpUrlSchema,
    valid: ['https://shop.apps.example.com', 'http://localhost:7007/x?y=1'],
    invalid: [
      'ftp://x',
      ['javascript', 'alert(1)'].join(':'),
      'https://a b',
      'https://',
      '//x',
      'https://x/\n',
    ],
  },
  {
    name: 'envNameSchema',
    schema: envNameSchema,
    valid: ['A', '_', 'NODE_ENV', 'lower_case', 'A1', 'a'.repeat(128)],
    invalid: ['1A', 'A-B', 'A.B', 'A B', 'A=B', 'a'.repeat(129)],
    hostile: true,
  },
  {
    name: 'envValueSchema',
    schema: envValueSchema,
    valid: [
      '',
      'x',
      '$(rm -rf /)',
      '"; DROP TABLE x',
      'multi\nline',
      'ünïcödé 名前 😀',
      'x'.repeat(32 * 1024),
    ],
    invalid: [
      'a\u0000b',
      'x'.repeat(32 * 1024 + 1),
      'é'.repeat(16 * 1024 + 1),
      '😀'.repeat(8 * 1024 + 1),
    ],
  },
  {
    name: 'sealedValueSchema',
    schema: sealedValueSchema,
    valid: [
      'v1.k1.AAAA.BBBB.CCCC',
      'v1.key_2-x.AA.BB.',
      `v1.k.a.b.${'c'.repeat(40000)}`,
    ],
    invalid: [
      'plaintext',
      'v2.k.a.b.c',
      'v1.k.a.b',
      'v1..a.b.c',
      'v1.k.a+.b.c',
      'v1.k.a.b.c=',
      'v1.k.a.b.c.d',
      `v1.k.a.b.${'c'.repeat(50000)}`,
    ],
    hostile: true,
  },
  {
    name: 'entityRefSchema',
    schema: entityRefSchema,
    valid: [
      'component:default/shop',
      'Component:default/My_Service.v2',
      'api:team-a/x',
      'component:default/a',
    ],
    invalid: [
      'shop',
      'default/shop',
      'component:shop',
      'component:/shop',
      'component:default/',
      ':default/shop',
      'comp-onent:default/shop',
      'component:def_ault/shop',
      'component:default/a__b',
      'component:default/-a',
      'component:default/a/b',
      `component:default/${'a'.repeat(64)}`,
    ],
    hostile: true,
  },
  {
    name: 'timestampSchema',
    schema: timestampSchema,
    valid: [
      '2024-05-01T12:00:00Z',
      '2024-05-01T12:00:00.123Z',
      '2024-05-01T12:00:00.123456789+02:00',
      '2024-05-01T12:00:00-05:30',
    ],
    invalid: [
      '2024-05-01',
      '2024-05-01T12:00:00',
      '2024-13-01T12:00:00Z',
      '1714564800000',
      'yesterday',
      '2024-05-01 12:00:00Z',
    ],
    hostile: true,
  },
  {
    name: 'uuidSchema',
    schema: uuidSchema,
    valid: [
      '3b241101-e2bb-4255-8caf-4136c566a963',
      '3B241101-E2BB-4255-8CAF-4136C566A963',
      '00000000-0000-0000-0000-000000000000',
    ],
    invalid: [
      '3b241101e2bb42558caf4136c566a963',
      '3b241101-e2bb-4255-8caf-4136c566a96',
      '3b241101-e2bb-4255-8caf-4136c566a963-',
      '{3b241101-e2bb-4255-8caf-4136c566a963}',
      `${'g'.repeat(8)}-e2bb-4255-8caf-4136c566a963`,
    ],
    hostile: true,
  },
  {
    name: 'reasonCodeSchema',
    schema: reasonCodeSchema,
    valid: ['ImagePullBackOff', 'NoStackDetected', 'build.timeout', 'a:b-c_d'],
    invalid: ['1Reason', 'has space', 'a'.repeat(129)],
    hostile: true,
  },
  {
    name: 'textSchema(100)',
    schema: textSchema(100),
    valid: [
      '',
      'Plain words.',
      'multi\nline\ttabs',
      'ünïcödé 名前 😀',
      '$(rm -rf /)',
      'x'.repeat(100),
    ],
    invalid: ['a\u0000b', 'a\u0007b', 'a\u001bb', 'x'.repeat(101)],
  },
];

describe.each(tables)('$name', ({ schema, valid, invalid, hostile }) => {
  it.each(valid.map(v => [String(v).slice(0, 60), v]))(
    'accepts %p',
    (_l, value) => {
      expect(schema.safeParse(value).success).toBe(true);
    },
  );

  it.each(invalid.map(v => [String(v).slice(0, 60), v]))(
    'rejects %p',
    (_l, value) => {
      const result = safeParseInput(z.object({ field: schema }), {
        field: value,
      });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/^field: /);
    },
  );

  it.each(NOT_STRINGS.map(v => [JSON.stringify(v) ?? 'undefined', v]))(
    'rejects the non-string %s',
    (_l, value) => {
      expect(schema.safeParse(value).success).toBe(false);
    },
  );

  if (hostile) {
    it.each(HOSTILE.map(v => [JSON.stringify(v.slice(0, 40)), v]))(
      'rejects the hostile value %s',
      (_l, value) => {
        const result = safeParseInput(z.object({ field: schema }), {
          field: value,
        });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error).toMatch(/^field: /);
      },
    );
  }
});

describe('utf8ByteLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['名', 3],
    ['😀', 4],
    ['\ud800', 3],
    ['a\udc00', 4],
  ])('%p is %d bytes', (value, bytes) => {
    expect(utf8ByteLength(value)).toBe(bytes);
    // Lone surrogates are encoded as U+FFFD (3 bytes) by TextEncoder too.
    expect(new TextEncoder().encode(value).byteLength).toBe(bytes);
  });
});

describe('formatValidationError', () => {
  const schema = z.object({
    a: z.object({ b: z.array(z.string()) }),
    env: z.record(envNameSchema, z.string()),
  });

  it.each([
    [{ a: { b: ['x', 1] }, env: {} }, /^a\.b\[1\]: /],
    [
      { a: { b: [] }, env: { 'bad-name': 'x' } },
      /^env\["bad-name"\]: invalid key: /,
    ],
    [{ a: { b: [] }, env: { OK: 2 } }, /^env\.OK: /],
    [null, /^\(root\): /],
  ])('names the path for %j', (input, expected) => {
    const result = schema.safeParse(input);
    expect(result.success ? 'ok' : formatValidationError(result.error)).toMatch(
      expected,
    );
  });

  it('truncates huge keys and lists at most five issues', () => {
    const huge = 'k'.repeat(1000);
    const result = z
      .record(envNameSchema, z.number())
      .safeParse(
        Object.fromEntries([
          [`-${huge}`, 1],
          ...['A', 'B', 'C', 'D', 'E', 'F'].map(k => [k, 'x']),
        ]),
      );
    const text = result.success ? 'ok' : formatValidationError(result.error);
    expect(text.length).toBeLessThan(1000);
    expect(text).toMatch(/\(and 2 more\)$/);
  });
});

describe('parseInput', () => {
  const schema = z.object({ name: appNameSchema });
  it('returns the parsed value', () => {
    expect(parseInput(schema, { name: 'shop' })).toEqual({ name: 'shop' });
  });
  it('throws an InputError naming the field', () => {
    expect(() =>
      parseInput(schema, { name: 'Bad Name' }, 'request body'),
    ).toThrow(InputError);
    expect(() =>
      parseInput(schema, { name: 'Bad Name' }, 'request body'),
    ).toThrow(/^Invalid request body: name: must be a DNS label/);
    expect(() => parseInput(schema, {})).toThrow(/^name: /);
  });
});
