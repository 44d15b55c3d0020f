import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createNamespace,
  deleteNamespace,
  testKubeConfig,
  uniqueSuffix,
  waitFor,
} from '../deploy/__testUtils__/cluster';
import { testenvGate } from '../__testUtils__/testenvGate';
import { applyObject } from '../runtime/apply';
import { createLogger } from '../runtime/logger';
import { startBuildRetention } from './retention';

const { describeWithTestenv, requireTestenv } = testenvGate(['KUBECONFIG']);

jest.setTimeout(60_000);

describeWithTestenv('build retention on the real API server', () => {
  const kubeConfig = testKubeConfig();
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const namespace = `kli8nt-retention-${uniqueSuffix()}`;
  const ref = {
    group: 'kli8nt.io',
    version: 'v1alpha1',
    plural: 'builds',
    namespace,
  };

  beforeAll(async () => {
    requireTestenv();
    const crd = loadYaml<KubernetesObject>(
      readFileSync(
        resolve(__dirname, '../../../charts/kli8nt/crds/build.yaml'),
        'utf8',
      ),
    );
    await applyObject(
      kubeConfig.makeApiClient(KubernetesObjectApi),
      crd,
      'kli8nt-tests',
    );
    const crds = kubeConfig.makeApiClient(ApiextensionsV1Api);
    await waitFor(
      'the Build CRD',
      async () => {
        const live = await crds.readCustomResourceDefinition({
          name: crd.metadata!.name!,
        });
        return live.status?.conditions?.some(
          c => c.type === 'Established' && c.status === 'True',
        );
      },
      30_000,
    );
    await createNamespace(kubeConfig, namespace);
  });
  afterAll(() => deleteNamespace(kubeConfig, namespace));

  async function cancelledBuild(name: string, finishedAt: Date) {
    await api.createNamespacedCustomObject({
      ...ref,
      body: {
        apiVersion: 'kli8nt.io/v1alpha1',
        kind: 'Build',
        metadata: { name, namespace },
        spec: {
          deploymentId: `00000000-0000-4000-8000-${String(
            Math.floor(Math.random() * 1e12),
          ).padStart(12, '0')}`,
          app: 'shop',
          cluster: 'default',
          cancelled: true,
        },
      },
    });
    await api.patchNamespacedCustomObjectStatus(
      {
        ...ref,
        name,
        body: [
          {
            op: 'add',
            path: '/status',
            value: { phase: 'Cancelled', finishedAt: finishedAt.toISOString() },
          },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  }

  it('deletes ended Builds past the retention and keeps recent ones', async () => {
    const day = 86_400_000;
    await cancelledBuild('old', new Date(Date.now() - 8 * day));
    await cancelledBuild('recent', new Date(Date.now() - 1 * day));
    const retention = startBuildRetention({
      api,
      namespace,
      retentionMs: 7 * day,
      intervalMs: 3_600_000,
      logger: createLogger({}, () => {}),
    });
    try {
      expect(await retention.sweep()).toBe(1);
      await waitFor(
        'the old Build to go',
        async () => {
          const list = (await api.listNamespacedCustomObject(ref)) as {
            items: KubernetesObject[];
          };
          return list.items.length === 1;
        },
        20_000,
      );
      const list = (await api.listNamespacedCustomObject(ref)) as {
        items: KubernetesObject[];
      };
      expect(list.items.map(b => b.metadata?.name)).toEqual(['recent']);
      expect(await retention.sweep()).toBe(0);
    } finally {
      retention.stop();
    }
  });
});
