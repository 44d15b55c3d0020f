/*
 * The build role against a real kube-apiserver (with the Job controller and
 * kwok nodes) and a real RabbitMQ, from scripts/testenv. kwok completes Job
 * pods on its nodes without a termination message, so the test plays the
 * kubelet's last part and writes Kaniko's digest into the pod status; pods
 * that must fail or hang are kept off kwok nodes by a node selector and
 * driven the same way.
 */
import {
  buildObjectName,
  cloneSecretName,
  createMessage,
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  DeadLetter,
  Kli8ntLogger,
  RabbitMqConfig,
  WorkQueue as MessageQueue,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { clusterDiagnostics, waitFor } from '@internal/testenv';
import {
  ApiextensionsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  V1CustomResourceDefinition,
  V1Pod,
} from '@kubernetes/client-node';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildConfig } from '../config';
import { applyObject, createLogger } from '../runtime';
import { BuildController } from './controller';
import { desiredBuild, desiredJob } from './desired';
import { parseBuildQueueMessage } from './queueAdapter';
import { FaultPoint } from './reconciler';
import { reportMessageId } from '../runtime/reportIds';
import { buildRequested, jobConfig, TEST_SEALING_KEY } from './testFixtures';
import { BuildResource } from './types';

const kubeconfigPath = process.env.KUBECONFIG;
const amqpUrl = process.env.KLI8NT_TEST_AMQP_URL;
const registry = process.env.KLI8NT_TEST_REGISTRY ?? '127.0.0.1:25000';
if (
  process.env.KLI8NT_TESTENV === 'required' &&
  (!kubeconfigPath || !amqpUrl)
) {
  throw new Error(
    'KLI8NT_TESTENV=required but KUBECONFIG or KLI8NT_TEST_AMQP_URL is not set; eval "$(scripts/testenv/testenv env)"',
  );
}
const describeIntegration =
  kubeconfigPath && amqpUrl ? describe : describe.skip;

jest.setTimeout(120_000);

const suffix = randomBytes(4).toString('hex');
const namespace = `kli8nt-build-it-${suffix}`;
const cluster = `bt-${suffix}`;
/** INFORM is shared by every test run on the broker; ours is remapped. */
const informQueue = `inform.${cluster}`;
const deployQueue = `deploy.${cluster}`;
const buildQueue = `build.${cluster}`;
const UNSCHEDULABLE = { 'kli8nt.io/test-pool': 'nowhere' };

const amqpConfig: RabbitMqConfig = {
  url: amqpUrl ?? '',
  exchange: `kli8nt.it.${suffix}`,
  deadLetterExchange: `kli8nt.it.${suffix}.dlx`,
  deadLetterQueue: `kli8nt.it.${suffix}.dlq`,
  // High, so a controller that "crashes" on every delivery cannot
  // dead-letter a message before its successor starts.
  deliveryLimit: 50,
  prefetch: 10,
  reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
};

const silentLogger: Kli8ntLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
const logger = createLogger(
  {},
  process.env.KLI8NT_TEST_VERBOSE ? undefined : () => {},
);

function digestFor(deploymentId: string) {
  return `sha256:${deploymentId.replace(/-/g, '').padEnd(64, 'f')}`;
}

/** Waits; a timeout also shows the build namespace's pods and last events. */
function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  return waitFor(what, probe, {
    timeoutMs,
    diagnose: () => clusterDiagnostics(namespace),
  });
}

