import { ManualClock } from '../runtime';
import { reportMessageId } from '../runtime/reportIds';
import { DEPLOYMENT_ID } from './__testUtils__/fixtures';
import {
  NOW,
  fakeWorld,
  reconciler,
  storedApp,
} from './__testUtils__/fakeWorld';

describe('AppReconciler', () => {
  it('does nothing for an App that is gone', async () => {
    const world = fakeWorld(undefined);
    await expect(
      reconciler(world, new ManualClock(NOW)).reconcile('apps/shop'),
    ).resolves.toBeUndefined();
    expect(world.applied).toEqual([]);
    expect(world.reports).toEqual([]);
  });

  it('applies Service, Deployment and Ingress, reports deploying and polls', async () => {
    const world = fakeWorld(storedApp());
    const result = await reconciler(world, new ManualClock(NOW)).reconcile(
      'kli8nt-apps/shop',
    );
    expect(result).toEqual({ requeueAfterMs: 5000 });
    expect(world.applied).toEqual([
      { kind: 'Service', name: 'shop' },
      { kind: 'Deployment', name: 'shop' },
      { kind: 'Ingress', name: 'shop' },
    ]);
    expect(world.reports.map(r => r.payload.status)).toEqual(['deploying']);
    // The report key first (see 'AppReconciler report ids'), then the status.
    expect(world.statuses).toHaveLength(2);
    expect(world.statuses[1].conditions?.[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'Progressing',
      message: '0 of 1 updated replicas are available',
    });
  });

  it('writes no status when nothing changed', async () => {
    const world = fakeWorld(storedApp());
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile('kli8nt-apps/shop');
    const again = fakeWorld(storedApp({}, world.statuses.at(-1)));
    await reconciler(again, clock).reconcile('kli8nt-apps/shop');
    expect(again.statuses).toEqual([]);
    expect(again.reports).toEqual([]);
  });

  it('refuses a conflicting host without touching the cluster', async () => {
    const world = fakeWorld(storedApp());
    const other = storedApp();
    world.others = [
      {
        ...other,
        metadata: { ...other.metadata, name: 'blog', uid: 'uid-blog' },
        spec: {
          ...other.spec,
          hosts: ['blog.apps.example.com', 'shop.example.org'],
        },
        status: { hosts: ['shop.example.org'] },
      },
    ];
    const result = await reconciler(world, new ManualClock(NOW)).reconcile(
      'kli8nt-apps/shop',
    );
    expect(result).toBeUndefined();
    expect(world.applied).toEqual([]);
    expect(
      world.reports.map(r => [r.payload.status, r.payload.reason]),
    ).toEqual([['failed', 'HostConflict']]);
    expect(world.reports[0].payload.message).toBe(
      'Host shop.example.org is already served by app blog',
    );
  });

  it('waits for the env Secret of this deployment, then gives up after the deadline', async () => {
    const secretEnv = { secretName: 'shop-env', keys: ['TOKEN'] };
    const world = fakeWorld(storedApp({ secretEnv }));
    world.state.secretLabel = '00000000-0000-4000-8000-000000000000';
    const clock = new ManualClock(NOW);
    const result = await reconciler(world, clock).reconcile('kli8nt-apps/shop');
    expect(result).toEqual({ requeueAfterMs: 5000 });
    expect(world.applied).toEqual([]);
    expect(world.statuses.at(-1)?.conditions?.[0]).toMatchObject({
      reason: 'WaitingForSecretEnv',
    });

    const later = fakeWorld(storedApp({ secretEnv }, world.statuses.at(-1)));
    clock.advance(61_000);
    await reconciler(later, clock).reconcile('kli8nt-apps/shop');
    expect(
      later.reports.map(r => [r.payload.status, r.payload.reason]),
    ).toEqual([['failed', 'SecretEnvMissing']]);

    const ready = fakeWorld(storedApp({ secretEnv }));
    ready.state.secretLabel = DEPLOYMENT_ID;
    await reconciler(ready, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    expect(ready.applied.map(a => a.kind)).toEqual([
      'Service',
      'Deployment',
      'Ingress',
    ]);
  });

  it('reports live with the URL once the rollout is complete', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    };
    expect(
      await reconciler(world, new ManualClock(NOW)).reconcile(
        'kli8nt-apps/shop',
      ),
    ).toBeUndefined();
    expect(world.reports.map(r => [r.payload.status, r.payload.url])).toEqual([
      ['deploying', undefined],
      ['live', 'https://shop.apps.example.com'],
    ]);
    expect(world.reports[1].payload.readiness).toEqual([
      { process: 'web', ready: 1, desired: 1 },
    ]);
    expect(world.clients.core.listNamespacedPod).not.toHaveBeenCalled();
  });

  it('reports failed with 0 of 1 ready for a worker that never becomes ready', async () => {
    const processes = [
      { name: 'web', type: 'web' as const },
      { name: 'worker', type: 'worker' as const, command: ['./worker'] },
    ];
    const world = fakeWorld(storedApp({ processes }));
    world.state.statusByName = {
      shop: {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      },
      'shop-worker': {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        unavailableReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "shop-worker-5d9" has timed out progressing.',
          },
        ],
      },
    };
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    const failedReport = world.reports.find(r => r.payload.status === 'failed');
    expect(failedReport?.payload).toMatchObject({
      reason: 'ProgressDeadlineExceeded',
      readiness: [
        { process: 'web', ready: 1, desired: 1 },
        { process: 'worker', ready: 0, desired: 1 },
      ],
    });
    expect(world.reports[0].payload).not.toHaveProperty('readiness');
  });

  it('reports 0 of 1 ready for a failed redeploy whose old pod still serves', async () => {
    const world = fakeWorld(storedApp());
    // maxSurge 1, maxUnavailable 0: the previous deployment's pod stays
    // ready (readyReplicas 1) beside the new one, which crash-loops.
    world.state.deploymentStatus = {
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "shop-7c4" has timed out progressing.',
        },
      ],
    };
    const pod = (name: string, deploymentId: string, ready: boolean) => ({
      metadata: {
        name,
        labels: {
          'kli8nt.io/app': 'shop',
          'kli8nt.io/process': 'web',
          'kli8nt.io/deployment': deploymentId,
        },
      },
      status: {
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: ready
          ? []
          : [
              {
                name: 'app',
                image: 'registry/shop',
                imageID: '',
                ready: false,
                restartCount: 4,
                state: { waiting: { reason: 'CrashLoopBackOff' } },
                lastState: { terminated: { exitCode: 1 } },
              },
            ],
      },
    });
    world.state.pods = [
      pod('shop-5d9-old', '00000000-0000-4000-8000-000000000000', true),
      pod('shop-7c4-new', DEPLOYMENT_ID, false),
    ];
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    const failedReport = world.reports.find(r => r.payload.status === 'failed');
    expect(failedReport?.payload).toMatchObject({
      reason: 'CrashLoopBackOff',
      readiness: [{ process: 'web', ready: 0, desired: 1 }],
    });
  });

  it('fails clearly when the cluster does not serve HTTPRoute', async () => {
    const world = fakeWorld(
      storedApp({
        exposure: {
          mode: 'gateway',
          gateway: { namespace: 'gateways', name: 'public' },
        },
      }),
    );
    world.state.noGatewayApi = true;
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    expect(
      world.reports.map(r => [r.payload.status, r.payload.reason]),
    ).toEqual([
      ['deploying', undefined],
      ['failed', 'ExposureUnavailable'],
    ]);
  });
});

