import { randomBytes, randomUUID } from 'node:crypto';
import { AppsV1Api } from '@kubernetes/client-node';
import { sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  describeWithCluster,
  testConfig,
  testKubeConfig,
  testNames,
  useDeployWorld,
} from './__testUtils__/cluster';
import { OTHER_DIGEST, buildRollout } from './__testUtils__/fixtures';

jest.setTimeout(180_000);

describeWithCluster('deploy controller: rollouts that cannot finish', () => {
  const names = testNames('deploy-fail');
  // No node carries this label, so the scheduler can never place the pods.
  const config = testConfig(names, {
    nodeSelector: { 'kli8nt.test/pool': `none-${names.suffix}` },
    progressDeadlineSeconds: 10,
  });
  const kubeConfig = testKubeConfig();
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const ns = names.namespace;
  const world = useDeployWorld(names, config, kubeConfig);

  it('reports failed with Unschedulable once the progress deadline passes', async () => {
    const id = randomUUID();
    await world.bus.send(
      buildRollout({ deploymentId: id, cluster: names.cluster }),
    );
    await world.bus.waitForStatus(id, 'deploying');
    const failed = await world.bus.waitForStatus(id, 'failed', 90_000);
    expect(failed.payload.reason).toBe('Unschedulable');
    expect(failed.payload.readiness).toEqual([
      { process: 'web', ready: 0, desired: 1 },
    ]);
    expect(failed.payload.message).toMatch(
      /^Pod shop-[a-z0-9-]+ cannot be scheduled: 0\/\d+ nodes are available: .*node affinity\/selector/,
    );
    const deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'shop',
    });
    expect(
      deployment.status?.conditions?.find(c => c.type === 'Progressing')
        ?.reason,
    ).toBe('ProgressDeadlineExceeded');
    await new Promise(r => setTimeout(r, 2000));
    expect(world.bus.statusesOf(id)).toEqual(['deploying', 'failed']);
  });

  it('replaces a rollout still in flight by a higher sequence, reporting only the newer one', async () => {
    const older = randomUUID();
    const newer = randomUUID();
    await world.bus.send(
      buildRollout({
        app: 'queue',
        deploymentId: older,
        cluster: names.cluster,
        occurredAt: '2026-11-30T12:00:00.000Z',
        sequence: 1,
      }),
    );
    await world.bus.waitForStatus(older, 'deploying');
    await world.bus.send(
      buildRollout({
        app: 'queue',
        deploymentId: newer,
        digest: OTHER_DIGEST,
        cluster: names.cluster,
        occurredAt: '2026-11-30T12:01:00.000Z',
        sequence: 2,
      }),
    );
    await world.bus.waitForStatus(newer, 'deploying');
    const deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'queue',
    });
    expect(
      deployment.spec?.template.metadata?.labels?.['kli8nt.io/deployment'],
    ).toBe(newer);
    await new Promise(r => setTimeout(r, 2000));
    // The portal supersedes the older one when it sends the newer one.
    expect(world.bus.statusesOf(older)).toEqual(['deploying']);
  });

  it('reports failed when a secret env value cannot be opened', async () => {
    const id = randomUUID();
    const foreignKey = randomBytes(32).toString('base64');
    await world.bus.send(
      buildRollout({
        app: 'vault',
        deploymentId: id,
        cluster: names.cluster,
        config: { secretEnv: { TOKEN: sealSecret('x', foreignKey) } },
      }),
    );
    const failed = await world.bus.waitForStatus(id, 'failed');
    expect(failed.payload.reason).toBe('SecretEnvUnreadable');
    expect(failed.payload.message).toMatch(
      /^Secret env variable TOKEN cannot be opened: No sealing key with id/,
    );
  });
});
