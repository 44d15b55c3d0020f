import { randomUUID } from 'node:crypto';
import { Process } from '@kli8nt/backstage-plugin-kli8nt-common';
import { describeWithCluster, waitFor } from './__testUtils__/cluster';
import { buildRollout, deleteRequested } from './__testUtils__/fixtures';
import { useKwokDeploySuite, exists, portalClock } from './__testUtils__/suite';

jest.setTimeout(180_000);

const { nextTime, nextSequence } = portalClock(Date.UTC(2026, 11, 1, 12));

const WEB: Process = { name: 'web', type: 'web', command: ['node', 'web.js'] };
const MAILER: Process = {
  name: 'mailer',
  type: 'worker',
  command: ['node', 'mailer.js'],
};
const CLOCK: Process = {
  name: 'clock',
  type: 'worker',
  command: ['node', 'clock.js'],
};
const RELEASE: Process = {
  name: 'release',
  type: 'release',
  command: ['node', 'migrate.js'],
};

describeWithCluster('deploy controller: process types (kwok)', () => {
  const { names, ns, world, apps, batch, core, networking, readApp } =
    useKwokDeploySuite('deploy-proc');

  const deploymentNames = async (app: string) =>
    (
      await apps.listNamespacedDeployment({
        namespace: ns,
        labelSelector: `kli8nt.io/app=${app}`,
      })
    ).items
      .map(d => d.metadata!.name!)
      .sort();
  const rollOut = (app: string, processes: Process[]) => {
    const deploymentId = randomUUID();
    return {
      deploymentId,
      message: buildRollout({
        app,
        deploymentId,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        processes,
      }),
    };
  };

  it('runs a worker-only app as a Deployment with no Service, no Ingress and no URL', async () => {
    const { deploymentId, message } = rollOut('bot', [MAILER]);
    await world.bus.send(message);
    const live = await world.bus.waitForStatus(deploymentId, 'live');
    expect(live.payload.url).toBeUndefined();
    expect(live.payload.message).toBe('1 of 1 replicas are available');
    expect(live.payload.readiness).toEqual([
      { process: 'mailer', ready: 1, desired: 1 },
    ]);

    expect(await deploymentNames('bot')).toEqual(['bot-mailer']);
    const worker = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'bot-mailer',
    });
    const [container] = worker.spec!.template.spec!.containers;
    expect(container.command).toEqual(['node', 'mailer.js']);
    expect(container.ports).toBeUndefined();
    expect(container.readinessProbe).toBeUndefined();
    // The restricted Pod Security profile of the namespace admitted it.
    expect(worker.status?.availableReplicas).toBe(1);
    expect(
      await exists(() =>
        core.readNamespacedService({ namespace: ns, name: 'bot' }),
      ),
    ).toBe(false);
    expect(
      await exists(() =>
        networking.readNamespacedIngress({ namespace: ns, name: 'bot' }),
      ),
    ).toBe(false);
    const app = await readApp('bot');
    expect(app.status?.url).toBeUndefined();
    expect(app.status?.currentDeploymentId).toBe(deploymentId);
  });

  it('runs the release Job to completion before the web and worker Deployments roll out', async () => {
    const { deploymentId, message } = rollOut('shop', [
      WEB,
      MAILER,
      CLOCK,
      RELEASE,
    ]);
    await world.bus.send(message);
    const live = await world.bus.waitForStatus(deploymentId, 'live');
    expect(live.payload.url).toBe('https://shop.apps.kli8nt.test');
    expect(live.payload.message).toBe(
      'shop: 1 of 1 replicas are available; shop-mailer: 1 of 1 replicas are available; shop-clock: 1 of 1 replicas are available',
    );
    expect(live.payload.readiness).toEqual([
      { process: 'web', ready: 1, desired: 1 },
      { process: 'mailer', ready: 1, desired: 1 },
      { process: 'clock', ready: 1, desired: 1 },
    ]);

    const job = await batch.readNamespacedJob({
      namespace: ns,
      name: `shop-release-${deploymentId.slice(0, 8)}`,
    });
    expect(job.spec!.template.spec!.containers[0].command).toEqual([
      'node',
      'migrate.js',
    ]);
    const completed = Date.parse(String(job.status!.completionTime));
    expect(completed).not.toBeNaN();
    expect(await deploymentNames('shop')).toEqual([
      'shop',
      'shop-clock',
      'shop-mailer',
    ]);
    for (const name of ['shop', 'shop-mailer', 'shop-clock']) {
      const deployment = await apps.readNamespacedDeployment({
        namespace: ns,
        name,
      });
      // Created after the release finished (both have second precision).
      expect(
        Date.parse(String(deployment.metadata!.creationTimestamp)),
      ).toBeGreaterThanOrEqual(Math.floor(completed / 1000) * 1000);
    }
    const service = await core.readNamespacedService({
      namespace: ns,
      name: 'shop',
    });
    expect(service.spec!.selector).toMatchObject({
      'kli8nt.io/process': 'web',
    });
    expect(
      await exists(() =>
        networking.readNamespacedIngress({ namespace: ns, name: 'shop' }),
      ),
    ).toBe(true);
  });

  it('deletes a removed worker’s Deployment and the previous release Job on the next rollout', async () => {
    const { deploymentId, message } = rollOut('shop', [WEB, MAILER, RELEASE]);
    await world.bus.send(message);
    await world.bus.waitForStatus(deploymentId, 'live');
    await waitFor(
      'the clock worker’s Deployment deleted',
      async () => (await deploymentNames('shop')).join() === 'shop,shop-mailer',
      30_000,
      ns,
    );
    const jobs = await waitFor(
      'only the new release Job left',
      async () => {
        const list = await batch.listNamespacedJob({
          namespace: ns,
          labelSelector: 'kli8nt.io/app=shop',
        });
        const left = list.items.map(j => j.metadata!.name!);
        return left.length === 1 ? left : undefined;
      },
      30_000,
      ns,
    );
    expect(jobs).toEqual([`shop-release-${deploymentId.slice(0, 8)}`]);
  });

  it('turning a web app into a worker-only app removes its Service and Ingress; delete removes the workers', async () => {
    const { deploymentId, message } = rollOut('shop', [MAILER]);
    await world.bus.send(message);
    const live = await world.bus.waitForStatus(deploymentId, 'live');
    expect(live.payload.url).toBeUndefined();
    expect(await deploymentNames('shop')).toEqual(['shop-mailer']);
    expect(
      await exists(() =>
        core.readNamespacedService({ namespace: ns, name: 'shop' }),
      ),
    ).toBe(false);
    expect(
      await exists(() =>
        networking.readNamespacedIngress({ namespace: ns, name: 'shop' }),
      ),
    ).toBe(false);

    await world.bus.send(
      deleteRequested({
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
      }),
    );
    await waitFor(
      'every Deployment and release Job of the app deleted',
      async () => {
        const jobs = await batch.listNamespacedJob({
          namespace: ns,
          labelSelector: 'kli8nt.io/app=shop',
        });
        return (
          (await deploymentNames('shop')).length === 0 &&
          jobs.items.length === 0
        );
      },
      30_000,
      ns,
    );
  });
});
