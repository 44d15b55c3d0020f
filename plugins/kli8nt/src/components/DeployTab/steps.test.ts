import { deploymentSteps, totalDuration } from './steps';

const base = {
  createdAt: '2024-05-01T10:00:00.000Z',
  trigger: 'manual' as const,
};
const ev = (status: any, at: string) => ({
  status,
  occurredAt: `2024-05-01T10:${at}.000Z`,
});
const NOW = Date.parse('2024-05-01T10:05:00.000Z');

describe('deploymentSteps', () => {
  it('marks the current step active and times it until now', () => {
    const steps = deploymentSteps(
      { ...base, status: 'building' },
      [ev('building', '00:10')],
      NOW,
    );
    expect(steps.map(s => [s.key, s.state, s.durationMs])).toEqual([
      ['queued', 'done', 10_000],
      ['building', 'active', 290_000],
      ['deploying', 'pending', undefined],
      ['outcome', 'pending', undefined],
    ]);
    expect(steps[3].label).toBe('Live');
  });

  it('is independent of event order and duplicates', () => {
    const events = [
      ev('live', '03:00'),
      ev('deploying', '01:00'),
      ev('building', '00:10'),
      ev('built', '00:50'),
      ev('deploying', '02:00'),
    ];
    const d = { ...base, status: 'live' as const, finishedAt: undefined };
    const a = deploymentSteps(d, events, NOW);
    const b = deploymentSteps(d, [...events].reverse(), NOW);
    expect(a).toEqual(b);
    expect(a.map(s => [s.state, s.durationMs])).toEqual([
      ['done', 10_000],
      ['done', 50_000],
      ['done', 120_000],
      ['done', undefined],
    ]);
  });

  it('marks the step a failed deployment stopped in', () => {
    const steps = deploymentSteps(
      { ...base, status: 'failed', finishedAt: '2024-05-01T10:01:00.000Z' },
      [ev('building', '00:05'), ev('failed', '01:00')],
      NOW,
    );
    expect(steps.map(s => s.state)).toEqual([
      'done',
      'failed',
      'skipped',
      'failed',
    ]);
    expect(steps[1].durationMs).toBe(55_000);
    expect(steps[3].label).toBe('Failed');
  });

  it('skips the build of a redeploy', () => {
    const steps = deploymentSteps(
      { ...base, trigger: 'redeploy', status: 'deploying' },
      [ev('deploying', '00:02')],
      NOW,
    );
    expect(steps.map(s => s.state)).toEqual([
      'done',
      'skipped',
      'active',
      'pending',
    ]);
  });

  it('uses finishedAt when the outcome event is missing', () => {
    const steps = deploymentSteps(
      { ...base, status: 'cancelled', finishedAt: '2024-05-01T10:00:30.000Z' },
      [],
      NOW,
    );
    expect(steps[0]).toMatchObject({ state: 'failed', durationMs: 30_000 });
    expect(steps[3]).toMatchObject({ label: 'Cancelled', state: 'failed' });
  });
});

describe('totalDuration', () => {
  it('runs until now while unfinished', () => {
    expect(totalDuration(base, NOW)).toBe(300_000);
    expect(
      totalDuration({ ...base, finishedAt: '2024-05-01T10:01:00.000Z' }, NOW),
    ).toBe(60_000);
  });
});
