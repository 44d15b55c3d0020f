import { randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  V1Pod,
} from '@kubernetes/client-node';
import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  ConsumedLogBusRecord,
  LogBusClient,
  LogBusSink,
  PlatformaticLogBusClient,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { createLogger } from '../runtime';
import { LogsController } from './controller';
import { createLogsMetrics, LogsMetrics } from './metrics';
import { KafkaResumeIndex } from './resumeIndex';
import { Shard, shardOf } from './shard';
import {
  eventually,
  metricValue,
  topicRecords,
  topicSettings,
} from './__testUtils__/fakes';
import {
  describeWithTestenv,
  requireTestenv,
  restartKafka,
} from './__testUtils__/testenv';

/*
 * The log controller against the real thing: pods on kwok nodes whose
 * container logs kwok serves from files (its `Logs` resources), read through
 * the real kube-apiserver's pods/{name}/log proxy, produced to the real
 * Kafka. The test writes CRI-format lines into those files.
 */

jest.setTimeout(300_000);

const suffix = () =>
  `${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;

interface Harness {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  logsDir: string;
}

/** Timestamps `n` lines from `start`, three lines per timestamp, as the container runtime would. */
class Clock {
  private ms = Date.now() - 60_000;
  private n = 0;
  next(): string {
    this.n++;
    if (this.n % 3 === 0) this.ms += 7;
    const iso = new Date(this.ms).toISOString();
    return `${iso.slice(0, 23)}123456Z`;
  }
}

class FakeContainer {
  readonly expected: string[] = [];
  private readonly clock = new Clock();
  constructor(readonly file: string) {}

  async write(count: number, label: string) {
    let chunk = '';
    for (let i = 0; i < count; i++) {
      // Repeated contents within a timestamp: the hard case for resuming.
      const text =
        i % 5 === 4 ? `${label} repeat` : `${label} ${this.expected.length}`;
      const stream = i % 7 === 0 ? 'stderr' : 'stdout';
      chunk += `${this.clock.next()} ${stream} F ${text}\n`;
      this.expected.push(text);
    }
    await appendFile(this.file, chunk);
  }
}

async function createPod(
  h: Harness,
  options: {
    name: string;
    app: string;
    role: 'build' | 'runtime';
    init?: string[];
    containers: string[];
    deploymentId: string;
  },
): Promise<Map<string, FakeContainer>> {
  const files = new Map<string, FakeContainer>();
  const logs = [];
  for (const c of [...(options.init ?? []), ...options.containers]) {
    const file = join(h.logsDir, `${h.namespace}-${options.name}-${c}.log`);
    await writeFile(file, '');
    files.set(c, new FakeContainer(file));
    logs.push({ containers: [c], logsFile: file, follow: true });
  }
  await h.custom.createNamespacedCustomObject({
    group: 'kwok.x-k8s.io',
    version: 'v1alpha1',
    namespace: h.namespace,
    plural: 'logs',
    body: {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: options.name, namespace: h.namespace },
      spec: { logs },
    },
  });
  return files;
}

async function startPod(
  h: Harness,
  options: Parameters<typeof createPod>[1],
): Promise<string> {
  const pod: V1Pod = {
    metadata: {
      name: options.name,
      namespace: h.namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'kli8nt',
        'kli8nt.io/app': options.app,
        'kli8nt.io/role': options.role,
        'kli8nt.io/deployment': options.deploymentId,
      },
    },
    spec: {
      nodeSelector: { type: 'kwok' },
      tolerations: [{ operator: 'Exists' }],
      initContainers: (options.init ?? []).map(name => ({
        name,
        image: 'tool',
      })),
      containers: options.containers.map(name => ({ name, image: 'app' })),
    },
  };
  const created = await h.core.createNamespacedPod({
    namespace: h.namespace,
    body: pod,
  });
  // The UID, which decides the replica that follows the pod.
  return created.metadata!.uid!;
}

describeWithTestenv(
  'log controller (kwok logs through kube-apiserver, real Kafka)',
  () => {
    const h = {} as Harness;
    const clients: LogBusClient[] = [];
    const running: Array<{ stop(): Promise<void> }> = [];
    const logger = createLogger({ test: 'logs' }, () => {});

    const newClient = () => {
      const client = new PlatformaticLogBusClient({
        brokers: process.env.KLI8NT_TEST_KAFKA_BROKERS!.split(','),
        clientId: 'kli8nt-logs-test',
      });
      clients.push(client);
      return client;
    };

    async function startController(shard: Shard = { index: 0, count: 1 }) {
      const client = newClient();
      const sink = new LogBusSink({
        client,
        topic: topicSettings,
        batchSize: 200,
        lingerMs: 20,
      });
      const metrics = createLogsMetrics();
      const controller = new LogsController({
        kubeConfig: h.kubeConfig,
        namespaces: [h.namespace],
        shard,
        sink,
        resume: new KafkaResumeIndex({
          client,
          topicSettings,
          lookbackMs: 15 * 60_000,
        }),
        metrics,
        logger,
        limits: {
          totalBytes: 8 * 1024 * 1024,
          perContainerBytes: 256 * 1024,
          stallMs: 10_000,
        },
        maxLineBytes: 16 * 1024,
        maxBatchEntries: 500,
        refreshAfterMs: 20_000,
        resyncMs: 30_000,
        watchStaleMs: 60_000,
        workers: 2,
        backoff: { baseMs: 200, maxMs: 2_000, jitter: 0.2 },
      });
      await controller.start();
      const handle = {
        controller,
        metrics,
        stop: async () => {
          await controller.stop();
          await sink.close();
          await client.close();
        },
      };
      running.push(handle);
      return handle as typeof handle & { metrics: LogsMetrics };
    }

    const reader = () => newClient();

    async function shippedByContainer(
      app: string,
    ): Promise<Map<string, ConsumedLogBusRecord[]>> {
      const records = await topicRecords(reader(), logTopicName(app)).catch(
        () => [],
      );
      const out = new Map<string, ConsumedLogBusRecord[]>();
      for (const r of records.sort(
        (a, b) =>
          a.partition - b.partition ||
          Number(BigInt(a.offset) - BigInt(b.offset)),
      )) {
        const key = `${r.headers.pod}/${r.headers.container}`;
        out.set(key, [...(out.get(key) ?? []), r]);
      }
      return out;
    }

    async function expectExactly(app: string, expected: Map<string, string[]>) {
      await eventually(async () => {
        const shipped = await shippedByContainer(app);
        const actual = new Map(
          [...shipped].map(([k, rs]) => [k, rs.map(r => r.value)]),
        );
        expect(Object.fromEntries(actual)).toEqual(
          Object.fromEntries(expected),
        );
      }, 90_000);
    }

    beforeAll(async () => {
      requireTestenv();
      h.kubeConfig = new KubeConfig();
      h.kubeConfig.loadFromDefault();
      h.core = h.kubeConfig.makeApiClient(CoreV1Api);
      h.custom = h.kubeConfig.makeApiClient(CustomObjectsApi);
      h.namespace = `logs-it-${suffix()}`;
      h.logsDir = process.env.KLI8NT_TEST_KWOK_LOGS_DIR!;
      await h.core.createNamespace({
        body: { metadata: { name: h.namespace } },
      });
    });

    afterEach(async () => {
      await Promise.all(running.splice(0).map(r => r.stop()));
    });

    afterAll(async () => {
      await Promise.all(clients.map(c => c.close().catch(() => undefined)));
      await h.core
        ?.deleteNamespace({ name: h.namespace })
        .catch(() => undefined);
    });

    it('ships runtime and build (init container) lines once, in order, with the headers', async () => {
      const app = `logs-a-${suffix()}`;
      const deploymentId = '6f1c2a3e-0000-4000-8000-00000000000a';
      const web = await createPod(h, {
        name: 'web-1',
        app,
        role: 'runtime',
        containers: ['web', 'sidecar'],
        deploymentId,
      });
      const build = await createPod(h, {
        name: 'build-1',
        app,
        role: 'build',
        init: ['clone', 'detect'],
        containers: ['kaniko'],
        deploymentId,
      });
      await web.get('web')!.write(40, 'web');
      await web.get('sidecar')!.write(5, 'side');
      await build.get('clone')!.write(10, 'clone');
      await build.get('detect')!.write(3, '\u001b[32mdetect\u001b[0m');
      await build.get('kaniko')!.write(20, 'kaniko');
      // kwok must see the Logs resources before the first pods/log request.
      await new Promise(resolve => setTimeout(resolve, 1_500));
      await startPod(h, {
        name: 'web-1',
        app,
        role: 'runtime',
        containers: ['web', 'sidecar'],
        deploymentId,
      });
      await startPod(h, {
        name: 'build-1',
        app,
        role: 'build',
        init: ['clone', 'detect'],
        containers: ['kaniko'],
        deploymentId,
      });
      const { metrics } = await startController();
      await web.get('web')!.write(40, 'web');
      await build.get('kaniko')!.write(20, 'kaniko');

      const expected = new Map<string, string[]>();
      for (const [c, f] of web) expected.set(`web-1/${c}`, f.expected);
      for (const [c, f] of build) expected.set(`build-1/${c}`, f.expected);
      await expectExactly(app, expected);

      const shipped = await shippedByContainer(app);
      const first = shipped.get('build-1/clone')![0];
      expect(first.key).toBe('build-1/clone');
      expect(first.headers).toMatchObject({
        deploymentId,
        source: 'build',
        pod: 'build-1',
        container: 'clone',
      });
      expect(first.headers.timestamp).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
      );
      expect(shipped.get('web-1/web')![0].headers.source).toBe('runtime');
      expect(shipped.get('build-1/detect')![0].value).toContain('\u001b[32m');
      for (const records of shipped.values()) {
        const stamps = records.map(r => r.headers.timestamp);
        expect([...stamps].sort()).toEqual(stamps);
      }
      expect(
        await metricValue(metrics.linesShipped, { source: 'runtime' }),
      ).toBe(85);
      expect(await metricValue(metrics.linesShipped, { source: 'build' })).toBe(
        53,
      );
    });

    it('loses and duplicates nothing when Kafka restarts mid-stream', async () => {
      const app = `logs-k-${suffix()}`;
      const deploymentId = '6f1c2a3e-0000-4000-8000-00000000000b';
      const files = await createPod(h, {
        name: 'web-k',
        app,
        role: 'runtime',
        containers: ['web'],
        deploymentId,
      });
      const web = files.get('web')!;
      await web.write(30, 'before');
      await new Promise(resolve => setTimeout(resolve, 1_500));
      await startPod(h, {
        name: 'web-k',
        app,
        role: 'runtime',
        containers: ['web'],
        deploymentId,
      });
      await startController();
      await expectExactly(app, new Map([['web-k/web', web.expected]]));

      let writing = true;
      const writer = (async () => {
        while (writing) {
          await web.write(10, 'during');
          await new Promise(resolve => setTimeout(resolve, 100));
        }
      })();
      await restartKafka();
      await new Promise(resolve => setTimeout(resolve, 1_000));
      writing = false;
      await writer;
      await web.write(30, 'after');
      await expectExactly(app, new Map([['web-k/web', web.expected]]));
      // Lines were written while the broker was away.
      expect(web.expected.some(t => t.startsWith('during'))).toBe(true);
    });

    it('resumes without duplicates after the controller restarts', async () => {
      const app = `logs-r-${suffix()}`;
      const deploymentId = '6f1c2a3e-0000-4000-8000-00000000000c';
      const files = await createPod(h, {
        name: 'web-r',
        app,
        role: 'runtime',
        containers: ['web'],
        deploymentId,
      });
      const web = files.get('web')!;
      await web.write(50, 'first');
      await new Promise(resolve => setTimeout(resolve, 1_500));
      await startPod(h, {
        name: 'web-r',
        app,
        role: 'runtime',
        containers: ['web'],
        deploymentId,
      });
      const first = await startController();
      await expectExactly(app, new Map([['web-r/web', web.expected]]));
      await first.stop();
      running.splice(running.indexOf(first), 1);

      await web.write(50, 'while down');
      const second = await startController();
      await web.write(50, 'second');
      await expectExactly(app, new Map([['web-r/web', web.expected]]));
      expect(
        await metricValue(second.metrics.duplicatesDropped),
      ).toBeGreaterThan(0);
    });

    it('two replicas ship each line once', async () => {
      const app = `logs-s-${suffix()}`;
      const deploymentId = '6f1c2a3e-0000-4000-8000-00000000000d';
      const files = new Map<string, FakeContainer>();
      const uids = new Map<string, string>();
      const pod = (name: string) => ({
        name,
        app,
        role: 'runtime' as const,
        containers: ['web'],
        deploymentId,
      });
      async function addPods(names: string[]) {
        for (const name of names) {
          const f = await createPod(h, pod(name));
          files.set(name, f.get('web')!);
          await f.get('web')!.write(20, name);
        }
        await new Promise(resolve => setTimeout(resolve, 1_500));
        for (const name of names) uids.set(name, await startPod(h, pod(name)));
      }
      const ownedBy = (index: number) =>
        [...uids]
          .filter(([, uid]) => shardOf(uid, 2) === index)
          .map(([name]) => `${h.namespace}/${name}`)
          .sort();
      await addPods(Array.from({ length: 6 }, (_, i) => `web-s${i}`));
      // The API server picks the UIDs at random, and six of them all fall on
      // one replica one time in 32: add pods until each replica owns one.
      while (ownedBy(0).length === 0 || ownedBy(1).length === 0) {
        await addPods([`web-s${uids.size}`]);
      }
      const a = await startController({ index: 0, count: 2 });
      const b = await startController({ index: 1, count: 2 });
      for (const [, f] of files) await f.write(20, 'more');
      await expectExactly(
        app,
        new Map([...files].map(([name, f]) => [`${name}/web`, f.expected])),
      );
      // Pods of earlier tests share the namespace.
      const ours = (keys: string[]) =>
        keys.filter(k => uids.has(k.split('/')[1])).sort();
      expect(ours(a.controller.followedPods())).toEqual(ownedBy(0));
      expect(ours(b.controller.followedPods())).toEqual(ownedBy(1));
    });
  },
);
