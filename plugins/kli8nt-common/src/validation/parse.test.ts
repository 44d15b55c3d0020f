import { InputError } from '@backstage/errors';
import { z } from 'zod/v4';
import { envNameSchema } from './env';
import { appNameSchema } from './names';
import { formatValidationError, parseInput } from './parse';

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