describeIntegration('build controller (testenv)', () => {
  const kubeConfig = new KubeConfig();
  let core: CoreV1Api;
  let batch: BatchV1Api;
  let custom: CustomObjectsApi;
  let objects: KubernetesObjectApi;
  let producer: AmqpWorkQueue<Kli8ntMessage>;
  let tap: AmqpWorkQueue<Kli8ntMessage>;
  const received: Array<{ queue: string; message: Kli8ntMessage }> = [];
  const deadLetters: DeadLetter[] = [];
  const running = new Set<{ stop(): Promise<void> }>();

  function config(overrides: Partial<BuildConfig> = {}): BuildConfig {
    return {
      ...jobConfig,
      registry: `${registry}/apps`,
      cacheRepo: `${registry}/kli8nt-cache`,
      insecureRegistry: true,
      clusters: [cluster],
      namespace,
      digestGraceMs: 30_000,
      sealingKeys: [TEST_SEALING_KEY],
      amqp: amqpConfig,
      ...overrides,
    };
  }

  /** Starts a controller instance; `killAt` makes it die at that fault point. */
  async function startController(
    options: { overrides?: Partial<BuildConfig>; killAt?: FaultPoint } = {},
  ) {
    const amqp = await AmqpWorkQueue.create({
      config: amqpConfig,
      parser: parseBuildQueueMessage,
      logger: silentLogger,
    });
    // Same broker, confirms and queues; only INFORM gets a per-run name.
    const queue: MessageQueue<Kli8ntMessage> = {
      publish: (name, message) =>
        amqp.publish(name === INFORM_QUEUE ? informQueue : name, message),
      consume: (name, handler, opts) => amqp.consume(name, handler, opts),
      consumerCount: name => amqp.consumerCount(name),
      consumeDeadLetters: handler => amqp.consumeDeadLetters(handler),
      close: () => amqp.close(),
    };
    let dead = false;
    let stopping: Promise<void> | undefined;
    const instance: {
      killed: boolean;
      controller?: BuildController;
      stop(): Promise<void>;
    } = {
      killed: false,
      stop: () => {
        stopping ??= (instance.controller?.stop() ?? Promise.resolve()).then(
          () => amqp.close(),
        );
        running.delete(instance);
        return stopping;
      },
    };
    instance.controller = new BuildController({
      kubeConfig,
      config: config(options.overrides),
      shared: { resyncMs: 5_000, watchStaleMs: 60_000, workers: 2 },
      queue,
      logger,
      faults: (point, context) => {
        // Once "killed", the instance does nothing past any fault point. A
        // kill after publishing waits for the built report.
        const kill =
          point === options.killAt &&
          (point !== 'afterPublish' || context?.phase === 'Succeeded');
        if (dead || kill) {
          dead = true;
          instance.killed = true;
          void instance.stop();
          throw new Error(`simulated crash at ${point}`);
        }
      },
    });
    running.add(instance);
    await instance.controller.start();
    return instance;
  }

  beforeAll(async () => {
    kubeConfig.loadFromFile(kubeconfigPath!);
    core = kubeConfig.makeApiClient(CoreV1Api);
    batch = kubeConfig.makeApiClient(BatchV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const apiext = kubeConfig.makeApiClient(ApiextensionsV1Api);

    const crd = loadYaml<V1CustomResourceDefinition>(
      readFileSync(
        join(__dirname, '../../../charts/kli8nt/crds/build.yaml'),
        'utf8',
      ),
    );
    await applyObject(objects, crd);
    await eventually('the Build CRD', async () => {
      const current = await apiext.readCustomResourceDefinition({
        name: crd.metadata!.name!,
      });
      return current.status?.conditions?.some(
        c => c.type === 'Established' && c.status === 'True',
      );
    });
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'kli8nt-registry' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({ auths: { [registry]: {} } }),
        },
      },
    });

    producer = await AmqpWorkQueue.create({
      config: amqpConfig,
      parser: parseMessage,
      logger: silentLogger,
    });
    tap = await AmqpWorkQueue.create({
      config: amqpConfig,
      parser: parseMessage,
      logger: silentLogger,
    });
    for (const queue of [informQueue, deployQueue]) {
      await tap.consume(queue, async message => {
        received.push({ queue, message });
      });
    }
    await tap.consumeDeadLetters(async letter => {
      deadLetters.push(letter);
    });
  });

  afterEach(async () => {
    await Promise.all([...running].map(r => r.stop()));
  });

  afterAll(async () => {
    await tap?.close();
    await producer?.close();
    await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  function request(overrides: { cloneToken?: string } = {}) {
    const deploymentId = randomUUID();
    const base = buildRequested({ ...overrides, deploymentId });
    return createMessage('BuildRequested', {
      deploymentId,
      payload: { ...base.payload, cluster },
    });
  }

  async function getBuild(deploymentId: string) {
    return (await custom.getNamespacedCustomObject({
      group: 'kli8nt.io',
      version: 'v1alpha1',
      plural: 'builds',
      namespace,
      name: buildObjectName(deploymentId),
    })) as BuildResource;
  }

  async function jobPod(deploymentId: string): Promise<V1Pod | undefined> {
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${buildObjectName(
        deploymentId,
      )}`,
    });
    return pods.items[0];
  }

  /** Plays the kubelet: the pod's final status, as it would write it. */
  async function finishPod(
    deploymentId: string,
    outcome: {
      phase: 'Succeeded' | 'Failed';
      kaniko: { exitCode: number; message: string };
    },
    waitForKwok: boolean,
  ) {
    await eventually('the build pod to finish', async () => {
      const pod = await jobPod(deploymentId);
      if (!pod) return false;
      if (waitForKwok && pod.status?.phase !== 'Succeeded') return false;
      const now = new Date();
      const terminated = (exitCode: number, message?: string) => ({
        terminated: {
          exitCode,
          reason: exitCode === 0 ? 'Completed' : 'Error',
          message,
          startedAt: now,
          finishedAt: now,
        },
      });
      const status = (name: string, image: string, state: object) => ({
        name,
        image,
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state,
      });
      const spec = pod.spec!;
      pod.status = {
        ...pod.status,
        phase: outcome.phase,
        initContainerStatuses: (spec.initContainers ?? []).map(c =>
          status(c.name, c.image!, terminated(0)),
        ),
        containerStatuses: [
          status(
            'kaniko',
            spec.containers[0].image!,
            terminated(outcome.kaniko.exitCode, outcome.kaniko.message),
          ),
        ],
      };
      await core.replaceNamespacedPodStatus({
        name: pod.metadata!.name!,
        namespace,
        body: pod,
      });
      return true;
    });
  }

  function messagesFor(deploymentId: string) {
    return received.filter(r => r.message.deploymentId === deploymentId);
  }

  function statusesFor(deploymentId: string) {
    return messagesFor(deploymentId).flatMap(r =>
      r.message.type === 'StatusReport' ? [r.message.payload.status] : [],
    );
  }

  /** Watches the Jobs of a build, to prove no second one is ever created. */
  function recordJobUids(deploymentId: string) {
    const uids = new Set<string>();
    let active = true;
    const loop = (async () => {
      while (active) {
        const job = await batch
          .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
          .catch(() => undefined);
        if (job?.metadata?.uid) uids.add(job.metadata.uid);
        await new Promise(resolve => setTimeout(resolve, 100));
      }
    })();
    return {
      uids,
      stop: async () => {
        active = false;
        await loop;
      },
    };
  }

  it('builds a BuildRequested into a Job and reports built to INFORM only', async () => {
    await startController();
    const message = request({ cloneToken: 'ghs_integration_token' });
    const { deploymentId } = message;
    await producer.publish(buildQueue, message);

    const build = await eventually('the Build', () => getBuild(deploymentId));
    expect(build.spec).toEqual(desiredBuild(message, namespace).spec);
    expect(JSON.stringify(build)).not.toContain('ghs_integration_token');
    const secret = await core.readNamespacedSecret({
      name: cloneSecretName(deploymentId),
      namespace,
    });
    expect(
      Buffer.from(secret.data!['http-extraheader'], 'base64').toString(),
    ).toBe(
      `Authorization: Basic ${Buffer.from(
        'x-access-token:ghs_integration_token',
      ).toString('base64')}`,
    );

    const job = await eventually('the Job', () =>
      batch
        .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
        .catch(() => undefined),
    );
    const expected = desiredJob(build, config(), new Date());
    expect(job.metadata).toMatchObject(expected.metadata!);
    const { activeDeadlineSeconds, ...expectedSpec } = expected.spec!;
    expect(job.spec).toMatchObject(expectedSpec);
    // Counted from the Build's creation (whole seconds), so at most the
    // configured deadline and only a little less.
    expect(job.spec!.activeDeadlineSeconds).toBeLessThanOrEqual(
      config().deadlineSeconds,
    );
    expect(job.spec!.activeDeadlineSeconds).toBeGreaterThan(
      activeDeadlineSeconds! - 30,
    );
    // The token Secret now goes away with the Job.
    await eventually('the clone Secret owned by the Job', async () => {
      const s = await core.readNamespacedSecret({
        name: cloneSecretName(deploymentId),
        namespace,
      });
      return s.metadata?.ownerReferences?.some(
        o => o.kind === 'Job' && o.uid === job.metadata!.uid,
      );
    });

    const pod = await eventually('the pod on a kwok node', async () => {
      const p = await jobPod(deploymentId);
      return p?.spec?.nodeName?.startsWith('kwok-') ? p : undefined;
    });
    expect(pod.spec!.automountServiceAccountToken).toBe(false);

    const digest = digestFor(deploymentId);
    await finishPod(
      deploymentId,
      { phase: 'Succeeded', kaniko: { exitCode: 0, message: digest } },
      true,
    );

    const built = await eventually('the built report', async () =>
      messagesFor(deploymentId).find(
        r =>
          r.message.type === 'StatusReport' &&
          r.message.payload.status === 'built',
      ),
    );
    expect(built.queue).toBe(informQueue);
    // Keyed by the Build's own random key, stored before its first report.
    const { reportKey } = (await getBuild(deploymentId)).status!;
    expect(reportKey).toMatch(/^[\w-]{43}$/);
    expect(built.message).toMatchObject({
      messageId: reportMessageId(reportKey!, 'build', deploymentId, 'built'),
      payload: {
        app: 'shop',
        cluster,
        image: `${registry}/apps/shop@${digest}`,
        imageDigest: digest,
        source: 'build',
      },
    });
    // The portal decides the rollout: nothing goes to a deploy queue.
    expect(messagesFor(deploymentId).map(r => r.queue)).not.toContain(
      deployQueue,
    );
    expect(statusesFor(deploymentId)).toEqual(['building', 'built']);

    const done = await eventually('the Build to be reported', async () => {
      const b = await getBuild(deploymentId);
      return b.status?.conditions?.some(
        c => c.type === 'Reported' && c.reason === 'Succeeded',
      )
        ? b
        : undefined;
    });
    expect(done.status).toMatchObject({
      phase: 'Succeeded',
      imageDigest: digest,
      image: `${registry}/apps/shop@${digest}`,
      jobName: buildObjectName(deploymentId),
    });
    // Each transition is an Event on the Build (what kubectl describe shows).
    const events = await eventually('the Succeeded event', async () => {
      const list = await core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.name=${done.metadata.name},involvedObject.kind=Build`,
      });
      return list.items.some(e => e.reason === 'Succeeded')
        ? list.items
        : undefined;
    });
    expect(events.map(e => [e.type, e.reason, e.count])).toEqual(
      expect.arrayContaining([
        // The kwok pod goes from pending straight to succeeded.
        ['Normal', 'Started', 1],
        ['Normal', 'Succeeded', 1],
      ]),
    );
    expect(events.find(e => e.reason === 'Succeeded')).toMatchObject({
      message: `Pushed ${digest}`,
      involvedObject: {
        uid: done.metadata.uid,
        apiVersion: 'kli8nt.io/v1alpha1',
      },
      source: { component: 'kli8nt-build' },
    });
    await eventually('the Job to be deleted', async () => {
      const j = await batch
        .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
        .catch(() => undefined);
      return !j || Boolean(j.metadata?.deletionTimestamp);
    });
    await eventually('the clone Secret to be gone', async () =>
      core
        .readNamespacedSecret({
          name: cloneSecretName(deploymentId),
          namespace,
        })
        .then(
          s => Boolean(s.metadata?.deletionTimestamp),
          () => true,
        ),
    );
  });

  it('dead-letters invalid and misrouted messages with their reason', async () => {
    await startController();
    const invalid = JSON.parse(JSON.stringify(request()));
    invalid.payload.revision = 'main';
    await producer.publish(buildQueue, invalid);
    const report = createMessage('StatusReport', {
      deploymentId: randomUUID(),
      payload: { app: 'shop', cluster, status: 'building', source: 'build' },
    });
    await producer.publish(buildQueue, report);

    const letters = await eventually('two dead letters', async () => {
      const mine = deadLetters.filter(
        l =>
          l.messageId === invalid.messageId || l.messageId === report.messageId,
      );
      return mine.length === 2 ? mine : undefined;
    });
    const byId = new Map(letters.map(l => [l.messageId, l]));
    expect(byId.get(invalid.messageId)).toMatchObject({ queue: buildQueue });
    expect(byId.get(invalid.messageId)!.reason).toMatch(
      /^invalid message: .*payload\.revision/,
    );
    expect(byId.get(report.messageId)!.reason).toBe(
      'invalid message: type: StatusReport does not belong on a build queue',
    );
    await expect(getBuild(invalid.deploymentId)).rejects.toMatchObject({
      code: 404,
    });
  });

  it('reports a failed build with the reason and the last log lines', async () => {
    await startController({ overrides: { nodeSelector: UNSCHEDULABLE } });
    const message = request();
    const { deploymentId } = message;
    await producer.publish(buildQueue, message);
    await eventually('the Job', () =>
      batch
        .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
        .catch(() => undefined),
    );
    await finishPod(
      deploymentId,
      {
        phase: 'Failed',
        kaniko: {
          exitCode: 1,
          message:
            'INFO[0001] RUN npm run build\n\u001b[31mnpm ERR! Missing script: "build"\u001b[0m\nerror building image: exit status 1',
        },
      },
      false,
    );
    const failed = await eventually('the failed report', async () =>
      messagesFor(deploymentId).find(
        r =>
          r.message.type === 'StatusReport' &&
          r.message.payload.status === 'failed',
      ),
    );
    expect(failed.message.payload).toMatchObject({
      status: 'failed',
      reason: 'BuildFailed',
      source: 'build',
      message:
        'kaniko exited with code 1 (Error):\nINFO[0001] RUN npm run build\nnpm ERR! Missing script: "build"\nerror building image: exit status 1',
    });
    expect(statusesFor(deploymentId)).not.toContain('built');
    const build = await getBuild(deploymentId);
    expect(build.status).toMatchObject({
      phase: 'Failed',
      reason: 'BuildFailed',
    });
  });

  it('reports a build past its deadline as failed', async () => {
    await startController({
      overrides: { nodeSelector: UNSCHEDULABLE, deadlineSeconds: 3 },
    });
    const message = request();
    await producer.publish(buildQueue, message);
    const failed = await eventually('the failed report', async () =>
      messagesFor(message.deploymentId).find(
        r =>
          r.message.type === 'StatusReport' &&
          r.message.payload.status === 'failed',
      ),
    );
    expect(failed.message.payload).toMatchObject({
      reason: 'DeadlineExceeded',
    });
  });

  it('cancels a running build: deletes the Job and reports cancelled', async () => {
    await startController({ overrides: { nodeSelector: UNSCHEDULABLE } });
    const message = request();
    const { deploymentId } = message;
    await producer.publish(buildQueue, message);
    await eventually('building', async () =>
      statusesFor(deploymentId).includes('building'),
    );
    await producer.publish(
      buildQueue,
      createMessage('CancelRequested', {
        deploymentId,
        payload: { app: 'shop', cluster },
      }),
    );
    await eventually('the cancelled report', async () =>
      statusesFor(deploymentId).includes('cancelled'),
    );
    await eventually('the Job to be deleted', async () => {
      const j = await batch
        .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
        .catch(() => undefined);
      return !j || Boolean(j.metadata?.deletionTimestamp);
    });
    // Background propagation: the garbage collector takes the pod with it.
    await eventually('the build pod to be gone', async () => {
      const pod = await jobPod(deploymentId);
      return !pod || Boolean(pod.metadata?.deletionTimestamp);
    });
    const build = await getBuild(deploymentId);
    expect(build.spec.cancelled).toBe(true);
    expect(build.status).toMatchObject({ phase: 'Cancelled' });
    expect(statusesFor(deploymentId)).toEqual(['building', 'cancelled']);
  });

  it('keeps a cancel that overtook its build request: the build never starts', async () => {
    await startController();
    const message = request({ cloneToken: 'ghs_overtaken' });
    const { deploymentId } = message;
    await producer.publish(
      buildQueue,
      createMessage('CancelRequested', {
        deploymentId,
        payload: { app: 'shop', cluster },
      }),
    );
    await eventually('the cancelled report', async () =>
      statusesFor(deploymentId).includes('cancelled'),
    );
    await producer.publish(buildQueue, message);
    // The request is consumed (and dropped) behind a later marker message.
    const marker = request();
    await producer.publish(buildQueue, marker);
    await eventually('the marker build', () => getBuild(marker.deploymentId));
    const build = await getBuild(deploymentId);
    expect(build.spec.cancelled).toBe(true);
    expect(build.status).toMatchObject({ phase: 'Cancelled' });
    expect(
      await batch
        .readNamespacedJob({ name: buildObjectName(deploymentId), namespace })
        .catch(() => undefined),
    ).toBeUndefined();
    await expect(
      core.readNamespacedSecret({
        name: cloneSecretName(deploymentId),
        namespace,
      }),
    ).rejects.toThrow();
    expect(statusesFor(deploymentId)).toEqual(['cancelled']);
  });

  it.each<FaultPoint>(['afterApply', 'afterJobCreate', 'afterPublish'])(
    'survives a crash %s: one Job, one built report',
    async point => {
      const first = await startController({ killAt: point });
      const message = request({ cloneToken: 'ghs_crash' });
      const { deploymentId } = message;
      const jobs = recordJobUids(deploymentId);
      const digest = digestFor(deploymentId);
      await producer.publish(buildQueue, message);

      if (point === 'afterPublish') {
        // The first instance gets as far as publishing before it dies.
        await finishPod(
          deploymentId,
          { phase: 'Succeeded', kaniko: { exitCode: 0, message: digest } },
          true,
        );
      }
      await eventually(`the crash ${point}`, async () => first.killed);
      await first.stop();

      await startController();
      if (point !== 'afterPublish') {
        await finishPod(
          deploymentId,
          { phase: 'Succeeded', kaniko: { exitCode: 0, message: digest } },
          true,
        );
      }
      await eventually('the Build to be reported', async () => {
        const b = await getBuild(deploymentId);
        return b.status?.conditions?.some(
          c => c.type === 'Reported' && c.reason === 'Succeeded',
        );
      });
      await jobs.stop();

      expect(jobs.uids.size).toBe(1);
      // Killed after publishing, the successor publishes the same message
      // again (it cannot know the first got out); consumers de-duplicate it
      // by its id, keyed with the report key the first one stored.
      const builtReports = () =>
        messagesFor(deploymentId).filter(
          r =>
            r.message.type === 'StatusReport' &&
            r.message.payload.status === 'built',
        );
      await eventually(
        'all built deliveries',
        async () =>
          builtReports().length === (point === 'afterPublish' ? 2 : 1),
      );
      const built = builtReports();
      expect(built.length).toBe(point === 'afterPublish' ? 2 : 1);
      const { reportKey } = (await getBuild(deploymentId)).status!;
      expect(new Set(built.map(r => r.message.messageId))).toEqual(
        new Set([reportMessageId(reportKey!, 'build', deploymentId, 'built')]),
      );
      expect(new Set(statusesFor(deploymentId))).toEqual(
        new Set(['building', 'built']),
      );
      expect(
        (built[0].message as { payload: { imageDigest: string } }).payload
          .imageDigest,
      ).toBe(digest);
    },
  );
});
