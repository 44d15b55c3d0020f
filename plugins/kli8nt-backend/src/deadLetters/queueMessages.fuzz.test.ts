import {
  createMessage,
  kli8ntMessageSchema,
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  DeadLetter,
  DeliveryOutcome,
  InMemoryWorkQueue,
  processDelivery,
  sealCloneToken,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { testBuildPayload } from '../__testUtils__/messages';

/*
 * Fuzzing of queue consumption as every kli8nt consumer does it (issue #17):
 * processDelivery with kli8nt-common's parseMessage, and the in-memory work
 * queue that shares its dead-letter and redaction code with the RabbitMQ
 * one. Arbitrary bytes, JSON and valid messages of every type with one field
 * broken: each delivery is acked as a schema-valid message or dead-lettered
 * with a reason that names the field; nothing throws; a dead-lettered
 * BuildRequested keeps no clone token.
 */

const RUNS = 10_000;
// Shaped like the tokens the backend mints (installation) or a PAT.
const TOKENS = [
  'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
  'github_pat_11ABCDEFG0123456789_abcdefghij',
];

const deploymentId = randomUUID();
const config = { port: 8080, replicas: 1, domains: [], env: {}, secretEnv: {} };
const VALID: Kli8ntMessage[] = [
  ...TOKENS.map(token =>
    createMessage('BuildRequested', {
      deploymentId,
      payload: {
        ...testBuildPayload(),
        sealedCloneToken: sealCloneToken(token, randomBytes(32), {
          deploymentId,
          owner: 'acme',
          name: 'shop',
        }),
        config,
      },
    }),
  ),
  createMessage('DeployRequested', {
    deploymentId,
    payload: {
      app: 'shop',
      entityRef: 'component:default/shop',
      cluster: 'default',
      image: `registry.local/shop@sha256:${'a'.repeat(64)}`,
      imageDigest: `sha256:${'a'.repeat(64)}`,
      revision: 'a'.repeat(40),
      reason: 'build',
      config,
      sequence: 3,
    },
  }),
  createMessage('DeleteRequested', {
    deploymentId,
    payload: { app: 'shop', cluster: 'default', sequence: 4 },
  }),
  createMessage('CancelRequested', {
    deploymentId,
    payload: { app: 'shop', cluster: 'default' },
  }),
  createMessage('StatusReport', {
    deploymentId,
    payload: {
      app: 'shop',
      cluster: 'default',
      status: 'failed',
      reason: 'CloneFailed',
      message: 'could not clone',
      source: 'build',
    },
  }),
];

/** Every path into a JSON value. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [
    prefix,
    ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])),
  ];
}

/** JSON text of `message` with the value at `path` replaced (or removed). */
function withValue(message: unknown, path: string[], value: unknown) {
  const root = { value: JSON.parse(JSON.stringify(message)) };
  let parent: Record<string, unknown> = root;
  let key = 'value';
  for (const step of path) {
    parent = parent[key] as Record<string, unknown>;
    key = step;
  }
  if (value === undefined) delete parent[key];
  else parent[key] = value;
  return JSON.stringify(root.value) ?? '';
}

const brokenMessage = fc
  .constantFrom(...VALID)
  .chain(m =>
    fc.tuple(
      fc.constant(m),
      fc.constantFrom(...pathsOf(m)),
      fc.oneof(
        fc.jsonValue(),
        fc.string({ unit: 'grapheme' }),
        fc.constant(undefined),
        fc.nat(50_000).map(n => '💥'.repeat(n)),
      ),
    ),
  )
  .map(([m, path, value]) => withValue(m, path, value));

const protoKeys = fc
  .constantFrom(...VALID)
  .map(m =>
    JSON.stringify(m).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    ),
  );

/** A valid message's bytes cut short or with one byte flipped. */
const damagedBytes = fc
  .tuple(fc.constantFrom(...VALID), fc.nat(), fc.integer({ min: 1, max: 255 }))
  .map(([m, at, flip]) => {
    const bytes = Buffer.from(JSON.stringify(m));
    const i = at % bytes.length;
    if (at % 2) return bytes.subarray(0, i);
    bytes.writeUInt8(bytes[i] ^ flip, i);
    return bytes;
  });

const body = fc.oneof(
  brokenMessage,
  protoKeys,
  damagedBytes,
  fc.json(),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 2048 }).map(b => Buffer.from(b)),
);

