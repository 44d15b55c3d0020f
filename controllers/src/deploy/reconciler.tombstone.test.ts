import { ManualClock } from '../runtime';
import { DEPLOYMENT_ID } from './__testUtils__/fixtures';
import {
  NOW,
  TOMBSTONE_RETENTION_MS,
  fakeWorld,
  reconciler,
  storedApp,
} from './__testUtils__/fakeWorld';
import { App } from './types';

/*
 * A tombstone refuses older messages for its retention, counted from the
 * delete, and is then deleted at the version the pass read.
 */

const KEY = 'kli8nt-apps/shop';
const FAILED_AT = new Date(NOW - 3 * TOMBSTONE_RETENTION_MS).toISOString();

/** A tombstone over an App whose last rollout failed long ago. */
function tombstoneWorld() {
  const app = storedApp(
    {},
    {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Failed',
          message: 'CrashLoopBackOff',
          observedGeneration: 1,
          lastTransitionTime: FAILED_AT,
        },
      ],
    },
  );
  return fakeWorld({
    ...app,
    metadata: { ...app.metadata, generation: 2 },
    spec: { deploymentId: DEPLOYMENT_ID, sequence: 7, deleted: true },
  } as unknown as App);
}

describe('AppReconciler tombstones', () => {
  it('stamps the deletion now, not the earlier failure, and comes back when the retention ends', async () => {
    const world = tombstoneWorld();
    const clock = new ManualClock(NOW);
    await expect(reconciler(world, clock).reconcile(KEY)).resolves.toEqual({
      requeueAfterMs: TOMBSTONE_RETENTION_MS,
    });
    expect(world.statuses.at(-1)?.conditions).toEqual([
      expect.objectContaining({
        reason: 'Deleted',
        observedGeneration: 2,
        lastTransitionTime: new Date(NOW).toISOString(),
      }),
    ]);
    expect(world.state.stored).toBeDefined();
  });

  it('keeps a tombstone whose retention has not ended, asking for the rest', async () => {
    const world = tombstoneWorld();
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile(KEY);
    const written = world.statuses.length;
    clock.advance(TOMBSTONE_RETENTION_MS - 1000);
    await expect(reconciler(world, clock).reconcile(KEY)).resolves.toEqual({
      requeueAfterMs: 1000,
    });
    expect(world.statuses).toHaveLength(written);
    expect(
      world.clients.custom.deleteNamespacedCustomObject,
    ).not.toHaveBeenCalled();
    expect(world.state.stored?.spec.deleted).toBe(true);
  });

  it('deletes an expired tombstone at the version it read', async () => {
    const world = tombstoneWorld();
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile(KEY);
    const version = world.state.stored!.metadata.resourceVersion;
    clock.advance(TOMBSTONE_RETENTION_MS);
    await expect(
      reconciler(world, clock).reconcile(KEY),
    ).resolves.toBeUndefined();
    expect(world.state.stored).toBeUndefined();
    expect(
      world.clients.custom.deleteNamespacedCustomObject,
    ).toHaveBeenCalledWith(
      expect.objectContaining({
        name: 'shop',
        body: { preconditions: { resourceVersion: version } },
      }),
    );
  });

  it('does not delete a tombstone a newer deploy brought back meanwhile', async () => {
    const world = tombstoneWorld();
    const clock = new ManualClock(NOW);
    await reconciler(world, clock).reconcile(KEY);
    clock.advance(TOMBSTONE_RETENTION_MS);
    const revived = storedApp({ sequence: 8 });
    world.state.beforeDelete = () => {
      world.state.beforeDelete = undefined;
      world.touch(app => {
        app.spec = revived.spec;
      });
    };
    // The 409 runs the pass again on the revived App: it is rolled out.
    await expect(reconciler(world, clock).reconcile(KEY)).resolves.toEqual({
      requeueAfterMs: 5000,
    });
    expect(world.state.stored?.spec).toMatchObject({
      sequence: 8,
      image: revived.spec.image,
    });
    expect(world.state.stored?.spec.deleted).toBeUndefined();
    expect(world.applied.map(a => a.kind)).toContain('Deployment');
  });
});
