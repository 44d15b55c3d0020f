import type {
  V1ContainerStatus,
  V1Deployment,
  V1DeploymentCondition,
  V1Pod,
} from '@kubernetes/client-node';
import { podProblem, rolloutState } from './rollout';

function deployment(
  options: {
    generation?: number;
    observedGeneration?: number;
    replicas?: number;
    updated?: number;
    total?: number;
    available?: number;
    conditions?: V1DeploymentCondition[];
  } = {},
): V1Deployment {
  return {
    metadata: { name: 'shop', generation: options.generation ?? 2 },
    spec: {
      replicas: options.replicas ?? 2,
      progressDeadlineSeconds: 60,
      selector: {},
      template: {},
    },
    status: {
      observedGeneration: options.observedGeneration ?? 2,
      updatedReplicas: options.updated ?? 2,
      replicas: options.total ?? 2,
      availableReplicas: options.available ?? 2,
      conditions: options.conditions ?? [],
    },
  };
}

const deadline: V1DeploymentCondition = {
  type: 'Progressing',
  status: 'False',
  reason: 'ProgressDeadlineExceeded',
  message: 'ReplicaSet "shop-abc" has timed out progressing.',
};

function pod(
  name: string,
  containerStatus?: Partial<V1ContainerStatus>,
  extra: Partial<V1Pod['status']> = {},
): V1Pod {
  return {
    metadata: { name },
    status: {
      ...(containerStatus
        ? {
            containerStatuses: [
              {
                name: 'app',
                image: 'registry/shop@sha256:abc',
                imageID: '',
                ready: false,
                restartCount: 0,
                ...containerStatus,
              },
            ],
          }
        : {}),
      ...extra,
    },
  };
}

const unschedulable = pod('shop-2', undefined, {
  conditions: [
    {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message:
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    },
  ],
});
const pullBackOff = pod('shop-1', {
  state: {
    waiting: {
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "registry/shop@sha256:abc"',
    },
  },
});
const crashLoop = pod('shop-3', {
  restartCount: 4,
  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
  lastState: {
    terminated: {
      exitCode: 1,
      reason: 'Error',
      message: "Error: Cannot find module '/app/server.js'\n",
    },
  },
});

