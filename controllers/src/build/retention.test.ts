import { expiredBuilds } from './retention';
import { BuildResource } from './types';

const HOUR = 3_600_000;
const now = Date.parse('2026-12-01T12:00:00Z');

function build(
  name: string,
  phase: string | undefined,
  finishedHoursAgo?: number,
  createdHoursAgo = 1000,
): BuildResource {
  return {
    apiVersion: 'kli8nt.io/v1alpha1',
    kind: 'Build',
    metadata: {
      name,
      namespace: 'b',
      creationTimestamp: new Date(now - createdHoursAgo * HOUR),
    },
    spec: {} as BuildResource['spec'],
    status: {
      phase: phase as never,
      finishedAt:
        finishedHoursAgo === undefined
          ? undefined
          : new Date(now - finishedHoursAgo * HOUR).toISOString(),
    },
  };
}

describe('expiredBuilds', () => {
  it('picks ended builds past the retention, never running ones', () => {
    const builds = [
      build('old-succeeded', 'Succeeded', 200),
      build('old-failed', 'Failed', 169),
      build('old-cancelled', 'Cancelled', 500),
      build('recent-succeeded', 'Succeeded', 167),
      build('old-but-building', 'Building', undefined),
      build('old-pending', 'Pending', undefined),
      build('no-status', undefined),
      build('ended-without-time', 'Failed', undefined, 300),
      build('ended-recently-created', 'Failed', undefined, 2),
    ];
    expect(expiredBuilds(builds, now, 168 * HOUR)).toEqual([
      'old-succeeded',
      'old-failed',
      'old-cancelled',
      'ended-without-time',
    ]);
  });
});
