import { desiredBuild } from './desired';
import {
  isReported,
  markReported,
  sameStatus,
  statusFromObservation,
  terminalStatus,
  transitionEvent,
  withCondition,
} from './status';
import { buildRequested } from './testFixtures';
import type { JobObservation } from './observe';
import { BuildResource } from './types';

const T0 = new Date('2025-01-02T03:04:05.000Z');
const T1 = new Date('2025-01-02T03:09:05.000Z');
const DIGEST = `sha256:${'d'.repeat(64)}`;
const REPO = 'registry.example.com/apps/shop';

function build(): BuildResource {
  const b = desiredBuild(buildRequested(), 'ns');
  b.metadata.generation = 1;
  b.metadata.creationTimestamp = T0;
  return b;
}

describe('withCondition', () => {
  it('keeps the transition time while the status holds', () => {
    const first = withCondition(
      undefined,
      { type: 'A', status: 'True', reason: 'R', message: '' },
      T0,
    );
    const again = withCondition(
      first,
      { type: 'A', status: 'True', reason: 'R2', message: 'm' },
      T1,
    );
    expect(again).toEqual([
      {
        type: 'A',
        status: 'True',
        reason: 'R2',
        message: 'm',
        lastTransitionTime: T0.toISOString(),
      },
    ]);
    const flipped = withCondition(
      again,
      { type: 'A', status: 'False', reason: 'R', message: '' },
      T1,
    );
    expect(flipped[0].lastTransitionTime).toBe(T1.toISOString());
  });
});

describe('build status', () => {
  it('follows the Job and knows whether the phase was reported', () => {
    const b = build();
    const running = statusFromObservation(
      b,
      b.metadata.name,
      { state: 'running', startedAt: T0.toISOString() },
      REPO,
      T0,
    );
    expect(running).toMatchObject({
      phase: 'Building',
      startedAt: T0.toISOString(),
      jobName: b.metadata.name,
      observedGeneration: 1,
    });
    expect(isReported(running)).toBe(false);
    b.status = markReported(b, running, T0);
    expect(isReported(b.status)).toBe(true);

    const done = statusFromObservation(
      b,
      b.metadata.name,
      {
        state: 'succeeded',
        startedAt: T0.toISOString(),
        finishedAt: T1.toISOString(),
        imageDigest: DIGEST,
      },
      REPO,
      T1,
    );
    expect(done).toMatchObject({
      phase: 'Succeeded',
      image: `${REPO}@${DIGEST}`,
      imageDigest: DIGEST,
      finishedAt: T1.toISOString(),
    });
    expect(isReported(done)).toBe(false);
    expect(done.conditions!.find(c => c.type === 'Succeeded')).toMatchObject({
      status: 'True',
      reason: 'Built',
    });
  });

  it('compares statuses regardless of key order and undefined fields', () => {
    expect(
      sameStatus(
        { phase: 'Pending', jobName: 'j' },
        { jobName: 'j', phase: 'Pending', reason: undefined },
      ),
    ).toBe(true);
    expect(sameStatus(undefined, { phase: 'Pending' })).toBe(false);
  });

  it('records a cancellation once, keeping its time', () => {
    const b = build();
    const cancelled = terminalStatus(
      b,
      'Cancelled',
      'Cancelled',
      'Cancelled on request',
      T0,
    );
    b.status = cancelled;
    expect(
      terminalStatus(b, 'Cancelled', 'Cancelled', 'again', T1).finishedAt,
    ).toBe(T0.toISOString());
  });
});

describe('transitionEvent', () => {
  const observe = (b: BuildResource, observation: JobObservation, at = T0) =>
    statusFromObservation(b, b.metadata.name, observation, REPO, at);

  it('records each phase a build enters once, and nothing while it holds', () => {
    const b = build();
    const events = [];
    for (const observation of [
      { state: 'pending' },
      { state: 'pending' },
      { state: 'running', startedAt: T0.toISOString() },
      { state: 'running', startedAt: T0.toISOString() },
      {
        state: 'succeeded',
        finishedAt: T1.toISOString(),
        imageDigest: DIGEST,
      },
    ] as JobObservation[]) {
      const next = observe(b, observation);
      events.push(transitionEvent(b.status, next));
      b.status = next;
    }
    // A reported mark changes the status but not the phase.
    events.push(transitionEvent(b.status, markReported(b, b.status!, T1)));
    expect(events).toEqual([
      {
        type: 'Normal',
        reason: 'Started',
        message: `Created Job ${b.metadata.name}; waiting for the build pod`,
      },
      undefined,
      { type: 'Normal', reason: 'Building', message: 'The build is running' },
      undefined,
      { type: 'Normal', reason: 'Succeeded', message: `Pushed ${DIGEST}` },
      undefined,
    ]);
  });

  it('makes a failure a Warning that leads with its reason', () => {
    const b = build();
    b.status = observe(b, { state: 'pending' });
    const failed = observe(b, {
      state: 'failed',
      finishedAt: T1.toISOString(),
      reason: 'CloneFailed',
      message: 'fatal: repository not found',
    });
    expect(transitionEvent(b.status, failed)).toEqual({
      type: 'Warning',
      reason: 'Failed',
      message: 'CloneFailed: fatal: repository not found',
    });
  });

  it('records a cancel, also of a build that never started', () => {
    const b = build();
    const cancelled = terminalStatus(
      b,
      'Cancelled',
      'Cancelled',
      'Cancelled on request',
      T0,
    );
    expect(transitionEvent(undefined, cancelled)).toEqual({
      type: 'Normal',
      reason: 'Cancelled',
      message: 'Cancelled on request',
    });
  });
});
