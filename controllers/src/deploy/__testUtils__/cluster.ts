import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
} from '@kubernetes/client-node';
import {
  Kli8ntMessage,
  StatusReportMessage,
  deployQueueName,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  ConsumerHandle,
  DeadLetter,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import {
  applyObject,
  createLogger,
  isNotFound,
  Logger,
  PooledKubeConfig,
  queueLogger,
} from '../../runtime';
import { DeployQueueMessage, deployMessageParser } from '../adapter';
import type { DeployConfig } from '../config';
import type { ResourceList } from '../types';
import { DeployController, startDeployController } from '../controller';
import {
  clusterDiagnostics,
  waitFor as sharedWaitFor,
} from '@internal/testenv';
import { testenvGate } from '../../__testUtils__/testenvGate';

/** Gates the deploy integration suites on the test world (see testenvGate). */
export const {
  describeWithTestenv: describeWithCluster,
  requireTestenv: requireCluster,
} = testenvGate([
  'KUBECONFIG',
  'KLI8NT_TEST_AMQP_URL',
  'KLI8NT_TEST_KWOK_LOGS_DIR',
]);

export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * The shared wait of the test world; with a namespace, a timeout also shows
 * that namespace's pods and last events.
 */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000,
  namespace?: string,
): Promise<T> {
  return sharedWaitFor(what, probe, {
    timeoutMs,
    diagnose: namespace ? () => clusterDiagnostics(namespace) : undefined,
  });
}

export function testKubeConfig(): KubeConfig {
  // The controllers' pooled config, so the suites run what production runs.
  const kubeConfig = new PooledKubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

const CRD_FILES = [
  resolve(__dirname, '../../../../charts/kli8nt/crds/app.yaml'),
  resolve(__dirname, '../__fixtures__/httproute-crd.yaml'),
];

/** Applies the App CRD and the HTTPRoute stand-in, waits until served. */
export async function installCrds(kubeConfig: KubeConfig): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const crds = kubeConfig.makeApiClient(ApiextensionsV1Api);
  for (const file of CRD_FILES) {
    const crd = loadYaml<KubernetesObject>(readFileSync(file, 'utf8'));
    await applyObject(objects, crd, 'kli8nt-tests');
    await waitFor(`CRD ${crd.metadata?.name} established`, async () => {
      const live = await crds.readCustomResourceDefinition({
        name: crd.metadata!.name!,
      });
      return live.status?.conditions?.some(
        c => c.type === 'Established' && c.status === 'True',
      );
    });
  }
}

/** A namespace enforcing the restricted Pod Security profile. */
export async function createNamespace(
  kubeConfig: KubeConfig,
  name: string,
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
  });
}

