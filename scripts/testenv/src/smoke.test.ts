/*
 * Proves that every service of `testenv up` is the real thing: each test
 * does what Kli8nt's own integration tests will rely on, end to end.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { readTestEnv, TestEnv } from './index';

const env = readTestEnv();
const describeWithEnv = env ? describe : describe.skip;
const suffix = randomBytes(4).toString('hex');

jest.setTimeout(180_000);

describeWithEnv('testenv smoke', () => {
  const te = env as TestEnv;

  describe('postgres', () => {
    it('runs queries on PostgreSQL 15', async () => {
      const client = new Client({ connectionString: te.pgUrl });
      await client.connect();
      try {
        const version = await client.query('SHOW server_version');
        expect(version.rows[0].server_version).toMatch(/^15\./);
        await client.query('CREATE TEMP TABLE smoke (n int)');
        await client.query('INSERT INTO smoke VALUES (1), (2), (3)');
        const sum = await client.query('SELECT sum(n)::int AS s FROM smoke');
        expect(sum.rows[0].s).toBe(6);
      } finally {
        await client.end();
      }
    });
  });

  describe('rabbitmq', () => {
    it('round-trips a confirmed message through a quorum queue', async () => {
      const queue = `testenv-smoke-${suffix}`;
      const conn = await amqp.connect(te.amqpUrl);
      try {
        const ch = await conn.createConfirmChannel();
        await ch.assertQueue(queue, {
          durable: true,
          arguments: { 'x-queue-type': 'quorum' },
        });
        const body = Buffer.from(`hello ${suffix}`);
        await new Promise<void>((resolve, reject) =>
          ch.sendToQueue(queue, body, { persistent: true }, err =>
            err ? reject(err) : resolve(),
          ),
        );
        const msg = await waitFor(
          async () => (await ch.get(queue)) || undefined,
        );
        expect(msg.content.toString()).toBe(body.toString());
        ch.ack(msg);

        // A quorum queue refuses to be re-declared as classic: proof that
        // the broker really made a quorum queue (they need Raft + feature
        // flags, which a misconfigured node lacks).
        const probe = await conn.createChannel();
        probe.on('error', () => {});
        await expect(
          probe.assertQueue(queue, {
            durable: true,
            arguments: { 'x-queue-type': 'classic' },
          }),
        ).rejects.toThrow(/PRECONDITION_FAILED/);

        await ch.deleteQueue(queue);
        await ch.close();
      } finally {
        await conn.close();
      }
    });
  });

  describe('kafka', () => {
    it('creates a topic, produces to it and consumes from it', async () => {
      const topic = `testenv-smoke-${suffix}`;
      const kafka = new Kafka({
        clientId: 'testenv-smoke',
        brokers: te.kafkaBrokers,
        // The first consumer group logs "coordinator not available" while
        // __consumer_offsets is created; failures surface as rejections.
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      const consumer = kafka.consumer({ groupId: `testenv-smoke-${suffix}` });
      await admin.connect();
      try {
        await expect(
          admin.createTopics({
            topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
            waitForLeaders: true,
          }),
        ).resolves.toBe(true);
        expect(await admin.listTopics()).toContain(topic);

        await producer.connect();
        const values = ['one', 'two', 'three'].map(v => `${v}-${suffix}`);
        await producer.send({
          topic,
          acks: -1,
          messages: values.map(value => ({ key: 'k', value })),
        });

        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const received: string[] = [];
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                received.push(message.value!.toString());
                if (received.length === values.length) resolve();
              },
            })
            .catch(reject);
        });
        expect(received).toEqual(values);
      } finally {
        await consumer.disconnect();
        await producer.disconnect();
        await admin.deleteTopics({ topics: [topic] }).catch(() => {});
        await admin.disconnect();
      }
    });

    it('does not create topics implicitly', async () => {
      const kafka = new Kafka({
        clientId: 'testenv-smoke',
        brokers: te.kafkaBrokers,
        logLevel: logLevel.NOTHING,
        retry: { retries: 1 },
      });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      try {
        await expect(
          producer.send({
            topic: `testenv-smoke-implicit-${suffix}`,
            messages: [{ value: 'x' }],
          }),
        ).rejects.toThrow();
      } finally {
        await producer.disconnect();
      }
    });
  });

  describe('registry', () => {
    const base = () => `http://${te.registry}`;

    it('answers the v2 API', async () => {
      const res = await fetch(`${base()}/v2/`);
      expect(res.status).toBe(200);
    });

    it('stores and serves a blob', async () => {
      const blob = Buffer.from(`blob ${suffix}`);
      const digest = `sha256:${createHash('sha256')
        .update(blob)
        .digest('hex')}`;
      const start = await fetch(`${base()}/v2/testenv/smoke/blobs/uploads/`, {
        method: 'POST',
      });
      expect(start.status).toBe(202);
      const location = new URL(start.headers.get('location')!, base());
      location.searchParams.set('digest', digest);
      const put = await fetch(location, {
        method: 'PUT',
        body: blob,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(201);
      const get = await fetch(`${base()}/v2/testenv/smoke/blobs/${digest}`);
      expect(get.status).toBe(200);
      expect(Buffer.from(await get.arrayBuffer()).toString()).toBe(
        blob.toString(),
      );
    });
  });

  describe('kubernetes', () => {
    const ns = `testenv-smoke-${suffix}`;
    const kubectl = async (args: string[], input?: unknown) => {
      const bin = te.binDir ? join(te.binDir, 'kubectl') : 'kubectl';
      const child = promisify(execFile)(
        bin,
        ['--kubeconfig', te.kubeconfig, ...args],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      if (input !== undefined) {
        child.child.stdin!.end(JSON.stringify(input));
      }
      return (await child).stdout;
    };
    const getJson = async (...args: string[]) =>
      JSON.parse(await kubectl(['get', '-o', 'json', ...args]));

    beforeAll(async () => {
      await kubectl(['create', 'namespace', ns]);
      // Pods are rejected until the namespace's default ServiceAccount
      // exists, which the controller-manager creates asynchronously.
      await waitFor(() =>
        kubectl(['-n', ns, 'get', 'serviceaccount', 'default']).catch(
          () => undefined,
        ),
      );
    });

    afterAll(async () => {
      await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(
        () => {},
      );
    });

    it('has ready kwok nodes', async () => {
      const nodes = await getJson('nodes', '-l', 'type=kwok');
      expect(nodes.items.length).toBeGreaterThan(0);
      for (const node of nodes.items) {
        const ready = node.status.conditions.find(
          (c: { type: string }) => c.type === 'Ready',
        );
        expect(ready.status).toBe('True');
      }
    });

    it('makes a Deployment Available on a kwok node', async () => {
      await kubectl(['apply', '-n', ns, '-f', '-'], {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [{ name: 'web', image: 'example.invalid/web:1' }],
            },
          },
        },
      });
      await kubectl([
        '-n',
        ns,
        'wait',
        '--for=condition=Available',
        '--timeout=120s',
        'deployment/web',
      ]);
      const deploy = await getJson('-n', ns, 'deployment', 'web');
      expect(deploy.status.availableReplicas).toBe(2);
      const pods = await getJson('-n', ns, 'pods', '-l', 'app=web');
      expect(pods.items).toHaveLength(2);
      for (const pod of pods.items) {
        expect(pod.spec.nodeName).toMatch(/^kwok-node-/);
        expect(pod.status.phase).toBe('Running');
        // ServiceAccount admission + token controller worked.
        expect(
          pod.spec.volumes.some((v: { name: string }) =>
            v.name.startsWith('kube-api-access-'),
          ),
        ).toBe(true);
      }
    });

    it('completes a Job', async () => {
      await kubectl(['apply', '-n', ns, '-f', '-'], {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'once' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'once', image: 'example.invalid/job:1' }],
            },
          },
        },
      });
      await kubectl([
        '-n',
        ns,
        'wait',
        '--for=condition=Complete',
        '--timeout=120s',
        'job/once',
      ]);
      const job = await getJson('-n', ns, 'job', 'once');
      expect(job.status.succeeded).toBe(1);
    });

    it('serves pod logs through the API server (kwok Logs)', async () => {
      if (!te.kwokLogsDir) {
        throw new Error('KLI8NT_TEST_KWOK_LOGS_DIR not set');
      }
      await kubectl(['apply', '-n', ns, '-f', '-'], {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'talker' },
        spec: {
          containers: [{ name: 'main', image: 'example.invalid/talker:1' }],
        },
      });
      await kubectl([
        '-n',
        ns,
        'wait',
        '--for=condition=Ready',
        '--timeout=120s',
        'pod/talker',
      ]);
      // kwok reads CRI-format files: "<RFC3339Nano> <stream> <F|P> <line>".
      const dir = join(te.kwokLogsDir, ns);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'talker.log');
      const now = new Date().toISOString();
      writeFileSync(
        file,
        `${now} stdout F first line ${suffix}\n${now} stderr F second line\n`,
      );
      await kubectl(['apply', '-n', ns, '-f', '-'], {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'Logs',
        metadata: { name: 'talker' },
        spec: { logs: [{ containers: ['main'], logsFile: file }] },
      });
      // kwok picks the Logs object up through a watch.
      const logs = await waitFor(async () => {
        const out = await kubectl(['-n', ns, 'logs', 'talker']).catch(() => '');
        return out.includes(suffix) ? out : undefined;
      });
      expect(logs).toBe(`first line ${suffix}\nsecond line\n`);
    });

    it('installs a CRD and updates a custom resource through its status subresource', async () => {
      const group = `smoke${suffix}.testenv.kli8nt.io`;
      await kubectl(['apply', '-f', '-'], {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer' } },
                    },
                    status: {
                      type: 'object',
                      properties: { phase: { type: 'string' } },
                    },
                  },
                },
              },
            },
          ],
        },
      });
      try {
        await kubectl([
          'wait',
          '--for=condition=Established',
          '--timeout=60s',
          `crd/widgets.${group}`,
        ]);
        const resource = `widgets.${group}`;
        await waitFor(() =>
          kubectl(['apply', '-n', ns, '-f', '-'], {
            apiVersion: `${group}/v1`,
            kind: 'Widget',
            metadata: { name: 'w' },
            spec: { size: 3 },
            status: { phase: 'ignored-on-create' },
          }).catch(() => undefined),
        );
        const created = await getJson('-n', ns, resource, 'w');
        expect(created.status).toBeUndefined();

        await kubectl([
          '-n',
          ns,
          'patch',
          resource,
          'w',
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status: { phase: 'Ready' }, spec: { size: 9 } }),
        ]);
        const patched = await getJson('-n', ns, resource, 'w');
        expect(patched.status).toEqual({ phase: 'Ready' });
        // The status endpoint must not touch spec.
        expect(patched.spec).toEqual({ size: 3 });
        expect(patched.metadata.generation).toBe(1);
      } finally {
        await kubectl(['delete', 'crd', `widgets.${group}`, '--wait=false']);
      }
    });
  });
});

async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise(r => setTimeout(r, 500));
  }
}
