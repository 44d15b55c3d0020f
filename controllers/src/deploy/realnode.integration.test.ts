/*
 * The deploy role on the test world's REAL node (scripts/testenv README
 * "The real node", "Ingress and TLS"): a real kubelet pulls and runs the
 * app, the readiness probe really dials it, and the ingress (Caddy, driven
 * by the test stand-in adapter from the Ingress we write) serves it over
 * HTTPS with the wildcard certificate, verified against the apps CA.
 * Failures kwok cannot produce — an image that does not exist, a container
 * that exits at once — must reach the report with the kubelet's reason.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  AppsV1Api,
  CoreV1Api,
  NetworkingV1Api,
  V1Pod,
} from '@kubernetes/client-node';
import {
  AppConfig,
  Process,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { getThroughIngress } from '@internal/testenv';
import {
  testConfig,
  testKubeConfig,
  testNames,
  useDeployWorld,
  waitFor,
} from './__testUtils__/cluster';
import { deleteRequested } from './__testUtils__/fixtures';
import {
  HTTPD,
  pushTestApp,
  realNodeGate,
  realNodePlacement,
} from './__testUtils__/realNode';
import { exists } from './__testUtils__/suite';

const { describeWithTestenv, requireTestenv } = realNodeGate([
  'KLI8NT_TEST_WILDCARD_CERT',
  'KLI8NT_TEST_WILDCARD_KEY',
]);

jest.setTimeout(300_000);

const env = process.env;
const WILDCARD_SECRET = 'apps-wildcard-tls';
const CRASH = ['sh', '-c', 'echo "boom: no config" >&2; exit 3'];

describeWithTestenv('deploy controller on the real node', () => {
  const names = testNames('deploy-real');
  const ns = names.namespace;
  const domain = env.KLI8NT_TEST_APPS_DOMAIN ?? 'apps.kli8nt.test';
  const config = testConfig(names, {
    appsDomain: domain,
    tls: { mode: 'wildcard', secretName: WILDCARD_SECRET },
    exposure: {
      mode: 'ingress',
      ingressClassName: env.KLI8NT_TEST_INGRESS_CLASS ?? 'kli8nt-test',
    },
    ...realNodePlacement(),
    // Short, so the failures below are judged quickly; a healthy pod from
    // the local registry is ready in a few seconds.
    progressDeadlineSeconds: 20,
  });
  const kubeConfig = testKubeConfig();
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const world = useDeployWorld(names, config, kubeConfig);
  const images: Record<
    'httpd' | 'crash' | 'root',
    { image: string; digest: string }
  > = {} as never;
  let ca: Buffer;
  let seconds = 0;
  const nextTime = () =>
    new Date(Date.UTC(2026, 11, 1, 12, 0, seconds++)).toISOString();
  /** The portal's decision order (one counter for all apps is fine here). */
  let lastSequence = 0;

  beforeAll(async () => {
    requireTestenv();
    ca = readFileSync(env.KLI8NT_TEST_CA_FILE!);
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: WILDCARD_SECRET },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': readFileSync(env.KLI8NT_TEST_WILDCARD_CERT!, 'base64'),
          'tls.key': readFileSync(env.KLI8NT_TEST_WILDCARD_KEY!, 'base64'),
        },
      },
    });
    for (const [name, entrypoint, user] of [
      ['httpd', HTTPD, '65534:65534'],
      ['crash', CRASH, '65534:65534'],
      // No User: the image runs as root, as many hand-written Dockerfiles do.
      ['root', HTTPD, undefined],
    ] as const) {
      images[name] = await pushTestApp(`deploy-${name}`, entrypoint, user);
    }
  });

  function deploy(
    app: string,
    image: { image: string; digest: string },
    appConfig: Partial<AppConfig>,
    deploymentId = randomUUID(),
    processes?: Process[],
  ) {
    return world.bus
      .send(
        createMessage('DeployRequested', {
          deploymentId,
          occurredAt: nextTime(),
          payload: {
            app,
            entityRef: `component:default/${app}`,
            cluster: names.cluster,
            image: `${image.image}@${image.digest}`,
            imageDigest: image.digest,
            reason: 'redeploy',
            config: { port: 8080, ...appConfig } as AppConfig,
            sequence: ++lastSequence,
            ...(processes ? { processes } : {}),
          },
        }),
      )
      .then(() => deploymentId);
  }

  async function podsOf(app: string): Promise<V1Pod[]> {
    const list = await core.listNamespacedPod({
      namespace: ns,
      labelSelector: `kli8nt.io/app=${app}`,
    });
    return list.items;
  }

  const host = (app: string) => `${app}.${domain}`;
  const get = (app: string) =>
    getThroughIngress(env.KLI8NT_TEST_INGRESS!, host(app), ca);

  const gone = async (read: () => Promise<unknown>) => !(await exists(read));

  it('goes live on the real node and answers over verified HTTPS', async () => {
    const started = Date.now();
    const id = await deploy('hello', images.httpd, {
      env: { GREETING: 'world' },
    });
    const live = await world.bus.waitForStatus(id, 'live', 120_000);
    const liveAfterMs = Date.now() - started;
    expect(live.payload.url).toBe(`https://hello.${domain}`);

    const pods = (await podsOf('hello')).filter(
      p => p.metadata?.labels?.['kli8nt.io/deployment'] === id,
    );
    expect(pods.length).toBe(1);
    expect(pods[0].spec?.nodeName).toBe(env.KLI8NT_TEST_REAL_NODE);
    expect(pods[0].status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(pods[0].status?.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
    });

    // The adapter programs Caddy from the Ingress; it may lag a moment.
    const answer = await waitFor(
      'hello answering through the ingress',
      async () => {
        const a = await get('hello').catch(() => undefined);
        return a?.status === 200 ? a : undefined;
      },
      60_000,
      ns,
    );
    const reachableAfterMs = Date.now() - started;
    expect(answer.body).toBe('hello world\n');
    expect(answer.cert.subjectaltname).toContain(`DNS:*.${domain}`);
    // eslint-disable-next-line no-console
    console.log(
      `real node: live after ${liveAfterMs} ms, HTTPS 200 after ${reachableAfterMs} ms`,
    );
  });

  it('rolls out a config-only redeploy and serves the new value', async () => {
    const started = Date.now();
    // Now with an HTTP readiness check, which the kubelet really makes.
    const id = await deploy('hello', images.httpd, {
      env: { GREETING: 'again' },
      healthCheckPath: '/index.html',
    });
    await world.bus.waitForStatus(id, 'live', 120_000);
    const answer = await waitFor(
      'the new body through the ingress',
      async () => {
        const a = await get('hello').catch(() => undefined);
        return a?.status === 200 && a.body === 'hello again\n' ? a : undefined;
      },
      60_000,
      ns,
    );
    expect(answer.body).toBe('hello again\n');
    const deployment = await apps.readNamespacedDeployment({
      namespace: ns,
      name: 'hello',
    });
    expect(
      deployment.spec?.template.spec?.containers[0].readinessProbe?.httpGet,
    ).toMatchObject({ path: '/index.html', port: 'http' });
    expect(deployment.status?.availableReplicas).toBe(1);
    expect(deployment.status?.updatedReplicas).toBe(1);
    // eslint-disable-next-line no-console
    console.log(
      `real node: config redeploy live in ${Date.now() - started} ms`,
    );
  });

  it('reports failed with NotReady when the health check never succeeds', async () => {
    const id = await deploy('sickly', images.httpd, {
      healthCheckPath: '/healthz',
    });
    const failed = await world.bus.waitForStatus(id, 'failed', 120_000);
    expect(failed.payload.reason).toBe('NotReady');
    expect(failed.payload.message).toMatch(
      /is running but GET \/healthz does not succeed/,
    );
    const [pod] = await podsOf('sickly');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({
      ready: false,
      restartCount: 0,
    });
  });

  it('reports failed with the pull error for an image that does not exist', async () => {
    const missing = {
      image: `${env.KLI8NT_TEST_REGISTRY}/kli8nt-tests/deploy-missing`,
      digest: `sha256:${'0'.repeat(64)}`,
    };
    const id = await deploy('ghost', missing, {});
    const failed = await world.bus.waitForStatus(id, 'failed', 120_000);
    expect(failed.payload.reason).toBe('ImagePullBackOff');
    expect(failed.payload.message).toContain('deploy-missing');
    expect(failed.payload.message).toMatch(/not found|failed to resolve/i);
    const [pod] = await podsOf('ghost');
    expect(pod.spec?.nodeName).toBe(env.KLI8NT_TEST_REAL_NODE);
    expect(pod.status?.containerStatuses?.[0].state?.waiting?.reason).toMatch(
      /^(ImagePullBackOff|ErrImagePull)$/,
    );
  });

  it('reports failed with CrashLoopBackOff for a container that exits at once', async () => {
    const id = await deploy('crashy', images.crash, {});
    const failed = await world.bus.waitForStatus(id, 'failed', 120_000);
    expect(failed.payload.reason).toBe('CrashLoopBackOff');
    expect(failed.payload.message).toMatch(/keeps crashing .*exit code 3/);
    const [pod] = await podsOf('crashy');
    expect(pod.spec?.nodeName).toBe(env.KLI8NT_TEST_REAL_NODE);
    expect(pod.status?.containerStatuses?.[0].restartCount).toBeGreaterThan(0);
  });

  it('reports a crash-looping worker 0 of 1 ready beside its ready web process', async () => {
    const id = await deploy('mixed', images.httpd, {}, randomUUID(), [
      { name: 'web', type: 'web', command: [...HTTPD] },
      { name: 'worker', type: 'worker', command: [...CRASH] },
    ]);
    const failed = await world.bus.waitForStatus(id, 'failed', 120_000);
    expect(failed.payload.reason).toBe('CrashLoopBackOff');
    expect(failed.payload.message).toMatch(/^mixed-worker: .*keeps crashing/);
    expect(failed.payload.readiness).toEqual([
      { process: 'web', ready: 1, desired: 1 },
      { process: 'worker', ready: 0, desired: 1 },
    ]);
  });

  it('reports failed, saying why, for an image that runs as root', async () => {
    const id = await deploy('rooty', images.root, {});
    const failed = await world.bus.waitForStatus(id, 'failed', 120_000);
    expect(failed.payload.reason).toBe('CreateContainerConfigError');
    expect(failed.payload.message).toMatch(
      /runAsNonRoot and image will run as root.*numeric non-root USER/,
    );
  });

  it('removes everything on delete and the URL stops answering', async () => {
    const started = Date.now();
    await world.bus.send(
      deleteRequested({
        app: 'hello',
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: ++lastSequence,
      }),
    );
    const read = { namespace: ns, name: 'hello' };
    await waitFor(
      'Deployment removed',
      () => gone(() => apps.readNamespacedDeployment(read)),
      60_000,
      ns,
    );
    await waitFor(
      'Service removed',
      () => gone(() => core.readNamespacedService(read)),
      60_000,
      ns,
    );
    await waitFor(
      'Ingress removed',
      () => gone(() => networking.readNamespacedIngress(read)),
      60_000,
      ns,
    );
    // A connection dropped mid-request ('socket hang up', seen once while
    // the proxy reloads its routes) is on the way there, not the end state.
    const transient = new Set<string>();
    const after = await waitFor(
      'the URL to stop answering (404, or the connection refused)',
      async () =>
        get('hello').then(
          a => (a.status === 404 ? `status 404` : undefined),
          (error: Error) => {
            if (/ECONNREFUSED/.test(error.message)) {
              return `refused: ${error.message}`;
            }
            transient.add(error.message);
            return undefined;
          },
        ),
      60_000,
      ns,
    );
    expect(after).toMatch(/^(status 404|refused: .*ECONNREFUSED)/);
    // eslint-disable-next-line no-console
    console.log(
      `real node: delete to '${after}' in ${Date.now() - started} ms`,
      transient.size ? `(on the way: ${[...transient].join('; ')})` : '',
    );
    await waitFor(
      'pods gone (the grace period is 30 s: httpd is PID 1)',
      async () => (await podsOf('hello')).length === 0,
      60_000,
      ns,
    );
  });
});
