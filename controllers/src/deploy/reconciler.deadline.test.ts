import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { ManualClock } from '../runtime';
import { DEPLOYMENT_ID } from './__testUtils__/fixtures';
import {
  NOW,
  fakeWorld,
  reconciler,
  storedApp,
} from './__testUtils__/fakeWorld';

/*
 * Rollouts Kubernetes will not time out: once the Deployment controller
 * counted the new ReplicaSet available (NewReplicaSetAvailable), its
 * progress deadline never fires, whatever the pods do afterwards. The
 * reconciler fails them itself, progressDeadlineSeconds (60 here) after
 * the rollout was applied.
 */

const KEY = 'kli8nt-apps/shop';

/** Counted available once, then its pod turned unready. */
const availableOnce = {
  observedGeneration: 1,
  replicas: 1,
  updatedReplicas: 1,
  readyReplicas: 0,
  availableReplicas: 0,
  unavailableReplicas: 1,
  conditions: [
    {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: 'ReplicaSet "shop-7c4" has successfully progressed.',
    },
    {
      type: 'Available',
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    },
  ],
};

/** Counted available, and still so. */
const complete = {
  ...availableOnce,
  readyReplicas: 1,
  availableReplicas: 1,
  unavailableReplicas: 0,
  conditions: [availableOnce.conditions[0]],
};

const webAndWorker = [
  { name: 'web', type: 'web' as const },
  { name: 'worker', type: 'worker' as const, command: ['./worker'] },
];

function pod(
  name: string,
  conditions: Record<string, 'True' | 'False'>,
  container: Partial<V1ContainerStatus>,
  process = 'web',
): V1Pod {
  return {
    metadata: {
      name,
      labels: {
        'kli8nt.io/app': 'shop',
        'kli8nt.io/process': process,
        'kli8nt.io/deployment': DEPLOYMENT_ID,
      },
    },
    status: {
      phase: 'Running',
      conditions: Object.entries(conditions).map(([type, status]) => ({
        type,
        status,
      })),
      containerStatuses: [
        {
          name: 'app',
          image: 'registry/shop',
          imageID: '',
          ready: false,
          restartCount: 0,
          ...container,
        },
      ],
    },
  };
}

/** As the apiserver restart of the chaos run left a kwok pod. */
const unreadyWithReadyContainers = pod(
  'shop-7c4-x1',
  { Ready: 'False', ContainersReady: 'True' },
  { ready: true, state: { running: { startedAt: new Date(NOW) } } },
);

describe('AppReconciler: rollouts Kubernetes will not time out', () => {
  it('fails a rollout still unavailable after the deadline, naming the unready pod', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = availableOnce;
    world.state.pods = [unreadyWithReadyContainers];
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual(['deploying']);

    clock.advance(59_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual(['deploying']);

    clock.advance(2_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual([
      'deploying',
      'failed',
    ]);
    expect(world.reports[1].payload).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      message:
        'Still not ready 60 s after the rollout was applied (Kubernetes counted its new ReplicaSet available once, so it will not time it out): 0 of 1 updated replicas are available; not ready: pod shop-7c4-x1 Ready=False though its containers are ready',
      readiness: [{ process: 'web', ready: 0, desired: 1 }],
    });
  });

  it('counts the deadline from when the Deployment was applied, after a release', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = availableOnce;
    world.state.pods = [unreadyWithReadyContainers];
    // The Deployment changed 50 s after the App (the release ran first).
    const patch = world.clients.objects.patch as jest.Mock;
    const answer = patch.getMockImplementation()!;
    patch.mockImplementation(async (obj: { kind: string }) => {
      const applied = await answer(obj);
      if (obj.kind !== 'Deployment') return applied;
      const time = new Date(NOW + 50_000).toISOString();
      applied.metadata.managedFields = [{ manager: 'kli8nt', time }];
      return applied;
    });
    await reconciler(world, new ManualClock(NOW + 61_000)).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual(['deploying']);
    await reconciler(world, new ManualClock(NOW + 111_000)).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual([
      'deploying',
      'failed',
    ]);
  });

  it('leaves a rollout Kubernetes still times to Kubernetes', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = {
      ...availableOnce,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: 'ReplicaSetUpdated',
          message: 'ReplicaSet "shop-7c4" is progressing.',
        },
      ],
    };
    world.state.pods = [unreadyWithReadyContainers];
    await reconciler(world, new ManualClock(NOW + 3_600_000)).reconcile(KEY);
    expect(world.reports.map(r => r.payload.status)).toEqual(['deploying']);
  });
});

