import { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import {
  createNamespace,
  deleteNamespace,
  installCrds,
  testKubeConfig,
  uniqueSuffix,
} from '../deploy/__testUtils__/cluster';
import { testenvGate } from '../__testUtils__/testenvGate';
import { isConflict, replaceStatusAt, writeStatusAt } from './apply';

const { describeWithTestenv, requireTestenv } = testenvGate(['KUBECONFIG']);

jest.setTimeout(60_000);

describeWithTestenv('status writes with a resourceVersion precondition', () => {
  const kubeConfig = testKubeConfig();
  const namespace = `kli8nt-status-${uniqueSuffix()}`;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const ref = {
    group: 'kli8nt.io',
    version: 'v1alpha1',
    plural: 'apps',
    namespace,
    name: 'shop',
  };

  beforeAll(async () => {
    requireTestenv();
    await installCrds(kubeConfig);
    await createNamespace(kubeConfig, namespace);
  });
  afterAll(() => deleteNamespace(kubeConfig, namespace));

  it('writes at the read resourceVersion and refuses a stale one with 409', async () => {
    const created = (await api.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'kli8nt.io/v1alpha1',
        kind: 'App',
        metadata: { name: 'shop', namespace },
        spec: {
          deploymentId: '00000000-0000-4000-8000-000000000001',
          deleted: true,
          sequence: 1,
        },
      },
    })) as KubernetesObject;
    const read = created.metadata!.resourceVersion!;

    await replaceStatusAt(api, ref, read, {
      currentDeploymentId: 'd-2',
      hosts: ['b.example.com'],
    });
    // A second writer that read the same version loses.
    const stale = await replaceStatusAt(api, ref, read, {
      currentDeploymentId: 'd-1',
    }).catch(error => error);
    expect(isConflict(stale)).toBe(true);

    const now = (await api.getNamespacedCustomObjectStatus(ref)) as {
      metadata: { resourceVersion: string };
      status: unknown;
    };
    // The whole status was replaced, and the stale write changed nothing.
    expect(now.status).toEqual({
      currentDeploymentId: 'd-2',
      hosts: ['b.example.com'],
    });
    await replaceStatusAt(api, ref, now.metadata.resourceVersion, {
      currentDeploymentId: 'd-3',
    });
    const last = (await api.getNamespacedCustomObjectStatus(ref)) as {
      status: unknown;
    };
    expect(last.status).toEqual({ currentDeploymentId: 'd-3' });
  });

  it('of two writers racing, the stale one gets 409 and no update is lost', async () => {
    const name = 'race';
    const raceRef = { ...ref, name };
    await api.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'kli8nt.io/v1alpha1',
        kind: 'App',
        metadata: { name, namespace },
        spec: {
          deploymentId: '00000000-0000-4000-8000-000000000002',
          deleted: true,
          sequence: 1,
        },
      },
    });
    type Counted = {
      metadata: { resourceVersion?: string };
      status?: { observedGeneration?: number };
    };
    const read = async () =>
      (await api.getNamespacedCustomObject(raceRef)) as Counted;
    const increment = (object: Counted) =>
      writeStatusAt(api, raceRef, object, {
        observedGeneration: (object.status?.observedGeneration ?? 0) + 1,
      });
    let conflicts = 0;
    for (let round = 0; round < 10; round++) {
      // Both writers read the same version, then both write at it.
      const copies = await Promise.all([read(), read()]);
      const results = await Promise.allSettled(copies.map(increment));
      for (const result of results) {
        if (result.status === 'fulfilled') continue;
        expect(isConflict(result.reason)).toBe(true);
        conflicts += 1;
        // The loser reads again and builds on the winner's status.
        await increment(await read());
      }
    }
    expect(conflicts).toBe(10);
    const last = (await api.getNamespacedCustomObject(raceRef)) as Counted;
    // With a forced apply each loser's write would land over the winner's
    // and the count would come out at 10.
    expect(last.status?.observedGeneration).toBe(20);
  });
});
