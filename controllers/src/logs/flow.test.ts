import { FlowBudget, FlowLimits, flowDecision } from './flow';

const limits: FlowLimits = {
  totalBytes: 1000,
  perContainerBytes: 100,
  stallMs: 30_000,
};

describe('flowDecision', () => {
  it.each([
    [0, 0, 'read'],
    [99, 500, 'read'],
    [100, 500, 'pause'],
    [10, 1000, 'pause'],
    [0, 1000, 'pause'],
  ] as const)(
    'reading, holding %i of %i total → %s',
    (held, total, expected) => {
      expect(flowDecision({ held, total, limits, now: 0 })).toBe(expected);
    },
  );

  it.each([
    [50, 750, 0, 'read'],
    [51, 0, 0, 'pause'],
    [0, 751, 0, 'pause'],
    [90, 100, 29_999, 'pause'],
    [90, 100, 30_000, 'disconnect'],
    [0, 900, 60_000, 'disconnect'],
    [50, 750, 60_000, 'read'],
  ] as const)(
    'paused, holding %i of %i total for %i ms → %s',
    (held, total, pausedFor, expected) => {
      expect(
        flowDecision({
          held,
          total,
          limits,
          pausedSince: 1_000,
          now: 1_000 + pausedFor,
        }),
      ).toBe(expected);
    },
  );
});

describe('FlowBudget', () => {
  it('counts held bytes and wakes waiters on release', async () => {
    const budget = new FlowBudget(limits);
    budget.hold(300);
    budget.hold(200);
    expect(budget.total).toBe(500);
    const woken = jest.fn();
    const waiting = budget.released().then(woken);
    await Promise.resolve();
    expect(woken).not.toHaveBeenCalled();
    budget.release(200);
    await waiting;
    expect(woken).toHaveBeenCalled();
    expect(budget.total).toBe(300);
    budget.release(1000);
    expect(budget.total).toBe(0);
  });
});