/*
 * Report ids an INFORM publisher cannot predict, yet the same for every
 * copy: the App's random report key is stored before its first report.
 */
describe('AppReconciler report ids', () => {
  it('stores a random report key before the first report, and keys every report with it', async () => {
    const world = fakeWorld(storedApp());
    const reportsAtWrite: number[] = [];
    world.state.beforeStatusWrite = () => {
      reportsAtWrite.push(world.reports.length);
    };
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');

    const reportKey = world.statuses[0].reportKey!;
    expect(world.statuses[0]).toEqual({ reportKey });
    expect(reportKey).toMatch(/^[\w-]{43}$/);
    // The key was stored with nothing published yet; the status recording
    // the report came after it.
    expect(reportsAtWrite).toEqual([0, 1]);
    expect(world.reports.map(r => r.messageId)).toEqual([
      reportMessageId(reportKey, 'deploy', DEPLOYMENT_ID, 'deploying'),
    ]);
    expect(world.state.stored?.status).toMatchObject({
      reportKey,
      report: { messageId: world.reports[0].messageId },
    });

    // Later passes keep it and write no key again.
    world.state.deploymentStatus = {
      ...world.state.deploymentStatus,
      readyReplicas: 1,
      availableReplicas: 1,
    };
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    expect(world.statuses.map(s => s.reportKey)).toEqual([
      reportKey,
      reportKey,
      reportKey,
    ]);
    expect(world.reports.map(r => [r.payload.status, r.messageId])).toEqual([
      [
        'deploying',
        reportMessageId(reportKey, 'deploy', DEPLOYMENT_ID, 'deploying'),
      ],
      ['live', reportMessageId(reportKey, 'deploy', DEPLOYMENT_ID, 'live')],
    ]);
  });

  it('sends a report again with the same id after a crash before its status was written', async () => {
    const world = fakeWorld(storedApp());
    let writes = 0;
    world.state.beforeStatusWrite = () => {
      if (++writes === 2) throw new Error('killed before the status write');
    };
    await expect(
      reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop'),
    ).rejects.toThrow('killed');
    // A restarted controller reads the stored key, not the report.
    await reconciler(world, new ManualClock(NOW)).reconcile('kli8nt-apps/shop');
    const [first, again] = world.reports;
    expect([first.payload.status, again.payload.status]).toEqual([
      'deploying',
      'deploying',
    ]);
    expect(again.messageId).toBe(first.messageId);
  });

  it('gives another App (another key) other ids for the same deployment and status', async () => {
    const ids = await Promise.all(
      [1, 2].map(async () => {
        const world = fakeWorld(storedApp());
        await reconciler(world, new ManualClock(NOW)).reconcile(
          'kli8nt-apps/shop',
        );
        return world.reports[0].messageId;
      }),
    );
    expect(ids[0]).not.toBe(ids[1]);
  });
});
