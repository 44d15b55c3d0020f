import fc from 'fast-check';
import {
  FoldableStatusReport,
  compareStatusReports,
  foldStatus,
} from './foldStatus';
import { DEPLOYMENT_STATUSES, DeploymentStatus, canTransition } from './status';
import { parseMessage } from './messages';
import {
  DIGEST,
  IMAGE,
  statusReport,
  withField,
} from './__fixtures__/messages';

function report(
  id: number,
  status: DeploymentStatus,
  at: string,
  extra: Partial<FoldableStatusReport['payload']> = {},
): FoldableStatusReport {
  return {
    messageId: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    occurredAt: at,
    payload: { status, ...extra },
  };
}

const t = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();

describe('foldStatus', () => {
  it('returns undefined for no reports', () => {
    expect(foldStatus([])).toBeUndefined();
  });

  it('accepts parsed StatusReport messages', () => {
    const parsed = parseMessage(statusReport());
    if (!parsed.ok || parsed.message.type !== 'StatusReport') throw new Error();
    expect(foldStatus([parsed.message])).toEqual({
      status: 'live',
      reason: 'RolloutComplete',
      message: 'Deployment is available',
      url: 'https://shop.apps.example.com',
      image: IMAGE,
      imageDigest: DIGEST,
      updatedAt: '2024-05-01T12:00:00.000Z',
      messageId: parsed.message.messageId,
    });
    const noExtras = parseMessage(
      withField(statusReport(), 'payload.status', 'queued'),
    );
    expect(noExtras.ok).toBe(true);
  });

  it.each<
    [string, FoldableStatusReport[], Partial<ReturnType<typeof foldStatus>>]
  >([
    [
      'the happy path in order',
      [
        report(1, 'building', t(1)),
        report(2, 'built', t(2), { image: 'r/app:1', imageDigest: DIGEST }),
        report(3, 'deploying', t(3)),
        report(4, 'live', t(4), { url: 'https://app.example.com' }),
      ],
      {
        status: 'live',
        url: 'https://app.example.com',
        image: 'r/app:1',
        imageDigest: DIGEST,
        updatedAt: t(4),
      },
    ],
    [
      'a late building report after live',
      [report(4, 'live', t(4)), report(1, 'building', t(9))],
      { status: 'live', updatedAt: t(4) },
    ],
    [
      'a failure reason that does not linger after a higher status',
      [
        report(1, 'deploying', t(1), {
          reason: 'Progressing',
          message: 'waiting',
        }),
        report(2, 'live', t(2)),
      ],
      { status: 'live' },
    ],
    [
      'failed outranks live (rollout broke after becoming available)',
      [
        report(1, 'live', t(5)),
        report(2, 'failed', t(4), { reason: 'CrashLoopBackOff' }),
      ],
      { status: 'failed', reason: 'CrashLoopBackOff', updatedAt: t(4) },
    ],
    [
      'cancelled outranks failed (a killed build also fails)',
      [
        report(1, 'failed', t(2), { reason: 'BuildFailed' }),
        report(2, 'cancelled', t(1), { reason: 'Cancelled' }),
      ],
      { status: 'cancelled', reason: 'Cancelled' },
    ],
    [
      'superseded outranks everything',
      [
        report(1, 'live', t(1)),
        report(2, 'superseded', t(2)),
        report(3, 'failed', t(3)),
      ],
      { status: 'superseded' },
    ],
    [
      'the latest report of the same status wins',
      [
        report(2, 'deploying', t(2), { message: 'rollout 2/3' }),
        report(1, 'deploying', t(1), { message: 'rollout 1/3' }),
        report(3, 'deploying', t(3), { message: 'rollout 3/3' }),
      ],
      { status: 'deploying', message: 'rollout 3/3', updatedAt: t(3) },
    ],
    [
      'time zones compared as instants',
      [
        report(1, 'deploying', '2024-01-01T01:00:00+02:00', {
          message: 'earlier',
        }),
        report(2, 'deploying', '2024-01-01T00:00:00Z', { message: 'later' }),
      ],
      { message: 'later' },
    ],
    [
      'equal times broken by messageId',
      [
        report(9, 'building', t(1), { message: 'nine' }),
        report(3, 'building', t(1), { message: 'three' }),
      ],
      { message: 'nine' },
    ],
    [
      'the url of the greatest report that has one',
      [
        report(1, 'live', t(1), { url: 'https://a.example.com' }),
        report(2, 'superseded', t(2)),
      ],
      { status: 'superseded', url: 'https://a.example.com' },
    ],
    [
      'the readiness of the greatest report that has one: failed after live',
      [
        report(1, 'deploying', t(1)),
        report(2, 'live', t(2), {
          readiness: [{ process: 'worker', ready: 1, desired: 1 }],
        }),
        report(3, 'failed', t(3), {
          readiness: [{ process: 'worker', ready: 0, desired: 1 }],
        }),
        report(4, 'superseded', t(4)),
      ],
      {
        status: 'superseded',
        readiness: [{ process: 'worker', ready: 0, desired: 1 }],
      },
    ],
  ])('handles %s', (_name, reports, expected) => {
    expect(foldStatus(reports)).toMatchObject(expected as object);
  });

  it('drops reason and message of lower reports', () => {
    const folded = foldStatus([
      report(1, 'deploying', t(1), {
        reason: 'Progressing',
        message: 'waiting',
      }),
      report(2, 'live', t(2)),
    ]);
    expect(folded).not.toHaveProperty('reason');
    expect(folded).not.toHaveProperty('message');
  });

  it('treats two different reports with the same messageId deterministically', () => {
    const a = report(1, 'failed', t(1), { reason: 'A' });
    const b = report(1, 'failed', t(1), { reason: 'B' });
    expect(foldStatus([a, b])).toEqual(foldStatus([b, a]));
    expect(compareStatusReports(a, b)).toBeLessThan(0);
    expect(compareStatusReports(a, { ...a })).toBe(0);
    const ready = (n: number) =>
      report(1, 'live', t(1), {
        readiness: [{ process: 'web', ready: n, desired: 2 }],
      });
    expect(compareStatusReports(ready(1), ready(2))).not.toBe(0);
    expect(foldStatus([ready(1), ready(2)])).toEqual(
      foldStatus([ready(2), ready(1)]),
    );
  });

  const arbReport: fc.Arbitrary<FoldableStatusReport> = fc.record({
    messageId: fc.constantFrom(
      ...[1, 2, 3, 4, 5, 6].map(
        i => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      ),
    ),
    // Few distinct instants, in different zone notations, to force ties.
    occurredAt: fc.constantFrom(
      '2024-01-01T00:00:00Z',
      '2024-01-01T00:00:00.000Z',
      '2024-01-01T02:00:00+02:00',
      '2024-01-01T00:00:01Z',
      '2024-01-01T00:00:02.5Z',
    ),
    payload: fc.record(
      {
        status: fc.constantFrom(...DEPLOYMENT_STATUSES),
        reason: fc.constantFrom('A', 'B'),
        message: fc.constantFrom('x', 'y'),
        url: fc.constantFrom('https://a.example.com', 'https://b.example.com'),
        image: fc.constantFrom('r/a:1', 'r/a:2'),
        imageDigest: fc.constantFrom(DIGEST, `sha256:${'cd'.repeat(32)}`),
        readiness: fc.constantFrom(
          [{ process: 'web', ready: 1, desired: 1 }],
          [
            { process: 'web', ready: 1, desired: 1 },
            { process: 'worker', ready: 0, desired: 1 },
          ],
        ),
      },
      { requiredKeys: ['status'] },
    ),
  });

  it('is independent of order (any permutation gives the same fold)', () => {
    fc.assert(
      fc.property(
        fc.array(arbReport, { maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        (reports, keys) => {
          const shuffled = reports
            .map((r, i) => ({ r, k: keys[i] }))
            .sort((a, b) => a.k - b.k)
            .map(x => x.r);
          expect(foldStatus(shuffled)).toEqual(foldStatus(reports));
          expect(foldStatus([...reports].reverse())).toEqual(
            foldStatus(reports),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is independent of duplicates (any duplication gives the same fold)', () => {
    fc.assert(
      fc.property(
        fc.array(arbReport, { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (reports, picks) => {
          const withDuplicates = [
            ...reports,
            ...picks.map(p => reports[p % reports.length]),
          ];
          expect(foldStatus(withDuplicates)).toEqual(foldStatus(reports));
          // Structural copies count as duplicates too, not only the same object.
          expect(
            foldStatus([
              ...reports,
              ...reports.map(r => JSON.parse(JSON.stringify(r))),
            ]),
          ).toEqual(foldStatus(reports));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never moves the status back when more reports arrive', () => {
    fc.assert(
      fc.property(
        fc.array(arbReport, { minLength: 1, maxLength: 10 }),
        fc.array(arbReport, { minLength: 1, maxLength: 10 }),
        (a, b) => {
          const before = foldStatus(a)!.status;
          const after = foldStatus([...a, ...b])!.status;
          expect(before === after || canTransition(before, after)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('equals the greatest report under the documented order (reference implementation)', () => {
    fc.assert(
      fc.property(
        fc.array(arbReport, { minLength: 1, maxLength: 10 }),
        reports => {
          const sorted = [...reports].sort(compareStatusReports);
          const winner = sorted[sorted.length - 1];
          const lastWith = (k: 'url' | 'image' | 'imageDigest' | 'readiness') =>
            [...sorted].reverse().find(r => r.payload[k] !== undefined)
              ?.payload[k];
          const expected: Record<string, unknown> = {
            status: winner.payload.status,
            updatedAt: winner.occurredAt,
            messageId: winner.messageId,
            reason: winner.payload.reason,
            message: winner.payload.message,
            url: lastWith('url'),
            image: lastWith('image'),
            imageDigest: lastWith('imageDigest'),
            readiness: lastWith('readiness'),
          };
          for (const k of Object.keys(expected)) {
            if (expected[k] === undefined) delete expected[k];
          }
          expect(foldStatus(reports)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
