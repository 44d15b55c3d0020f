import { describeSchemas } from './__testUtils__/schemaTables';
import {
  httpUrlSchema,
  reasonCodeSchema,
  textSchema,
  timestampSchema,
  urlPathSchema,
  utf8ByteLength,
  uuidSchema,
} from './text';

describeSchemas([
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
]);

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
