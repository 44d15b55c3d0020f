import {
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  Kli8ntLogger,
  RabbitMqConfig,
  WorkQueue,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import type { TestGithub } from '@internal/testenv';
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuildConfig } from '../../config';
import { createLogger } from '../../runtime';
import { BuildController } from '../../build/controller';
import { parseBuildQueueMessage } from '../../build/queueAdapter';
import { TEST_SEALING_KEY } from '../../build/testFixtures';
import { parseTolerations } from '../../runtime/tolerations';
import { REPO_ROOT } from './buildah';

/*
 * The parts of the test world the real-node build suite drives: the local
 * GitHub (App installation tokens, the API's clone URL), kubectl, and a real
 * BuildController on a real RabbitMQ whose reports land in a per-run INFORM
 * queue.
 */

const exec = promisify(execFile);

export async function kubectl(args: string[], input?: string) {
  const child = exec('kubectl', args, { maxBuffer: 32 << 20 });
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
}

/** A GitHub App JWT (RS256, ten minutes), as the backend signs it. */
function appJwt(github: TestGithub): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iat: now - 30,
    exp: now + 540,
    iss: github.appId,
  })}`;
  const signer = createSign('RSA-SHA256');
  signer.update(unsigned);
  const key = readFileSync(github.appKeyFile, 'utf8');
  return `${unsigned}.${signer.sign(key).toString('base64url')}`;
}

async function api<T>(
  github: TestGithub,
  route: string,
  auth: string,
  method = 'GET',
  body?: object,
): Promise<T> {
  const response = await fetch(`${github.apiBaseUrl}${route}`, {
    method,
    headers: { authorization: auth, accept: 'application/vnd.github+json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    throw new Error(`${method} ${route}: ${response.status}`);
  }
  return (await response.json()) as T;
}

/**
 * Mints an installation token for the one repository, `contents: read`,
 * as the backend does for a BuildRequested, and reads the repository's
 * clone URL (the one build pods reach) with it.
 */
export async function mintCloneAccess(
  github: TestGithub,
  owner: string,
  name: string,
): Promise<{ token: string; cloneUrl: string }> {
  const jwt = `Bearer ${appJwt(github)}`;
  const installation = await api<{ id: number }>(
    github,
    `/repos/${owner}/${name}/installation`,
    jwt,
  );
  const { token } = await api<{ token: string }>(
    github,
    `/app/installations/${installation.id}/access_tokens`,
    jwt,
    'POST',
    { repositories: [name], permissions: { contents: 'read' } },
  );
  const repo = await api<{ clone_url: string; private: boolean }>(
    github,
    `/repos/${owner}/${name}`,
    `token ${token}`,
  );
  if (!repo.private) throw new Error(`${owner}/${name} is not private`);
  return { token, cloneUrl: repo.clone_url };
}

const silent: Kli8ntLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * A BuildController on the real broker. Everything it publishes is also
 * recorded in `received` (INFORM remapped to a per-run queue).
 */
export async function startBuildController(
  config: BuildConfig,
  informQueue: string,
) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG!);
  const amqp = await AmqpWorkQueue.create({
    config: config.amqp,
    parser: parseBuildQueueMessage,
    logger: silent,
  });
  const queue: WorkQueue<Kli8ntMessage> = {
    publish: (name, message) =>
      amqp.publish(name === INFORM_QUEUE ? informQueue : name, message),
    consume: (name, handler, opts) => amqp.consume(name, handler, opts),
    consumerCount: name => amqp.consumerCount(name),
    consumeDeadLetters: handler => amqp.consumeDeadLetters(handler),
    close: () => amqp.close(),
  };
  const controller = new BuildController({
    kubeConfig,
    config,
    shared: { resyncMs: 5_000, watchStaleMs: 60_000, workers: 2 },
    queue,
    logger: createLogger(
      {},
      process.env.KLI8NT_TEST_VERBOSE ? undefined : () => {},
    ),
  });
  await controller.start();
  return {
    stop: async () => {
      await controller.stop();
      await amqp.close();
    },
  };
}

/** Publishes to and records from the per-run queues. */
export async function messageTap(amqpConfig: RabbitMqConfig, queues: string[]) {
  const received: Array<{ queue: string; message: Kli8ntMessage }> = [];
  const tap = await AmqpWorkQueue.create({
    config: amqpConfig,
    parser: parseMessage,
    logger: silent,
  });
  for (const queue of queues) {
    await tap.consume(queue, async message => {
      received.push({ queue, message });
    });
  }
  return {
    received,
    publish: (queue: string, message: Kli8ntMessage) =>
      tap.publish(queue, message),
    close: () => tap.close(),
  };
}

/** What a real-node build suite sets up once: namespace, queues, config. */
export interface NodeBuildWorld {
  namespace: string;
  cluster: string;
  buildQueue: string;
  informQueue: string;
  config: BuildConfig;
}

/**
 * The BuildKit build role's settings for the real node (as an operator
 * would set them: selector and tolerations, the git server's CA as a
 * ConfigMap, the egress proxy), and the namespace with the push Secret and
 * that ConfigMap. `images` are `build-builder-images env`'s exports.
 */
export async function setUpNodeBuilds(
  suffix: string,
  github: TestGithub,
  egressProxyNode: string,
  images: Record<string, string>,
  base: Omit<
    BuildConfig,
    'clusters' | 'namespace' | 'amqp' | 'digestGraceMs' | 'sealingKeys'
  >,
): Promise<NodeBuildWorld> {
  const namespace = `kli8nt-bk-${suffix}`;
  const cluster = `bk-${suffix}`;
  const registry = process.env.KLI8NT_TEST_NODE_REGISTRY!;
  const nodeHost = process.env.KLI8NT_TEST_NODE_HOST_IP!;
  const parsed = parseTolerations('kli8nt.io/node=real:NoSchedule');
  if (!('tolerations' in parsed)) throw new Error(parsed.problems.join());
  const config: BuildConfig = {
    ...base,
    clusters: [cluster],
    namespace,
    amqp: {
      url: process.env.KLI8NT_TEST_AMQP_URL!,
      exchange: `kli8nt.bk.${suffix}`,
      deadLetterExchange: `kli8nt.bk.${suffix}.dlx`,
      deadLetterQueue: `kli8nt.bk.${suffix}.dlq`,
      deliveryLimit: 5,
      prefetch: 10,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
    },
    digestGraceMs: 30_000,
    sealingKeys: [TEST_SEALING_KEY],
    registry: `${registry}/apps`,
    cacheRepo: `${registry}/kli8nt-cache`,
    insecureRegistry: true,
    dockerHubMirror: registry,
    images: {
      builder: images.KLI8NT_TEST_BUILDKIT_IMAGE,
      push: images.KLI8NT_TEST_PUSH_IMAGE,
      clone: images.KLI8NT_TEST_CLONE_IMAGE,
      detect: images.KLI8NT_TEST_DETECT_IMAGE,
    },
    resources: {
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '2', memory: '2Gi' },
    },
    // Rootless BuildKit unpacks node:22-bookworm (1 GB) more than once: at
    // 4Gi the kubelet evicted the pod.
    workspaceSize: '12Gi',
    deadlineSeconds: 900,
    nodeSelector: { 'kli8nt.io/node': 'real' },
    tolerations: parsed.tolerations,
    caConfigMap: 'git-ca',
    proxy: {
      httpProxy: egressProxyNode,
      httpsProxy: egressProxyNode,
      // The git server and the registry are the test world's own.
      noProxy: `${nodeHost},127.0.0.1,localhost,.svc,.cluster.local`,
    },
  };
  await kubectl(
    ['apply', '-f', '-'],
    readFileSync(path.join(REPO_ROOT, 'charts/kli8nt/crds/build.yaml'), 'utf8'),
  );
  await kubectl(['create', 'namespace', namespace]);
  await kubectl(
    ['apply', '-n', namespace, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: config.pushSecretName },
          type: 'kubernetes.io/dockerconfigjson',
          stringData: { '.dockerconfigjson': '{"auths":{}}' },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'git-ca' },
          data: { 'ca.crt': readFileSync(github.caFile, 'utf8') },
        },
      ],
    }),
  );
  return {
    namespace,
    cluster,
    buildQueue: `build.${cluster}`,
    informQueue: `inform.${cluster}`,
    config,
  };
}
