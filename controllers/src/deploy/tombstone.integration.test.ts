import { randomUUID } from 'node:crypto';
import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { describeWithCluster, waitFor } from './__testUtils__/cluster';
import { buildRollout } from './__testUtils__/fixtures';
import { gone, portalClock, useKwokDeploySuite } from './__testUtils__/suite';

jest.setTimeout(180_000);

const { nextTime, nextSequence } = portalClock(Date.UTC(2026, 11, 3, 12));

/*
 * Tombstones are garbage-collected: the controller runs with a retention of
 * 3 s (below the 600 s the environment allows, so set on the config object).
 */
describeWithCluster('deploy controller tombstone retention', () => {
  const { names, ns, world, apps, readApp } = useKwokDeploySuite('tomb-it', {
    tombstoneRetentionMs: 3000,
  });

  const deleteMessage = (sequence: number) =>
    createMessage('DeleteRequested', {
      deploymentId: randomUUID(),
      occurredAt: nextTime(),
      payload: { app: 'shop', cluster: names.cluster, sequence },
    });

  /** Rolls out a new deployment of shop at the next sequence, until live. */
  const deployLive = async () => {
    const deploymentId = randomUUID();
    await world.bus.send(
      buildRollout({
        deploymentId,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
      }),
    );
    await world.bus.waitForStatus(deploymentId, 'live');
    return deploymentId;
  };

  it('deletes a tombstone after its retention; a late delete or a new deploy is still handled', async () => {
    await deployLive();

    const deletedAt = nextSequence();
    const remove = deleteMessage(deletedAt);
    const sentAt = Date.now();
    await world.bus.send(remove);
    const tombstone = await waitFor('the tombstone torn down', async () => {
      const app = await readApp('shop').catch(() => undefined);
      const ready = app?.status?.conditions?.find(c => c.type === 'Ready');
      return app?.spec.deleted && ready?.reason === 'Deleted' ? ready : false;
    });
    // Stamped by this deletion, not copied from the live rollout's time.
    expect(Date.parse(tombstone.lastTransitionTime)).toBeGreaterThanOrEqual(
      Math.floor(sentAt / 1000) * 1000,
    );
    await waitFor(
      'Deployment removed',
      gone(() =>
        apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      ),
    );
    await waitFor(
      'the tombstone deleted',
      gone(() => readApp('shop')),
    );
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(3000);

    // The same delete redelivered after the tombstone went: stored again as
    // a tombstone (nothing to tear down, nothing reported) and collected.
    await world.bus.send(remove);
    await waitFor('the redelivered delete stored', async () => {
      const app = await readApp('shop').catch(() => undefined);
      return app?.spec.deleted === true && app.spec.sequence === deletedAt;
    });
    await waitFor(
      'the second tombstone deleted',
      gone(() => readApp('shop')),
    );
    expect(world.bus.reportsFor(remove.deploymentId)).toEqual([]);

    // A newer request brings the app back as a new App.
    const revived = await deployLive();
    expect(world.bus.statusesOf(revived)).toEqual(['deploying', 'live']);
    expect((await readApp('shop')).spec.deleted).toBeUndefined();
    expect(world.bus.deadLetters).toEqual([]);
  });
});