/*
 * A worker has no readiness probe: its pod is Ready the moment it starts,
 * so a worker that crashes at start is available for a moment, and the
 * Deployment controller counts its rollout done (the real-node suite's
 * crash-looping worker went live so, about 1 run in 5).
 */
describe('AppReconciler: a worker goes live once its pods have run', () => {
  const workerPod = (container: Partial<V1ContainerStatus>, ready: boolean) =>
    pod(
      'shop-worker-5d9-x1',
      { Ready: ready ? 'True' : 'False' },
      { ready, ...container },
      'worker',
    );
  const statuses = (world: ReturnType<typeof fakeWorld>) =>
    world.reports.map(r => r.payload.status);

  it('is not live while briefly ready, nor when it restarts, and fails as a crash loop at the deadline', async () => {
    const world = fakeWorld(storedApp({ processes: webAndWorker }));
    world.state.statusByName = { shop: complete, 'shop-worker': complete };
    // Up 1 s: Ready, and the Deployment counts it available.
    world.state.pods = [
      workerPod({ state: { running: { startedAt: new Date(NOW) } } }, true),
    ];
    const clock = new ManualClock(NOW + 1_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(statuses(world)).toEqual(['deploying']);
    expect(world.state.stored?.status?.conditions?.[0]).toMatchObject({
      reason: 'WorkerStarting',
      message:
        'shop: 1 of 1 replicas are available; shop-worker: 0 of 1 worker replicas have run 10 s; Container app of worker pod shop-worker-5d9-x1 has run 1 s; a worker counts as started after 10 s',
    });

    // It crashed and is up again: Ready once more, for a moment.
    world.state.pods = [
      workerPod(
        {
          restartCount: 1,
          state: { running: { startedAt: new Date(NOW + 11_000) } },
          lastState: { terminated: { exitCode: 3 } },
        },
        true,
      ),
    ];
    clock.advance(11_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(statuses(world)).toEqual(['deploying']);

    // Down again; Kubernetes still counts the rollout done.
    world.state.statusByName['shop-worker'] = availableOnce;
    world.state.pods = [
      workerPod(
        {
          restartCount: 1,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 3 } },
        },
        false,
      ),
    ];
    clock.advance(49_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(statuses(world)).toEqual(['deploying', 'failed']);
    expect(world.reports[1].payload).toMatchObject({
      reason: 'CrashLoopBackOff',
      message:
        'shop-worker: Container app of pod shop-worker-5d9-x1 keeps crashing (restarted 1 times); last termination: exit code 3',
      readiness: [
        { process: 'web', ready: 1, desired: 1 },
        { process: 'worker', ready: 0, desired: 1 },
      ],
    });
  });

  it('goes live once its pod has run 10 s', async () => {
    const world = fakeWorld(storedApp({ processes: webAndWorker }));
    world.state.statusByName = { shop: complete, 'shop-worker': complete };
    world.state.pods = [
      workerPod({ state: { running: { startedAt: new Date(NOW) } } }, true),
    ];
    await reconciler(world, new ManualClock(NOW + 9_000)).reconcile(KEY);
    expect(statuses(world)).toEqual(['deploying']);
    await reconciler(world, new ManualClock(NOW + 10_000)).reconcile(KEY);
    expect(statuses(world)).toEqual(['deploying', 'live']);
    expect(world.reports[1].payload.readiness).toEqual([
      { process: 'web', ready: 1, desired: 1 },
      { process: 'worker', ready: 1, desired: 1 },
    ]);
  });
});
