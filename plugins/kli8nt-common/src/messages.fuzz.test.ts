import fc from 'fast-check';
import { kli8ntMessageSchema, parseMessage } from './messages';
import { allMessages, builtReport } from './__fixtures__/messages';

/*
 * Fuzzing of parseMessage, the one gate every queue consumer passes a
 * delivery through (issue #17): arbitrary values, bytes and JSON text, and
 * valid messages of every type with one field broken. Whatever comes in,
 * the result is a message the schema accepts or an error naming the field;
 * nothing throws and nothing leaks onto Object.prototype.
 */

const RUNS = 10_000;
const MESSAGE_TYPES = kli8ntMessageSchema.options.map(o => o.shape.type.value);
const VALID = [...Object.values(allMessages), builtReport].map(make => make());
const ENVELOPE_KEYS = [
  'type',
  'version',
  'messageId',
  'deploymentId',
  'occurredAt',
  'payload',
];
// An error starts with the path of its first failing field: `(root)` or a
// field of the envelope, e.g. `payload.repo.cloneUrl: …`.
const NAMES_A_FIELD = new RegExp(
  `^(\\(root\\)|(${ENVELOPE_KEYS.join(
    '|',
  )})(\\.[\\w$]+|\\[\\d+\\]|\\["(?:[^"\\\\]|\\\\.)*"\\])*): \\S`,
);

function check(input: unknown) {
  const result = parseMessage(input);
  if (result.ok) {
    expect(MESSAGE_TYPES).toContain(result.message.type);
    expect(kli8ntMessageSchema.safeParse(result.message).success).toBe(true);
  } else {
    expect(result.error).toMatch(NAMES_A_FIELD);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  return result;
}

/** Every path into a JSON value, as arrays of keys. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [
    prefix,
    ...Object.entries(value).flatMap(([key, inner]) =>
      pathsOf(inner, [...prefix, key]),
    ),
  ];
}

type Mutation =
  | { kind: 'set'; value: unknown }
  | { kind: 'delete' }
  | { kind: 'addKey'; key: string; value: unknown };

/** A copy of `message` with one mutation at `path`. */
function mutated(message: unknown, path: string[], mutation: Mutation) {
  const root = { value: JSON.parse(JSON.stringify(message)) };
  let parent: Record<string, unknown> = root;
  let key = 'value';
  for (const step of path) {
    parent = parent[key] as Record<string, unknown>;
    key = step;
  }
  if (mutation.kind === 'set') parent[key] = mutation.value;
  else if (mutation.kind === 'delete') delete parent[key];
  else {
    const target = parent[key];
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      // defineProperty, so that `__proto__` becomes an own key as JSON.parse
      // would make it, not a prototype change.
      Object.defineProperty(target, mutation.key, {
        value: mutation.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root.value;
}

const hugeString = fc
  .tuple(
    fc.constantFrom('a', 'é', '💥', '\u0000', '"', '\\', ' '),
    fc.nat(70_000),
  )
  .map(([c, n]) => c.repeat(n));
const deep = fc
  .tuple(fc.nat(3_000), fc.boolean())
  .map(([depth, arrays]) =>
    JSON.parse(
      arrays
        ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
  );
const protoKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
);
const pollution = fc.constant({ polluted: true });
const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
  }),
  fc.jsonValue(),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.double(),
  hugeString,
  deep,
  pollution,
  fc.constantFrom(null, undefined, true, '', 0, -1, 1e308, NaN, [], {}),
);
const mutationOf = (v: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), value: v }),
    fc.constant({ kind: 'delete' as const }),
    fc.record({
      kind: fc.constant('addKey' as const),
      key: fc.oneof(protoKey, fc.string()),
      value: fc.oneof(v, pollution),
    }),
  );
const mutatedWith = (v: fc.Arbitrary<unknown>) =>
  fc
    .constantFrom(...VALID)
    .chain(message =>
      fc.tuple(
        fc.constant(message),
        fc.constantFrom(...pathsOf(message)),
        mutationOf(v),
      ),
    )
    .map(([message, path, m]) => mutated(message, path, m));
const mutatedMessage = mutatedWith(value);

describe('parseMessage under fuzzing', () => {
  it('accepts each valid message', () => {
    for (const message of VALID) expect(check(message).ok).toBe(true);
  });

  it(`answers ${RUNS} arbitrary values with a message or a named error`, () => {
    fc.assert(
      fc.property(value, input => void check(input)),
      {
        numRuns: RUNS,
      },
    );
  });

  it(`answers ${RUNS} arbitrary bytes and JSON texts`, () => {
    const text = fc.oneof(
      fc.json(),
      fc.string({ unit: 'binary' }),
      mutatedWith(fc.oneof(fc.jsonValue(), hugeString)).map(
        m => JSON.stringify(m) ?? '',
      ),
      // __proto__ as an own key, the way JSON.parse produces it.
      fc
        .constantFrom(...VALID)
        .map(m =>
          JSON.stringify(m).replace(
            /^\{/,
            '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
          ),
        ),
    );
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      text.map(t => Buffer.from(t)),
      // A valid message cut short or with one byte flipped.
      fc
        .tuple(
          fc.constantFrom(...VALID),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
        )
        .map(([m, at, flip]) => {
          const buf = Buffer.from(JSON.stringify(m));
          const i = at % buf.length;
          return at % 2
            ? buf.subarray(0, i)
            : (buf.writeUInt8(buf[i] ^ flip, i), buf);
        }),
    );
    fc.assert(
      fc.property(fc.oneof(text, bytes), input => void check(input)),
      {
        numRuns: RUNS,
      },
    );
  });

  it(`answers ${RUNS} valid messages with one field broken`, () => {
    let refused = 0;
    fc.assert(
      fc.property(mutatedMessage, input => {
        if (!check(input).ok) refused += 1;
      }),
      { numRuns: RUNS },
    );
    // Most mutations break the message; a fuzzer that breaks nothing tests nothing.
    expect(refused).toBeGreaterThan(RUNS / 2);
  });

  it('refuses a body over 1 MiB and nesting deeper than the stack', () => {
    expect(check(`"${'x'.repeat(1024 * 1024)}"`).ok).toBe(false);
    expect(check(`${'['.repeat(200_000)}${']'.repeat(200_000)}`).ok).toBe(
      false,
    );
  });
});
