import type {
  V1ContainerStatus,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import {
  WORKER_STARTED_SECONDS,
  workerStarted,
  workerStarting,
} from './workerStart';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const secondsAgo = (s: number) => new Date(NOW - s * 1000);

const deployment: V1Deployment = {
  metadata: { name: 'shop-worker' },
  spec: {
    replicas: 1,
    progressDeadlineSeconds: 60,
    selector: {},
    template: {},
  },
};

function pod(
  name: string,
  container: Partial<V1ContainerStatus>,
  ready = true,
): V1Pod {
  return {
    metadata: { name },
    status: {
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'app',
          image: 'registry/shop',
          imageID: '',
          ready,
          restartCount: 0,
          ...container,
        },
      ],
    },
  };
}

const running = (s: number) => ({ running: { startedAt: secondsAgo(s) } });

describe('workerStarted', () => {
  it('needs the pod Ready and its container running for the whole time', () => {
    const long = WORKER_STARTED_SECONDS;
    expect(workerStarted(pod('a', { state: running(long) }), NOW)).toBe(true);
    expect(workerStarted(pod('a', { state: running(long - 1) }), NOW)).toBe(
      false,
    );
    expect(workerStarted(pod('a', { state: running(long) }, false), NOW)).toBe(
      false,
    );
    expect(
      workerStarted(
        pod('a', { state: { terminated: { exitCode: 3 } } }, false),
        NOW,
      ),
    ).toBe(false);
    expect(workerStarted({ metadata: { name: 'a' }, status: {} }, NOW)).toBe(
      false,
    );
  });

  it('counts from the last restart: a restarted container starts over', () => {
    const restarted = pod('a', {
      restartCount: 1,
      state: running(2),
      lastState: { terminated: { exitCode: 3 } },
    });
    expect(workerStarted(restarted, NOW)).toBe(false);
    expect(workerStarted(restarted, NOW + 8_000)).toBe(true);
  });
});

describe('workerStarting', () => {
  it('is starting while its pod has run less than the minimum, with the failure for the deadline', () => {
    expect(
      workerStarting(deployment, [pod('w-1', { state: running(3) })], NOW),
    ).toEqual({
      phase: 'progressing',
      reason: 'WorkerStarting',
      message:
        '0 of 1 worker replicas have run 10 s; Container app of worker pod w-1 has run 3 s; a worker counts as started after 10 s',
      atDeadline: {
        reason: 'ProgressDeadlineExceeded',
        message:
          'Still not ready 60 s after the rollout was applied (Kubernetes counted its new ReplicaSet available once, so it will not time it out): 0 of 1 worker replicas have run 10 s; Container app of worker pod w-1 has run 3 s; a worker counts as started after 10 s',
      },
    });
  });

  it('takes a worker briefly ready, then up again after a crash, for the crash loop it is', () => {
    const upAgain = pod('w-1', {
      restartCount: 1,
      state: running(1),
      lastState: { terminated: { exitCode: 3, reason: 'Error' } },
    });
    const crashLoop = {
      reason: 'CrashLoopBackOff',
      message:
        'Container app of pod w-1 keeps crashing (restarted 1 times); last termination: exit code 3 (Error)',
    };
    expect(workerStarting(deployment, [upAgain], NOW)).toEqual({
      phase: 'progressing',
      reason: 'CrashLoopBackOff',
      message: `0 of 1 worker replicas have run 10 s; ${crashLoop.message}`,
      atDeadline: crashLoop,
    });
  });

  it('is done once as many pods as wanted have started, terminating ones aside', () => {
    const old = {
      ...pod('w-0', { state: running(2) }),
      metadata: { name: 'w-0', deletionTimestamp: secondsAgo(1) },
    };
    expect(
      workerStarting(
        deployment,
        [old, pod('w-1', { state: running(10) })],
        NOW,
      ),
    ).toBeUndefined();
    expect(
      workerStarting(
        { ...deployment, spec: { ...deployment.spec!, replicas: 2 } },
        [pod('w-1', { state: running(10) })],
        NOW,
      )?.message,
    ).toBe('1 of 2 worker replicas have run 10 s');
  });
});
