import { randomUUID } from 'node:crypto';
import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import { desiredDeployment, desiredService } from './builders';
import { desiredIngress } from './exposure';
import { reportMessageId } from '../runtime/reportIds';
import {
  SEALING_KEY,
  describeWithCluster,
  waitFor,
} from './__testUtils__/cluster';
import {
  DIGEST,
  OTHER_DIGEST,
  deployRequested,
  buildRollout,
} from './__testUtils__/fixtures';
import { useKwokDeploySuite, gone, portalClock } from './__testUtils__/suite';

jest.setTimeout(180_000);

const { nextTime, nextSequence } = portalClock(Date.UTC(2026, 10, 30, 12));

describeWithCluster('deploy controller (ingress mode)', () => {
  const { names, config, ns, world, apps, core, networking, custom, readApp } =
    useKwokDeploySuite('deploy-it');

  /** Waits a moment longer, so a duplicate report would have arrived. */
  const settle = () => new Promise(r => setTimeout(r, 2000));

  const first = randomUUID();
  const firstMessage = buildRollout({
    deploymentId: first,
    cluster: names.cluster,
    occurredAt: nextTime(),
    sequence: nextSequence(),
    config: {
      healthCheckPath: '/healthz',
      domains: ['shop.example.org'],
      env: { NODE_ENV: 'production' },
      secretEnv: { DB_PASSWORD: sealSecret('hunter2', SEALING_KEY) },
    },
  });

  it('turns a build rollout into an App, renders it exactly and reports live once', async () => {
    await world.bus.send(firstMessage);
    const live = await world.bus.waitForStatus(first, 'live');
    await settle();
    expect(world.bus.statusesOf(first)).toEqual(['deploying', 'live']);
    // Keyed by the App's own random key, stored before the first report.
    const { reportKey } = (await readApp('shop')).status!;
    expect(reportKey).toMatch(/^[\w-]{43}$/);
    expect(live.messageId).toBe(
      reportMessageId(reportKey!, 'deploy', first, 'live'),
    );
    expect(live.payload).toEqual({
      app: 'shop',
      cluster: names.cluster,
      status: 'live',
      message: '1 of 1 replicas are available',
      url: 'https://shop.apps.kli8nt.test',
      image: `registry.example.com/apps/shop@${DIGEST}`,
      imageDigest: DIGEST,
      readiness: [{ process: 'web', ready: 1, desired: 1 }],
      source: 'deploy',
    });

    const app = await readApp('shop');
    expect(app.spec.deploymentId).toBe(first);
    expect(app.status).toMatchObject({
      observedGeneration: app.metadata.generation,
      url: 'https://shop.apps.kli8nt.test',
      currentDeploymentId: first,
      hosts: ['shop.apps.kli8nt.test', 'shop.example.org'],
      report: { deploymentId: first, status: 'live' },
      releases: [{ deploymentId: first, image: app.spec.image }],
    });
    expect(app.status?.conditions?.find(c => c.type === 'Ready')).toMatchObject(
      { status: 'True', reason: 'RolloutComplete' },
    );
    expect(
      app.status?.conditions?.find(c => c.type === 'Reported'),
    ).toMatchObject({ status: 'True', reason: 'Live' });

    // The server's objects carry exactly what the pure builders rendered.
    const placement = {
      nodeSelector: {},
      progressDeadlineSeconds: config.progressDeadlineSeconds,
    };
    const deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'shop',
    });
    expect(deployment).toMatchObject(
      JSON.parse(JSON.stringify(desiredDeployment(app, placement))),
    );
    const service = await core.readNamespacedService({
      namespace: ns,
      name: 'shop',
    });
    expect(service).toMatchObject(
      JSON.parse(JSON.stringify(desiredService(app))),
    );
    const ingress = await networking.readNamespacedIngress({
      namespace: ns,
      name: 'shop',
    });
    expect(ingress).toMatchObject(
      JSON.parse(JSON.stringify(desiredIngress(app))),
    );
    expect(ingress.spec?.tls).toEqual([
      {
        hosts: ['shop.apps.kli8nt.test', 'shop.example.org'],
        secretName: 'shop-tls',
      },
    ]);

    const secret = await core.readNamespacedSecret({
      namespace: ns,
      name: 'shop-env',
    });
    expect(secret.metadata?.labels?.['kli8nt.io/deployment']).toBe(first);
    expect(secret.metadata?.ownerReferences?.[0]?.uid).toBe(app.metadata.uid);
    expect(Buffer.from(secret.data!.DB_PASSWORD, 'base64').toString()).toBe(
      'hunter2',
    );

    // Pods passed the restricted Pod Security profile and are ready.
    const pods = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: `kli8nt.io/deployment=${first}`,
    });
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].metadata?.labels).toMatchObject({
      'backstage.io/kubernetes-id': 'shop',
      'kli8nt.io/role': 'runtime',
      'app.kubernetes.io/managed-by': 'kli8nt',
    });
  });

  it('applies a redelivered message again without changing anything', async () => {
    const read = () =>
      Promise.all([
        readApp('shop'),
        apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
        core.readNamespacedSecret({ namespace: ns, name: 'shop-env' }),
      ]);
    const before = await read();
    await world.bus.send(firstMessage);
    world.running.controller.enqueue('shop');
    await settle();
    const after = await read();
    // Status may move on; the spec of the App and Deployment may not (a
    // generation bump), nor the Secret.
    expect(after[0].metadata.generation).toBe(before[0].metadata.generation);
    expect(after[0].spec).toEqual(before[0].spec);
    expect(after[1].metadata?.generation).toBe(before[1].metadata?.generation);
    expect(after[2].metadata?.resourceVersion).toBe(
      before[2].metadata?.resourceVersion,
    );
    expect(world.bus.statusesOf(first)).toEqual(['deploying', 'live']);
  });

  it('has the API server refuse an invalid App', async () => {
    const valid = (await readApp('shop')).spec;
    const create = (spec: object) =>
      custom
        .createNamespacedCustomObject({
          group: 'kli8nt.io',
          version: 'v1alpha1',
          namespace: ns,
          plural: 'apps',
          body: {
            apiVersion: 'kli8nt.io/v1alpha1',
            kind: 'App',
            metadata: { name: 'invalid' },
            spec: { ...valid, ...spec },
          },
        })
        .then(
          () => 'created',
          error => String(error.body),
        );
    await expect(
      create({ image: 'registry.example.com/apps/shop:latest' }),
    ).resolves.toMatch(/spec.image: Invalid value/);
    await expect(create({ tls: { mode: 'cert-manager' } })).resolves.toMatch(
      /tls.clusterIssuer is required in mode cert-manager/,
    );
    await expect(create({ env: { 'BAD-NAME': 'x' } })).resolves.toMatch(
      /env names must match/,
    );
    await expect(create({ replicas: 21 })).resolves.toMatch(/spec.replicas/);
  });

  const second = randomUUID();
  const rollback = randomUUID();
  const configChange = randomUUID();

  it('rolls back to an earlier image and applies a config-only change, without a build', async () => {
    await world.bus.send(
      buildRollout({
        deploymentId: second,
        digest: OTHER_DIGEST,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        config: { domains: ['shop.example.org'] },
      }),
    );
    await world.bus.waitForStatus(second, 'live');

    await world.bus.send(
      deployRequested({
        deploymentId: rollback,
        digest: DIGEST,
        reason: 'rollback',
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        config: { domains: ['shop.example.org'] },
      }),
    );
    await world.bus.waitForStatus(rollback, 'live');
    let deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'shop',
    });
    expect(deployment.spec?.template.spec?.containers[0].image).toBe(
      `registry.example.com/apps/shop@${DIGEST}`,
    );
    // No secret env any more: the Secret is gone too.
    await waitFor(
      'env Secret removed',
      gone(() =>
        core.readNamespacedSecret({ namespace: ns, name: 'shop-env' }),
      ),
    );

    await world.bus.send(
      deployRequested({
        deploymentId: configChange,
        digest: DIGEST,
        reason: 'config',
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        config: {
          replicas: 2,
          domains: ['shop.example.org'],
          env: { FEATURE: 'on' },
        },
      }),
    );
    const live = await world.bus.waitForStatus(configChange, 'live');
    expect(live.payload.message).toBe('2 of 2 replicas are available');
    deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'shop',
    });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.spec?.template.spec?.containers[0].env).toEqual([
      { name: 'PORT', value: '3000' },
      { name: 'FEATURE', value: 'on' },
    ]);
    await settle();
    for (const id of [second, rollback, configChange]) {
      expect(world.bus.statusesOf(id)).toEqual(['deploying', 'live']);
    }
    const app = await readApp('shop');
    expect(app.status?.releases?.map(r => r.deploymentId)).toEqual([
      configChange,
      rollback,
      second,
      first,
    ]);
    expect(app.status?.currentDeploymentId).toBe(configChange);
  });

  it('drops a late rollout of a lower sequence: the portal already ended it', async () => {
    const late = randomUUID();
    await world.bus.send(
      buildRollout({
        deploymentId: late,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: 1,
      }),
    );
    await settle();
    expect(world.bus.statusesOf(late)).toEqual([]);
    expect((await readApp('shop')).spec.deploymentId).toBe(configChange);
  });

  it('settles two back-to-back rollouts on the higher sequence', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const [lower, higher] = [nextSequence(), nextSequence()];
    await Promise.all([
      world.bus.send(
        buildRollout({
          app: 'cart',
          deploymentId: b,
          digest: OTHER_DIGEST,
          cluster: names.cluster,
          occurredAt: nextTime(),
          sequence: higher,
        }),
      ),
      world.bus.send(
        buildRollout({
          app: 'cart',
          deploymentId: a,
          cluster: names.cluster,
          occurredAt: nextTime(),
          sequence: lower,
        }),
      ),
    ]);
    await world.bus.waitForStatus(b, 'live');
    await settle();
    expect(world.bus.statusesOf(b)).toEqual(['deploying', 'live']);
    expect([[], ['deploying'], ['deploying', 'live']]).toContainEqual(
      world.bus.statusesOf(a),
    );
    const app = await readApp('cart');
    expect(app.spec).toMatchObject({ deploymentId: b, sequence: higher });
    expect(app.status?.currentDeploymentId).toBe(b);
  });

  it('refuses a host another app serves, with the reason', async () => {
    const blog = randomUUID();
    await world.bus.send(
      buildRollout({
        app: 'blog',
        deploymentId: blog,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        config: { domains: ['shop.example.org'] },
      }),
    );
    const failed = await world.bus.waitForStatus(blog, 'failed');
    expect(failed.payload).toMatchObject({
      app: 'blog',
      status: 'failed',
      reason: 'HostConflict',
      message: 'Host shop.example.org is already served by app shop',
    });
    await settle();
    expect(world.bus.statusesOf(blog)).toEqual(['failed']);
    await expect(
      gone(() =>
        apps.readNamespacedDeployment({ namespace: ns, name: 'blog' }),
      )(),
    ).resolves.toBe(true);
    const app = await readApp('blog');
    expect(app.status?.conditions?.find(c => c.type === 'Ready')).toMatchObject(
      {
        status: 'False',
        reason: 'HostConflict',
      },
    );
  });

  it('dead-letters a message for another cluster instead of acting on it', async () => {
    const message = createMessage('DeleteRequested', {
      deploymentId: randomUUID(),
      occurredAt: nextTime(),
      payload: { app: 'shop', cluster: 'elsewhere', sequence: nextSequence() },
    });
    await world.bus.send(message);
    const letter = await waitFor('a dead letter', () =>
      world.bus.deadLetters.find(l => l.messageId === message.messageId),
    );
    expect(letter).toMatchObject({
      queue: `deploy.${names.cluster}`,
      reason: `invalid message: payload.cluster: elsewhere is not this cluster (${names.cluster})`,
    });
    expect((await readApp('shop')).metadata.deletionTimestamp).toBeUndefined();
  });

  it('DeleteRequested leaves a tombstone that no older rollout crosses, and removes what the app ran', async () => {
    const deletedAt = nextSequence();
    await world.bus.send(
      createMessage('DeleteRequested', {
        deploymentId: randomUUID(),
        occurredAt: nextTime(),
        payload: { app: 'shop', cluster: names.cluster, sequence: deletedAt },
      }),
    );
    await waitFor('the tombstone', async () => {
      const app = await readApp('shop');
      return app.spec.deleted === true && app.spec.sequence === deletedAt;
    });
    await waitFor(
      'Deployment removed',
      gone(() =>
        apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      ),
    );
    await waitFor(
      'Service removed',
      gone(() => core.readNamespacedService({ namespace: ns, name: 'shop' })),
    );
    await waitFor(
      'Ingress removed',
      gone(() =>
        networking.readNamespacedIngress({ namespace: ns, name: 'shop' }),
      ),
    );
    // A rollout decided before the delete, delivered after it.
    const straggler = randomUUID();
    await world.bus.send(
      buildRollout({
        deploymentId: straggler,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: deletedAt - 1,
      }),
    );
    await settle();
    expect((await readApp('shop')).spec).toEqual({
      deploymentId: configChange,
      sequence: deletedAt,
      deleted: true,
    });
    await expect(
      gone(() =>
        apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      )(),
    ).resolves.toBe(true);
    expect(world.bus.statusesOf(straggler)).toEqual([]);
    // Nothing is reported for a deleted app; a later request revives it.
    expect(world.bus.statusesOf(configChange)).toEqual(['deploying', 'live']);
    const revived = randomUUID();
    await world.bus.send(
      buildRollout({
        deploymentId: revived,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
      }),
    );
    await world.bus.waitForStatus(revived, 'live');
    expect((await readApp('shop')).spec.deleted).toBeUndefined();
  });
});
