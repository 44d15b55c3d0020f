import {
  RecordedDeployment,
  describeSplit,
  secondsQuantiles,
  splitClickToLive,
} from './clickSplit';

const t = (ms: number) => new Date(Date.UTC(2026, 11, 2, 6) + ms).toISOString();

/** Accepted at 0; the Job ran 1–41 s (whole seconds, as Kubernetes keeps them). */
const deployment: RecordedDeployment = {
  id: 'd1',
  status: 'live',
  createdAt: t(200),
  events: [
    { status: 'building', occurredAt: t(1000), receivedAt: t(1400) },
    { status: 'built', occurredAt: t(41000), receivedAt: t(41300) },
    { status: 'deploying', occurredAt: t(41700), receivedAt: t(41750) },
    { status: 'live', occurredAt: t(44700), receivedAt: t(44800) },
  ],
};

describe('splitClickToLive', () => {
  it('splits accepted → live into queue, build, handoff, rollout and report', () => {
    expect(splitClickToLive(deployment)).toEqual({
      queue: 800,
      build: 40000,
      handoff: 700,
      rollout: 3000,
      report: 100,
      total: 44600,
      overhead: 1600,
    });
  });

  it('counts the overhead as every part but the build and the rollout', () => {
    const s = splitClickToLive(deployment);
    expect(s.overhead).toBe(s.queue + s.handoff + s.report);
    expect(s.queue + s.build + s.handoff + s.rollout + s.report).toBe(s.total);
  });

  it('reads the first report of a status (a later one only updates its message)', () => {
    const repeated = {
      ...deployment,
      events: [
        ...deployment.events.slice(0, 3),
        {
          status: 'deploying' as const,
          occurredAt: t(43000),
          receivedAt: t(43100),
        },
        deployment.events[3],
      ],
    };
    expect(splitClickToLive(repeated).rollout).toBe(3000);
  });

  it('names what is missing: a deployment that did not go live, or a step without its event', () => {
    expect(() => splitClickToLive({ ...deployment, status: 'failed' })).toThrow(
      'Deployment d1 is failed, not live',
    );
    expect(() =>
      splitClickToLive({
        ...deployment,
        events: deployment.events.filter(e => e.status !== 'built'),
      }),
    ).toThrow(
      "Deployment d1 has no 'built' event (recorded: building, deploying, live)",
    );
  });
});

describe('describeSplit and secondsQuantiles', () => {
  it('says the four figures of a click in seconds', () => {
    expect(describeSplit(splitClickToLive(deployment))).toBe(
      'queue 0.8 / build 40.0 / rollout 3.0 / total 44.6 s (overhead 1.6 s)',
    );
  });

  it('gives p50 and p99 of durations in seconds', () => {
    expect(secondsQuantiles([1000, 2000, 3000, 4000, 9000])).toEqual({
      p50: 3,
      p99: 9,
    });
  });
});
