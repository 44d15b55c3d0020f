import type { V1Pod } from '@kubernetes/client-node';
import {
  ContainerTarget,
  containerTargets,
  logPodOf,
  nextFollowStep,
} from './podTargets';

const basePod = (): V1Pod => ({
  metadata: {
    name: 'build-1',
    namespace: 'kli8nt-builds',
    uid: 'uid-1',
    creationTimestamp: new Date('2024-05-01T10:00:00Z'),
    labels: {
      'kli8nt.io/app': 'shop',
      'kli8nt.io/role': 'build',
      'kli8nt.io/deployment': '6f1c2a3e-0000-4000-8000-000000000001',
    },
  },
  spec: {
    initContainers: [{ name: 'clone' }, { name: 'detect' }],
    containers: [{ name: 'kaniko' }],
  },
});

describe('logPodOf', () => {
  it('takes app, deployment and source from the labels', () => {
    expect(logPodOf(basePod())).toEqual({
      namespace: 'kli8nt-builds',
      name: 'build-1',
      uid: 'uid-1',
      app: 'shop',
      deploymentId: '6f1c2a3e-0000-4000-8000-000000000001',
      source: 'build',
      createdMs: Date.parse('2024-05-01T10:00:00Z'),
    });
  });

  it('treats a pod without the build role as runtime, and a missing deployment as empty', () => {
    const pod = basePod();
    delete pod.metadata!.labels!['kli8nt.io/role'];
    delete pod.metadata!.labels!['kli8nt.io/deployment'];
    expect(logPodOf(pod)).toMatchObject({
      source: 'runtime',
      deploymentId: '',
    });
  });

  it('ignores pods without the app label or uid', () => {
    const noApp = basePod();
    delete noApp.metadata!.labels!['kli8nt.io/app'];
    expect(logPodOf(noApp)).toBeUndefined();
    const noUid = basePod();
    delete noUid.metadata!.uid;
    expect(logPodOf(noUid)).toBeUndefined();
  });
});

describe('containerTargets', () => {
  it('lists init containers first, waiting until they have a status', () => {
    expect(containerTargets(basePod())).toEqual([
      { name: 'clone', init: true, state: 'waiting' },
      { name: 'detect', init: true, state: 'waiting' },
      { name: 'kaniko', init: false, state: 'waiting' },
    ]);
  });

  it('reads state, instance and previous instance from the statuses', () => {
    const pod = basePod();
    pod.status = {
      initContainerStatuses: [
        {
          name: 'clone',
          image: 'git',
          imageID: '',
          ready: false,
          restartCount: 0,
          containerID: 'containerd://c1',
          state: {
            terminated: {
              exitCode: 0,
              startedAt: new Date('2024-05-01T10:00:01Z'),
            },
          },
        },
        {
          name: 'detect',
          image: 'kli8nt',
          imageID: '',
          ready: false,
          restartCount: 0,
          containerID: 'containerd://d1',
          state: { running: { startedAt: new Date('2024-05-01T10:00:02Z') } },
        },
      ],
      containerStatuses: [
        {
          name: 'kaniko',
          image: 'kaniko',
          imageID: '',
          ready: false,
          restartCount: 2,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: {
            terminated: { exitCode: 1, containerID: 'containerd://k2' },
          },
        },
      ],
    };
    expect(containerTargets(pod)).toEqual([
      {
        name: 'clone',
        init: true,
        state: 'terminated',
        instance: 'containerd://c1',
        previousInstance: undefined,
        startedAt: '2024-05-01T10:00:01.000000000Z',
      },
      {
        name: 'detect',
        init: true,
        state: 'running',
        instance: 'containerd://d1',
        previousInstance: undefined,
        startedAt: '2024-05-01T10:00:02.000000000Z',
      },
      {
        name: 'kaniko',
        init: false,
        state: 'waiting',
        instance: undefined,
        previousInstance: 'containerd://k2',
        startedAt: undefined,
      },
    ]);
  });

  it('names instances by restart count when the runtime gives no container ID', () => {
    const pod = basePod();
    pod.status = {
      containerStatuses: [
        {
          name: 'kaniko',
          image: 'kaniko',
          imageID: '',
          ready: true,
          restartCount: 3,
          state: { running: {} },
          lastState: { terminated: { exitCode: 1 } },
        },
      ],
    };
    expect(containerTargets(pod)[2]).toMatchObject({
      instance: 'restart-3',
      previousInstance: 'restart-2',
    });
  });
});

describe('nextFollowStep', () => {
  const target = (t: Partial<ContainerTarget>): ContainerTarget => ({
    name: 'web',
    init: false,
    state: 'running',
    instance: 'c2',
    ...t,
  });

  it('waits for a container that has not started', () => {
    expect(
      nextFollowStep(target({ state: 'waiting', instance: undefined }), {
        completed: [],
      }),
    ).toEqual({
      kind: 'wait',
    });
  });

  it('follows a running instance; a clean end does not complete it', () => {
    expect(nextFollowStep(target({}), { completed: [] })).toEqual({
      kind: 'read',
      instance: 'c2',
      previous: false,
      follow: true,
      completes: false,
    });
  });

  it('reads a terminated instance to its end without following, which completes it', () => {
    expect(
      nextFollowStep(target({ state: 'terminated' }), { completed: [] }),
    ).toEqual({
      kind: 'read',
      instance: 'c2',
      previous: false,
      follow: false,
      completes: true,
    });
  });

  it('waits once the instance is complete (until a restart)', () => {
    expect(
      nextFollowStep(target({ state: 'terminated' }), { completed: ['c2'] }),
    ).toEqual({
      kind: 'wait',
    });
  });

  it('reads the previous instance first after a restart it did not finish', () => {
    const restarted = target({ previousInstance: 'c1' });
    expect(nextFollowStep(restarted, { completed: [] })).toEqual({
      kind: 'read',
      instance: 'c1',
      previous: true,
      follow: false,
      completes: true,
    });
    expect(nextFollowStep(restarted, { completed: ['c1'] })).toMatchObject({
      instance: 'c2',
      previous: false,
      follow: true,
    });
  });

  it('reads the previous instance of a crash-looping container that waits', () => {
    expect(
      nextFollowStep(
        target({
          state: 'waiting',
          instance: undefined,
          previousInstance: 'c1',
        }),
        {
          completed: [],
        },
      ),
    ).toMatchObject({ kind: 'read', instance: 'c1', previous: true });
    expect(
      nextFollowStep(
        target({
          state: 'waiting',
          instance: undefined,
          previousInstance: 'c1',
        }),
        {
          completed: ['c1'],
        },
      ),
    ).toEqual({ kind: 'wait' });
  });
});