// `invalid message: ` and the path of the first failing field, as
// `payload.repo.cloneUrl` or `payload.env["a b"]`.
const REASON = new RegExp(
  '^invalid JSON \\(\\d+ bytes\\)$|^invalid message: (\\(root\\)|(type|version|messageId|deploymentId|occurredAt|payload)' +
    '(\\.[\\w$]+|\\[\\d+\\]|\\["(?:[^"\\\\]|\\\\.)*"\\])*): \\S',
);

function hasToken(text: string): boolean {
  // The token, or a recognisable piece of it.
  return TOKENS.some(t => text.includes(t.slice(0, 12)));
}

/** What is wrong with the outcome of one delivery, if anything. */
function deliveryProblem(
  outcome: DeliveryOutcome,
  handled: Kli8ntMessage[],
): string | undefined {
  if (outcome.action === 'retry') return `retried: ${outcome.error.message}`;
  if (outcome.action === 'ack') {
    if (handled.length !== 1) return `acked, handled ${handled.length} times`;
    return kli8ntMessageSchema.safeParse(handled[0]).success
      ? undefined
      : 'acked a message the schema refuses';
  }
  if (handled.length) return 'dead-lettered after the handler ran';
  if (!REASON.test(outcome.reason)) return `reason: ${outcome.reason}`;
  return hasToken(outcome.reason) ? 'token in the reason' : undefined;
}

/** What is wrong with a dead-letter copy, if anything. */
function letterProblem(letter: DeadLetter): string | undefined {
  if (letter.queue !== 'build.default') return `queue ${letter.queue}`;
  if (!REASON.test(letter.reason)) return `reason: ${letter.reason}`;
  if (hasToken(letter.reason) || hasToken(letter.body)) {
    return `token kept: ${letter.body}`;
  }
  const sealed = JSON.parse(letter.body)?.payload?.sealedCloneToken;
  return sealed === undefined || sealed === '[redacted]'
    ? undefined
    : `sealedCloneToken ${sealed}`;
}

describe('queue consumption under fuzzing', () => {
  it(`decides ${RUNS} deliveries: ack a valid message or dead-letter with a reason`, async () => {
    const tally = { ack: 0, 'dead-letter': 0, retry: 0 };
    await fc.assert(
      fc.asyncProperty(body, async raw => {
        const handled: Kli8ntMessage[] = [];
        const outcome = await processDelivery({
          queue: 'build.default',
          body: raw,
          attempt: 1,
          deliveryLimit: 5,
          retry: { initialDelayMs: 1, maxDelayMs: 1 },
          parser: parseMessage,
          handler: async message => {
            handled.push(message);
          },
        });
        tally[outcome.action] += 1;
        expect(deliveryProblem(outcome, handled)).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    expect(tally.retry).toBe(0);
    expect(tally['dead-letter']).toBeGreaterThan(RUNS / 2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it(`dead-letters ${RUNS} broken BuildRequested messages with their reason and without the token`, async () => {
    const queue = new InMemoryWorkQueue<Kli8ntMessage>({
      parser: parseMessage,
      retry: { initialDelayMs: 1, maxDelayMs: 1 },
    });
    const builds = VALID.filter(m => m.type === 'BuildRequested');
    const sent = fc.sample(
      fc
        .tuple(
          fc.constantFrom(...builds),
          fc.constantFrom(...builds.flatMap(m => pathsOf(m))),
          fc.oneof(fc.jsonValue(), fc.constant(undefined)),
        )
        .map(([m, path, value]) => withValue(m, path, value))
        // Bodies that are JSON objects: publish reads the messageId.
        .filter(text => text.startsWith('{'))
        .map(text => JSON.parse(text)),
      RUNS,
    );
    const acked: Kli8ntMessage[] = [];
    const dead: DeadLetter[] = [];
    await queue.consume('build.default', async message => {
      acked.push(message);
    });
    await queue.consumeDeadLetters(async letter => {
      dead.push(letter);
    });
    for (const message of sent) {
      // The queue publishes only typed messages: here anything goes.
      await queue.publish('build.default', message as Kli8ntMessage);
    }
    const deadline = Date.now() + 60_000;
    while (acked.length + dead.length < RUNS && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 20));
    }
    await queue.close();

    expect(acked.length + dead.length).toBe(RUNS);
    expect(dead.length).toBeGreaterThan(RUNS / 2);
    expect(dead.map(letterProblem).filter(Boolean)).toEqual([]);
  }, 120_000);
});
