/*
 * (g) Reconcile 1,000 apps: the deploy controller (its own process, as
 * `kli8nt-controller deploy`) consumes one DeployRequested per app from
 * RabbitMQ and applies the App and its Deployment, Service and Ingress;
 * against a plain client server-side applying the very objects the
 * controller produced (read back, owner references re-pointed) into a
 * second namespace. Replicas 0: scheduling pods on kwok is the
 * scheduler's work, not the controller's.
 */
import {
  createMessage,
  deployQueueName,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { AmqpWorkQueue } from '@kli8nt/backstage-plugin-kli8nt-node';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ControllerProcess } from './controllerProcess';
import { ROOT } from './env';
import { PlainKube } from './kube';
import { sleep } from './stats';
import { BenchContext, BenchResult } from './types';

const WORKERS = 8;
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Where each kind lives on the apiserver, in the order a client applies them. */
const KINDS = [
  ['App', '/apis/kli8nt.io/v1alpha1', 'apps'],
  ['Secret', '/api/v1', 'secrets'],
  ['Deployment', '/apis/apps/v1', 'deployments'],
  ['Service', '/api/v1', 'services'],
  ['Ingress', '/apis/networking.k8s.io/v1', 'ingresses'],
] as const;
const CHILDREN = KINDS.filter(([kind]) => kind !== 'App');

const url = (ns: string, [, group, plural]: (typeof KINDS)[number]) =>
  `${group}/namespaces/${ns}/${plural}`;

async function createNamespace(kube: PlainKube, name: string) {
  const res = await kube.send('POST', '/api/v1/namespaces', {
    metadata: { name },
  });
  if (res.status >= 300) throw new Error(`namespace ${name}: ${res.status}`);
}

/** An object as a client would write it: no server-owned fields. */
function asApplied(live: any, ns: string, ownerUid?: string): any {
  const { name, labels, annotations, ownerReferences } = live.metadata;
  const object = { ...live, metadata: { name, namespace: ns, labels } };
  delete object.status;
  const kept = Object.fromEntries(
    Object.entries(annotations ?? {}).filter(
      ([key]) => !key.startsWith('deployment.kubernetes.io/'),
    ),
  );
  if (Object.keys(kept).length) object.metadata.annotations = kept;
  if (ownerReferences && ownerUid) {
    object.metadata.ownerReferences = ownerReferences.map((o: any) => ({
      ...o,
      uid: ownerUid,
    }));
  }
  if (live.kind === 'Service') {
    object.spec = { ...live.spec };
    delete object.spec.clusterIP;
    delete object.spec.clusterIPs;
  }
  return object;
}

