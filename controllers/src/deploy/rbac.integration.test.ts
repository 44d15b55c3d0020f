import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  V1PolicyRule,
  V1Role,
  loadAllYaml,
} from '@kubernetes/client-node';
import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  SEALING_KEY,
  TestBus,
  createNamespace,
  deleteNamespace,
  describeWithCluster,
  installCrds,
  requireCluster,
  startTestController,
  testConfig,
  testKubeConfig,
  testLogger,
  testNames,
  waitFor,
} from './__testUtils__/cluster';
import { buildRollout } from './__testUtils__/fixtures';
import { deployClients, gone, portalClock } from './__testUtils__/suite';

/*
 * The deploy controller runs as a service account holding only the rules
 * of the chart's deploy Role: every call the code makes on an app's way
 * (env Secret written, dropped, the app deleted) is one the Role allows, and
 * Secrets can be neither listed nor watched.
 */

jest.setTimeout(240_000);

const chartDir = resolve(__dirname, '../../../charts/kli8nt');

/** The rules of the chart's deploy Role, as `helm template` renders them. */
function chartDeployRules(): V1PolicyRule[] {
  const digest = (c: string) => `@sha256:${c.repeat(64)}`;
  const result = spawnSync(
    'helm',
    [
      'template',
      'x',
      chartDir,
      ...['--set', 'secrets.amqpUrl=amqp://u:p@rabbitmq:5672'],
      ...['--set', 'kafka.brokers=kafka:9092'],
      ...['--set', 'build.registry=registry.example.com/apps'],
      ...['--set', `build.kanikoImage=r.example.com/kaniko${digest('a')}`],
      ...['--set', `build.cloneImage=r.example.com/git${digest('b')}`],
      ...['--set', `build.pushImage=r.example.com/crane${digest('c')}`],
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) {
    throw new Error(
      `helm template failed (testenv puts helm on PATH): ${
        result.stderr || result.error
      }`,
    );
  }
  const role = (loadAllYaml(result.stdout) as V1Role[]).find(
    o => o?.kind === 'Role' && o.metadata?.name === 'x-deploy',
  );
  if (!role?.rules) throw new Error('the chart rendered no deploy Role');
  return role.rules;
}

/** A kubeconfig for service account `name` of `namespace`, bound to `rules`. */
async function serviceAccount(
  admin: KubeConfig,
  namespace: string,
  name: string,
  rules: V1PolicyRule[],
): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name } },
  });
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name }, rules },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: request.status!.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return kubeConfig;
}

describeWithCluster("deploy controller with the chart's deploy Role", () => {
  const names = testNames('deploy-rbac');
  const config = testConfig(names);
  const ns = names.namespace;
  const admin = testKubeConfig();
  const { apps, core, readApp } = deployClients(admin, ns);
  const { nextTime, nextSequence } = portalClock(Date.UTC(2026, 11, 2, 12));
  let bus: TestBus;
  let running: Awaited<ReturnType<typeof startTestController>> | undefined;
  let identity: KubeConfig;

  beforeAll(async () => {
    requireCluster();
    const rules = chartDeployRules();
    await installCrds(admin);
    await createNamespace(admin, ns);
    identity = await serviceAccount(admin, ns, 'kli8nt-deploy', rules);
    bus = await TestBus.create(names);
    running = await startTestController(config, testLogger(), identity);
  });

  afterAll(async () => {
    await running?.stop();
    await bus?.close();
    await deleteNamespace(admin, ns);
  });

  const envSecret = () =>
    core.readNamespacedSecret({ namespace: ns, name: 'shop-env' });

  it('cannot list or watch Secrets', async () => {
    const own = identity.makeApiClient(CoreV1Api);
    await expect(
      own.listNamespacedSecret({ namespace: ns }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      own.listNamespacedSecret({ namespace: ns, watch: true }),
    ).rejects.toMatchObject({ code: 403 });
  });

  /** Rolls out a deployment, with a secret env var or without; waits for live. */
  const rollOut = async (secret: boolean) => {
    const id = randomUUID();
    await bus.send(
      buildRollout({
        deploymentId: id,
        cluster: names.cluster,
        occurredAt: nextTime(),
        sequence: nextSequence(),
        ...(secret
          ? {
              config: {
                secretEnv: { TOKEN: sealSecret('s3cret', SEALING_KEY) },
              },
            }
          : {}),
      }),
    );
    await bus.waitForStatus(id, 'live', 120_000);
    return id;
  };

  it('writes the env Secret, drops it when the env goes, and deletes the app', async () => {
    const first = await rollOut(true);
    expect((await envSecret()).metadata?.labels?.['kli8nt.io/deployment']).toBe(
      first,
    );
    // No secret env left: the adapter deletes the Secret by name.
    const second = await rollOut(false);
    await waitFor('the env Secret removed', gone(envSecret));
    // Back, then the app deleted: the reconciler reads it and deletes it.
    const third = await rollOut(true);
    expect((await envSecret()).metadata?.labels?.['kli8nt.io/deployment']).toBe(
      third,
    );

    await bus.send(
      createMessage('DeleteRequested', {
        deploymentId: randomUUID(),
        occurredAt: nextTime(),
        payload: {
          app: 'shop',
          cluster: names.cluster,
          sequence: nextSequence(),
        },
      }),
    );
    await waitFor(
      'the Deployment removed',
      gone(() =>
        apps.readNamespacedDeployment({ namespace: ns, name: 'shop' }),
      ),
    );
    expect((await readApp('shop')).spec.deleted).toBe(true);
    await waitFor('the env Secret removed with the app', gone(envSecret));
    for (const id of [first, second, third]) {
      expect(bus.statusesOf(id)).toEqual(['deploying', 'live']);
    }
    expect(bus.deadLetters).toEqual([]);
  });
});
