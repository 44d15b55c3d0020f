import { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import {
  createNamespace,
  deleteNamespace,
  installCrds,
  testKubeConfig,
  uniqueSuffix,
} from '../deploy/__testUtils__/cluster';
import { testenvGate } from '../__testUtils__/testenvGate';
import { isConflict, replaceStatusAt } from './apply';

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
});
