import { randomUUID } from 'node:crypto';
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { isNotFound } from '../runtime';
import { desiredHTTPRoute } from './exposure';
import { App } from './types';
import {
  describeWithCluster,
  testConfig,
  testKubeConfig,
  testNames,
  useDeployWorld,
} from './__testUtils__/cluster';
import { buildRollout } from './__testUtils__/fixtures';

jest.setTimeout(180_000);

describeWithCluster('deploy controller (Gateway API mode)', () => {
  const names = testNames('deploy-gw');
  const config = testConfig(names, {
    tls: { mode: 'wildcard', secretName: 'apps-wildcard' },
    exposure: {
      mode: 'gateway',
      gateway: { namespace: 'gateways', name: 'public', sectionName: 'https' },
    },
  });
  const kubeConfig = testKubeConfig();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const ns = names.namespace;
  const world = useDeployWorld(names, config, kubeConfig);

  it('attaches an HTTPRoute to the configured Gateway and reports live once', async () => {
    const id = randomUUID();
    await world.bus.send(
      buildRollout({
        app: 'api',
        deploymentId: id,
        cluster: names.cluster,
        config: { domains: ['api.example.org'] },
      }),
    );
    const live = await world.bus.waitForStatus(id, 'live');
    expect(live.payload.url).toBe('https://api.apps.kli8nt.test');

    const app = (await custom.getNamespacedCustomObject({
      group: 'kli8nt.io',
      version: 'v1alpha1',
      namespace: ns,
      plural: 'apps',
      name: 'api',
    })) as App;
    const route = await objects.read({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'api', namespace: ns },
    });
    expect(route).toMatchObject(
      JSON.parse(JSON.stringify(desiredHTTPRoute(app))),
    );
    await expect(
      networking.readNamespacedIngress({ namespace: ns, name: 'api' }).then(
        () => 'found',
        error => (isNotFound(error) ? 'absent' : error),
      ),
    ).resolves.toBe('absent');
    await new Promise(r => setTimeout(r, 2000));
    expect(world.bus.statusesOf(id)).toEqual(['deploying', 'live']);
  });
});
