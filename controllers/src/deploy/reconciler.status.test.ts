import { CONFLICT_ATTEMPTS, ManualClock } from '../runtime';
import { DEPLOYMENT_ID } from './__testUtils__/fixtures';
import {
  NOW,
  fakeWorld,
  reconciler,
  storedApp,
} from './__testUtils__/fakeWorld';
import { App } from './types';

/*
 * The App's status is written at the resourceVersion the pass read, never
 * over a newer state, and each transition it stores is one Event on the App.
 */

const KEY = 'kli8nt-apps/shop';
const NEWER = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const available = {
  observedGeneration: 1,
  replicas: 1,
  updatedReplicas: 1,
  readyReplicas: 1,
  availableReplicas: 1,
};

/** As the adapter does: a newer deployment's spec lands on the App. */
const newerSpec = (app: App) => {
  app.spec = { ...app.spec, deploymentId: NEWER };
};

describe('AppReconciler status writes', () => {
  it('rebuilds a status write that lost to a newer spec on that spec', async () => {
    const world = fakeWorld(
      storedApp({}, { report: deploying(DEPLOYMENT_ID) }),
    );
    let moved = false;
    world.state.beforeStatusWrite = () => {
      if (moved) return;
      moved = true;
      world.touch(newerSpec);
    };
    await reconciler(world, new ManualClock(NOW)).reconcile(KEY);

    // The write at the version read lost; the pass ran again on the newer
    // one and wrote at its version.
    const [lost, ...rest] = world.statusWrites;
    expect(lost).toEqual({ at: '1', code: 409 });
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every(w => w.code === 200)).toBe(true);
    expect(world.state.stored?.status?.report).toMatchObject({
      deploymentId: NEWER,
      status: 'deploying',
    });
    // Only the stored transitions are Events: the replaced rollout, then the
    // newer one starting.
    expect(world.events()).toEqual([
      [
        'Normal',
        'Superseded',
        `Deployment ${DEPLOYMENT_ID} was replaced by ${NEWER} before its rollout finished`,
        1,
      ],
      [
        'Normal',
        'RolloutStarted',
        `Rolling out deployment ${NEWER} (${world.state.stored?.spec.image})`,
        1,
      ],
    ]);
  });

  it('gives up after a bounded number of conflicts, writing nothing over the newer state', async () => {
    const world = fakeWorld(storedApp());
    world.state.beforeStatusWrite = () => world.touch();
    await expect(
      reconciler(world, new ManualClock(NOW)).reconcile(KEY),
    ).rejects.toMatchObject({ code: 409 });
    expect(world.statusWrites).toHaveLength(CONFLICT_ATTEMPTS);
    expect(world.statusWrites.every(w => w.code === 409)).toBe(true);
    expect(world.statuses).toEqual([]);
    expect(world.events()).toEqual([]);
  });

  it('records each transition of a rollout once, however often it is reconciled', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = available;
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile(KEY);
    const written = world.statuses.length;
    // A redelivered message, a resync, a watch echo: the same App again.
    clock.advance(30_000);
    await reconciler(world, clock).reconcile(KEY);
    await reconciler(world, clock).reconcile(KEY);
    expect(world.statuses).toHaveLength(written);
    expect(world.events()).toEqual([
      [
        'Normal',
        'RolloutStarted',
        `Rolling out deployment ${DEPLOYMENT_ID} (${world.state.stored?.spec.image})`,
        1,
      ],
      [
        'Normal',
        'Live',
        `Deployment ${DEPLOYMENT_ID} is live at https://shop.apps.example.com: 1 of 1 replicas are available`,
        1,
      ],
    ]);
  });

  it('of two replicas racing on one App, the one that lost writes and records nothing', async () => {
    const world = fakeWorld(storedApp());
    world.state.deploymentStatus = available;
    const clock = new ManualClock(NOW);
    // The second replica's pass runs to its end between the first one's
    // read and write.
    world.state.beforeStatusWrite = async () => {
      world.state.beforeStatusWrite = undefined;
      await reconciler(world, clock).reconcile(KEY);
    };
    await reconciler(world, clock).reconcile(KEY);
    expect(world.statusWrites.filter(w => w.code === 409)).toHaveLength(1);
    expect(world.state.stored?.status?.report?.status).toBe('live');
    expect(world.events().map(e => [e[1], e[3]])).toEqual([
      ['RolloutStarted', 1],
      ['Live', 1],
    ]);
    // Whatever the loser published before it lost repeats the winner's
    // message ids: the portal drops it as a duplicate.
    expect(new Set(world.reports.map(r => r.messageId)).size).toBe(2);
  });

  it('records a refused rollout as a Warning with its reason', async () => {
    const world = fakeWorld(storedApp());
    const other = storedApp();
    world.others = [
      {
        ...other,
        metadata: { ...other.metadata, name: 'blog', uid: 'uid-blog' },
        status: { hosts: ['shop.example.org'] },
      },
    ];
    await reconciler(world, new ManualClock(NOW)).reconcile(KEY);
    expect(world.events()).toEqual([
      [
        'Warning',
        'RolloutFailed',
        `Deployment ${DEPLOYMENT_ID} failed (HostConflict): Host shop.example.org is already served by app blog`,
        1,
      ],
    ]);
  });

  it('records the teardown of a deleted app once', async () => {
    const live = fakeWorld(storedApp());
    live.state.deploymentStatus = available;
    const clock = new ManualClock(NOW);
    await reconciler(live, clock).reconcile(KEY);

    const world = fakeWorld({
      ...live.state.stored!,
      spec: { deploymentId: DEPLOYMENT_ID, sequence: 7, deleted: true },
    } as unknown as App);
    await reconciler(world, clock).reconcile(KEY);
    const written = world.statuses.length;
    clock.advance(60_000);
    await reconciler(world, clock).reconcile(KEY);
    expect(world.statuses).toHaveLength(written);
    expect(world.events()).toEqual([
      [
        'Normal',
        'Deleted',
        'The app was deleted (sequence 7); its workloads, Service, routes and env Secret were removed',
        1,
      ],
    ]);
  });
});

function deploying(deploymentId: string) {
  return {
    deploymentId,
    status: 'deploying' as const,
    messageId: 'm-1',
    time: new Date(NOW - 60_000).toISOString(),
  };
}
