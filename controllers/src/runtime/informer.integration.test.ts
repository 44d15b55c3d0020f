import {
  CoreV1Api,
  KubeConfig,
  V1ConfigMap,
  V1ConfigMapList,
} from '@kubernetes/client-node';
import { testenvGate } from '../__testUtils__/testenvGate';
import { ResilientInformer } from './informer';
import { createLogger } from './logger';

const { describeWithTestenv, requireTestenv } = testenvGate(['KUBECONFIG']);

jest.setTimeout(60_000);

describeWithTestenv('ResilientInformer on the real API server', () => {
  beforeAll(() => requireTestenv());

  // Found by the chaos run (bench/src/chaos): after its first restart the
  // informer restarted itself every ~0.5 s forever, each time for the abort
  // of the watch the restart had stopped.
  it('restarts a stale watch once, not in a loop, and still sees changes', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const namespace = 'default';
    const name = `informer-it-${Date.now().toString(36)}`;
    const restarts: string[] = [];
    const seen = new Set<string>();
    const informer = new ResilientInformer<V1ConfigMap>({
      kubeConfig,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      labelSelector: `informer-it=${name}`,
      list: () =>
        core.listNamespacedConfigMap({
          namespace,
          labelSelector: `informer-it=${name}`,
        }) as Promise<V1ConfigMapList>,
      onEvent: (_event, obj) => seen.add(obj.metadata!.name!),
      logger: createLogger({}, line => {
        const entry = JSON.parse(line);
        if (entry.msg === 'informer restarting') restarts.push(entry.reason);
      }),
      staleAfterMs: 2000,
    });
    await informer.start();
    try {
      await new Promise(r => setTimeout(r, 7000));
      // Quiet watch: a stale restart every ~2 s and nothing else.
      expect(restarts.filter(r => r !== 'watch stale')).toEqual([]);
      expect(restarts.length).toBeLessThanOrEqual(4);
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name, labels: { 'informer-it': name } } },
      });
      const deadline = Date.now() + 10_000;
      while (!seen.has(name) && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 100));
      }
      expect(seen.has(name)).toBe(true);
    } finally {
      await informer.stop();
      await core
        .deleteNamespacedConfigMap({ name, namespace })
        .catch(() => undefined);
    }
  });
});