describe('rolloutState', () => {
  it('waits until the controller observed the current generation', () => {
    expect(rolloutState(deployment({ observedGeneration: 1 }), [])).toEqual({
      phase: 'progressing',
      reason: 'Progressing',
      message: 'Waiting for the Deployment controller to observe the update',
    });
  });

  it('waits for updated, then old replicas, then availability', () => {
    expect(rolloutState(deployment({ updated: 1, total: 3 }), [])).toEqual({
      phase: 'progressing',
      reason: 'Progressing',
      message: '1 of 2 new replicas have been updated',
    });
    expect(rolloutState(deployment({ total: 3 }), [])).toEqual({
      phase: 'progressing',
      reason: 'Progressing',
      message: '1 old replicas are pending termination',
    });
    expect(rolloutState(deployment({ available: 1 }), [])).toEqual({
      phase: 'progressing',
      reason: 'Progressing',
      message: '1 of 2 updated replicas are available',
    });
  });

  it('is complete when every replica is updated and available', () => {
    expect(rolloutState(deployment(), [])).toEqual({
      phase: 'complete',
      message: '2 of 2 replicas are available',
    });
  });

  it('is complete at once for zero replicas', () => {
    expect(
      rolloutState(
        deployment({ replicas: 0, updated: 0, total: 0, available: 0 }),
        [],
      ).phase,
    ).toBe('complete');
  });

  it('explains a slow rollout with the pods', () => {
    expect(rolloutState(deployment({ available: 1 }), [pullBackOff])).toEqual({
      phase: 'progressing',
      reason: 'ImagePullBackOff',
      message:
        '1 of 2 updated replicas are available; Image registry/shop@sha256:abc cannot be pulled: Back-off pulling image "registry/shop@sha256:abc"',
    });
  });

  it('fails on ProgressDeadlineExceeded with the pods’ reason', () => {
    expect(
      rolloutState(deployment({ available: 0, conditions: [deadline] }), [
        unschedulable,
      ]),
    ).toEqual({
      phase: 'failed',
      reason: 'Unschedulable',
      message:
        "Pod shop-2 cannot be scheduled: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    });
  });

  it('fails with ReplicaFailure when no pod could be created', () => {
    expect(
      rolloutState(
        deployment({
          available: 0,
          updated: 0,
          conditions: [
            deadline,
            {
              type: 'ReplicaFailure',
              status: 'True',
              reason: 'FailedCreate',
              message:
                'pods "shop-abc-x" is forbidden: violates PodSecurity "restricted:latest"',
            },
          ],
        }),
        [],
      ),
    ).toEqual({
      phase: 'failed',
      reason: 'FailedCreate',
      message:
        'pods "shop-abc-x" is forbidden: violates PodSecurity "restricted:latest"',
    });
  });

  it('fails with ProgressDeadlineExceeded when nothing else explains it', () => {
    expect(
      rolloutState(deployment({ available: 0, conditions: [deadline] }), []),
    ).toEqual({
      phase: 'failed',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "shop-abc" has timed out progressing.',
    });
  });

  it('does not judge a deadline of an older generation', () => {
    expect(
      rolloutState(
        deployment({ observedGeneration: 1, conditions: [deadline] }),
        [],
      ).phase,
    ).toBe('progressing');
  });
});

describe('podProblem', () => {
  it('reports nothing for ready or pending pods', () => {
    expect(podProblem([])).toBeUndefined();
    expect(
      podProblem([pod('a', { ready: true, state: { running: {} } }), pod('b')]),
    ).toBeUndefined();
  });

  it('names the crash loop with the last termination message', () => {
    expect(podProblem([crashLoop])).toEqual({
      reason: 'CrashLoopBackOff',
      message:
        "Container app of pod shop-3 keeps crashing (restarted 4 times); last termination: exit code 1 (Error): Error: Cannot find module '/app/server.js'",
    });
  });

  it('describes a crash without a message by its exit code', () => {
    expect(
      podProblem([
        pod('p', {
          restartCount: 2,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        }),
      ])?.message,
    ).toBe(
      'Container app of pod p keeps crashing (restarted 2 times); last termination: exit code 137 (OOMKilled)',
    );
  });

  it('names the crash loop between restarts too, as a real kubelet shows it', () => {
    // Seen on the real node at the progress deadline: the container had
    // exited again and the kubelet had not yet put it in back-off.
    const lastState = {
      terminated: { exitCode: 3, reason: 'Error', message: 'boom' },
    };
    expect(
      podProblem([
        pod('p', {
          restartCount: 1,
          state: { terminated: { exitCode: 3, reason: 'Error' } },
          lastState,
        }),
      ]),
    ).toEqual({
      reason: 'CrashLoopBackOff',
      message:
        'Container app of pod p keeps crashing (restarted 1 times); last termination: exit code 3 (Error)',
    });
    // Up again for an instant after a restart, not ready.
    expect(
      podProblem([
        pod('p', { restartCount: 2, state: { running: {} }, lastState }),
      ]),
    ).toMatchObject({
      reason: 'CrashLoopBackOff',
      message: expect.stringMatching(
        /last termination: exit code 3 \(Error\): boom$/,
      ),
    });
    // Ready after an earlier crash: no problem; a config error still wins.
    expect(
      podProblem([
        pod('p', {
          restartCount: 2,
          ready: true,
          state: { running: {} },
          lastState,
        }),
      ]),
    ).toBeUndefined();
    expect(
      podProblem([
        pod('p', {
          restartCount: 2,
          state: { waiting: { reason: 'CreateContainerConfigError' } },
          lastState,
        }),
      ])?.reason,
    ).toBe('CreateContainerConfigError');
  });

  it('says what to change when the kubelet refuses a root image', () => {
    for (const kubelet of [
      'container has runAsNonRoot and image will run as root (pod: "p_ns(uid)", container: app)',
      'container has runAsNonRoot and image has non-numeric user (node), cannot verify user is non-root (pod: "p_ns(uid)", container: app)',
    ]) {
      expect(
        podProblem([
          pod('p', {
            state: {
              waiting: {
                reason: 'CreateContainerConfigError',
                message: kubelet,
              },
            },
          }),
        ]),
      ).toEqual({
        reason: 'CreateContainerConfigError',
        message: `Container app of pod p cannot start: ${kubelet}. Apps must run as a non-root user: set a numeric non-root USER in the Dockerfile (e.g. USER 10001:10001)`,
      });
    }
    expect(
      podProblem([
        pod('p', {
          state: {
            waiting: {
              reason: 'CreateContainerConfigError',
              message: 'secret "x" not found',
            },
          },
        }),
      ])?.message,
    ).toBe('Container app of pod p cannot start: secret "x" not found');
  });

  it('prefers image pull, then crash loop, then config, then scheduling', () => {
    const configError = pod('shop-4', {
      state: {
        waiting: {
          reason: 'CreateContainerConfigError',
          message: 'secret "shop-env" not found',
        },
      },
    });
    expect(
      podProblem([unschedulable, configError, crashLoop, pullBackOff])?.reason,
    ).toBe('ImagePullBackOff');
    expect(podProblem([unschedulable, configError, crashLoop])?.reason).toBe(
      'CrashLoopBackOff',
    );
    expect(podProblem([unschedulable, configError])).toEqual({
      reason: 'CreateContainerConfigError',
      message:
        'Container app of pod shop-4 cannot start: secret "shop-env" not found',
    });
    expect(podProblem([unschedulable])?.reason).toBe('Unschedulable');
  });

  it('says a pod was evicted, and what to do when the app wrote too much', () => {
    const evicted = (message: string) =>
      pod(
        'shop-5',
        { state: { terminated: { exitCode: 137, reason: 'Error' } } },
        { phase: 'Failed', reason: 'Evicted', message },
      );
    expect(
      podProblem([
        unschedulable,
        evicted(
          'Container app exceeded its local ephemeral storage limit "1Gi". ',
        ),
      ]),
    ).toEqual({
      reason: 'Evicted',
      message:
        'Pod shop-5 was evicted: Container app exceeded its local ephemeral storage limit "1Gi". The app wrote more to its container\'s disk (files outside volumes, logs) than an app may: write less, or ask the platform team to raise deploy.appResources.limits.ephemeral-storage (KLI8NT_DEPLOY_DEFAULT_LIMITS).',
    });
    expect(
      podProblem([
        evicted('The node was low on resource: ephemeral-storage. '),
      ]),
    ).toEqual({
      reason: 'Evicted',
      message:
        'Pod shop-5 was evicted: The node was low on resource: ephemeral-storage.',
    });
    expect(podProblem([evicted('x'), crashLoop])?.reason).toBe(
      'CrashLoopBackOff',
    );
  });

  it('maps ErrImagePull to ImagePullBackOff', () => {
    expect(
      podProblem([
        pod('p', { state: { waiting: { reason: 'ErrImagePull' } } }),
      ]),
    ).toEqual({
      reason: 'ImagePullBackOff',
      message: 'Image registry/shop@sha256:abc cannot be pulled',
    });
  });

  it('reports a running container that is not ready, by its probe', () => {
    const running = pod('p', { state: { running: {} }, ready: false });
    expect(podProblem([running], '/healthz')).toEqual({
      reason: 'NotReady',
      message:
        'Container app of pod p is running but GET /healthz does not succeed',
    });
    expect(podProblem([running])?.message).toBe(
      'Container app of pod p is running but does not accept connections on its port',
    );
  });

  it('reports a failed container and ignores terminating pods', () => {
    expect(
      podProblem([
        pod('p', {
          state: { terminated: { exitCode: 2, message: 'bad flag' } },
        }),
      ]),
    ).toEqual({
      reason: 'ContainerFailed',
      message: 'Container app of pod p exited: exit code 2: bad flag',
    });
    const terminating = {
      ...pullBackOff,
      metadata: { name: 'old', deletionTimestamp: new Date() },
    };
    expect(podProblem([terminating])).toBeUndefined();
  });

  it('clips very long messages', () => {
    const long = pod('p', {
      state: { waiting: { reason: 'ErrImagePull', message: 'x'.repeat(5000) } },
    });
    expect(podProblem([long])!.message.length).toBeLessThan(900);
  });
});