export async function deleteNamespace(kubeConfig: KubeConfig, name: string) {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.deleteNamespace({ name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** The test's view of RabbitMQ: publishes deploy messages, collects reports. */
export class TestBus {
  readonly reports: StatusReportMessage[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private consumers: ConsumerHandle[] = [];

  private constructor(
    private readonly queue: AmqpWorkQueue<Kli8ntMessage>,
    readonly names: TestNames,
  ) {}

  static async create(names: TestNames): Promise<TestBus> {
    const queue = await AmqpWorkQueue.create<Kli8ntMessage>({
      config: rabbitConfig(names),
      parser: parseMessage,
      logger: queueLogger(createLogger({}, () => {})),
    });
    const bus = new TestBus(queue, names);
    bus.consumers.push(
      await queue.consume(names.informQueue, async message => {
        if (message.type === 'StatusReport') bus.reports.push(message);
      }),
      await queue.consumeDeadLetters(async letter => {
        bus.deadLetters.push(letter);
      }),
    );
    return bus;
  }

  async send(message: Kli8ntMessage): Promise<void> {
    await this.queue.publish(deployQueueName(this.names.cluster), message);
  }

  reportsFor(deploymentId: string): StatusReportMessage[] {
    return this.reports.filter(r => r.deploymentId === deploymentId);
  }

  statusesOf(deploymentId: string): string[] {
    return this.reportsFor(deploymentId).map(r => r.payload.status);
  }

  waitForStatus(
    deploymentId: string,
    status: string,
    timeoutMs = 60_000,
  ): Promise<StatusReportMessage> {
    return waitFor(
      `${status} for ${deploymentId} (got ${
        this.statusesOf(deploymentId).join(', ') || 'nothing'
      })`,
      () =>
        this.reportsFor(deploymentId).find(r => r.payload.status === status),
      timeoutMs,
      this.names.namespace,
    );
  }

  async close() {
    for (const consumer of this.consumers) await consumer.cancel();
    await this.queue.close();
  }
}

/** Names that keep one test file apart from every other on shared services. */
export interface TestNames {
  suffix: string;
  namespace: string;
  cluster: string;
  informQueue: string;
  exchange: string;
}

export function testNames(prefix: string): TestNames {
  const suffix = uniqueSuffix();
  return {
    suffix,
    namespace: `${prefix}-${suffix}`,
    cluster: `${prefix}-${suffix}`,
    informQueue: `inform.${prefix}.${suffix}`,
    exchange: `test.${prefix}.${suffix}`,
  };
}

export function rabbitConfig(names: TestNames): DeployConfig['amqp'] {
  return {
    url: process.env.KLI8NT_TEST_AMQP_URL!,
    exchange: names.exchange,
    deadLetterExchange: `${names.exchange}.dlx`,
    deadLetterQueue: `${names.exchange}.dlq`,
    deliveryLimit: 5,
    prefetch: 10,
    reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
  };
}

export const SEALING_KEY = randomBytes(32).toString('base64');

export function testConfig(
  names: TestNames,
  overrides: Partial<DeployConfig> = {},
): DeployConfig {
  return {
    cluster: names.cluster,
    resyncMs: 30_000,
    watchStaleMs: 60_000,
    workers: 2,
    amqp: rabbitConfig(names),
    informQueue: names.informQueue,
    namespace: names.namespace,
    appsDomain: 'apps.kli8nt.test',
    tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
    exposure: { mode: 'ingress', ingressClassName: 'nginx' },
    sealingKeys: [SEALING_KEY],
    // As the controller's defaults: no disk reserved (kwok nodes report
    // none), the limit enforced on the real node.
    defaultRequests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '0' },
    defaultLimits: {
      cpu: '500m',
      memory: '256Mi',
      'ephemeral-storage': '1Gi',
    },
    nodeSelector: {},
    tolerations: [],
    progressDeadlineSeconds: 120,
    releaseHistory: 10,
    pollMs: 1000,
    tombstoneRetentionMs: 86_400_000,
    ...overrides,
  };
}

/** `cpu=…,memory=…[,ephemeral-storage=…]`, as KLI8NT_DEPLOY_DEFAULT_* read it. */
function resourceList(list: ResourceList): string {
  return Object.entries(list)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

/** The environment the controller process reads for the same settings. */
export function testEnv(config: DeployConfig): Record<string, string> {
  const env: Record<string, string> = {
    KLI8NT_CLUSTER: config.cluster,
    KLI8NT_AMQP_URL: config.amqp.url,
    KLI8NT_AMQP_EXCHANGE: config.amqp.exchange,
    KLI8NT_AMQP_DEAD_LETTER_EXCHANGE: config.amqp.deadLetterExchange,
    KLI8NT_AMQP_DEAD_LETTER_QUEUE: config.amqp.deadLetterQueue,
    KLI8NT_INFORM_QUEUE: config.informQueue,
    KLI8NT_APPS_NAMESPACE: config.namespace,
    KLI8NT_APPS_DOMAIN: config.appsDomain,
    KLI8NT_TLS_MODE: config.tls.mode,
    KLI8NT_EXPOSURE: config.exposure.mode,
    KLI8NT_SEALING_KEYS: config.sealingKeys.join(','),
    KLI8NT_DEPLOY_DEFAULT_REQUESTS: resourceList(config.defaultRequests),
    KLI8NT_DEPLOY_DEFAULT_LIMITS: resourceList(config.defaultLimits),
    KLI8NT_DEPLOY_NODE_SELECTOR: Object.entries(config.nodeSelector)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    KLI8NT_DEPLOY_TOLERATIONS: config.tolerations
      .map(
        t =>
          `${t.key}${t.operator === 'Equal' ? `=${t.value}` : ''}${
            t.effect ? `:${t.effect}` : ''
          }`,
      )
      .join(','),
    KLI8NT_DEPLOY_PROGRESS_DEADLINE_SECONDS: String(
      config.progressDeadlineSeconds,
    ),
    KLI8NT_DEPLOY_POLL_SECONDS: String(Math.max(1, config.pollMs / 1000)),
    KLI8NT_DEPLOY_TOMBSTONE_RETENTION_SECONDS: String(
      config.tombstoneRetentionMs / 1000,
    ),
    KLI8NT_RESYNC_SECONDS: String(config.resyncMs / 1000),
  };
  if (config.tls.mode === 'cert-manager') {
    env.KLI8NT_TLS_CLUSTER_ISSUER = config.tls.clusterIssuer;
  }
  if (config.exposure.mode === 'ingress' && config.exposure.ingressClassName) {
    env.KLI8NT_INGRESS_CLASS = config.exposure.ingressClassName;
  }
  return env;
}

/** Silent, or appending to the file named by KLI8NT_DEPLOY_TEST_LOG. */
export function testLogger(): Logger {
  const file = process.env.KLI8NT_DEPLOY_TEST_LOG;
  return createLogger(
    {},
    file ? line => appendFileSync(file, `${line}\n`) : () => {},
  );
}

/**
 * Runs the deploy controller in this process against the testenv, as the
 * cluster admin unless `kubeConfig` names another identity.
 */
export async function startTestController(
  config: DeployConfig,
  logger: Logger = testLogger(),
  kubeConfig: KubeConfig = testKubeConfig(),
): Promise<{ controller: DeployController; stop(): Promise<void> }> {
  const messages = await AmqpWorkQueue.create<
    DeployQueueMessage | StatusReportMessage
  >({
    config: config.amqp,
    parser: deployMessageParser(config.cluster),
    logger: queueLogger(logger),
  });
  const controller = await startDeployController({
    config,
    kubeConfig,
    messages,
    logger,
  });
  return {
    controller,
    stop: async () => {
      await controller.stop();
      await messages.close();
    },
  };
}

/** What a deploy integration suite runs against, set up once per suite. */
export interface DeployWorld {
  bus: TestBus;
  running: Awaited<ReturnType<typeof startTestController>>;
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: CRDs installed, its own
 * namespace, its own queues and a running deploy controller; all torn down
 * afterwards. The returned object is filled in by `beforeAll`.
 */
export function useDeployWorld(
  names: TestNames,
  config: DeployConfig,
  kubeConfig: KubeConfig,
): DeployWorld {
  const world = {} as DeployWorld;
  beforeAll(async () => {
    requireCluster();
    await installCrds(kubeConfig);
    await createNamespace(kubeConfig, names.namespace);
    world.bus = await TestBus.create(names);
    world.running = await startTestController(config);
  });
  afterAll(async () => {
    await world.running?.stop();
    await world.bus?.close();
    await deleteNamespace(kubeConfig, names.namespace);
  });
  return world;
}