/** Runs `fn` over `items` with `limit` in flight. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export async function reconcileBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  const count = ctx.quick ? 10 : 1000;
  const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const cluster = `bench-${suffix}`;
  const nsController = `bench-ctl-${suffix}`;
  const nsPlain = `bench-ssa-${suffix}`;
  const kube = new PlainKube(ctx.env.KUBECONFIG, WORKERS);
  const kubectl = resolve(ctx.env.KLI8NT_TESTENV_BIN, 'kubectl');
  execFileSync(
    kubectl,
    ['apply', '--server-side', '-f', resolve(ROOT, 'charts/kli8nt/crds/')],
    { env: { ...process.env, KUBECONFIG: ctx.env.KUBECONFIG }, stdio: 'pipe' },
  );
  await createNamespace(kube, nsController);
  await createNamespace(kube, nsPlain);
  const rabbitmq = {
    url: ctx.env.KLI8NT_TEST_AMQP_URL,
    exchange: `bench.${suffix}`,
    deadLetterExchange: `bench.${suffix}.dlx`,
    deadLetterQueue: `bench.${suffix}.dlq`,
    deliveryLimit: 5,
    prefetch: 50,
    reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
  };
  const controller = new ControllerProcess(
    'deploy',
    {
      KUBECONFIG: ctx.env.KUBECONFIG,
      KLI8NT_CLUSTER: cluster,
      KLI8NT_WORKERS: String(WORKERS),
      KLI8NT_AMQP_URL: rabbitmq.url,
      KLI8NT_AMQP_EXCHANGE: rabbitmq.exchange,
      KLI8NT_AMQP_DEAD_LETTER_EXCHANGE: rabbitmq.deadLetterExchange,
      KLI8NT_AMQP_DEAD_LETTER_QUEUE: rabbitmq.deadLetterQueue,
      KLI8NT_AMQP_PREFETCH: String(rabbitmq.prefetch),
      KLI8NT_INFORM_QUEUE: `inform.bench.${suffix}`,
      KLI8NT_APPS_NAMESPACE: nsController,
      KLI8NT_APPS_DOMAIN: 'apps.kli8nt.test',
      KLI8NT_TLS_MODE: 'none',
      KLI8NT_EXPOSURE: 'ingress',
      KLI8NT_SEALING_KEYS: randomBytes(32).toString('base64'),
      KLI8NT_RESYNC_SECONDS: '600',
      POD_NAMESPACE: nsController,
    },
    ctx.profileDir,
  );
  const queue = await AmqpWorkQueue.create({
    config: rabbitmq,
    parser: parseMessage,
    logger: { info() {}, warn() {}, error: console.error },
  });
  try {
    await controller.waitForLog(/deploy role started/, 120_000);
    const apps = Array.from({ length: count }, (_, i) => `b${suffix}-${i}`);
    ctx.log(`(g) ${count} DeployRequested → the deploy controller`);
    const t0 = performance.now();
    await pool(apps, 16, app =>
      queue.publish(
        deployQueueName(cluster),
        createMessage('DeployRequested', {
          deploymentId: randomUUID(),
          occurredAt: new Date().toISOString(),
          payload: {
            app,
            entityRef: `component:default/${app}`,
            cluster,
            image: `registry.example.com/apps/${app}@${DIGEST}`,
            imageDigest: DIGEST,
            revision: 'c'.repeat(40),
            reason: 'build',
            config: { port: 8080, replicas: 0, env: { GREETING: 'hi' } },
            sequence: 1,
          },
        }),
      ),
    );
    const kinds = KINDS.filter(([kind]) => kind !== 'Secret');
    for (;;) {
      controller.check();
      const counts = await Promise.all(
        kinds.map(
          async kind => (await kube.names(url(nsController, kind))).length,
        ),
      );
      if (counts.every(n => n >= count)) break;
      if (performance.now() - t0 > (ctx.quick ? 120_000 : 1_800_000)) {
        throw new Error(
          `(g) timed out: ${kinds
            .map(([kind], i) => `${counts[i]} ${kind}`)
            .join(', ')} of ${count}`,
        );
      }
      await sleep(250);
    }
    const controllerMs = performance.now() - t0;
    const rssMb = controller.peakRssMb();
    const cpuMs = controller.cpuMs();
    await controller.stop();

    // The controller's objects, per app, as the plain client will write them.
    const live = new Map<string, any[]>();
    for (const kind of KINDS) {
      for (const item of (await kube.get(url(nsController, kind))).items ??
        []) {
        const app =
          item.metadata.labels?.['kli8nt.io/app'] ?? item.metadata.name;
        live.set(app, [...(live.get(app) ?? []), item]);
      }
    }
    const objectCount = [...live.values()].flat().length;
    ctx.log(`(g) ${objectCount} objects → plain server-side apply`);
    const t1 = performance.now();
    await pool([...live.values()], WORKERS, async objects => {
      const app = objects.find(o => o.kind === 'App');
      const applied = await kube.apply(
        `${url(nsPlain, KINDS[0])}/${app.metadata.name}`,
        asApplied(app, nsPlain),
        'kli8nt-bench',
      );
      for (const kind of CHILDREN) {
        for (const object of objects.filter(o => o.kind === kind[0])) {
          await kube.apply(
            `${url(nsPlain, kind)}/${object.metadata.name}`,
            asApplied(object, nsPlain, applied.metadata.uid),
            'kli8nt-bench',
          );
        }
      }
    });
    const plainMs = performance.now() - t1;
    const ratio = controllerMs / plainMs;
    return {
      id: 'g',
      name: `reconcile ${count} apps (kwok) with the deploy controller`,
      workload: `${count} DeployRequested on RabbitMQ → App, Deployment, Service, Ingress each (${objectCount} objects), replicas 0; controller with ${WORKERS} workers, prefetch ${rabbitmq.prefetch}`,
      baseline: `plain server-side apply of the same ${objectCount} objects, ${WORKERS} apps in flight`,
      value: Math.round(controllerMs),
      baselineValue: Math.round(plainMs),
      unit: 'ms to all applied',
      ratio: Number(ratio.toFixed(2)),
      target: '≤ 1.2×, controller RSS ≤ 300 MB',
      pass: ratio <= 1.2 && rssMb <= 300,
      notes: [
        `controller peak RSS ${rssMb} MB, CPU ${Math.round(cpuMs)} ms`,
        `${Math.round((count / controllerMs) * 1000)} apps/s vs ${Math.round(
          (count / plainMs) * 1000,
        )} apps/s plain`,
      ],
    };
  } finally {
    await controller.stop();
    await queue.close();
    for (const ns of [nsController, nsPlain]) {
      await kube.send('DELETE', `/api/v1/namespaces/${ns}`);
    }
    kube.close();
  }
}
