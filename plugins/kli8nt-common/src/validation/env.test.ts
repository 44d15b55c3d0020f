import { describeSchemas } from './__testUtils__/schemaTables';
import { envNameSchema, envValueSchema, sealedValueSchema } from './env';

describeSchemas([
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
]);
