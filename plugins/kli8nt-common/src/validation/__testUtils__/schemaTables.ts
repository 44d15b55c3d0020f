/* eslint-disable jest/no-export, jest/expect-expect -- the runner the validation tests share; expectRejectedAsField asserts */
import { z } from 'zod/v4';
import { safeParseInput } from '../parse';

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

/** Values a schema must accept and reject. */
export type SchemaTable = {
  name: string;
  schema: z.ZodType;
  valid: unknown[];
  invalid: unknown[];
  hostile?: boolean;
};

/** Rejected inside an object, with an error that names the field. */
function expectRejectedAsField(schema: z.ZodType, value: unknown) {
  const result = safeParseInput(z.object({ field: schema }), { field: value });
  expect(result.ok).toBe(false);
  expect(!result.ok && result.error).toMatch(/^field: /);
}

/**
 * Tests each schema on its own values, on non-strings and, when `hostile`,
 * on values that no identifier-like field may accept; a rejection must name
 * the field.
 */
export function describeSchemas(tables: SchemaTable[]) {
  describe.each(tables)('$name', ({ schema, valid, invalid, hostile }) => {
    it.each(valid.map(v => [String(v).slice(0, 60), v]))(
      'accepts %p',
      (_l, value) => {
        expect(schema.safeParse(value).success).toBe(true);
      },
    );

    it.each(invalid.map(v => [String(v).slice(0, 60), v]))(
      'rejects %p',
      (_l, value) => expectRejectedAsField(schema, value),
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
        (_l, value) => expectRejectedAsField(schema, value),
      );
    }
  });
}
