import { randomUUID } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import { describeWithCluster, waitFor } from './__testUtils__/cluster';
import { buildRollout, deleteRequested } from './__testUtils__/fixtures';
import { portalClock, useKwokDeploySuite } from './__testUtils__/suite';

/*
 * The deploy controller's Events on the kwok world: each transition of an
 * App is one Event on it (what `kubectl describe app` shows), and a
 * redelivered message adds none.
 */

jest.setTimeout(180_000);

const { nextTime, nextSequence } = portalClock(Date.UTC(2026, 11, 2, 12));

describeWithCluster('deploy controller Events', () => {
  const { names, ns, world, core, readApp } = useKwokDeploySuite('deploy-ev');

  /** Waits a moment longer, so a duplicate Event would have been recorded. */
  const settle = () => new Promise(r => setTimeout(r, 2000));

  const eventsOf = async (app: string): Promise<CoreV1Event[]> =>
    (
      await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.kind=App,involvedObject.name=${app}`,
      })
    ).items;
  const summary = (events: CoreV1Event[]) =>
    events
      .map(e => [e.type, e.reason, e.count])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));

  const deploymentId = randomUUID();
  const rollout = buildRollout({
    deploymentId,
    cluster: names.cluster,
    occurredAt: nextTime(),
    sequence: nextSequence(),
  });

  it('records the start and the end of a rollout as Events on the App', async () => {
    await world.bus.send(rollout);
    await world.bus.waitForStatus(deploymentId, 'live');
    const events = await waitFor(
      'the Live event',
      async () => {
        const found = await eventsOf('shop');
        return found.some(e => e.reason === 'Live') && found;
      },
      60_000,
      ns,
    );
    expect(summary(events)).toEqual([
      ['Normal', 'Live', 1],
      ['Normal', 'RolloutStarted', 1],
    ]);
    const app = await readApp('shop');
    const live = events.find(e => e.reason === 'Live')!;
    expect(live).toMatchObject({
      message: `Deployment ${deploymentId} is live at https://shop.apps.kli8nt.test: 1 of 1 replicas are available`,
      involvedObject: {
        apiVersion: 'kli8nt.io/v1alpha1',
        kind: 'App',
        name: 'shop',
        uid: app.metadata.uid,
      },
      source: { component: 'kli8nt-deploy' },
      reportingComponent: 'kli8nt-deploy',
    });
    expect(events.find(e => e.reason === 'RolloutStarted')?.message).toBe(
      `Rolling out deployment ${deploymentId} (${app.spec.image})`,
    );
  });

  it('records nothing more for a redelivered message', async () => {
    const before = await eventsOf('shop');
    await world.bus.send(rollout);
    world.running.controller.enqueue('shop');
    await settle();
    const after = await eventsOf('shop');
    expect(summary(after)).toEqual(summary(before));
    expect(after.map(e => e.metadata?.name).sort()).toEqual(
      before.map(e => e.metadata?.name).sort(),
    );
  });

  it('records the teardown of a deleted app once', async () => {
    await world.bus.send(
      deleteRequested({
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
      }),
    );
    await waitFor(
      'the Deleted event',
      async () => (await eventsOf('shop')).some(e => e.reason === 'Deleted'),
      60_000,
      ns,
    );
    world.running.controller.enqueue('shop');
    await settle();
    expect(summary(await eventsOf('shop'))).toEqual([
      ['Normal', 'Deleted', 1],
      ['Normal', 'Live', 1],
      ['Normal', 'RolloutStarted', 1],
    ]);
  });
});
