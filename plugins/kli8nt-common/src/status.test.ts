import {
  DEPLOYMENT_STATUSES,
  DeploymentStatus,
  TERMINAL_DEPLOYMENT_STATUSES,
  canTransition,
  deploymentStatusRank,
  isDeploymentStatus,
  isTerminalStatus,
} from './status';

describe('deployment status', () => {
  it.each([
    ['queued', false],
    ['building', false],
    ['built', false],
    ['deploying', false],
    ['live', true],
    ['failed', true],
    ['cancelled', true],
    ['superseded', true],
  ] as [DeploymentStatus, boolean][])('isTerminalStatus(%s) = %s', (s, t) => {
    expect(isTerminalStatus(s)).toBe(t);
  });

  it('lists statuses in strictly increasing rank', () => {
    const ranks = DEPLOYMENT_STATUSES.map(deploymentStatusRank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(ranks).size).toBe(DEPLOYMENT_STATUSES.length);
    expect(TERMINAL_DEPLOYMENT_STATUSES.every(isTerminalStatus)).toBe(true);
  });

  it.each([
    ['queued', true],
    ['superseded', true],
    ['QUEUED', false],
    ['', false],
    ['toString', false],
    ['__proto__', false],
    [undefined, false],
    [null, false],
    [1, false],
    [{}, false],
  ])('isDeploymentStatus(%p) = %s', (value, expected) => {
    expect(isDeploymentStatus(value)).toBe(expected);
  });

  // The full transition table, row = from, column = to, in DEPLOYMENT_STATUSES
  // order: queued building built deploying live failed cancelled superseded.
  const table: Record<DeploymentStatus, string> = {
    queued: '01111111',
    building: '00111111',
    built: '00011111',
    deploying: '00001111',
    live: '00000111',
    failed: '00000011',
    cancelled: '00000001',
    superseded: '00000000',
  };
  const cases = DEPLOYMENT_STATUSES.flatMap(from =>
    DEPLOYMENT_STATUSES.map(
      (to, i) => [from, to, table[from][i] === '1'] as const,
    ),
  );
  it.each(cases)('canTransition(%s, %s) = %s', (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });

  it.each([
    ['queued', 'building'],
    ['building', 'built'],
    ['built', 'deploying'],
    ['deploying', 'live'],
    ['deploying', 'failed'],
    ['building', 'failed'],
    ['queued', 'cancelled'],
    ['live', 'superseded'],
    ['queued', 'deploying'],
  ] as [DeploymentStatus, DeploymentStatus][])(
    'allows the pipeline step %s → %s and never its reverse',
    (from, to) => {
      expect(canTransition(from, to)).toBe(true);
      expect(canTransition(to, from)).toBe(false);
    },
  );
});
